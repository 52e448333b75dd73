//! The Vietnamese analyzers of the index: text is put in NFC before it reaches them, then
//! split on non-alphanumeric characters, long tokens dropped, lower-cased, and either folded to
//! ASCII (`đ` → `d`, marks removed: the *folded* fields) or kept with their marks, tone marks
//! moved to one canonical placement (the *exact* fields).

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Name of the folded analyzer in the index's tokenizer manager.
pub(crate) const FOLDED: &str = "duluan_vi_folded";
/// Name of the exact analyzer in the index's tokenizer manager.
pub(crate) const EXACT: &str = "duluan_vi_exact";
/// Tokens longer than this many bytes (before lower-casing) are not indexed.
pub(crate) const MAX_TOKEN_BYTES: usize = 64;

/// Analyzer of the folded fields: tokens → lower case → ASCII folding.
pub fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Analyzer of the exact fields: tokens → lower case → canonical tone placement (`hoà` → `hòa`).
pub fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(CanonicalTones)
        .build()
}

/// Text in Unicode NFC (borrowed when it already is).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// One token of analyzed text: its term, its position and its byte range in the analyzed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analyzed {
    pub term: String,
    pub position: usize,
    pub start: usize,
    pub end: usize,
}

/// Runs `analyzer` over `text` (which should already be NFC).
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Analyzed> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push(Analyzed {
            term: t.text.clone(),
            position: t.position,
            start: t.offset_from,
            end: t.offset_to,
        });
    }
    out
}

/// Token filter that moves the tone mark of each token to the traditional placement, so that
/// `hoà` and `hòa` give the same exact term.
#[derive(Clone)]
pub struct CanonicalTones;

impl TokenFilter for CanonicalTones {
    type Tokenizer<T: Tokenizer> = CanonicalTonesFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CanonicalTonesFilter<T> {
        CanonicalTonesFilter { inner: tokenizer }
    }
}

/// The tokenizer wrapped by [`CanonicalTones`].
#[derive(Clone)]
pub struct CanonicalTonesFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CanonicalTonesFilter<T> {
    type TokenStream<'a> = CanonicalTonesStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CanonicalTonesStream {
            tail: self.inner.token_stream(text),
        }
    }
}

/// The token stream of [`CanonicalTonesFilter`].
pub struct CanonicalTonesStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for CanonicalTonesStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if !token.text.is_ascii() {
            let placed = duluan_vitext::normalize::place_tones(
                &token.text,
                duluan_vitext::syllable::ToneStyle::Old,
            );
            if placed != token.text {
                token.text = placed;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        analyze(analyzer, &nfc(text))
            .into_iter()
            .map(|t| t.term)
            .collect()
    }

    #[test]
    fn folded_removes_every_vietnamese_mark() {
        let mut a = folded_analyzer();
        let check = |a: &mut TextAnalyzer, input: &str, expected: &[&str]| {
            assert_eq!(terms(a, input), expected, "input {input:?}");
        };
        check(
            &mut a,
            "Ngập úng ở Đà Nẵng",
            &["ngap", "ung", "o", "da", "nang"],
        );
        check(&mut a, "ĐƯỜNG ĐIỆN", &["duong", "dien"]);
        check(&mut a, "Hoa\u{300} be\u{323}\u{302}nh", &["hoa", "benh"]);
        check(&mut a, "ăâêôơư ẮẰẲẴẶ ỲÝỶỸỴ", &["aaeoou", "aaaaa", "yyyyy"]);
        check(&mut a, "covid-19, 2025!", &["covid", "19", "2025"]);
        check(&mut a, "🙂 ... ", &[]);
    }

    #[test]
    fn exact_keeps_marks_and_places_tones() {
        let mut a = exact_analyzer();
        assert_eq!(terms(&mut a, "Hoà Bình NGẬP"), ["hòa", "bình", "ngập"]);
        assert_eq!(terms(&mut a, "thuỷ lợi"), ["thủy", "lợi"]);
        assert_eq!(terms(&mut a, "ngap"), ["ngap"]);
    }

    #[test]
    fn long_tokens_are_dropped_in_both_analyzers_alike() {
        let long = "ư".repeat(40); // 80 bytes before folding, 40 after
        let text = format!("a {long} b");
        assert_eq!(terms(&mut folded_analyzer(), &text), ["a", "b"]);
        assert_eq!(terms(&mut exact_analyzer(), &text), ["a", "b"]);
    }
}
