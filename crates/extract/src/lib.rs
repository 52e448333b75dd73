//! Documents and feeds to text for opinion monitoring (*theo dõi dư luận*).
//!
//! [`extract`] turns the bytes of an uploaded file into opinion items: CSV, JSON Lines, plain
//! text, Word `.docx`, PDF (text layer, or OCR of scanned pages) and images (OCR). Every text that
//! comes out is repaired (TCVN3, VNI, mojibake) and normalised to NFC by
//! [`duluan_vitext::normalize`], and scored by [`duluan_vitext::syllable::quality`].
//! A file is all or nothing: either every item, or the list of every error found, each naming
//! its line (and column) or page.
//! [`feeds`] parses RSS and Atom feeds and computes polite polling times; [`ocr`] runs the
//! `tesseract` program, the only IO this crate does.
//!
//! ```
//! use duluan_extract::{extract, Options, Format};
//! let csv = "text;area\nNgười dân lo lắng về ngập úng;92\n";
//! let got = extract("phan-anh.csv", csv.as_bytes(), &Options::default()).unwrap();
//! assert_eq!(got.format, Format::Csv);
//! assert_eq!(got.items[0].line, 2);
//! assert_eq!(got.items[0].area.as_deref(), Some("92"));
//! ```

mod decode;
mod docx;
pub mod feeds;
mod html;
mod image;
pub mod ocr;
mod pdf;
mod records;
mod sniff;
mod text;

use std::fmt;
use std::time::Duration;

pub use sniff::sniff;

/// Largest item text accepted by default (1 MiB of UTF-8).
pub const DEFAULT_MAX_ITEM_BYTES: usize = 1 << 20;

/// Most errors reported for one file; past it the list ends with a note of how many more.
pub const MAX_ERRORS: usize = 100;

/// The kinds of file [`extract`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma- or semicolon-separated values with a header row.
    Csv,
    /// JSON Lines: one object per line.
    Jsonl,
    /// Plain text: items separated by blank lines.
    Text,
    /// Word 2007+ document (`.docx`).
    Docx,
    /// PDF: text layer, or OCR of scanned pages.
    Pdf,
    /// PNG, JPEG or TIFF image, read by OCR.
    Image,
}

impl Format {
    /// A short lower-case name (`csv`, `jsonl`, `text`, `docx`, `pdf`, `image`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Text => "text",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Image => "image",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of [`extract`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Run OCR on images and on PDF pages without a text layer (needs `tesseract`).
    pub ocr: bool,
    /// Tesseract languages, e.g. `vie+eng`.
    pub ocr_langs: String,
    /// Largest text of one item, in bytes of UTF-8; a larger item is refused with its line.
    pub max_item_bytes: usize,
    /// Longest time one OCR run (one image or page) may take.
    pub ocr_timeout: Duration,
    /// Longest time all the OCR runs of one file may take together; the run going on when it
    /// ends is killed and the file is refused ([`FileErrorKind::OcrTimeLimit`]).
    pub ocr_total_timeout: Duration,
    /// Most pages or images of one file read by OCR; one more is refused
    /// ([`FileErrorKind::TooManyOcrPages`]) before tesseract runs on it.
    pub max_ocr_pages: usize,
    /// Most pages of a PDF; a longer one is refused ([`FileErrorKind::TooManyPages`]) before
    /// any page is read.
    pub max_pdf_pages: usize,
    /// Largest inflated size of one stream of a PDF, and of all its streams together; a PDF
    /// past either is refused ([`FileErrorKind::Refused`]) before the PDF reader, which inflates
    /// streams whole and without a cap, runs.
    pub max_pdf_inflated: (u64, u64),
}

/// Default of [`Options::max_pdf_inflated`]: one stream up to 128 MiB (a page scanned at 600 dpi
/// in colour and deflated is about 100 MB), all streams up to 512 MiB.
pub const DEFAULT_MAX_PDF_INFLATED: (u64, u64) = (128 << 20, 512 << 20);

/// Default of [`Options::max_pdf_pages`]: a long report is a few hundred pages; text extraction
/// takes about 10–50 ms a page, so 500 pages stay within a request.
pub const DEFAULT_MAX_PDF_PAGES: usize = 500;

/// Default of [`Options::max_ocr_pages`]: tesseract reads a page in 2–10 s on one core; a
/// scanned letter or petition is a few pages, a scanned book belongs in several uploads.
pub const DEFAULT_MAX_OCR_PAGES: usize = 20;

