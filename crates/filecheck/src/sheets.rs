//! Spreadsheets read within [`Limits`]: the container checked first ([`crate::zip`] for XLSX,
//! XLSB and ODS, the compound-file scan for XLS), then the cells of each sheet as a sparse list,
//! streamed from the sheet's XML for XLSX and XLSB so that no rectangle is ever built from what
//! the sheet declares.

use crate::{Limits, Refusal, cell_name};
use calamine::{Data, DataRef, Reader};
use std::io::Cursor;

/// One sheet: its name and its non-empty cells as `(row, column, value)`, 0-based, in file
/// order. Every position is below [`Limits::max_rows`] × [`Limits::max_cols`] and the rectangle
/// they span holds at most [`Limits::max_cells`] cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// The cells with a value.
    pub cells: Vec<(u32, u32, Data)>,
}

impl Sheet {
    /// The cells as rows of values, row 0 first; missing cells are [`Data::Empty`]. Its size is
    /// bounded by the limits the sheet was read with.
    pub fn rows(&self) -> Vec<Vec<Data>> {
        let height = self
            .cells
            .iter()
            .map(|c| c.0 as usize + 1)
            .max()
            .unwrap_or(0);
        let mut rows: Vec<Vec<Data>> = vec![Vec::new(); height];
        for (r, c, v) in &self.cells {
            let row = &mut rows[*r as usize];
            if row.len() <= *c as usize {
                row.resize(*c as usize + 1, Data::Empty);
            }
            row[*c as usize] = v.clone();
        }
        rows
    }
}

/// Which sheets to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Every worksheet.
    All,
    /// Only the first sheet.
    First,
}

/// The kind of spreadsheet in the bytes, from the container (no cell is read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Excel 2007+ (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel binary workbook (`.xlsb`).
    Xlsb,
    /// OpenDocument (`.ods`).
    Ods,
    /// Excel 97–2003 (`.xls`).
    Xls,
}

/// Collects a sheet's cells within the limits.
struct Collect<'l> {
    limits: &'l Limits,
    sheet: Sheet,
    seen: u64,
    max: (u32, u32),
    min: Option<(u32, u32)>,
}

impl<'l> Collect<'l> {
    fn new(name: &str, limits: &'l Limits) -> Self {
        Collect {
            limits,
            sheet: Sheet {
                name: name.to_string(),
                cells: Vec::new(),
            },
            seen: 0,
            max: (0, 0),
            min: None,
        }
    }

    /// The sheet declares `rows × cols` (from A1).
    fn declared(&self, rows: u64, cols: u64) -> Result<(), Refusal> {
        let l = self.limits;
        if rows > u64::from(l.max_rows) || cols > u64::from(l.max_cols) {
            return Err(Refusal::SheetTooLarge {
                sheet: self.sheet.name.clone(),
                rows,
                cols,
                max_rows: u64::from(l.max_rows),
                max_cols: u64::from(l.max_cols),
            });
        }
        Ok(())
    }

    fn too_many(&self, cells: u64) -> Refusal {
        Refusal::TooManyCells {
            sheet: self.sheet.name.clone(),
            cells,
            max: self.limits.max_cells,
        }
    }

    /// One cell as read. Empty cells (formatting only) are skipped: they take no memory, and
    /// the work of reading them is bounded by the inflated size of the sheet.
    fn push(&mut self, r: u32, c: u32, value: Data) -> Result<(), Refusal> {
        let l = self.limits;
        if matches!(value, Data::Empty) {
            return Ok(());
        }
        self.seen += 1;
        if self.seen > l.max_cells {
            return Err(self.too_many(self.seen));
        }
        if r >= l.max_rows || c >= l.max_cols {
            return Err(Refusal::CellOutside {
                sheet: self.sheet.name.clone(),
                cell: cell_name(r, c),
                max_rows: u64::from(l.max_rows),
                max_cols: u64::from(l.max_cols),
            });
        }
        let (r0, c0) = self.min.unwrap_or((r, c));
        let min = (r0.min(r), c0.min(c));
        self.min = Some(min);
        self.max = (self.max.0.max(r), self.max.1.max(c));
        // Callers lay the cells out from A1: that rectangle is what they allocate.
        let area = (u64::from(self.max.0) + 1) * (u64::from(self.max.1) + 1);
        if area > l.max_cells {
            return Err(self.too_many(area));
        }
        self.sheet.cells.push((r, c, value));
        Ok(())
    }
}

