//! Snippets: the window of a hit's text that holds the most query terms, with the byte ranges
//! of the matched words (found on folded tokens, so `ngap` highlights `ngập`) and an
//! HTML-escaped copy with `<mark>` around them.

use crate::analyzer::{Analyzed, analyze};
use std::collections::HashSet;
use std::ops::Range;
use tantivy::tokenizer::TextAnalyzer;

/// Target length of a fragment, in characters.
pub const FRAGMENT_CHARS: usize = 200;

/// A fragment of a stored text and what to highlight in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// Byte offset of the fragment in the stored (NFC) text.
    pub start: usize,
    /// The fragment, a substring of the stored text.
    pub fragment: String,
    /// Byte ranges into `fragment` to highlight, sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
    /// The fragment HTML-escaped, highlights in `<mark>`, `…` where text was cut.
    pub html: String,
}

/// Builds the snippet of `text` (NFC) for the folded `terms` of a query.
pub fn snippet(folded: &mut TextAnalyzer, text: &str, terms: &HashSet<&str>) -> Snippet {
    let matches: Vec<Analyzed> = if terms.is_empty() {
        Vec::new()
    } else {
        analyze(folded, text)
            .into_iter()
            .filter(|t| terms.contains(t.term.as_str()))
            .collect()
    };
    let (start, end) = window(text, &matches, terms);
    let fragment = &text[start..end];
    let highlights: Vec<Range<usize>> = matches
        .iter()
        .filter(|m| m.start >= start && m.end <= end)
        .map(|m| m.start - start..m.end - start)
        .collect();
    let mut html = String::with_capacity(fragment.len() + 16 * highlights.len() + 8);
    if start > 0 {
        html.push('…');
    }
    let mut at = 0;
    for h in &highlights {
        escape_into(&mut html, &fragment[at..h.start]);
        html.push_str("<mark>");
        escape_into(&mut html, &fragment[h.clone()]);
        html.push_str("</mark>");
        at = h.end;
    }
    escape_into(&mut html, &fragment[at..]);
    if end < text.len() {
        html.push('…');
    }
    Snippet {
        start,
        fragment: fragment.to_string(),
        highlights,
        html,
    }
}

/// Byte offset `chars` characters after `from` (or the end of `text`).
fn advance(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| from + i)
}

/// Picks the fragment `[start, end)`: the window of about [`FRAGMENT_CHARS`] characters that
/// starts at a match and holds the most distinct terms (then the most matches), widened to
/// show some words before the first match, cut at whitespace.
fn window(text: &str, matches: &[Analyzed], terms: &HashSet<&str>) -> (usize, usize) {
    if text.chars().count() <= FRAGMENT_CHARS {
        return (0, text.len());
    }
    let Some(best) = best_start(text, matches, terms) else {
        return (0, cut_end(text, advance(text, 0, FRAGMENT_CHARS)));
    };
    let first = matches[best].start;
    // The characters spanned by the matches that fit in the window.
    let limit = advance(text, first, FRAGMENT_CHARS);
    let last = matches[best..]
        .iter()
        .take_while(|m| m.end <= limit)
        .last()
        .map_or(first, |m| m.end);
    let span = text[first..last].chars().count();
    let before = (FRAGMENT_CHARS.saturating_sub(span) / 3).min(60);
    // Step back `before` characters, then forward to the start of a word.
    let mut start = first;
    if before > 0 {
        let back = text[..first]
            .char_indices()
            .rev()
            .nth(before - 1)
            .map_or(0, |(i, _)| i);
        start = if back == 0 {
            0
        } else {
            match text[back..first].find(char::is_whitespace) {
                Some(ws) => first - text[back + ws..first].trim_start().len(),
                None => first,
            }
        };
    }
    let end = cut_end(text, advance(text, start, FRAGMENT_CHARS)).max(last);
    (start, end)
}

