//! Normalisation of Vietnamese text: legacy encodings repaired, Unicode NFC, zero-width
//! characters removed, `ð` → `đ`, and tone marks moved to one canonical placement.

use crate::legacy;
use crate::syllable::{self, ToneStyle};
use unicode_normalization::UnicodeNormalization;

/// Options of [`normalize_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Tone-mark convention for `oa`, `oe`, `uy` (default: `hòa`).
    pub tone_style: ToneStyle,
    /// Detect and convert TCVN3, VNI and UTF-8-as-Windows-1252 lines (default: on).
    pub repair_legacy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tone_style: ToneStyle::Old,
            repair_legacy: true,
        }
    }
}

/// Characters removed by the normaliser (zero-width and invisible formatting characters).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{200E}'
            | '\u{200F}'
    )
}

/// Normalises with the default [`Options`] (tone style `hòa`, legacy repair on).
///
/// ```
/// use duluan_vitext::normalize::normalize;
/// assert_eq!(normalize("Hoa\u{300} be\u{323}\u{302}nh"), "Hòa bệnh"); // NFD in, NFC out
/// assert_eq!(normalize("thuỷ lợi, khoẻ mạnh"), "thủy lợi, khỏe mạnh");
/// assert_eq!(normalize("ðường\u{200B}phố"), "đườngphố");
/// assert_eq!(normalize("Hµ Néi"), "Hà Nội"); // TCVN3
/// ```
pub fn normalize(text: &str) -> String {
    normalize_with(text, &Options::default())
}

/// Normalises `text` (see the module documentation) with explicit options.
///
/// ```
/// use duluan_vitext::normalize::{normalize_with, Options};
/// use duluan_vitext::syllable::ToneStyle;
/// let new = Options { tone_style: ToneStyle::New, ..Options::default() };
/// assert_eq!(normalize_with("hòa bình, thủy lợi", &new), "hoà bình, thuỷ lợi");
/// ```
pub fn normalize_with(text: &str, options: &Options) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    // Fast path: only ASCII, Vietnamese letters and general punctuation: already NFC, nothing
    // invisible, no legacy encoding; only tone placement can change.
    let plain = text.chars().all(|c| match c as u32 {
        0..=0x7F | 0x1EA0..=0x1EF9 | 0x2010..=0x2027 | 0x2030..=0x205E => true,
        0xC0..=0x1B0 => matches!(c, 'đ' | 'Đ') || crate::chars::is_vowel(c),
        _ => false,
    });
    if plain {
        return place_tones(text, options.tone_style);
    }
    let repaired = if options.repair_legacy {
        legacy::repair(text).0
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let clean_already = unicode_normalization::is_nfc_quick(repaired.chars())
        == unicode_normalization::IsNormalized::Yes
        && !repaired
            .chars()
            .any(|c| is_invisible(c) || c == 'ð' || c == 'Ð');
    if clean_already {
        return place_tones(&repaired, options.tone_style);
    }
    let visible = repaired
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| match c {
            'ð' => 'đ',
            'Ð' => 'Đ',
            c => c,
        });
    let clean: String = visible.nfc().collect();
    place_tones(&clean, options.tone_style)
}

