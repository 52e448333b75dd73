//! Plain text: items are separated by blank lines; each item keeps the line number of its
//! first line.

use crate::decode::Decoded;
use crate::{Errors, ExtractedItem, FileError, FileErrorKind, Options, check_size, clean};

/// Splits a decoded text file into items.
pub(crate) fn items(
    decoded: &Decoded,
    options: &Options,
) -> Result<Vec<ExtractedItem>, Vec<FileError>> {
    let mut errors = Errors::default();
    let mut items = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut first = 0;
    let lines: Vec<&str> = decoded.text.split('\n').collect();
    let n = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let line = line.trim_end();
        if !line.trim().is_empty() {
            if current.is_empty() {
                first = i + 1;
            }
            current.push(line);
        }
        if (line.trim().is_empty() || i + 1 == n) && !current.is_empty() {
            let last = first + current.len() - 1;
            let raw = current.join("\n");
            current.clear();
            if let Err(kind) = check_size(&raw, options) {
                errors.push(FileError::at_line(first, kind));
                continue;
            }
            let (text, enc) = clean(&raw);
            let text = text.trim();
            if text.is_empty() {
                errors.push(FileError::at_line(first, FileErrorKind::EmptyText));
                continue;
            }
            let mut item = ExtractedItem::new(first, text.to_string());
            item.legacy_encoding = decoded
                .lines_encoding(first, last)
                .or(enc)
                .map(str::to_string);
            items.push(item);
        }
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(FileError::file(FileErrorKind::Empty));
    }
    errors.into_result(items)
}
