//! Vietnamese letters: split a precomposed vowel into its shape (a, ă, â …) and tone, put them
//! back together, and fold letters to plain ASCII (`đ` → `d`).

/// The six tones, in the order used by the tables below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tone {
    /// ngang (no mark)
    Level = 0,
    /// huyền (grave)
    Grave = 1,
    /// sắc (acute)
    Acute = 2,
    /// hỏi (hook above)
    Hook = 3,
    /// ngã (tilde)
    Tilde = 4,
    /// nặng (dot below)
    Dot = 5,
}

impl Tone {
    /// The tone with index `i` (0..6), `Level` otherwise.
    pub fn from_index(i: u8) -> Tone {
        match i {
            1 => Tone::Grave,
            2 => Tone::Acute,
            3 => Tone::Hook,
            4 => Tone::Tilde,
            5 => Tone::Dot,
            _ => Tone::Level,
        }
    }
}

/// Lower-case vowel shapes with their six toned forms (level, grave, acute, hook, tilde, dot).
const LOWER: [[char; 6]; 12] = [
    ['a', 'à', 'á', 'ả', 'ã', 'ạ'],
    ['ă', 'ằ', 'ắ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ầ', 'ấ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'è', 'é', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ề', 'ế', 'ể', 'ễ', 'ệ'],
    ['i', 'ì', 'í', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ò', 'ó', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ồ', 'ố', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ờ', 'ớ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ù', 'ú', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ừ', 'ứ', 'ử', 'ữ', 'ự'],
    ['y', 'ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'],
];

/// Upper-case counterparts of [`LOWER`].
const UPPER: [[char; 6]; 12] = [
    ['A', 'À', 'Á', 'Ả', 'Ã', 'Ạ'],
    ['Ă', 'Ằ', 'Ắ', 'Ẳ', 'Ẵ', 'Ặ'],
    ['Â', 'Ầ', 'Ấ', 'Ẩ', 'Ẫ', 'Ậ'],
    ['E', 'È', 'É', 'Ẻ', 'Ẽ', 'Ẹ'],
    ['Ê', 'Ề', 'Ế', 'Ể', 'Ễ', 'Ệ'],
    ['I', 'Ì', 'Í', 'Ỉ', 'Ĩ', 'Ị'],
    ['O', 'Ò', 'Ó', 'Ỏ', 'Õ', 'Ọ'],
    ['Ô', 'Ồ', 'Ố', 'Ổ', 'Ỗ', 'Ộ'],
    ['Ơ', 'Ờ', 'Ớ', 'Ở', 'Ỡ', 'Ợ'],
    ['U', 'Ù', 'Ú', 'Ủ', 'Ũ', 'Ụ'],
    ['Ư', 'Ừ', 'Ứ', 'Ử', 'Ữ', 'Ự'],
    ['Y', 'Ỳ', 'Ý', 'Ỷ', 'Ỹ', 'Ỵ'],
];

/// Plain ASCII letter of each shape row.
const FOLDED: [char; 12] = ['a', 'a', 'a', 'e', 'e', 'i', 'o', 'o', 'o', 'u', 'u', 'y'];

/// A Vietnamese vowel split into its shape row, tone and case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vowel {
    /// Lower-case toneless shape, e.g. `ơ` for `Ở`.
    pub shape: char,
    /// The tone carried by the letter.
    pub tone: Tone,
    /// Whether the letter was upper case.
    pub upper: bool,
    row: usize,
}

/// Direct lookup tables for U+00C0..=U+01B0 and U+1EA0..=U+1EF9: 0 for "not a vowel",
/// otherwise `1 + row * 6 + tone`, plus 128 for upper case.
struct Tables {
    latin: [u8; 0x1B1 - 0xC0],
    extended: [u8; 0x1EFA - 0x1EA0],
}

fn tables() -> &'static Tables {
    static T: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = Tables {
            latin: [0; 0x1B1 - 0xC0],
            extended: [0; 0x1EFA - 0x1EA0],
        };
        for (rows, upper) in [(&LOWER, false), (&UPPER, true)] {
            for (row, forms) in rows.iter().enumerate() {
                for (tone, &c) in forms.iter().enumerate() {
                    let code = 1 + (row * 6 + tone) as u8 + if upper { 128 } else { 0 };
                    let u = c as usize;
                    if (0xC0..=0x1B0).contains(&u) {
                        t.latin[u - 0xC0] = code;
                    } else if (0x1EA0..=0x1EF9).contains(&u) {
                        t.extended[u - 0x1EA0] = code;
                    }
                }
            }
        }
        t
    })
}

/// Splits a precomposed (NFC) vowel; `None` for anything else.
pub fn split_vowel(c: char) -> Option<Vowel> {
    let u = c as usize;
    let (row, tone, upper) = match c {
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' => (ascii_row(c), 0, false),
        'A' | 'E' | 'I' | 'O' | 'U' | 'Y' => (ascii_row(c.to_ascii_lowercase()), 0, true),
        _ => {
            let code = match u {
                0xC0..=0x1B0 => tables().latin[u - 0xC0],
                0x1EA0..=0x1EF9 => tables().extended[u - 0x1EA0],
                _ => 0,
            };
            if code == 0 {
                return None;
            }
            let k = (code & 127) as usize - 1;
            (k / 6, k % 6, code >= 128)
        }
    };
    Some(Vowel {
        shape: LOWER[row][0],
        tone: Tone::from_index(tone as u8),
        upper,
        row,
    })
}

