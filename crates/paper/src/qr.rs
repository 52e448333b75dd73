//! The QR payload that identifies a printed page, and the layout's fingerprint.
//!
//! Payload (UTF-8, byte mode, version 6, level M, at most 106 bytes):
//!
//! ```text
//! DLP1|<form id>|<form version>|<fingerprint, 8 hex>|<page>|C<case code>
//! DLP1|<form id>|<form version>|<fingerprint, 8 hex>|<page>|S<sheet number>
//! ```
//!
//! Fields are percent-escaped for `%` and `|`. `C` marks a sheet printed for a case (its code
//! is also printed on the page), `S` an anonymous sheet numbered in print order. The
//! fingerprint is the first 8 hex digits of [`Layout::fingerprint`], so a sheet printed from
//! another layout of the same form version is recognised as such.

use serde::{Deserialize, Serialize};

use crate::model::Layout;

/// Payload prefix (format version 1).
const PREFIX: &str = "DLP1";
/// Bytes a version 6 symbol holds at level M.
const CAPACITY: usize = 106;
/// The longest case code, in bytes once escaped.
pub const MAX_CASE_CODE: usize = 24;
/// The longest form id plus version, in bytes once escaped.
/// (6 bytes are kept for the mode switches the encoder may choose between digits and text.)
pub(crate) const MAX_IDENTITY: usize =
    CAPACITY - 6 - (PREFIX.len() + 5 + 8 + 4 + 1 + MAX_CASE_CODE);

/// Which copy of the questionnaire a sheet is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetId {
    /// Printed for a case; the code is printed on every page.
    Case(String),
    /// An anonymous sheet, numbered in print order.
    Anonymous(u32),
}

/// What a page's QR code says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageIdentity {
    /// The form's id.
    pub form_id: String,
    /// The form's version.
    pub form_version: String,
    /// The first 8 hex digits of the layout's fingerprint.
    pub fingerprint: String,
    /// The page, 1-based.
    pub page: u32,
    /// The sheet.
    pub sheet: SheetId,
}

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('|', "%7C")
}

fn unescape(s: &str) -> String {
    s.replace("%7C", "|").replace("%25", "%")
}

/// Escaped length of the form id and version.
pub(crate) fn identity_len(form_id: &str, version: &str) -> usize {
    escape(form_id).len() + escape(version).len()
}

/// The payload of a page.
pub(crate) fn payload(layout: &Layout, page: u32, sheet: &SheetId) -> String {
    let sheet = match sheet {
        SheetId::Case(code) => format!("C{}", escape(code)),
        SheetId::Anonymous(n) => format!("S{n}"),
    };
    format!(
        "{PREFIX}|{}|{}|{}|{page}|{sheet}",
        escape(&layout.form_id),
        escape(&layout.form_version),
        &layout.fingerprint[..8.min(layout.fingerprint.len())]
    )
}

/// Reads a page's QR payload; `None` for anything that is not one of ours.
pub fn parse_payload(s: &str) -> Option<PageIdentity> {
    let mut parts = s.split('|');
    if parts.next()? != PREFIX {
        return None;
    }
    let form_id = unescape(parts.next()?);
    let form_version = unescape(parts.next()?);
    let fingerprint = parts.next()?.to_string();
    let page = parts.next()?.parse().ok()?;
    let sheet = parts.next()?;
    if parts.next().is_some() || fingerprint.len() != 8 {
        return None;
    }
    let sheet = if let Some(code) = sheet.strip_prefix('C') {
        SheetId::Case(unescape(code))
    } else {
        SheetId::Anonymous(sheet.strip_prefix('S')?.parse().ok()?)
    };
    Some(PageIdentity {
        form_id,
        form_version,
        fingerprint,
        page,
        sheet,
    })
}

/// True when a case code can be printed and carried: 1 to [`MAX_CASE_CODE`] bytes escaped,
/// no control characters.
pub(crate) fn valid_case_code(code: &str) -> bool {
    !code.trim().is_empty()
        && escape(code).len() <= MAX_CASE_CODE
        && !code.chars().any(char::is_control)
}

/// A 64-bit FNV-1a hash of the layout's JSON without its fingerprint, as 16 hex digits.
pub(crate) fn fingerprint(layout: &Layout) -> String {
    let mut copy = layout.clone();
    copy.fingerprint.clear();
    let json = serde_json::to_vec(&copy).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in json {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The QR symbol of a page as a module matrix (row-major, `true` dark), side
/// [`crate::model::QR_MODULES`].
pub(crate) fn modules(payload: &str) -> Option<Vec<bool>> {
    let code = qrcode::QrCode::with_version(
        payload.as_bytes(),
        qrcode::Version::Normal(crate::model::QR_VERSION),
        qrcode::EcLevel::M,
    )
    .ok()?;
    Some(
        code.to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for (sheet, id) in [
            (SheetId::Case("HN-0012|a%".into()), "khảo sát|1"),
            (SheetId::Anonymous(4_000_000_000), "f"),
        ] {
            let s = format!(
                "DLP1|{}|{}|0123abcd|3|{}",
                escape(id),
                escape("2026-12"),
                match &sheet {
                    SheetId::Case(c) => format!("C{}", escape(c)),
                    SheetId::Anonymous(n) => format!("S{n}"),
                }
            );
            let p = parse_payload(&s).unwrap();
            assert_eq!((p.form_id.as_str(), p.page, &p.sheet), (id, 3, &sheet));
        }
        for bad in [
            "",
            "DLP2|a|b|0123abcd|1|S1",
            "DLP1|a|b|0123|1|S1",
            "DLP1|a|b|0123abcd|x|S1",
            "DLP1|a|b|0123abcd|1|X1",
            "DLP1|a|b|0123abcd|1|S1|",
        ] {
            assert_eq!(parse_payload(bad), None, "{bad}");
        }
        assert!(valid_case_code("HN-001"));
        assert!(!valid_case_code(&"x".repeat(25)));
        assert!(!valid_case_code(" "));
        // The longest payload still fits the fixed symbol.
        for fill in ["v", "1", "ậ", "1a"] {
            let id = fill.repeat(MAX_IDENTITY / fill.len() + 1);
            let long = format!(
                "DLP1|{}|0123abcd|9999|C{}",
                &id[..MAX_IDENTITY + 1 - (MAX_IDENTITY + 1) % fill.len()],
                "0".repeat(MAX_CASE_CODE)
            );
            assert!(long.len() <= CAPACITY, "{}", long.len());
            assert!(modules(&long).is_some(), "{long}");
        }
    }
}
