//! Legacy 8-bit Vietnamese encodings: TCVN3 (ABC, the `.Vn` fonts) and VNI (the `VNI-` fonts),
//! as found in old documents, and UTF-8 text that was decoded with the Windows-1252 code page
//! (`Viá»‡t Nam`). Converts them to Unicode and detects which one a text is in when nobody said.
//!
//! Text in these encodings reaches us either as raw bytes ([`decode_bytes`]) or, more often,
//! as Unicode that shows the Windows-1252 letters of the font's bytes (`Hµ Néi` for `Hà Nội` in
//! TCVN3, `Haø Noäi` in VNI). [`repair`] takes such a string and returns the Vietnamese text.

use crate::syllable;
use std::borrow::Cow;

/// Encodings this module knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Already Unicode Vietnamese (or not Vietnamese at all): left as it is.
    Unicode,
    /// TCVN 5712:1993 "ABC" font encoding (`.VnTime`), seen through Windows-1252.
    Tcvn3,
    /// VNI Windows font encoding (`VNI-Times`), seen through Windows-1252.
    Vni,
    /// UTF-8 bytes that were decoded as Windows-1252 or Latin-1 (`Viá»‡t`).
    Utf8AsCp1252,
}

impl Encoding {
    /// A short name (`unicode`, `tcvn3`, `vni`, `utf8-as-cp1252`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Unicode => "unicode",
            Encoding::Tcvn3 => "tcvn3",
            Encoding::Vni => "vni",
            Encoding::Utf8AsCp1252 => "utf8-as-cp1252",
        }
    }
}

/// TCVN3 (ABC): the Windows-1252 letter of each font byte and the Vietnamese letter it draws.
const TCVN3: [(char, char); 74] = [
    ('µ', 'à'),
    ('¶', 'ả'),
    ('·', 'ã'),
    ('¸', 'á'),
    ('¹', 'ạ'),
    ('¨', 'ă'),
    ('»', 'ằ'),
    ('¼', 'ẳ'),
    ('½', 'ẵ'),
    ('¾', 'ắ'),
    ('Æ', 'ặ'),
    ('©', 'â'),
    ('Ç', 'ầ'),
    ('È', 'ẩ'),
    ('É', 'ẫ'),
    ('Ê', 'ấ'),
    ('Ë', 'ậ'),
    ('®', 'đ'),
    ('Ì', 'è'),
    ('Î', 'ẻ'),
    ('Ï', 'ẽ'),
    ('Ð', 'é'),
    ('Ñ', 'ẹ'),
    ('ª', 'ê'),
    ('Ò', 'ề'),
    ('Ó', 'ể'),
    ('Ô', 'ễ'),
    ('Õ', 'ế'),
    ('Ö', 'ệ'),
    ('×', 'ì'),
    ('Ø', 'ỉ'),
    ('Ü', 'ĩ'),
    ('Ý', 'í'),
    ('Þ', 'ị'),
    ('ß', 'ò'),
    ('á', 'ỏ'),
    ('â', 'õ'),
    ('ã', 'ó'),
    ('ä', 'ọ'),
    ('«', 'ô'),
    ('å', 'ồ'),
    ('æ', 'ổ'),
    ('ç', 'ỗ'),
    ('è', 'ố'),
    ('é', 'ộ'),
    ('¬', 'ơ'),
    ('ê', 'ờ'),
    ('ë', 'ở'),
    ('ì', 'ỡ'),
    ('í', 'ớ'),
    ('î', 'ợ'),
    ('ï', 'ù'),
    ('ñ', 'ủ'),
    ('ò', 'ũ'),
    ('ó', 'ú'),
    ('ô', 'ụ'),
    ('\u{AD}', 'ư'),
    ('õ', 'ừ'),
    ('ö', 'ử'),
    ('÷', 'ữ'),
    ('ø', 'ứ'),
    ('ù', 'ự'),
    ('ú', 'ỳ'),
    ('û', 'ỷ'),
    ('ü', 'ỹ'),
    ('ý', 'ý'),
    ('þ', 'ỵ'),
    ('¡', 'Ă'),
    ('¢', 'Â'),
    ('§', 'Đ'),
    ('£', 'Ê'),
    ('¤', 'Ô'),
    ('¥', 'Ơ'),
    ('¦', 'Ư'),
];

