//! A small HTML-to-text stripper for feed entries: tags removed, `script`/`style`/comments
//! dropped, block elements and `<br>` become line breaks, entities decoded (the named ones of
//! HTML 4 that matter for Vietnamese and punctuation, and every numeric one), spaces collapsed.

/// Elements that end a line.
const BLOCKS: [&str; 30] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "pre",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "dl",
    "aside",
    "nav",
    "main",
    "address",
];

/// HTML 4 Latin-1 entity names, for U+00A0 to U+00FF in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other named entities seen in news feeds.
const OTHER: [(&str, char); 24] = [
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("sbquo", '‚'),
    ("bdquo", '„'),
    ("bull", '•'),
    ("euro", '€'),
    ("trade", '™'),
    ("thinsp", '\u{2009}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
];

/// The character of an entity name (without `&` and `;`).
fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return match code {
            0 => Some('\u{FFFD}'),
            // Windows-1252 numbers used by mistake (`&#147;`).
            0x80..=0x9F => duluan_vitext::legacy::cp1252_to_string(&[code as u8])
                .chars()
                .next(),
            _ => char::from_u32(code).or(Some('\u{FFFD}')),
        };
    }
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32);
    }
    OTHER.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// Decodes the entities of a text (unknown ones are kept as written).
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .char_indices()
            .take(12)
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
            .map(|(j, c)| (j + 1, c));
        match end {
            Some((j, ';')) => match entity(&rest[1..j]) {
                Some(c) => {
                    out.push(c);
                    rest = &rest[j + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            },
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTML to plain text.
///
/// `<p>Giá <b>điện</b> tăng&nbsp;cao</p><p>Ý kiến</p>` becomes `Giá điện tăng cao` and `Ý kiến`
/// on two lines.
pub(crate) fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |j| &after[j + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else {
            // A lone `<` in text.
            text.push('<');
            rest = &rest[1..];
            continue;
        };
        let tag = &rest[1..close];
        let is_tag = tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !is_tag {
            text.push('<');
            rest = &rest[1..];
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &rest[close + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let end = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = lower
                .find(&end)
                .and_then(|j| rest[j..].find('>').map(|k| &rest[j + k + 1..]))
                .unwrap_or("");
            continue;
        }
        if BLOCKS.contains(&name.as_str()) {
            text.push('\n');
        } else if name == "td" || name == "th" {
            text.push(' ');
        }
    }
    text.push_str(rest);
    let text = decode_entities(&text);
    // Collapse spaces within lines, trim lines, at most one blank line in a row.
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line
            .split(|c: char| c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 1 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, expected: &str) {
        assert_eq!(to_text(html), expected, "{html}");
    }

    #[test]
    fn strips() {
        check(
            "<p>Giá <b>điện</b> tăng&nbsp;cao</p><p>Ý kiến</p>",
            "Giá điện tăng cao\nÝ kiến",
        );
        check("a<br/>b<br>c", "a\nb\nc");
        check("<script>var x = '<p>';</script>Tin", "Tin");
        check("<STYLE>p{}</STYLE><!-- c -->x", "x");
        check("1 < 2 &amp; 3 > 2", "1 < 2 & 3 > 2");
        check("H&agrave; N&#7897;i &#x110;&#224;", "Hà Nội Đà");
        check("&#147;trích&#148; &unknown; & x", "“trích” &unknown; & x");
        check("<table><tr><td>a</td><td>b</td></tr></table>", "a b");
        check("<p>a</p>\n\n\n<p>b</p>", "a\n\nb");
        check("<a href=\"x\">liên kết</a>", "liên kết");
        check("<p>unterminated", "unterminated");
        check("<", "<");
    }
}
