//! Bytes to text for the line-based formats: UTF-8 (with or without BOM), UTF-16 with BOM,
//! and, line by line where UTF-8 fails, Windows-1258 or Windows-1252 bytes of the TCVN3/VNI
//! legacy fonts (repaired by `duluan_vitext`). Binary data is refused.

use crate::{FileError, FileErrorKind};
use duluan_vitext::legacy;
use std::collections::BTreeMap;

/// A decoded text file.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The text; lines end with `\n` (a `\r` before it is kept).
    pub text: String,
    /// Encoding each converted line (0-based) was read as; empty when the file is UTF-8 or UTF-16.
    line_encodings: Vec<Option<&'static str>>,
    /// Notes for the user about converted lines.
    pub warnings: Vec<String>,
}

impl Decoded {
    /// The legacy encoding line `line` (1-based) was read as, if it was converted.
    pub fn line_encoding(&self, line: usize) -> Option<&'static str> {
        self.line_encodings
            .get(line.wrapping_sub(1))
            .copied()
            .flatten()
    }
    /// The first legacy encoding of lines `first..=last` (1-based).
    pub fn lines_encoding(&self, first: usize, last: usize) -> Option<&'static str> {
        (first..=last.max(first)).find_map(|l| self.line_encoding(l))
    }
}

/// Whether bytes look like binary data: any NUL, or more than 2 % other control characters.
fn binary(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    let controls = bytes
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)) || b == 0x7F)
        .count();
    controls * 50 > bytes.len()
}

/// Decodes a whole file.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, FileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::file(FileErrorKind::Empty));
    }
    let utf16 = if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        Some((encoding_rs::UTF_16LE, rest))
    } else {
        bytes
            .strip_prefix(b"\xFE\xFF")
            .map(|rest| (encoding_rs::UTF_16BE, rest))
    };
    if let Some((enc, rest)) = utf16 {
        let text = enc
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or_else(|| FileError::file(FileErrorKind::NotText))?
            .into_owned();
        if text.trim().is_empty() {
            return Err(FileError::file(FileErrorKind::Empty));
        }
        if text.contains('\0')
            || text
                .chars()
                .filter(|c| c.is_control() && !c.is_whitespace())
                .count()
                * 50
                > text.chars().count()
        {
            return Err(FileError::file(FileErrorKind::NotText));
        }
        return Ok(Decoded {
            text,
            line_encodings: Vec::new(),
            warnings: Vec::new(),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::file(FileErrorKind::Empty));
    }
    if binary(bytes) {
        return Err(FileError::file(FileErrorKind::NotText));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: s.to_string(),
            line_encodings: Vec::new(),
            warnings: Vec::new(),
        });
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 4);
    let mut line_encodings = Vec::new();
    let mut utf8_non_ascii = 0usize;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(s) => {
                if !s.is_ascii() {
                    utf8_non_ascii += 1;
                }
                text.push_str(s);
                line_encodings.push(None);
            }
            Err(_) => {
                let (s, enc) = decode_legacy_line(line);
                text.push_str(&s);
                line_encodings.push(Some(enc));
            }
        }
    }
    let warnings = warnings(&line_encodings, utf8_non_ascii > 0);
    Ok(Decoded {
        text,
        line_encodings,
        warnings,
    })
}

/// Score of a reading: valid syllables count for, invalid words against.
fn score(s: &str) -> i64 {
    let q = duluan_vitext::syllable::quality(s);
    q.valid as i64 * 2 - q.words as i64
}

/// Reads one line that is not UTF-8: Windows-1258, or Windows-1252 bytes (then TCVN3, VNI or
/// UTF-8 mojibake repaired), whichever reads as better Vietnamese.
fn decode_legacy_line(line: &[u8]) -> (String, &'static str) {
    let w1258 = nfc(&encoding_rs::WINDOWS_1258
        .decode_without_bom_handling(line)
        .0);
    let cp1252 = legacy::cp1252_to_string(line);
    let (repaired, enc) = legacy::repair(&cp1252);
    let label = match enc {
        legacy::Encoding::Unicode => "windows-1252",
        e => e.name(),
    };
    if score(&w1258) > score(&repaired) {
        (w1258, "windows-1258")
    } else {
        (repaired.into_owned(), label)
    }
}

/// NFC (and canonical tone placement) through `duluan_vitext`, without legacy repair.
fn nfc(s: &str) -> String {
    duluan_vitext::normalize::normalize_with(
        s,
        &duluan_vitext::normalize::Options {
            repair_legacy: false,
            ..Default::default()
        },
    )
}

/// Warnings naming the converted lines, grouped by encoding.
fn warnings(line_encodings: &[Option<&'static str>], mixed: bool) -> Vec<String> {
    let mut by_enc: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in line_encodings.iter().enumerate() {
        if let Some(e) = e {
            by_enc.entry(e).or_default().push(i + 1);
        }
    }
    by_enc
        .into_iter()
        .map(|(enc, lines)| {
            if !mixed && by_enc_single(line_encodings, enc) {
                format!("the file is not UTF-8: read as {enc}")
            } else {
                let (noun, verb) = if lines.len() == 1 {
                    ("line", "is")
                } else {
                    ("lines", "are")
                };
                format!("{noun} {} {verb} not UTF-8: read as {enc}", ranges(&lines))
            }
        })
        .collect()
}

/// Whether every converted line was read as `enc`.
fn by_enc_single(line_encodings: &[Option<&'static str>], enc: &str) -> bool {
    line_encodings.iter().flatten().all(|e| *e == enc)
}

/// `1, 3–5, 9` (at most 20 ranges, then `…`).
pub(crate) fn ranges(lines: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = lines[i];
        let mut end = start;
        while i + 1 < lines.len() && lines[i + 1] == end + 1 {
            i += 1;
            end = lines[i];
        }
        if parts.len() == 20 {
            parts.push("…".to_string());
            break;
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress() {
        assert_eq!(ranges(&[1, 3, 4, 5, 9]), "1, 3–5, 9");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn windows_1258_line() {
        // "Việt Nam" in Windows-1258: e + dot below (0xF2) + circumflex... as composed by cp1258:
        // V i ê(0xEA) dot-below(0xF2) t
        let (s, enc) = decode_legacy_line(b"Vi\xEA\xF2t Nam v\xE0 H\xE0 N\xF4\xF2i");
        assert_eq!((s.as_str(), enc), ("Việt Nam và Hà Nội", "windows-1258"));
    }

    #[test]
    fn binary_detection() {
        assert!(binary(b"abc\0def"));
        assert!(binary(&[1u8, 2, 3, 4, 5, b'a']));
        assert!(!binary(b"plain text\r\n\twith tabs"));
    }
}