fn ascii_row(c: char) -> usize {
    match c {
        'a' => 0,
        'e' => 3,
        'i' => 5,
        'o' => 6,
        'u' => 9,
        _ => 11,
    }
}

/// Reference implementation of [`split_vowel`] (linear scan), for tests.
#[cfg(test)]
fn split_vowel_scan(c: char) -> Option<Vowel> {
    for (row, forms) in LOWER.iter().enumerate() {
        if let Some(t) = forms.iter().position(|&f| f == c) {
            return Some(Vowel {
                shape: forms[0],
                tone: Tone::from_index(t as u8),
                upper: false,
                row,
            });
        }
    }
    for (row, forms) in UPPER.iter().enumerate() {
        if let Some(t) = forms.iter().position(|&f| f == c) {
            return Some(Vowel {
                shape: LOWER[row][0],
                tone: Tone::from_index(t as u8),
                upper: true,
                row,
            });
        }
    }
    None
}

/// Builds the letter of `shape` (a lower-case toneless vowel) with `tone` and case.
/// Returns `shape` unchanged when it is not a Vietnamese vowel.
pub fn compose(shape: char, tone: Tone, upper: bool) -> char {
    match LOWER.iter().position(|r| r[0] == shape) {
        Some(row) if upper => UPPER[row][tone as usize],
        Some(row) => LOWER[row][tone as usize],
        None => shape,
    }
}

/// The same vowel with another tone.
pub fn with_tone(v: Vowel, tone: Tone) -> char {
    if v.upper {
        UPPER[v.row][tone as usize]
    } else {
        LOWER[v.row][tone as usize]
    }
}

/// Whether `c` is a Vietnamese vowel letter (any shape, tone or case).
pub fn is_vowel(c: char) -> bool {
    split_vowel(c).is_some()
}

/// Folds one letter: removes tone and shape marks, `đ` → `d`; other characters unchanged.
pub fn fold_char(c: char) -> char {
    match c {
        'đ' | 'ð' => 'd',
        'Đ' | 'Ð' => 'D',
        _ => match split_vowel(c) {
            Some(v) if v.upper => FOLDED[v.row].to_ascii_uppercase(),
            Some(v) => FOLDED[v.row],
            None => c,
        },
    }
}

/// Lower-cases one character (Vietnamese letters included).
pub fn lower_char(c: char) -> char {
    let u = c as u32;
    match u {
        0..=0x7F => c.to_ascii_lowercase(),
        // Latin-1 upper case letters.
        0xC0..=0xDE if u != 0xD7 => char::from_u32(u + 0x20).unwrap_or(c),
        // Vietnamese letters of Latin Extended-A/B: upper case even, lower case odd.
        0x102 | 0x110 | 0x128 | 0x168 | 0x1A0 | 0x1AF => char::from_u32(u + 1).unwrap_or(c),
        // Latin Extended Additional (Vietnamese block): upper case even, lower case odd.
        0x1EA0..=0x1EF9 => char::from_u32(u | 1).unwrap_or(c),
        _ => {
            let mut it = c.to_lowercase();
            match (it.next(), it.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}

/// Whether a character is a letter (fast for ASCII and Vietnamese letters).
pub fn is_letter(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphabetic(),
        // Latin-1 letters, Latin Extended-A and -B, Latin Extended Additional (Vietnamese).
        0xC0..=0x24F => c != '×' && c != '÷',
        0x1E00..=0x1EFF => true,
        _ => c.is_alphabetic(),
    }
}

/// Whether a character is upper case (fast for Vietnamese letters).
pub fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    match split_vowel(c) {
        Some(v) => v.upper,
        None => c == 'Đ' || (c != 'đ' && c.is_uppercase()),
    }
}

/// Whether a letter carries any Vietnamese mark (tone, shape mark or the bar of `đ`).
pub fn has_mark(c: char) -> bool {
    matches!(c, 'đ' | 'Đ')
        || split_vowel(c).is_some_and(|v| v.tone != Tone::Level || !v.shape.is_ascii())
}

/// Folds a whole string (see [`fold_char`]).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_compose_round_trip_every_letter() {
        for (rows, upper) in [(&LOWER, false), (&UPPER, true)] {
            for row in rows.iter() {
                for &c in row.iter() {
                    let v = split_vowel(c).unwrap();
                    assert_eq!(v.upper, upper);
                    assert_eq!(compose(v.shape, v.tone, v.upper), c);
                }
            }
        }
    }

    #[test]
    fn fast_lookup_matches_the_scan() {
        for u in 0..0x2100u32 {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(split_vowel(c), split_vowel_scan(c), "{c}");
            }
        }
    }

    #[test]
    fn fast_lower_and_letter_match_the_standard_library() {
        for u in 0..0x2100u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut it = c.to_lowercase();
            let std_lower = match (it.next(), it.next()) {
                (Some(l), None) => l,
                _ => c,
            };
            assert_eq!(lower_char(c), std_lower, "{c} U+{u:04X}");
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c} U+{u:04X}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Đường phố Hà Nội ỬNG"), "Duong pho Ha Noi UNG");
        assert_eq!(fold("ð"), "d");
        assert!(has_mark('ă') && has_mark('đ') && has_mark('à') && !has_mark('a'));
    }
}
