//! The bundled clean Vietnamese corpus (`corpus/*.txt`): original sentences on public-life
//! topics written for duluan and licensed like the project (MIT OR Apache-2.0); see
//! `corpus/PROVENANCE.md`. It trains the default diacritic-restoration model and term lexicon.

/// `(file name, text)` of every corpus file; lines starting with `#` are comments.
pub const FILES: &[(&str, &str)] = &[
    ("kinh-te.txt", include_str!("../corpus/kinh-te.txt")),
    ("dat-dai.txt", include_str!("../corpus/dat-dai.txt")),
    ("y-te.txt", include_str!("../corpus/y-te.txt")),
    ("giao-duc.txt", include_str!("../corpus/giao-duc.txt")),
    ("giao-thong.txt", include_str!("../corpus/giao-thong.txt")),
    ("moi-truong.txt", include_str!("../corpus/moi-truong.txt")),
    (
        "le-hoi-van-hoa.txt",
        include_str!("../corpus/le-hoi-van-hoa.txt"),
    ),
    (
        "dich-vu-cong.txt",
        include_str!("../corpus/dich-vu-cong.txt"),
    ),
    (
        "bao-cao-du-luan.txt",
        include_str!("../corpus/bao-cao-du-luan.txt"),
    ),
    ("nong-nghiep.txt", include_str!("../corpus/nong-nghiep.txt")),
    (
        "an-sinh-lao-dong.txt",
        include_str!("../corpus/an-sinh-lao-dong.txt"),
    ),
    (
        "chuyen-doi-so.txt",
        include_str!("../corpus/chuyen-doi-so.txt"),
    ),
    ("ten-rieng.txt", include_str!("../corpus/ten-rieng.txt")),
    ("doi-song.txt", include_str!("../corpus/doi-song.txt")),
];

/// All corpus lines (comments and empty lines skipped).
pub fn lines() -> impl Iterator<Item = &'static str> {
    FILES
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    const LOANWORDS: [&str; 30] = [
        "bar",
        "biogas",
        "bok",
        "camera",
        "campuchia",
        "chat",
        "chip",
        "chnăm",
        "chôl",
        "clip",
        "clo",
        "container",
        "gas",
        "gen",
        "internet",
        "karaoke",
        "khmer",
        "livestream",
        "lắk",
        "ocop",
        "ok",
        "qr",
        "shipper",
        "thmây",
        "tour",
        "video",
        "view",
        "web",
        "zalo",
        "đắk",
    ];

    #[test]
    fn corpus_is_clean_nfc_vietnamese() {
        let mut n = 0;
        let mut invalid = Vec::new();
        for line in super::lines() {
            n += 1;
            assert!(unicode_normalization::is_nfc(line), "not NFC: {line}");
            assert_eq!(
                crate::normalize::normalize(line),
                line,
                "not normalised: {line}"
            );
            for w in crate::tokens::syllables(line) {
                if !crate::syllable::is_valid(w.text) {
                    invalid.push(w.lower);
                }
            }
        }
        invalid.sort();
        invalid.dedup();
        // Loanwords and abbreviations only.
        assert_eq!(
            invalid, LOANWORDS,
            "words that are not Vietnamese syllables"
        );
        assert!(n > 1000, "{n} lines");
    }
}