/// What kind of spreadsheet the bytes are, after the container checks (ZIP directory and actual
/// inflated sizes, or the XLS scan).
pub fn check(bytes: &[u8], limits: &Limits) -> Result<Kind, Refusal> {
    crate::check_file_size(bytes, limits)?;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let dir = crate::zip::check(bytes, limits)?;
        if dir.has("xl/workbook.xml") {
            check_shared_strings(bytes, &dir, limits)?;
            Ok(Kind::Xlsx)
        } else if dir.has("xl/workbook.bin") {
            check_xlsb_records(bytes, &dir, limits)?;
            Ok(Kind::Xlsb)
        } else if dir.has("content.xml") {
            let xml = crate::zip::read_entry(bytes, "content.xml", limits.max_inflated_bytes)?
                .unwrap_or_default();
            crate::ods::check_content(&xml, limits)?;
            Ok(Kind::Ods)
        } else {
            Err(Refusal::NotSpreadsheet(
                "a ZIP archive without a workbook".into(),
            ))
        }
    } else if crate::cfb::is_cfb(bytes) {
        crate::cfb::check_xls(bytes, limits)?;
        Ok(Kind::Xls)
    } else {
        Err(Refusal::NotSpreadsheet(
            "neither an Excel (xlsx, xls) nor an OpenDocument (ods) file".into(),
        ))
    }
}

/// calamine reserves room for the `uniqueCount` a shared-string table declares before reading
/// one string: a forged count must not reach it.
fn check_shared_strings(
    bytes: &[u8],
    dir: &crate::zip::Directory,
    limits: &Limits,
) -> Result<(), Refusal> {
    for e in &dir.entries {
        if !e.name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            continue;
        }
        let mut archive = ::zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Refusal::Damaged(e.to_string()))?;
        let entry = archive
            .by_name(&e.name)
            .map_err(|err| Refusal::Damaged(format!("{}: {err}", e.name)))?;
        let mut head = Vec::new();
        use std::io::Read;
        entry
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|err| Refusal::Damaged(format!("{}: {err}", e.name)))?;
        let text = String::from_utf8_lossy(&head);
        if let Some(at) = text.find("uniqueCount=\"") {
            let digits: String = text[at + 13..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let n = digits.parse::<u64>().unwrap_or(u64::MAX);
            if n > limits.max_cells {
                return Err(Refusal::TooManyCells {
                    sheet: e.name.clone(),
                    cells: n,
                    max: limits.max_cells,
                });
            }
        }
    }
    Ok(())
}

/// calamine's XLSB reader sizes its record buffer from each record's declared length (up to
/// 256 MiB): every record of every binary part must fit in the part.
fn check_xlsb_records(
    bytes: &[u8],
    dir: &crate::zip::Directory,
    limits: &Limits,
) -> Result<(), Refusal> {
    // The parts calamine reads as records (a VBA project or printer settings are not records).
    let records = |n: &str| {
        matches!(
            n,
            "xl/workbook.bin" | "xl/sharedStrings.bin" | "xl/styles.bin"
        ) || (n.starts_with("xl/worksheets/") && n.ends_with(".bin"))
    };
    for e in dir.entries.iter().filter(|e| records(&e.name)) {
        let part =
            crate::zip::read_entry(bytes, &e.name, limits.max_inflated_bytes)?.unwrap_or_default();
        let mut at = 0usize;
        let varint = |at: &mut usize, max_bytes: usize| -> Option<usize> {
            let mut v = 0usize;
            for i in 0..max_bytes {
                let b = *part.get(*at)?;
                *at += 1;
                v |= usize::from(b & 0x7F) << (7 * i);
                if b & 0x80 == 0 {
                    break;
                }
            }
            Some(v)
        };
        while at < part.len() {
            let (Some(_), Some(len)) = (varint(&mut at, 2), varint(&mut at, 4)) else {
                break;
            };
            if len > part.len() - at.min(part.len()) {
                return Err(Refusal::Damaged(format!(
                    "{}: a record declares {len} bytes past the end of its part",
                    e.name
                )));
            }
            at += len;
        }
    }
    Ok(())
}

