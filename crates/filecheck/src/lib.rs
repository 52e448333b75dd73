//! # duluan-filecheck: bounds on uploaded office files, checked before any reader allocates
//!
//! Spreadsheet, document and archive readers trust what a file declares: calamine reserves room
//! for the `uniqueCount` of a shared-string table and the `DIMENSIONS` of an `.xls` sheet, and
//! builds a dense rectangle from the first to the last cell, so a two-cell sheet with a cell at
//! `XFD1048576` asks for 17 billion cells and aborts the process; a ZIP entry of a few kilobytes
//! may inflate to gigabytes. This crate checks a file against [`Limits`] chosen by each caller
//! *before* such a reader runs, and reads spreadsheets cell by cell, so that the work and memory
//! of a read are bounded by the limits whatever the file says:
//!
//! - [`zip::check_directory`] reads only the ZIP central directory (parsed here, not by the
//!   `zip` crate, whose reader allocates from the declared entry count): number of entries, sum of
//!   declared sizes, compression ratio of each entry. [`zip::check_inflated`] then inflates every
//!   entry into nothing, counting, so that a directory that lies about sizes cannot get past the
//!   cap either.
//! - [`sheets::read`] reads XLSX, XLSB, ODS and XLS workbooks within the limits: the declared
//!   dimension and every cell's position are checked as the cells stream by (XLSX, XLSB); ODS
//!   tables (`number-rows-repeated`, `number-columns-repeated`) and XLS sheets (the `Workbook`
//!   stream of the compound file, its `DIMENSIONS` and cell records) are measured by a scan
//!   before calamine sees them.
//! - [`pdf::check_streams`] inflates every stream of a PDF into nothing, counting, before a PDF
//!   reader inflates them whole.
//!
//! Every refusal is a [`Refusal`] that says what was found and what the limit is; callers turn
//! it into a message in the user's language. The crate does no IO: bytes in, cells or a refusal
//! out; time limits are the caller's (run it off the async workers, with a timeout).

mod cfb;
mod ods;
pub mod pdf;
pub mod sheets;
pub mod zip;

use std::fmt;

/// What a caller accepts. Each use chooses its own (an XLSForm is small and narrow, a monitoring
/// document has no cells at all); see the constants of the callers for the reasons of each value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes, before anything is read.
    pub max_file_bytes: u64,
    /// Most entries in a ZIP container.
    pub max_entries: u64,
    /// Largest total of the entries inflated (declared and actual), in bytes.
    pub max_inflated_bytes: u64,
    /// Highest ratio of inflated to compressed size of one entry larger than
    /// [`RATIO_FLOOR_BYTES`] inflated. Office XML compresses 5–30 times; zip bombs 1000 times.
    pub max_ratio: u64,
    /// Most rows of a sheet (declared, or reached by any cell).
    pub max_rows: u32,
    /// Most columns of a sheet (declared, or reached by any cell).
    pub max_cols: u32,
    /// Most cells of a sheet: the rectangle from the first to the last used cell, which the
    /// readers fill densely, and the cells actually read.
    pub max_cells: u64,
    /// Most sheets in a workbook.
    pub max_sheets: usize,
}