/// Converts TCVN3 text seen through Windows-1252 into Unicode (other characters unchanged).
///
/// ```
/// assert_eq!(duluan_vitext::legacy::decode_tcvn3("Hµ Néi, ViÖt Nam"), "Hà Nội, Việt Nam");
/// ```
pub fn decode_tcvn3(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c
            } else {
                TCVN3.iter().find(|(k, _)| *k == c).map_or(c, |(_, v)| *v)
            }
        })
        .collect()
}

/// What a VNI modifier byte adds to the letter before it.
#[derive(Clone, Copy)]
enum Mod {
    Tone(u8),
    Circumflex(u8),
    Breve(u8),
}

fn vni_modifier(c: char) -> Option<Mod> {
    // Tones: 1 grave, 2 acute, 3 hook, 4 tilde, 5 dot.
    Some(match c {
        'ø' | 'Ø' => Mod::Tone(1),
        'ù' | 'Ù' => Mod::Tone(2),
        'û' | 'Û' => Mod::Tone(3),
        'õ' | 'Õ' => Mod::Tone(4),
        'ï' | 'Ï' => Mod::Tone(5),
        'â' | 'Â' => Mod::Circumflex(0),
        'à' | 'À' => Mod::Circumflex(1),
        'á' | 'Á' => Mod::Circumflex(2),
        'å' | 'Å' => Mod::Circumflex(3),
        'ã' | 'Ã' => Mod::Circumflex(4),
        'ä' | 'Ä' => Mod::Circumflex(5),
        'ê' | 'Ê' => Mod::Breve(0),
        'è' | 'È' => Mod::Breve(1),
        'é' | 'É' => Mod::Breve(2),
        'ú' | 'Ú' => Mod::Breve(3),
        'ü' | 'Ü' => Mod::Breve(4),
        'ë' | 'Ë' => Mod::Breve(5),
        _ => return None,
    })
}

/// VNI letters written with one byte.
fn vni_single(c: char) -> Option<char> {
    Some(match c {
        'ñ' => 'đ',
        'Ñ' => 'Đ',
        'ì' => 'ì',
        'í' => 'í',
        'æ' => 'ỉ',
        'ó' => 'ĩ',
        'ò' => 'ị',
        'î' => 'ỵ',
        'Ì' => 'Ì',
        'Í' => 'Í',
        'Æ' => 'Ỉ',
        'Ó' => 'Ĩ',
        'Ò' => 'Ị',
        'Î' => 'Ỵ',
        _ => return None,
    })
}

/// Base vowel of a VNI letter (`ô` is `ơ`, `ö` is `ư` in VNI): (lower-case shape, upper case).
fn vni_base(c: char) -> Option<(char, bool)> {
    Some(match c {
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' => (c, false),
        'A' | 'E' | 'I' | 'O' | 'U' | 'Y' => (c.to_ascii_lowercase(), true),
        'ô' => ('ơ', false),
        'ö' => ('ư', false),
        'Ô' => ('ơ', true),
        'Ö' => ('ư', true),
        _ => return None,
    })
}

/// Converts VNI text seen through Windows-1252 into Unicode (other characters unchanged).
///
/// ```
/// assert_eq!(duluan_vitext::legacy::decode_vni("Xin chaøo caùc baïn, Vieät Nam"), "Xin chào các bạn, Việt Nam");
/// ```
pub fn decode_vni(s: &str) -> String {
    use crate::chars::{Tone, compose};
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some((shape, upper)) = vni_base(c) {
            let next = chars.get(i + 1).copied().and_then(vni_modifier);
            let combined = match (shape, next) {
                (_, Some(Mod::Tone(t))) => Some(compose(shape, Tone::from_index(t), upper)),
                ('a' | 'e' | 'o', Some(Mod::Circumflex(t))) => {
                    let hat = match shape {
                        'a' => 'â',
                        'e' => 'ê',
                        _ => 'ô',
                    };
                    Some(compose(hat, Tone::from_index(t), upper))
                }
                ('a', Some(Mod::Breve(t))) => Some(compose('ă', Tone::from_index(t), upper)),
                _ => None,
            };
            match combined {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => {
                    out.push(compose(shape, Tone::Level, upper));
                    i += 1;
                }
            }
            continue;
        }
        out.push(vni_single(c).unwrap_or(c));
        i += 1;
    }
    out
}