/// Moves tone marks of every word to the canonical vowel (input must be NFC).
pub fn place_tones(text: &str, style: ToneStyle) -> String {
    use crate::chars::{Tone, split_vowel};
    let mut out = String::with_capacity(text.len());
    let mut word_start: Option<usize> = None;
    // Vowels and tone marks of the current word: only words with a tone mark and at least two
    // vowels can have it misplaced.
    let (mut vowels, mut toned) = (0usize, false);
    // A tone on the last of the vowels with a shape mark (ă â ê ô ơ ư) is always in place.
    let (mut tone_on_hat, mut hat_after_tone) = (false, false);
    let flush = |out: &mut String, word: &str, vowels: usize, toned: bool, settled: bool| {
        let moved = if vowels >= 2 && toned && !settled {
            syllable::place_tone(word, style)
        } else {
            None
        };
        match moved {
            Some(w) => out.push_str(&w),
            None => out.push_str(word),
        }
    };
    for (i, c) in text.char_indices() {
        let letter = if c.is_ascii() {
            if matches!(
                c,
                'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'A' | 'E' | 'I' | 'O' | 'U' | 'Y'
            ) {
                vowels += 1;
            }
            c.is_ascii_alphabetic()
        } else if let Some(v) = split_vowel(c) {
            vowels += 1;
            let hat = !v.shape.is_ascii();
            if v.tone != Tone::Level {
                toned = true;
                tone_on_hat = hat;
                hat_after_tone = false;
            } else if hat && toned {
                hat_after_tone = true;
            }
            true
        } else {
            matches!(c, 'đ' | 'Đ')
                || c.is_alphabetic()
                || unicode_normalization::char::is_combining_mark(c)
        };
        if letter {
            if word_start.is_none() {
                word_start = Some(i);
            }
        } else {
            if let Some(s) = word_start.take() {
                flush(
                    &mut out,
                    &text[s..i],
                    vowels,
                    toned,
                    tone_on_hat && !hat_after_tone,
                );
            }
            (vowels, toned, tone_on_hat, hat_after_tone) = (0, false, false, false);
            out.push(c);
        }
    }
    if let Some(s) = word_start {
        flush(
            &mut out,
            &text[s..],
            vowels,
            toned,
            tone_on_hat && !hat_after_tone,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(normalize(input), expected, "{input:?}");
    }

    fn check_new(input: &str, expected: &str) {
        let o = Options {
            tone_style: ToneStyle::New,
            ..Options::default()
        };
        assert_eq!(normalize_with(input, &o), expected, "{input:?}");
    }

    #[test]
    fn nfc_and_invisibles() {
        check("Vi\u{EA}\u{323}t Nam", "Việt Nam");
        check("Vie\u{302}\u{323}t", "Việt");
        check("Vie\u{323}\u{302}t", "Việt");
        check("Ngu\u{31B}o\u{31B}\u{300}i", "Người");
        check("Ho\u{61}\u{300}", "Hòa");
        check("a\u{200B}b\u{200C}c\u{200D}d\u{FEFF}e\u{2060}", "abcde");
        check("\u{FEFF}Xin chào", "Xin chào");
        check("ðoàn Ðức", "đoàn Đức");
        check("", "");
        check("plain ascii 123", "plain ascii 123");
    }

    #[test]
    fn tone_conventions() {
        check(
            "hoà thuận, thuỷ sản, khoẻ mạnh, Hoá học",
            "hòa thuận, thủy sản, khỏe mạnh, Hóa học",
        );
        check("HOÀ BÌNH", "HÒA BÌNH");
        check("quý, quả, giữa, của, mùa", "quý, quả, giữa, của, mùa");
        check("hòang hôn, qủa, gỉa", "hoàng hôn, quả, giả");
        check_new(
            "hòa thuận, thủy sản, khỏe mạnh",
            "hoà thuận, thuỷ sản, khoẻ mạnh",
        );
        check_new("Hóa, QUÝ, tuỳ, hủy", "Hoá, QUÝ, tuỳ, huỷ");
        check_new("hoàng, toán, quyết", "hoàng, toán, quyết");
    }

    #[test]
    fn legacy_inputs() {
        check(
            "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
            "Cộng hòa xã hội chủ nghĩa Việt Nam",
        );
        check(
            "Coäng hoaø xaõ hoäi chuû nghóa Vieät Nam",
            "Cộng hòa xã hội chủ nghĩa Việt Nam",
        );
        check("Viá»‡t Nam", "Việt Nam");
        let o = Options {
            repair_legacy: false,
            ..Options::default()
        };
        assert_eq!(normalize_with("Hµ Néi", &o), "Hµ Néi");
    }

    #[test]
    fn idempotent_examples() {
        for s in [
            "Người dân hoà thuận",
            "Ñoäc laäp",
            "x\u{301}y",
            "🙂 hoà",
            "ǅ ǈ ß ﬁ",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_is_nfc(s in "\\PC{0,40}") {
            let out = normalize(&s);
            proptest::prop_assert!(unicode_normalization::is_nfc(&out));
        }

        #[test]
        fn idempotent_without_legacy(s in "[a-zA-Zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ \u{300}\u{301}\u{303}\u{309}\u{323}\u{200B}.,]{0,40}") {
            let o = Options { repair_legacy: false, ..Options::default() };
            let once = normalize_with(&s, &o);
            proptest::prop_assert_eq!(normalize_with(&once, &o), once);
        }
    }
}