/// Entries that inflate to less than this are not held to [`Limits::max_ratio`]: a small part of
/// repeated markup compresses very well and costs nothing.
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// Why a file was refused. Numbers are what the file declared or contained, then the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The file is larger than [`Limits::max_file_bytes`].
    FileTooLarge {
        /// Bytes of the file.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// The archive has more entries than [`Limits::max_entries`].
    TooManyEntries {
        /// Entries declared.
        entries: u64,
        /// The limit.
        max: u64,
    },
    /// The entries inflate (as declared, or as found while inflating) to more than
    /// [`Limits::max_inflated_bytes`].
    InflatedTooLarge {
        /// Bytes declared or reached (at least this many).
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// One entry is compressed more than [`Limits::max_ratio`] times: a zip bomb.
    CompressionRatio {
        /// The entry's name.
        entry: String,
        /// Its inflated size divided by its compressed size.
        ratio: u64,
        /// The limit.
        max: u64,
    },
    /// An entry inflates to more than its directory says: a forged archive.
    SizeMismatch {
        /// The entry's name.
        entry: String,
        /// The size declared by the central directory.
        declared: u64,
    },
    /// The workbook has more sheets than [`Limits::max_sheets`].
    TooManySheets {
        /// Sheets in the workbook.
        sheets: u64,
        /// The limit.
        max: u64,
    },
    /// A sheet declares (or its cells span) more rows or columns than read.
    SheetTooLarge {
        /// The sheet's name.
        sheet: String,
        /// Rows declared or spanned.
        rows: u64,
        /// Columns declared or spanned.
        cols: u64,
        /// Most rows read.
        max_rows: u64,
        /// Most columns read.
        max_cols: u64,
    },
    /// A cell lies beyond the rows or columns read.
    CellOutside {
        /// The sheet's name.
        sheet: String,
        /// The cell's reference, e.g. `XFD1048576`.
        cell: String,
        /// Most rows read.
        max_rows: u64,
        /// Most columns read.
        max_cols: u64,
    },
    /// A sheet has more cells than [`Limits::max_cells`].
    TooManyCells {
        /// The sheet's name.
        sheet: String,
        /// Cells found or spanned (at least this many).
        cells: u64,
        /// The limit.
        max: u64,
    },
    /// The container is damaged (a ZIP directory or compound file that does not hold together);
    /// the text says where.
    Damaged(String),
    /// Not a spreadsheet this crate reads; the text says what was found.
    NotSpreadsheet(String),
}

impl Refusal {
    /// A stable short name of the kind of refusal (for message keys): `file-too-large`,
    /// `too-many-entries`, `inflated-too-large`, `compression-ratio`, `size-mismatch`,
    /// `too-many-sheets`, `sheet-too-large`, `cell-outside`, `too-many-cells`, `damaged`,
    /// `not-spreadsheet`.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::FileTooLarge { .. } => "file-too-large",
            Refusal::TooManyEntries { .. } => "too-many-entries",
            Refusal::InflatedTooLarge { .. } => "inflated-too-large",
            Refusal::CompressionRatio { .. } => "compression-ratio",
            Refusal::SizeMismatch { .. } => "size-mismatch",
            Refusal::TooManySheets { .. } => "too-many-sheets",
            Refusal::SheetTooLarge { .. } => "sheet-too-large",
            Refusal::CellOutside { .. } => "cell-outside",
            Refusal::TooManyCells { .. } => "too-many-cells",
            Refusal::Damaged(_) => "damaged",
            Refusal::NotSpreadsheet(_) => "not-spreadsheet",
        }
    }

    /// The values of the refusal as named arguments, numbers grouped with `sep` (`,` in English,
    /// `.` in Vietnamese): `bytes`, `max`, `entries`, `entry`, `ratio`, `declared`, `sheets`,
    /// `sheet`, `rows`, `cols`, `max_rows`, `max_cols`, `cell`, `cells`, `detail`. Sizes in bytes
    /// are also given in MiB (`mib`, `max_mib`).
    pub fn args(&self, sep: char) -> Vec<(&'static str, String)> {
        let n = |v: u64| group(v, sep);
        let mib = |v: u64| group(v.div_ceil(1 << 20), sep);
        match self {
            Refusal::FileTooLarge { bytes, max } | Refusal::InflatedTooLarge { bytes, max } => {
                vec![
                    ("bytes", n(*bytes)),
                    ("max", n(*max)),
                    ("mib", mib(*bytes)),
                    ("max_mib", mib(*max)),
                ]
            }
            Refusal::TooManyEntries { entries, max } => {
                vec![("entries", n(*entries)), ("max", n(*max))]
            }
            Refusal::CompressionRatio { entry, ratio, max } => vec![
                ("entry", entry.clone()),
                ("ratio", n(*ratio)),
                ("max", n(*max)),
            ],
            Refusal::SizeMismatch { entry, declared } => {
                vec![("entry", entry.clone()), ("declared", n(*declared))]
            }
            Refusal::TooManySheets { sheets, max } => {
                vec![("sheets", n(*sheets)), ("max", n(*max))]
            }
            Refusal::SheetTooLarge {
                sheet,
                rows,
                cols,
                max_rows,
                max_cols,
            } => vec![
                ("sheet", sheet.clone()),
                ("rows", n(*rows)),
                ("cols", n(*cols)),
                ("max_rows", n(*max_rows)),
                ("max_cols", n(*max_cols)),
            ],
            Refusal::CellOutside {
                sheet,
                cell,
                max_rows,
                max_cols,
            } => vec![
                ("sheet", sheet.clone()),
                ("cell", cell.clone()),
                ("max_rows", n(*max_rows)),
                ("max_cols", n(*max_cols)),
            ],
            Refusal::TooManyCells { sheet, cells, max } => vec![
                ("sheet", sheet.clone()),
                ("cells", n(*cells)),
                ("max", n(*max)),
            ],
            Refusal::Damaged(d) | Refusal::NotSpreadsheet(d) => vec![("detail", d.clone())],
        }
    }

    /// The refusal in Vietnamese, for the pure crates whose messages are bilingual (XLSForm
    /// diagnostics, the command line); the server uses its Fluent messages instead.
    pub fn message_vi(&self) -> String {
        let a = self.args('.');
        let g = |k: &str| {
            a.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        match self {
            Refusal::FileTooLarge { .. } => {
                format!("tệp có {} byte, quá giới hạn {} byte", g("bytes"), g("max"))
            }
            Refusal::TooManyEntries { .. } => format!(
                "tệp nén chứa {} thành phần, quá giới hạn {}",
                g("entries"),
                g("max")
            ),
            Refusal::InflatedTooLarge { .. } => format!(
                "tệp giải nén ra ít nhất {} MiB, quá giới hạn {} MiB",
                g("mib"),
                g("max_mib")
            ),
            Refusal::CompressionRatio { .. } => format!(
                "thành phần “{}” nén {} lần, quá giới hạn {} lần (tệp nén độc hại)",
                g("entry"),
                g("ratio"),
                g("max")
            ),
            Refusal::SizeMismatch { .. } => format!(
                "thành phần “{}” giải nén ra nhiều hơn {} byte đã khai báo (tệp bị làm giả)",
                g("entry"),
                g("declared")
            ),
            Refusal::TooManySheets { .. } => format!(
                "bảng tính có {} trang tính, quá giới hạn {}",
                g("sheets"),
                g("max")
            ),
            Refusal::SheetTooLarge { .. } => format!(
                "trang tính “{}” khai báo {} hàng × {} cột; chỉ đọc tối đa {} hàng × {} cột",
                g("sheet"),
                g("rows"),
                g("cols"),
                g("max_rows"),
                g("max_cols")
            ),
            Refusal::CellOutside { .. } => format!(
                "trang tính “{}” có ô {} nằm ngoài vùng được đọc ({} hàng × {} cột)",
                g("sheet"),
                g("cell"),
                g("max_rows"),
                g("max_cols")
            ),
            Refusal::TooManyCells { .. } => format!(
                "trang tính “{}” có ít nhất {} ô, quá giới hạn {} ô",
                g("sheet"),
                g("cells"),
                g("max")
            ),
            Refusal::Damaged(d) => format!("tệp bị hỏng: {d}"),
            Refusal::NotSpreadsheet(d) => format!("tệp không phải là bảng tính: {d}"),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.args(',');
        let g = |k: &str| {
            a.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        match self {
            Refusal::FileTooLarge { .. } => write!(
                f,
                "the file has {} bytes, more than the limit of {}",
                g("bytes"),
                g("max")
            ),
            Refusal::TooManyEntries { .. } => write!(
                f,
                "the archive holds {} entries, more than the limit of {}",
                g("entries"),
                g("max")
            ),
            Refusal::InflatedTooLarge { .. } => write!(
                f,
                "the file inflates to at least {} MiB, more than the limit of {} MiB",
                g("mib"),
                g("max_mib")
            ),
            Refusal::CompressionRatio { .. } => write!(
                f,
                "the entry \"{}\" is compressed {} times, more than the limit of {} (a zip bomb)",
                g("entry"),
                g("ratio"),
                g("max")
            ),
            Refusal::SizeMismatch { .. } => write!(
                f,
                "the entry \"{}\" inflates to more than the {} bytes its directory declares (a forged archive)",
                g("entry"),
                g("declared")
            ),
            Refusal::TooManySheets { .. } => write!(
                f,
                "the workbook has {} sheets, more than the limit of {}",
                g("sheets"),
                g("max")
            ),
            Refusal::SheetTooLarge { .. } => write!(
                f,
                "the sheet \"{}\" declares {} rows × {} columns; at most {} rows × {} columns are read",
                g("sheet"),
                g("rows"),
                g("cols"),
                g("max_rows"),
                g("max_cols")
            ),
            Refusal::CellOutside { .. } => write!(
                f,
                "the sheet \"{}\" has a cell at {}, outside the {} rows × {} columns that are read",
                g("sheet"),
                g("cell"),
                g("max_rows"),
                g("max_cols")
            ),
            Refusal::TooManyCells { .. } => write!(
                f,
                "the sheet \"{}\" has at least {} cells, more than the limit of {}",
                g("sheet"),
                g("cells"),
                g("max")
            ),
            Refusal::Damaged(d) => write!(f, "the file is damaged: {d}"),
            Refusal::NotSpreadsheet(d) => write!(f, "the file is not a spreadsheet: {d}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// `n` with thousands grouped by `sep`: `1,048,576` or `1.048.576`.
pub fn group(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A 0-based (row, column) as a spreadsheet reference: `(0, 0)` is `A1`, `(1_048_575, 16_383)`
/// is `XFD1048576`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = u64::from(col) + 1;
    while c > 0 {
        let r = ((c - 1) % 26) as u8;
        letters.push(b'A' + r);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8(letters).unwrap_or_default(),
        u64::from(row) + 1
    )
}

/// Refuses a file larger than the limit; the first check of every reader.
pub fn check_file_size(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let len = bytes.len() as u64;
    if len > limits.max_file_bytes {
        return Err(Refusal::FileTooLarge {
            bytes: len,
            max: limits.max_file_bytes,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_names() {
        assert_eq!(group(0, ','), "0");
        assert_eq!(group(999, ','), "999");
        assert_eq!(group(1_048_576, ','), "1,048,576");
        assert_eq!(group(16_384, '.'), "16.384");
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn the_sheet_message_says_what_and_the_limit() {
        let r = Refusal::SheetTooLarge {
            sheet: "survey".into(),
            rows: 1_048_576,
            cols: 16_384,
            max_rows: 100_000,
            max_cols: 1_000,
        };
        assert_eq!(
            r.to_string(),
            "the sheet \"survey\" declares 1,048,576 rows × 16,384 columns; at most 100,000 rows × 1,000 columns are read"
        );
        assert!(r.message_vi().contains("1.048.576 hàng × 16.384 cột"));
    }
}