/// What a DOCX may hold. The text is in `word/document.xml` (read up to 64 MiB inflated);
/// images are stored uncompressed and never inflated, so the declared total may be large, but
/// no part may be a zip bomb and no archive may list more parts than a real document has.
pub const DOCX_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: 64 << 20,
    // A long report with many images has a few hundred parts.
    max_entries: 5_000,
    // Declared total of all parts (images included).
    max_inflated_bytes: 512 << 20,
    // Word XML deflates 5–30 times; deflate's own maximum is about 1,000.
    max_ratio: 250,
    // Not a spreadsheet: the sheet limits do not apply.
    max_rows: 0,
    max_cols: 0,
    max_cells: 0,
    max_sheets: 0,
};

impl Default for Options {
    /// OCR on with `vie+eng`, 1 MiB per item, 120 s per OCR run and 10 minutes per file,
    /// [`DEFAULT_MAX_OCR_PAGES`] pages read by OCR, [`DEFAULT_MAX_PDF_PAGES`] PDF pages,
    /// [`DEFAULT_MAX_PDF_INFLATED`].
    fn default() -> Self {
        Options {
            ocr: true,
            ocr_langs: "vie+eng".to_string(),
            max_item_bytes: DEFAULT_MAX_ITEM_BYTES,
            ocr_timeout: Duration::from_secs(120),
            ocr_total_timeout: Duration::from_secs(600),
            max_ocr_pages: DEFAULT_MAX_OCR_PAGES,
            max_pdf_pages: DEFAULT_MAX_PDF_PAGES,
            max_pdf_inflated: DEFAULT_MAX_PDF_INFLATED,
        }
    }
}

/// What came out of one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Extracted {
    /// The format the file was read as.
    pub format: Format,
    /// The items, in file order.
    pub items: Vec<ExtractedItem>,
    /// Things the user should know that did not stop the import (lines converted from another
    /// encoding, PDF pages without text skipped).
    pub warnings: Vec<String>,
    /// Pages or images read by OCR.
    pub ocr_pages: usize,
}

/// How well-formed the Vietnamese of a text is (from [`duluan_vitext::syllable::quality`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quality {
    /// Well-formed Vietnamese (or too short to tell).
    Good,
    /// Vietnamese typed without diacritics (`nguoi dan lo lang`).
    Unaccented,
    /// Under 80 % valid syllables: OCR errors, a wrong encoding, or not Vietnamese.
    Damaged,
}

impl Quality {
    /// Scores a text.
    pub fn of(text: &str) -> Quality {
        let q = duluan_vitext::syllable::quality(text);
        if q.looks_damaged() {
            Quality::Damaged
        } else if q.looks_unaccented() {
            Quality::Unaccented
        } else {
            Quality::Good
        }
    }
    /// A short lower-case name (`good`, `unaccented`, `damaged`).
    pub fn name(self) -> &'static str {
        match self {
            Quality::Good => "good",
            Quality::Unaccented => "unaccented",
            Quality::Damaged => "damaged",
        }
    }
}

/// One opinion item read from a file. Every text field is NFC with legacy encodings repaired.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtractedItem {
    /// Line of the item's first line (CSV, JSONL, text), or page (PDF; 1 for DOCX and images).
    pub line: usize,
    /// The text (never empty).
    pub text: String,
    /// Title: CSV/JSONL `title`, the first paragraph of a DOCX or first line of a PDF.
    pub title: Option<String>,
    /// Time: RFC 3339 with its offset (`2026-03-01T08:30:00+07:00`), or local time without
    /// offset (`2026-03-01T08:30:00`), or a date (`2026-03-01`).
    pub time: Option<String>,
    /// Administrative unit code, kept as written.
    pub area: Option<String>,
    /// The source's own id of the item (for idempotent re-imports).
    pub external_id: Option<String>,
    /// Topic, as written.
    pub topic: Option<String>,
    /// Direction (*chiều hướng*), as written.
    pub direction: Option<String>,
    /// Source URL.
    pub url: Option<String>,
    /// Language code, as written.
    pub lang: Option<String>,
    /// How well-formed the text's Vietnamese is.
    pub quality: Quality,
    /// The text was read by OCR.
    pub via_ocr: bool,
    /// The legacy encoding the text was converted from (`windows-1258`, `tcvn3`, `vni`,
    /// `utf8-as-cp1252`, `windows-1252`, `utf-16le`, `utf-16be`), if any.
    pub legacy_encoding: Option<String>,
}