/// Moves a cut back to the last whitespace (when one is close), never inside a word.
fn cut_end(text: &str, end: usize) -> usize {
    if end >= text.len() {
        return text.len();
    }
    let head = &text[..end];
    match head.rfind(char::is_whitespace) {
        Some(ws) if head[ws..].chars().count() <= 30 => head[..ws].trim_end().len(),
        _ => end,
    }
}

/// Index of the match starting the best window, if any.
fn best_start(text: &str, matches: &[Analyzed], terms: &HashSet<&str>) -> Option<usize> {
    let mut best: Option<(usize, usize, usize)> = None; // (distinct, count, index)
    for i in 0..matches.len() {
        let limit = advance(text, matches[i].start, FRAGMENT_CHARS);
        let inside = matches[i..].iter().take_while(|m| m.end <= limit);
        let mut seen: HashSet<&str> = HashSet::with_capacity(terms.len());
        let mut count = 0;
        for m in inside {
            seen.insert(m.term.as_str());
            count += 1;
        }
        let key = (seen.len(), count);
        if best.is_none_or(|(d, c, _)| key > (d, c)) {
            best = Some((key.0, key.1, i));
        }
        if seen.len() == terms.len() && i > 64 {
            break; // good enough; do not scan very long texts quadratically
        }
    }
    best.map(|(_, _, i)| i)
}

/// Appends `s` to `out` with `& < > " '` escaped.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::folded_analyzer;

    fn snip(text: &str, terms: &[&str]) -> Snippet {
        let terms: HashSet<&str> = terms.iter().copied().collect();
        snippet(&mut folded_analyzer(), text, &terms)
    }

    #[test]
    fn short_text_is_whole_with_folded_highlights() {
        let s = snip("Đường ngập úng <b>nặng</b>", &["ngap", "ung", "b"]);
        assert_eq!(s.start, 0);
        assert_eq!(s.fragment, "Đường ngập úng <b>nặng</b>");
        let marked: Vec<&str> = s
            .highlights
            .iter()
            .map(|r| &s.fragment[r.clone()])
            .collect();
        assert_eq!(marked, ["ngập", "úng", "b", "b"]);
        assert_eq!(
            s.html,
            "Đường <mark>ngập</mark> <mark>úng</mark> &lt;<mark>b</mark>&gt;nặng&lt;/<mark>b</mark>&gt;"
        );
    }

    #[test]
    fn long_text_window_goes_to_the_matches() {
        let filler = "người dân phản ánh nhiều việc khác nhau trong khu phố. ".repeat(20);
        let text = format!("{filler}Sau cơn mưa, đường Lê Lợi ngập úng sâu. {filler}");
        let s = snip(&text, &["ngap", "ung"]);
        assert!(s.start > 0 && s.start < filler.len());
        assert!(s.fragment.contains("ngập úng"), "{}", s.fragment);
        assert!(s.fragment.chars().count() <= FRAGMENT_CHARS + 1);
        assert!(s.html.starts_with('…') && s.html.ends_with('…'));
        assert_eq!(&text[s.start..s.start + s.fragment.len()], s.fragment);
        // Starts at a word start and shows some context before the match.
        assert!(text[..s.start].ends_with(' '));
        assert!(s.fragment.find("ngập").unwrap() > 20);
    }

    #[test]
    fn no_match_gives_the_beginning() {
        let text = "một hai ba ".repeat(50);
        let s = snip(&text, &[]);
        assert_eq!(s.start, 0);
        assert!(s.highlights.is_empty());
        assert!(s.fragment.starts_with("một hai ba"));
        assert!(!s.fragment.ends_with(' '));
        assert!(s.fragment.chars().count() <= FRAGMENT_CHARS);
    }

    #[test]
    fn unbroken_text_is_cut_on_a_char_boundary() {
        let text = "ư".repeat(500);
        let s = snip(&text, &["u"]);
        assert_eq!(s.fragment.chars().count(), FRAGMENT_CHARS);
    }
}
