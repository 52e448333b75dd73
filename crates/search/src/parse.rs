//! Parsing of the text a user types in the search box. The syntax is small and forgiving:
//! words are ANDed, `"…"` is a phrase, `-word` / `-"…"` / `NOT word` exclude, `a OR b`
//! accepts either, a word the analyzer splits into several tokens (`covid-19`) is a phrase.
//! Anything else (a lone quote, dangling operators, brackets, emoji) is read as plain text, so
//! parsing never fails.

use crate::analyzer::{Analyzed, analyze};
use tantivy::tokenizer::TextAnalyzer;

/// Most positive and negative units kept from one query (the rest is ignored).
pub(crate) const MAX_UNITS: usize = 32;
/// Most tokens kept in one phrase.
pub(crate) const MAX_PHRASE_TOKENS: usize = 32;

/// A word or a phrase, analyzed for the folded and exact fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    /// Folded terms with their positions relative to the first one.
    pub folded: Vec<(usize, String)>,
    /// Exact terms (lower case, marks kept); empty when folding changes nothing.
    pub exact: Vec<String>,
}

/// A parsed query: every group must match (one of its units), no excluded unit may match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub groups: Vec<Vec<Unit>>,
    pub excluded: Vec<Unit>,
}

impl Parsed {
    /// Whether the query has nothing to search for (no group and no exclusion).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.excluded.is_empty()
    }

    /// Folded terms of the positive units (for snippets).
    pub fn positive_terms(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flatten()
            .flat_map(|u| u.folded.iter().map(|(_, t)| t.as_str()))
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Piece<'a> {
    text: &'a str,
    negated: bool,
    or_before: bool,
}

/// Splits the raw query into pieces (words and quoted phrases) with their operators.
fn lex(query: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let (mut negate_next, mut or_next) = (false, false);
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let mut negated = std::mem::take(&mut negate_next);
        let mut body = rest;
        // A leading `-` (or `+`, meaning nothing) directly before a word or a quote.
        if let Some(after) = body.strip_prefix(['-', '+'])
            && after.starts_with(|c: char| !c.is_whitespace())
        {
            negated |= body.starts_with('-');
            body = after;
        }
        if let Some(inner) = body.strip_prefix('"') {
            if let Some(close) = inner.find('"') {
                let or_before = std::mem::take(&mut or_next);
                pieces.push(Piece {
                    text: &inner[..close],
                    negated,
                    or_before,
                });
                rest = &inner[close + 1..];
            } else {
                // An unclosed quote is read as plain words.
                negate_next = negated;
                rest = inner;
            }
            continue;
        }
        let end = body
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(body.len());
        let word = &body[..end];
        rest = &body[end..];
        match word {
            "OR" | "||" if !negated => or_next = !pieces.is_empty(),
            "AND" | "&&" if !negated => {}
            "NOT" if !negated => negate_next = true,
            _ => {
                let or_before = std::mem::take(&mut or_next);
                pieces.push(Piece {
                    text: word,
                    negated,
                    or_before,
                });
            }
        }
    }
    pieces
}

/// Analyzes one piece; `None` when it has no searchable token.
fn unit(folded: &mut TextAnalyzer, exact: &mut TextAnalyzer, text: &str) -> Option<Unit> {
    let f: Vec<Analyzed> = analyze(folded, text);
    let first = f.first()?.position;
    let folded_terms: Vec<(usize, String)> = f
        .into_iter()
        .take(MAX_PHRASE_TOKENS)
        .map(|t| (t.position - first, t.term))
        .collect();
    let exact_terms: Vec<String> = analyze(exact, text)
        .into_iter()
        .take(MAX_PHRASE_TOKENS)
        .map(|t| t.term)
        .collect();
    let changed = exact_terms.len() != folded_terms.len()
        || exact_terms
            .iter()
            .zip(&folded_terms)
            .any(|(e, (_, f))| e != f);
    Some(Unit {
        folded: folded_terms,
        exact: if changed { exact_terms } else { Vec::new() },
    })
}

/// Parses `query` (already NFC). Never fails: the worst case is an empty [`Parsed`].
pub(crate) fn parse(folded: &mut TextAnalyzer, exact: &mut TextAnalyzer, query: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut units = 0;
    // Whether the previous positive piece produced a unit (an OR joins only then).
    let mut last_positive = false;
    for piece in lex(query) {
        if units >= MAX_UNITS {
            break;
        }
        let Some(u) = unit(folded, exact, piece.text) else {
            continue;
        };
        units += 1;
        if piece.negated {
            parsed.excluded.push(u);
            continue;
        }
        match parsed.groups.last_mut() {
            Some(group) if piece.or_before && last_positive => group.push(u),
            _ => parsed.groups.push(vec![u]),
        }
        last_positive = true;
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::{exact_analyzer, folded_analyzer};

    fn p(q: &str) -> Parsed {
        parse(&mut folded_analyzer(), &mut exact_analyzer(), q)
    }

    /// Compact rendering: groups joined by ` & `, alternatives by `|`, phrases in quotes,
    /// exclusions prefixed with `-`; exact terms after `/` when present.
    fn show(parsed: &Parsed) -> String {
        let one = |u: &Unit| {
            let f: Vec<&str> = u.folded.iter().map(|(_, t)| t.as_str()).collect();
            let mut s = if f.len() > 1 {
                format!("\"{}\"", f.join(" "))
            } else {
                f.join(" ")
            };
            if !u.exact.is_empty() {
                s.push('/');
                s.push_str(&u.exact.join(" "));
            }
            s
        };
        let mut parts: Vec<String> = parsed
            .groups
            .iter()
            .map(|g| g.iter().map(one).collect::<Vec<_>>().join("|"))
            .collect();
        parts.extend(parsed.excluded.iter().map(|u| format!("-{}", one(u))));
        parts.join(" & ")
    }

    fn check(query: &str, expected: &str) {
        assert_eq!(show(&p(query)), expected, "query {query:?}");
    }

    #[test]
    fn syntax() {
        check("ngap ung", "ngap & ung");
        check("Ngập úng", "ngap/ngập & ung/úng");
        check("\"ngap ung\" ha noi", "\"ngap ung\" & ha & noi");
        check("ngap -lut", "ngap & -lut");
        check("ngap -\"mua lon\"", "ngap & -\"mua lon\"");
        check("ngap NOT lut", "ngap & -lut");
        check("ngap OR lut dien", "ngap|lut & dien");
        check("ngap or lut", "ngap & or & lut");
        check("covid-19", "\"covid 19\"");
        check("a - b", "a & b");
        check("\"", "");
        check("\"ngap ung", "ngap & ung");
        check("((", "");
        check("AND", "");
        check("OR ngap OR", "ngap");
        check("NOT", "");
        check("-", "");
        check("🙂 ngập 🙂", "ngap/ngập");
        check("\"\" ngap", "ngap");
        check("x OR -y", "x & -y");
    }

    #[test]
    fn phrase_positions_are_relative() {
        let parsed = p("\"  , ngập   úng\"");
        assert_eq!(
            parsed.groups[0][0].folded,
            [(0, "ngap".to_string()), (1, "ung".to_string())]
        );
    }

    #[test]
    fn huge_queries_are_capped() {
        let q = "ngập ".repeat(2_000);
        let parsed = p(&q);
        assert_eq!(parsed.groups.len(), MAX_UNITS);
        let q = format!("\"{}\"", "ung ".repeat(2_000));
        assert_eq!(p(&q).groups[0][0].folded.len(), MAX_PHRASE_TOKENS);
    }
}