impl ExtractedItem {
    /// An item with only its line and text (already normalised) set.
    pub(crate) fn new(line: usize, text: String) -> ExtractedItem {
        ExtractedItem {
            line,
            quality: Quality::of(&text),
            text,
            title: None,
            time: None,
            area: None,
            external_id: None,
            topic: None,
            direction: None,
            url: None,
            lang: None,
            via_ocr: false,
            legacy_encoding: None,
        }
    }
}

/// One problem found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// Line (1-based) of the problem, for text formats.
    pub line: Option<usize>,
    /// Page (1-based) of the problem, for PDF.
    pub page: Option<usize>,
    /// Column or field name (CSV header, JSON key, DOCX part).
    pub column: Option<String>,
    /// What is wrong.
    pub kind: FileErrorKind,
}

/// What is wrong with a file; the app maps each to a Vietnamese and an English message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileErrorKind {
    /// The file has no content at all.
    Empty,
    /// Binary data (NUL bytes, control characters, invalid UTF-16) where text was expected.
    NotText,
    /// A format this crate does not read (old `.doc`, `.xlsx`, GIF …); the text says what it is.
    Unsupported(String),
    /// The file's structure is broken (CSV quoting, JSON syntax, damaged ZIP/XML/PDF); the text
    /// gives the parser's words.
    Malformed(String),
    /// A required column or key is missing (`text`).
    MissingColumn,
    /// A column or key this format does not have.
    UnknownColumn,
    /// The same column twice in the header.
    DuplicateColumn,
    /// A value that cannot be read (a time that is not a time); the text says what was found.
    InvalidValue(String),
    /// An item whose text is empty.
    EmptyText,
    /// An item larger than [`Options::max_item_bytes`].
    TooLarge {
        /// Bytes of the item's text.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The PDF is password-protected.
    Encrypted,
    /// No text layer, and OCR is off or not available: the file needs OCR.
    NeedsOcr,
    /// OCR was tried and failed; the text says why.
    Ocr(String),
    /// More errors were found than are listed.
    TooManyErrors(usize),
    /// The archive was refused before it was read (too many parts, a zip bomb, a directory that
    /// lies about sizes); the refusal says what and the limit.
    Refused(duluan_filecheck::Refusal),
    /// The PDF has more pages than [`Options::max_pdf_pages`].
    TooManyPages {
        /// Pages of the PDF.
        pages: usize,
        /// The limit.
        max: usize,
    },
    /// More pages need OCR than [`Options::max_ocr_pages`].
    TooManyOcrPages {
        /// The limit.
        max: usize,
    },
    /// OCR of the file took longer than [`Options::ocr_total_timeout`] and was stopped.
    OcrTimeLimit {
        /// The limit, in seconds.
        seconds: u64,
        /// Pages read by OCR before it was stopped.
        pages: usize,
    },
}

