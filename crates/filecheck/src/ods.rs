//! OpenDocument spreadsheets: `content.xml` scanned for the size of each table, counting
//! `table:number-rows-repeated` and `table:number-columns-repeated`, before calamine expands
//! them. Trailing empty rows and cells (LibreOffice writes a million of them repeated) do not
//! count: calamine trims them.

use crate::{Limits, Refusal};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

fn repeats(e: &BytesStart<'_>, key: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.to_string())
}

/// One table being measured.
#[derive(Default)]
struct Table {
    name: String,
    /// Rows so far (with repeats).
    row: u64,
    /// Rows up to the last one with a value.
    rows: u64,
    /// Columns up to the last cell with a value, widest row.
    cols: u64,
    /// Cells calamine would expand: for each row with a value, its width times its repeats.
    cells: u64,
}

impl Table {
    fn check(&self, limits: &Limits) -> Result<(), Refusal> {
        if self.rows > u64::from(limits.max_rows) || self.cols > u64::from(limits.max_cols) {
            return Err(Refusal::SheetTooLarge {
                sheet: self.name.clone(),
                rows: self.rows,
                cols: self.cols,
                max_rows: u64::from(limits.max_rows),
                max_cols: u64::from(limits.max_cols),
            });
        }
        let area = self.rows.saturating_mul(self.cols).max(self.cells);
        if area > limits.max_cells {
            return Err(Refusal::TooManyCells {
                sheet: self.name.clone(),
                cells: area,
                max: limits.max_cells,
            });
        }
        Ok(())
    }
}

/// Checks every table of an ODS `content.xml`.
pub(crate) fn check_content(xml: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut tables = 0u64;
    let mut table: Option<Table> = None;
    // The row being read: its repeats, its width so far, the end of its last value.
    let mut row: Option<(u64, u64, u64)> = None;
    let damaged = |e: quick_xml::Error| Refusal::Damaged(format!("content.xml: {e}"));
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(damaged)?;
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(end) => {
                match end.name().as_ref() {
                    "table:table-row" => end_row(&mut table, &mut row, limits)?,
                    "table:table" => table = None,
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(e) = e else { continue };
        match e.name().as_ref() {
            "table:table" if !empty => {
                tables += 1;
                if tables > limits.max_sheets as u64 {
                    return Err(Refusal::TooManySheets {
                        sheets: tables,
                        max: limits.max_sheets as u64,
                    });
                }
                table = Some(Table {
                    name: attr(e, "table:name").unwrap_or_default(),
                    ..Table::default()
                });
            }
            "table:table-row" if table.is_some() => {
                row = Some((repeats(e, "table:number-rows-repeated"), 0, 0));
                if empty {
                    end_row(&mut table, &mut row, limits)?;
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some((_, width, last)) = row.as_mut() {
                    let n = repeats(e, "table:number-columns-repeated");
                    *width = width.saturating_add(n);
                    // A cell with a value type or content (text) has a value.
                    let valued = !empty || attr(e, "office:value-type").is_some();
                    if valued {
                        *last = *width;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn end_row(
    table: &mut Option<Table>,
    row: &mut Option<(u64, u64, u64)>,
    limits: &Limits,
) -> Result<(), Refusal> {
    let (Some(t), Some((reps, _, last))) = (table.as_mut(), row.take()) else {
        return Ok(());
    };
    t.row = t.row.saturating_add(reps);
    if last > 0 {
        t.rows = t.row;
        t.cols = t.cols.max(last);
        t.cells = t.cells.saturating_add(reps.saturating_mul(last));
    }
    t.check(limits)
}
