//! Which format a file is in: magic bytes first (`%PDF`, ZIP with `word/document.xml`, PNG,
//! JPEG, TIFF), then the file name's extension; other binary formats are named in the error.

use crate::{FileError, FileErrorKind, Format};

/// Finds the format of a file from its name and its first bytes.
///
/// ```
/// use duluan_extract::{sniff, Format};
/// assert_eq!(sniff("scan.bin", b"%PDF-1.7\n...").unwrap(), Format::Pdf);
/// assert_eq!(sniff("y-kien.csv", b"text\nabc\n").unwrap(), Format::Csv);
/// assert_eq!(sniff("notes", b"{\"text\": \"abc\"}\n").unwrap(), Format::Jsonl);
/// assert!(sniff("old.doc", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1").is_err());
/// ```
pub fn sniff(file_name: &str, bytes: &[u8]) -> Result<Format, FileError> {
    if bytes.is_empty() {
        return Err(FileError::file(FileErrorKind::Empty));
    }
    let unsupported = |what: &str| {
        Err(FileError::file(FileErrorKind::Unsupported(
            what.to_string(),
        )))
    };
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    // PDF readers accept the header anywhere in the first 1024 bytes.
    let head = &bytes[..bytes.len().min(1024)];
    if bytes.starts_with(b"%PDF-") || (ext == "pdf" && head.windows(5).any(|w| w == b"%PDF-")) {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
    {
        return Ok(Format::Image);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return match zip_kind(bytes) {
            ZipKind::Docx => Ok(Format::Docx),
            ZipKind::Xlsx => {
                unsupported("an Excel workbook (.xlsx): save the sheet as CSV (UTF-8)")
            }
            ZipKind::Pptx => unsupported("a PowerPoint presentation (.pptx)"),
            ZipKind::Odt => unsupported("an OpenDocument file: save it as .docx"),
            ZipKind::Other => unsupported("a ZIP archive that is not a Word document (.docx)"),
            ZipKind::Broken(why) => Err(FileError::file(FileErrorKind::Malformed(format!(
                "damaged ZIP/DOCX archive: {why}"
            )))),
            ZipKind::Refused(r) => Err(FileError::file(FileErrorKind::Refused(r))),
        };
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return unsupported("an old Word .doc or Excel .xls file: save it as .docx or CSV");
    }
    if bytes.starts_with(b"GIF8") {
        return unsupported("a GIF image: convert it to PNG");
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return unsupported("a WebP image: convert it to PNG");
    }
    if bytes.starts_with(b"{\\rtf") {
        return unsupported("an RTF document: save it as .docx");
    }
    match ext.as_str() {
        "csv" => Ok(Format::Csv),
        "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
        "txt" | "text" => Ok(Format::Text),
        "pdf" | "docx" | "png" | "jpg" | "jpeg" | "tif" | "tiff" => {
            Err(FileError::file(FileErrorKind::Malformed(format!(
                "the name ends in .{ext} but the content is not one"
            ))))
        }
        "doc" | "xls" | "xlsx" | "odt" | "rtf" | "pptx" | "ppt" => {
            unsupported(&format!(".{ext} files: save as .docx, CSV or PDF"))
        }
        _ => {
            let first = bytes
                .iter()
                .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
            if first == Some(&b'{') {
                Ok(Format::Jsonl)
            } else {
                Ok(Format::Text)
            }
        }
    }
}

enum ZipKind {
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Other,
    Broken(String),
    Refused(duluan_filecheck::Refusal),
}

fn zip_kind(bytes: &[u8]) -> ZipKind {
    // The directory is checked before the `zip` crate, which trusts its declared entry count.
    match duluan_filecheck::zip::check_directory(bytes, &crate::DOCX_LIMITS) {
        Ok(_) => {}
        Err(duluan_filecheck::Refusal::Damaged(why)) => return ZipKind::Broken(why),
        Err(r) => return ZipKind::Refused(r),
    }
    match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Err(e) => ZipKind::Broken(e.to_string()),
        Ok(z) => {
            let has = |name: &str| z.index_for_name(name).is_some();
            if has("word/document.xml") {
                ZipKind::Docx
            } else if has("xl/workbook.xml") {
                ZipKind::Xlsx
            } else if has("ppt/presentation.xml") {
                ZipKind::Pptx
            } else if has("content.xml") && has("mimetype") {
                ZipKind::Odt
            } else {
                ZipKind::Other
            }
        }
    }
}