impl FileError {
    /// An error about the whole file.
    pub fn file(kind: FileErrorKind) -> FileError {
        FileError {
            line: None,
            page: None,
            column: None,
            kind,
        }
    }
    /// An error at a line.
    pub fn at_line(line: usize, kind: FileErrorKind) -> FileError {
        FileError {
            line: Some(line),
            ..FileError::file(kind)
        }
    }
    /// An error at a line and column.
    pub fn at(line: usize, column: &str, kind: FileErrorKind) -> FileError {
        FileError {
            line: Some(line),
            column: Some(column.to_string()),
            ..FileError::file(kind)
        }
    }
    /// An error on a page.
    pub fn at_page(page: usize, kind: FileErrorKind) -> FileError {
        FileError {
            page: Some(page),
            ..FileError::file(kind)
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(l) = self.line {
            place.push(format!("line {l}"));
        }
        if let Some(p) = self.page {
            place.push(format!("page {p}"));
        }
        if let Some(c) = &self.column {
            place.push(format!("column `{c}`"));
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(", "))?;
        }
        match &self.kind {
            FileErrorKind::Empty => f.write_str("the file has no items (it is empty)"),
            FileErrorKind::NotText => f.write_str(
                "binary data, not text (NUL bytes or control characters); save the file as UTF-8 text",
            ),
            FileErrorKind::Unsupported(what) => write!(f, "unsupported file: {what}"),
            FileErrorKind::Malformed(why) => write!(f, "malformed file: {why}"),
            FileErrorKind::MissingColumn => f.write_str("required column is missing"),
            FileErrorKind::UnknownColumn => f.write_str(
                "unknown column (known: text, time, area, id, title, topic, direction, url, lang)",
            ),
            FileErrorKind::DuplicateColumn => f.write_str("column appears twice"),
            FileErrorKind::InvalidValue(why) => write!(f, "invalid value: {why}"),
            FileErrorKind::EmptyText => f.write_str("the item has no text"),
            FileErrorKind::TooLarge { bytes, max } => {
                write!(f, "the item has {bytes} bytes of text, more than the limit of {max}")
            }
            FileErrorKind::Encrypted => f.write_str("the PDF is password-protected"),
            FileErrorKind::NeedsOcr => {
                f.write_str("no text layer (a scan): needs OCR, which is off or not installed")
            }
            FileErrorKind::Ocr(why) => write!(f, "OCR failed: {why}"),
            FileErrorKind::TooManyErrors(n) => write!(f, "{n} more errors not listed"),
            FileErrorKind::Refused(r) => write!(f, "refused: {r}"),
            FileErrorKind::TooManyPages { pages, max } => {
                write!(f, "the PDF has {pages} pages; at most {max} are read")
            }
            FileErrorKind::TooManyOcrPages { max } => write!(
                f,
                "more than {max} pages need OCR; split the file and upload the parts"
            ),
            FileErrorKind::OcrTimeLimit { seconds, pages } => write!(
                f,
                "OCR of the file took longer than {seconds} s and was stopped after {pages} pages; split the file"
            ),
        }
    }
}

impl std::error::Error for FileError {}

/// Reads a file into opinion items: all of them, or every error found.
///
/// The format comes from [`sniff`] (magic bytes first, then the file name's extension).
/// Never panics on any input.
pub fn extract(
    file_name: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Extracted, Vec<FileError>> {
    let format = sniff(file_name, bytes).map_err(|e| vec![e])?;
    let mut out = match format {
        Format::Csv | Format::Jsonl | Format::Text => {
            let decoded = decode::decode(bytes).map_err(|e| vec![e])?;
            let items = match format {
                Format::Csv => records::csv(&decoded, options)?,
                Format::Jsonl => records::jsonl(&decoded, options)?,
                _ => text::items(&decoded, options)?,
            };
            Extracted {
                format,
                items,
                warnings: decoded.warnings,
                ocr_pages: 0,
            }
        }
        Format::Docx => docx::extract(bytes, options)?,
        Format::Pdf => pdf::extract(bytes, options)?,
        Format::Image => image::extract(bytes, options)?,
    };
    out.format = format;
    Ok(out)
}

/// Repairs and normalises one text field: returns the NFC text and the legacy encoding that
/// `duluan_vitext` converted it from, if any.
pub(crate) fn clean(text: &str) -> (String, Option<&'static str>) {
    use duluan_vitext::legacy::{Encoding, repair};
    use duluan_vitext::normalize::{Options, normalize_with};
    let (repaired, enc) = repair(text);
    let out = normalize_with(
        &repaired,
        &Options {
            repair_legacy: false,
            ..Options::default()
        },
    );
    let enc = (enc != Encoding::Unicode).then(|| enc.name());
    (out, enc)
}

/// Cleans a text and trims it; `None` when nothing is left.
pub(crate) fn clean_opt(text: &str) -> Option<String> {
    let t = clean(text.trim()).0;
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Checks an item's text against the size limit.
pub(crate) fn check_size(text: &str, options: &Options) -> Result<(), FileErrorKind> {
    if text.len() > options.max_item_bytes {
        Err(FileErrorKind::TooLarge {
            bytes: text.len(),
            max: options.max_item_bytes,
        })
    } else {
        Ok(())
    }
}

/// Collects errors up to [`MAX_ERRORS`], then counts the rest.
#[derive(Default)]
pub(crate) struct Errors {
    list: Vec<FileError>,
    more: usize,
}

impl Errors {
    pub(crate) fn push(&mut self, e: FileError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub(crate) fn into_result<T>(mut self, ok: T) -> Result<T, Vec<FileError>> {
        if self.list.is_empty() {
            return Ok(ok);
        }
        if self.more > 0 {
            self.list
                .push(FileError::file(FileErrorKind::TooManyErrors(self.more)));
        }
        Err(self.list)
    }
}