fn not_spreadsheet(e: impl std::fmt::Display) -> Refusal {
    Refusal::NotSpreadsheet(e.to_string())
}

fn damaged(sheet: &str, e: impl std::fmt::Display) -> Refusal {
    Refusal::Damaged(format!("sheet \"{sheet}\": {e}"))
}

fn pick(names: Vec<String>, which: Which, limits: &Limits) -> Result<Vec<String>, Refusal> {
    if names.len() > limits.max_sheets {
        return Err(Refusal::TooManySheets {
            sheets: names.len() as u64,
            max: limits.max_sheets as u64,
        });
    }
    Ok(match which {
        Which::All => names,
        Which::First => names.into_iter().take(1).collect(),
    })
}

/// Reads the sheets of a spreadsheet (XLSX, XLSB, ODS or XLS) within the limits: a refusal as
/// soon as anything declared or read goes past them, before the memory is taken.
pub fn read(bytes: &[u8], limits: &Limits, which: Which) -> Result<Vec<Sheet>, Refusal> {
    let kind = check(bytes, limits)?;
    let mut out = Vec::new();
    match kind {
        Kind::Xlsx => {
            let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(not_spreadsheet)?;
            for name in pick(book.sheet_names(), which, limits)? {
                let mut reader = match book.worksheet_cells_reader(&name) {
                    Ok(r) => r,
                    // A chart sheet has no cells.
                    Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
                    Err(e) => return Err(damaged(&name, e)),
                };
                let mut sheet = Collect::new(&name, limits);
                let d = reader.dimensions();
                sheet.declared(u64::from(d.end.0) + 1, u64::from(d.end.1) + 1)?;
                while let Some(cell) = reader.next_cell().map_err(|e| damaged(&name, e))? {
                    let (r, c) = cell.get_position();
                    let value: Data = cell.get_value().clone().into();
                    sheet.push(r, c, value)?;
                }
                out.push(sheet.sheet);
            }
        }
        Kind::Xlsb => {
            let mut book = calamine::Xlsb::new(Cursor::new(bytes)).map_err(not_spreadsheet)?;
            for name in pick(book.sheet_names(), which, limits)? {
                let mut reader = book
                    .worksheet_cells_reader(&name)
                    .map_err(|e| damaged(&name, e))?;
                let mut sheet = Collect::new(&name, limits);
                let d = reader.dimensions();
                sheet.declared(u64::from(d.end.0) + 1, u64::from(d.end.1) + 1)?;
                while let Some(cell) = reader.next_cell().map_err(|e| damaged(&name, e))? {
                    let (r, c) = cell.get_position();
                    let value: Data = data_of(cell.get_value());
                    sheet.push(r, c, value)?;
                }
                out.push(sheet.sheet);
            }
        }
        // ODS and XLS are read whole by calamine when opened; the scans of `check` bounded them.
        Kind::Ods => {
            let mut book = calamine::Ods::new(Cursor::new(bytes)).map_err(not_spreadsheet)?;
            for name in pick(book.sheet_names(), which, limits)? {
                let range = book.worksheet_range(&name).map_err(|e| damaged(&name, e))?;
                out.push(collect_range(&name, &range, limits)?);
            }
        }
        Kind::Xls => {
            let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(not_spreadsheet)?;
            for name in pick(book.sheet_names(), which, limits)? {
                let range = book.worksheet_range(&name).map_err(|e| damaged(&name, e))?;
                out.push(collect_range(&name, &range, limits)?);
            }
        }
    }
    Ok(out)
}

fn data_of(v: &DataRef<'_>) -> Data {
    v.clone().into()
}

fn collect_range(
    name: &str,
    range: &calamine::Range<Data>,
    limits: &Limits,
) -> Result<Sheet, Refusal> {
    let mut sheet = Collect::new(name, limits);
    for (r, c, v) in range.used_cells() {
        let (r0, c0) = range.start().unwrap_or((0, 0));
        sheet.push(r0 + r as u32, c0 + c as u32, v.clone())?;
    }
    Ok(sheet.sheet)
}
