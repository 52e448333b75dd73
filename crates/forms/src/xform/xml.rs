//! A minimal XML writer: escaped text and attributes, elements opened and closed in order.

/// Text escaped for element content (`\r` as a reference, which XML parsers would otherwise
/// turn into `\n`).
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Text escaped for a double-quoted attribute value (line breaks kept as character references).
pub(crate) fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Characters XML 1.0 allows (others, e.g. most control characters, are dropped).
fn is_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Appends XML to a string.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
}

impl Writer {
    /// `<name a="v" …>`; attributes with `None` values are left out.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.start(name, attrs);
        self.out.push('>');
    }

    /// `<name a="v" …/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.start(name, attrs);
        self.out.push_str("/>");
    }

    /// `<name …>text</name>`, or `<name …/>` for empty text.
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, Option<&str>)], content: &str) {
        if content.is_empty() {
            self.empty(name, attrs);
        } else {
            self.open(name, attrs);
            self.out.push_str(&text(content));
            self.close(name);
        }
    }

    /// `<name …>` + markup already escaped + `</name>`.
    pub(crate) fn raw_leaf(&mut self, name: &str, attrs: &[(&str, Option<&str>)], markup: &str) {
        self.open(name, attrs);
        self.out.push_str(markup);
        self.close(name);
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn start(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push(' ');
                self.out.push_str(k);
                self.out.push_str("=\"");
                self.out.push_str(&attr(v));
                self.out.push('"');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(text("a < b & c > d \"q\""), "a &lt; b &amp; c &gt; d \"q\"");
        assert_eq!(
            attr(". >= 1 and \"x\"\n"),
            ". &gt;= 1 and &quot;x&quot;&#10;"
        );
        assert_eq!(text("a\u{1}b"), "ab");
        let mut w = Writer::default();
        w.open("a", &[("x", Some("1")), ("y", None)]);
        w.leaf("b", &[], "");
        w.leaf("c", &[], "t&");
        w.close("a");
        assert_eq!(w.out, r#"<a x="1"><b/><c>t&amp;</c></a>"#);
    }
}
