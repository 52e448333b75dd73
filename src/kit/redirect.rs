//! Redirect targets taken from user input (`next` after login, `back` after a form): accepted only
//! as paths of this site, checked after the normalisations a browser applies to a `Location`.
//!
//! A browser resolving `Location: X` drops tabs and newlines anywhere in X, treats `\` as `/`,
//! and reads `//host` (or `/\host`) as another site; a server or proxy on the way may decode
//! `%2F` and `%5C` first. So a target is kept only when it is one printable ASCII token starting
//! with a single `/`, holds no backslash, and still does so once percent-decoded (repeatedly,
//! for double encoding). Anything else falls back to a fixed local page: nothing is "repaired".

/// The longest target kept: longer ones are not paths this site makes.
const MAX_LEN: usize = 2048;

/// `raw` when it is a path of this site that no browser can read as another site; `None` otherwise.
pub fn safe_local_path(raw: &str) -> Option<&str> {
    if raw.is_empty() || raw.len() > MAX_LEN {
        return None;
    }
    // Printable ASCII only: no tab, newline, space, DEL or non-ASCII (a browser drops or rewrites
    // them; our own paths are percent-encoded). This also keeps the header value valid.
    if !raw.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return None;
    }
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    if !plain_absolute_path(raw) || !plain_absolute_path(path) {
        return None;
    }
    // The path once decoded, as a server or proxy on the way may decode it, then twice more for
    // double encoding.
    let mut decoded = path.to_string();
    for _ in 0..3 {
        let next = percent_decode(&decoded)?;
        if !plain_absolute_path(&next) || next.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return None;
        }
        if next == decoded {
            break;
        }
        decoded = next;
    }
    Some(raw)
}

/// `raw` when safe ([`safe_local_path`]), `fallback` otherwise.
pub fn local_or<'a>(raw: &'a str, fallback: &'a str) -> &'a str {
    safe_local_path(raw).unwrap_or(fallback)
}

/// Starts with exactly one `/` and holds no backslash.
fn plain_absolute_path(s: &str) -> bool {
    s.starts_with('/') && !s.starts_with("//") && !s.contains('\\')
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8. A `%` not followed by two hex
/// digits is kept as it is (browsers do the same).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, kept: bool) {
        assert_eq!(safe_local_path(raw).is_some(), kept, "{raw:?}");
    }

    #[test]
    fn only_paths_of_this_site_are_kept() {
        // Paths of the site.
        check("/", true);
        check("/orgs?q=a", true);
        check("/orgs/12/edit", true);
        check("/monitoring/label?kind=topic", true);
        check("/orgs?q=a%2Fb", true);
        check("/search?q=c%C3%A1i%20kh%E1%BA%BF", true);
        check("/a#frag", true);
        check("/a?next=//evil.com", true);
        // Other sites, schemes and relative forms.
        check("", false);
        check("//evil.com", false);
        check("///evil.com", false);
        check("/\\evil.com", false);
        check("\\\\evil.com", false);
        check("/\\/evil.com", false);
        check("https://evil.com", false);
        check("http:evil.com", false);
        check("javascript:alert(1)", false);
        check("JavaScript:alert(1)", false);
        check("data:text/html,x", false);
        check("evil.com", false);
        check("orgs", false);
        check("?x=1", false);
        // Encoded slashes and backslashes, once or twice.
        check("/%2F%2Fevil.com", false);
        check("/%2fevil.com", false);
        check("/%5Cevil.com", false);
        check("/%5cevil.com", false);
        check("/%252F%252Fevil.com", false);
        check("/%25252F/evil.com", false);
        // What browsers strip or rewrite.
        check("\t//evil.com", false);
        check("/\t/evil.com", false);
        check("/\nevil", false);
        check("/\r\n/evil.com", false);
        check(" /orgs", false);
        check("/orgs ", false);
        check("/%09/evil.com", false);
        check("/%0A/evil.com", false);
        check("/a\u{7f}", false);
        check("/tên", false);
        check("/\u{3000}/evil.com", false);
        check(&format!("/{}", "a".repeat(3000)), false);
    }

    #[test]
    fn unsafe_targets_fall_back() {
        assert_eq!(local_or("//evil.com", "/"), "/");
        assert_eq!(local_or("/orgs", "/"), "/orgs");
    }
}
