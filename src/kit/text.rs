//! Cleaning what people type: every text is stored NFC (MISSION.md: Vietnamese first), trimmed,
//! with one rule for one-line fields and one for free text.

use unicode_normalization::UnicodeNormalization;

/// A one-line field (names, titles, codes): NFC, trimmed, inner white space collapsed to one
/// space (tabs and line breaks included).
pub fn one_line(raw: &str) -> String {
    let nfc: String = raw.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Free text (summaries, notes, minutes): NFC, trimmed, line ends normalised to `\n`; inner
/// spacing and paragraphs are the writer's and kept.
pub fn free_text(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .nfc()
        .collect()
}

/// Escapes text for XML or HTML content and attribute values (SVG charts), dropping the control
/// characters that XML 1.0 does not allow — an SVG holding one is refused by every parser — and
/// turning tabs and line breaks into spaces.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Longest text given a restored reading (characters); a longer one gets none.
pub const MAX_RESTORED_CHARS: usize = 5_000;

/// The restored reading of a text by `model` (a deployment's adapted model), else by the
/// built-in one (blocking: call off the async workers); `None` for a marked text, a long one, or
/// when nothing changes.
pub fn reading_now(model: Option<&duluan_vitext::restore::Model>, text: &str) -> Option<String> {
    if text.chars().count() > MAX_RESTORED_CHARS {
        return None;
    }
    match model {
        Some(m) => duluan_vitext::restore::reading_with(m, text),
        None => duluan_vitext::restore::reading(text),
    }
}

/// The reading of a text typed without Vietnamese marks with its marks restored by `model` or the
/// built-in one (shown beside the original, marked as machine-made), off the async workers; `None` for a
/// marked text, a long one, or when nothing changes.
pub async fn restored_reading(
    model: Option<std::sync::Arc<duluan_vitext::restore::Model>>,
    text: &str,
) -> Option<String> {
    if text.chars().count() > MAX_RESTORED_CHARS || !duluan_vitext::restore::lacks_marks(text) {
        return None;
    }
    let owned = text.to_string();
    tokio::task::spawn_blocking(move || reading_now(model.as_deref(), &owned))
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, input: &str, expected: &str) {
        assert_eq!(f(input), expected, "{input:?}");
    }

    #[test]
    fn one_line_fields_are_nfc_and_collapsed() {
        // "Phường" typed with a combining hook above and dot below (NFD) becomes NFC.
        check(
            one_line,
            "  Phu\u{31b}o\u{31b}\u{300}ng   Ninh\tKiều\n ",
            "Phường Ninh Kiều",
        );
        check(one_line, "", "");
        check(one_line, " \t\r\n", "");
    }

    #[test]
    fn free_text_keeps_paragraphs() {
        check(free_text, " a\r\n\r\nb  c\r", "a\n\nb  c");
        check(free_text, "nu\u{301}i", "núi");
    }

    #[test]
    fn xml_escape_keeps_text_and_drops_what_xml_refuses() {
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}\u{8}d\te\u{ffff}"),
            "a&lt;b&gt;&amp;&quot;c&#39;d e"
        );
        assert_eq!(xml_escape("Hài lòng"), "Hài lòng");
    }
}
