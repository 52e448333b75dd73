//! Tokens: words (Vietnamese syllables and other runs of letters), numbers and punctuation with
//! their byte positions, plus the lower-cased and folded forms used for search and models.

use crate::chars;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A run of letters (a syllable in Vietnamese text).
    Word,
    /// Digits, with inner `.`, `,`, `/`, `:` or `-` (`1.500.000`, `12/3/2025`, `7:30`).
    Number,
    /// Anything else that is not white space (punctuation, symbols, emoji).
    Symbol,
}

/// A token: its text and its byte range in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The text as written.
    pub text: &'a str,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just after the last byte.
    pub end: usize,
    /// Kind of token.
    pub kind: Kind,
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        crate::chars::is_letter(c) || unicode_normalization::char::is_combining_mark(c)
    }
}

/// Splits a text into tokens (white space dropped).
///
/// ```
/// use duluan_vitext::tokens::{tokenize, Kind};
/// let t = tokenize("Giá điện tăng 1.500 đồng!");
/// let words: Vec<&str> = t.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text).collect();
/// assert_eq!(words, ["Giá", "điện", "tăng", "đồng"]);
/// assert_eq!(t[3].text, "1.500");
/// assert_eq!((t[1].start, t[1].end), (5, 12));
/// ```
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((start, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        let kind;
        let mut end = start + c.len_utf8();
        if is_word_char(c) {
            kind = Kind::Word;
            while let Some(&(i, d)) = it.peek() {
                if !is_word_char(d) {
                    break;
                }
                end = i + d.len_utf8();
                it.next();
            }
        } else if c.is_ascii_digit() {
            kind = Kind::Number;
            while let Some(&(i, d)) = it.peek() {
                let inner = matches!(d, '.' | ',' | '/' | ':' | '-')
                    && text[i + 1..].starts_with(|x: char| x.is_ascii_digit());
                if !d.is_ascii_digit() && !inner {
                    break;
                }
                end = i + 1;
                it.next();
            }
        } else {
            kind = Kind::Symbol;
        }
        out.push(Token {
            text: &text[start..end],
            start,
            end,
            kind,
        });
    }
    out
}

/// Lower-cases a string (Vietnamese letters included).
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    // Vietnamese letters keep their UTF-8 length when lower-cased: change bytes in place.
    let mut bytes = s.as_bytes().to_vec();
    for (i, c) in s.char_indices() {
        let l = chars::lower_char(c);
        if l != c {
            if l.len_utf8() != c.len_utf8() {
                return s.chars().map(chars::lower_char).collect();
            }
            l.encode_utf8(&mut bytes[i..i + c.len_utf8()]);
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| s.chars().map(chars::lower_char).collect())
}

/// Lower-cases and folds (no diacritics, `đ` → `d`): the form used to search without marks.
///
/// ```
/// assert_eq!(duluan_vitext::tokens::fold_lower("Đường Nguyễn Trãi"), "duong nguyen trai");
/// ```
pub fn fold_lower(s: &str) -> String {
    s.chars()
        .map(|c| chars::lower_char(chars::fold_char(c)))
        .collect()
}

/// A syllable with its three forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syllable<'a> {
    /// As written.
    pub text: &'a str,
    /// Byte range in the input.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Lower case.
    pub lower: String,
    /// Lower case without diacritics.
    pub folded: String,
}

/// The words of a text with their lower-cased and folded forms.
///
/// ```
/// let s = duluan_vitext::tokens::syllables("Ủy ban");
/// assert_eq!((s[0].lower.as_str(), s[0].folded.as_str()), ("ủy", "uy"));
/// ```
pub fn syllables(text: &str) -> Vec<Syllable<'_>> {
    tokenize(text)
        .into_iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| Syllable {
            text: t.text,
            start: t.start,
            end: t.end,
            lower: lower(t.text),
            folded: fold_lower(t.text),
        })
        .collect()
}

/// Lower-cased words grouped into phrases: a new phrase starts at every number or symbol
/// (terms never cross punctuation).
pub fn phrases(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut cur = Vec::new();
    for t in tokenize(text) {
        if t.kind == Kind::Word {
            cur.push(lower(t.text));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[(&str, Kind)]) {
        let got: Vec<(&str, Kind)> = tokenize(input).iter().map(|t| (t.text, t.kind)).collect();
        assert_eq!(got, expected, "{input}");
    }

    #[test]
    fn tokenizer() {
        use Kind::*;
        check("", &[]);
        check("  ", &[]);
        check(
            "Hà Nội, 12/3/2025.",
            &[
                ("Hà", Word),
                ("Nội", Word),
                (",", Symbol),
                ("12/3/2025", Number),
                (".", Symbol),
            ],
        );
        check("5,5% hộ", &[("5,5", Number), ("%", Symbol), ("hộ", Word)]);
        check("x\u{301}y", &[("x\u{301}y", Word)]);
        check("a-b", &[("a", Word), ("-", Symbol), ("b", Word)]);
        check("1.", &[("1", Number), (".", Symbol)]);
    }

    #[test]
    fn lower_matches_char_by_char() {
        for s in ["ĐƯỜNG Nguyễn", "ẞ straße", "İstanbul", "ÀÁẢ ǅ", "", "ABC"] {
            assert_eq!(
                lower(s),
                s.chars().map(chars::lower_char).collect::<String>(),
                "{s}"
            );
        }
    }

    #[test]
    fn forms_and_phrases() {
        assert_eq!(fold_lower("ĐẮK LẮK"), "dak lak");
        assert_eq!(
            phrases("Người dân, cán bộ 3 xã"),
            vec![vec!["người", "dân"], vec!["cán", "bộ"], vec!["xã"]]
        );
    }

    proptest::proptest! {
        #[test]
        fn tokens_cover_input_in_order(s in "\\PC{0,60}") {
            let t = tokenize(&s);
            let mut last = 0;
            for tok in &t {
                proptest::prop_assert!(tok.start >= last && tok.end > tok.start);
                proptest::prop_assert_eq!(&s[tok.start..tok.end], tok.text);
                last = tok.end;
            }
        }
    }
}