/// Windows-1252 characters of bytes 0x80..=0x9F.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The Windows-1252 (or Latin-1) byte that shows as `c`, if any.
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) || (0x80..=0x9F).contains(&u) {
        return Some(u as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h == c)
        .map(|i| 0x80 + i as u8)
}

/// Decodes bytes as Windows-1252 (undefined bytes become the C1 control of the same value).
pub fn cp1252_to_string(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

/// Undoes UTF-8 text decoded as Windows-1252: `None` when the text cannot have come from that.
pub fn decode_utf8_mojibake(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = s.chars().map(cp1252_byte).collect();
    let bytes = bytes?;
    if bytes.is_ascii() {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// Whether a character can only be explained by a legacy encoding or mojibake in Vietnamese text.
fn suspicious(c: char) -> bool {
    let u = c as u32;
    ((0x80..=0xFF).contains(&u) && !crate::chars::is_vowel(c) && !matches!(c, '\u{A0}' | '°'))
        || matches!(
            c,
            'ƒ' | 'Š'
                | 'Œ'
                | 'Ž'
                | 'š'
                | 'œ'
                | 'ž'
                | 'Ÿ'
                | '€'
                | '‡'
                | '†'
                | '‰'
                | '‚'
                | '„'
                | 'ˆ'
                | '˜'
                | '™'
                | '‹'
                | '›'
        )
}

/// Whether a line is worth trying legacy readings on.
fn worth_trying(s: &str) -> bool {
    s.chars().any(suspicious)
}

/// Score of a candidate reading: valid syllables minus invalid words, marked words break ties.
fn score(s: &str) -> (i64, i64) {
    let q = syllable::quality(s);
    (q.valid as i64 * 2 - q.words as i64, q.marked as i64)
}

/// Detects the encoding of one line or text (see [`Encoding`]).
///
/// ```
/// use duluan_vitext::legacy::{detect, Encoding};
/// assert_eq!(detect("Ng\u{AD}êi d©n"), Encoding::Tcvn3);
/// assert_eq!(detect("Ngöôøi daân"), Encoding::Vni);
/// assert_eq!(detect("Viá»‡t Nam"), Encoding::Utf8AsCp1252);
/// assert_eq!(detect("Người dân"), Encoding::Unicode);
/// ```
pub fn detect(s: &str) -> Encoding {
    repair_line(s).1
}

fn repair_line(s: &str) -> (Cow<'_, str>, Encoding) {
    if !worth_trying(s) {
        return (Cow::Borrowed(s), Encoding::Unicode);
    }
    let mut best = (Cow::Borrowed(s), Encoding::Unicode);
    let mut best_score = score(s);
    let mut consider = |text: String, enc: Encoding| {
        let sc = score(&text);
        if sc > best_score {
            best_score = sc;
            best = (Cow::Owned(text), enc);
        }
    };
    if let Some(fixed) = decode_utf8_mojibake(s) {
        consider(fixed, Encoding::Utf8AsCp1252);
    }
    consider(decode_tcvn3(s), Encoding::Tcvn3);
    consider(decode_vni(s), Encoding::Vni);
    best
}

/// Converts each line of `s` from the legacy encoding it appears to be in (see [`detect`]);
/// returns the text and the encoding found in most of its converted lines.
///
/// ```
/// use duluan_vitext::legacy::{repair, Encoding};
/// let (text, enc) = repair("Uû ban nh©n d©n x·");
/// assert_eq!((text.as_ref(), enc), ("Uỷ ban nhân dân xã", Encoding::Tcvn3));
/// ```
pub fn repair(s: &str) -> (Cow<'_, str>, Encoding) {
    if !s.contains('\n') {
        return repair_line(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut counts = [0usize; 4];
    let mut changed = false;
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (fixed, enc) = repair_line(line);
        if enc != Encoding::Unicode {
            changed = true;
            counts[enc as usize] += 1;
        }
        out.push_str(&fixed);
    }
    if !changed {
        return (Cow::Borrowed(s), Encoding::Unicode);
    }
    let enc = [Encoding::Tcvn3, Encoding::Vni, Encoding::Utf8AsCp1252]
        .into_iter()
        .max_by_key(|e| counts[*e as usize])
        .unwrap_or(Encoding::Unicode);
    (Cow::Owned(out), enc)
}

/// Decodes raw bytes: UTF-8 when valid (a byte-order mark is dropped), otherwise Windows-1252
/// bytes of a legacy font encoding, detected and converted. Never fails.
///
/// ```
/// use duluan_vitext::legacy::{decode_bytes, Encoding};
/// let (text, enc) = decode_bytes(b"H\xb5 N\xe9i");
/// assert_eq!(text, "Hà Nội");
/// assert_eq!(enc, Encoding::Tcvn3);
/// ```
pub fn decode_bytes(bytes: &[u8]) -> (String, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let (t, e) = repair(s);
            (t.into_owned(), e)
        }
        Err(_) => {
            let s = cp1252_to_string(bytes);
            let (t, e) = repair(&s);
            (t.into_owned(), e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str, enc: Encoding) {
        let (got, e) = repair(input);
        assert_eq!((got.as_ref(), e), (expected, enc), "{input}");
    }

    #[test]
    fn tcvn3_lines() {
        check("Hµ Néi", "Hà Nội", Encoding::Tcvn3);
        check(
            "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
            "Cộng hoà xã hội chủ nghĩa Việt Nam",
            Encoding::Tcvn3,
        );
        check(
            "§éc lËp - Tù do - H¹nh phóc",
            "Độc lập - Tự do - Hạnh phúc",
            Encoding::Tcvn3,
        );
        check(
            "Ng\u{AD}êi d©n ph¶n ¸nh vÒ gi¸ ®iÖn",
            "Người dân phản ánh về giá điện",
            Encoding::Tcvn3,
        );
        check("M\u{AD}êng Kh\u{AD}¬ng", "Mường Khương", Encoding::Tcvn3);
    }

    #[test]
    fn vni_lines() {
        check(
            "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
            "Cộng hòa xã hội chủ nghĩa Việt Nam",
            Encoding::Vni,
        );
        check(
            "Ñoäc laäp - Töï do - Haïnh phuùc",
            "Độc lập - Tự do - Hạnh phúc",
            Encoding::Vni,
        );
        check(
            "Ngöôøi daân phaûn aùnh veà giaù ñieän",
            "Người dân phản ánh về giá điện",
            Encoding::Vni,
        );
        check("THAØNH PHOÁ CAÀN THÔ", "THÀNH PHỐ CẦN THƠ", Encoding::Vni);
        check("naêm hoïc môùi", "năm học mới", Encoding::Vni);
    }

    #[test]
    fn utf8_mojibake() {
        let good = "Người dân phường Tân An phản ánh về giá điện";
        let bad: String = good
            .as_bytes()
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
                _ => b as char,
            })
            .collect();
        check(&bad, good, Encoding::Utf8AsCp1252);
    }

    #[test]
    fn unicode_is_left_alone() {
        for s in [
            "Người dân",
            "café crème brûlée",
            "Giá xăng tăng 5% — “rất lo”",
            "",
            "Thủ tướng Chính phủ",
        ] {
            check(s, s, Encoding::Unicode);
        }
    }

    #[test]
    fn bytes() {
        let (t, e) = decode_bytes(b"\xa7\xe9c l\xcbp");
        assert_eq!((t.as_str(), e), ("Độc lập", Encoding::Tcvn3));
        let (t, e) = decode_bytes("Việt".as_bytes());
        assert_eq!((t.as_str(), e), ("Việt", Encoding::Unicode));
        let (_, _) = decode_bytes(&[0xff, 0xfe, 0x00, 0x81, 0x9d]);
    }
}
