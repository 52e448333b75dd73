//! Old Excel `.xls` files: the `Workbook` stream out of the compound file (CFB), then its BIFF
//! records scanned for each sheet's `DIMENSIONS` and cell positions. calamine reads an `.xls`
//! whole when it opens it, reserving `rows × columns` from `DIMENSIONS` and filling the rectangle
//! of the used cells; this scan refuses such a file before calamine sees it.

use crate::{Limits, Refusal};

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn damaged(why: &str) -> Refusal {
    Refusal::Damaged(format!("Excel 97–2003 file: {why}"))
}

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const MAGIC: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Whether the bytes start like a compound file (`.xls`, `.doc`).
pub(crate) fn is_cfb(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

struct Cfb<'a> {
    bytes: &'a [u8],
    shift: u32,
    fat: Vec<u32>,
}

impl<'a> Cfb<'a> {
    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let size = 1usize << self.shift;
        let at = (id as usize).checked_add(1)?.checked_mul(size)?;
        self.bytes.get(at..at.checked_add(size)?)
    }

    fn sector_count(&self) -> usize {
        self.bytes.len() >> self.shift
    }

    /// The sectors of a chain, in order; a loop or a chain past the file is damage.
    fn chain(&self, start: u32) -> Result<Vec<u32>, Refusal> {
        let mut out = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
            if out.len() > self.sector_count() {
                return Err(damaged("a sector chain loops"));
            }
            out.push(id);
            id = *self
                .fat
                .get(id as usize)
                .ok_or_else(|| damaged("a sector chain leaves the file"))?;
        }
        Ok(out)
    }

    fn read_chain(&self, start: u32, len: usize) -> Result<Vec<u8>, Refusal> {
        let mut out = Vec::new();
        for id in self.chain(start)? {
            if out.len() >= len {
                break;
            }
            out.extend_from_slice(
                self.sector(id)
                    .ok_or_else(|| damaged("a sector lies past the end of the file"))?,
            );
        }
        if out.len() < len {
            return Err(damaged("a stream is shorter than declared"));
        }
        out.truncate(len);
        Ok(out)
    }
}

/// The `Workbook` (BIFF8) or `Book` (BIFF5) stream of a compound file.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    if bytes.len() < 512 || !is_cfb(bytes) {
        return Err(damaged("not a compound file"));
    }
    let shift = u32::from(u16_at(bytes, 0x1E).unwrap_or(0));
    if shift != 9 && shift != 12 {
        return Err(damaged("unknown sector size"));
    }
    let major = u16_at(bytes, 0x1A).unwrap_or(3);
    let mini_shift = u32::from(u16_at(bytes, 0x20).unwrap_or(6));
    if mini_shift != 6 {
        return Err(damaged("unknown mini sector size"));
    }
    let n_fat = u32_at(bytes, 0x2C).unwrap_or(0) as usize;
    let dir_start = u32_at(bytes, 0x30).unwrap_or(END_OF_CHAIN);
    let cutoff = u64::from(u32_at(bytes, 0x38).unwrap_or(4096));
    let minifat_start = u32_at(bytes, 0x3C).unwrap_or(END_OF_CHAIN);
    let mut difat_next = u32_at(bytes, 0x44).unwrap_or(END_OF_CHAIN);
    let size = 1usize << shift;
    let sectors = bytes.len() >> shift;
    if n_fat > sectors {
        return Err(damaged("more FAT sectors than the file holds"));
    }
    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .take(n_fat)
        .collect();
    let mut hops = 0;
    while fat_sectors.len() < n_fat && difat_next < END_OF_CHAIN - 1 {
        hops += 1;
        if hops > sectors {
            return Err(damaged("the DIFAT chain loops"));
        }
        let at = (difat_next as usize + 1) * size;
        let s = bytes
            .get(at..at + size)
            .ok_or_else(|| damaged("a DIFAT sector lies past the end of the file"))?;
        for i in 0..size / 4 - 1 {
            if fat_sectors.len() < n_fat {
                fat_sectors.push(u32_at(s, 4 * i).unwrap_or(END_OF_CHAIN));
            }
        }
        difat_next = u32_at(s, size - 4).unwrap_or(END_OF_CHAIN);
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * size / 4);
    for id in fat_sectors {
        let at = (id as usize)
            .checked_add(1)
            .and_then(|i| i.checked_mul(size))
            .unwrap_or(usize::MAX);
        let s = bytes
            .get(at..at.saturating_add(size))
            .ok_or_else(|| damaged("a FAT sector lies past the end of the file"))?;
        fat.extend(
            s.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
    }
    let cfb = Cfb { bytes, shift, fat };
    let dir_ids = cfb.chain(dir_start)?;
    let mut dir = Vec::new();
    for id in dir_ids {
        dir.extend_from_slice(
            cfb.sector(id)
                .ok_or_else(|| damaged("a directory sector lies past the end of the file"))?,
        );
    }
    let entry = |i: usize| dir.get(i * 128..i * 128 + 128);
    let size_of = |e: &[u8]| {
        let lo = u64::from(u32_at(e, 0x78).unwrap_or(0));
        let hi = u64::from(u32_at(e, 0x7C).unwrap_or(0));
        if major == 3 { lo } else { lo | (hi << 32) }
    };
    let root = entry(0).ok_or_else(|| damaged("no root entry"))?;
    let mut found = None;
    for i in 1..dir.len() / 128 {
        let Some(e) = entry(i) else { break };
        let name_len = usize::from(u16_at(e, 0x40).unwrap_or(0)).min(64);
        let name: String = char::decode_utf16(
            e[..name_len]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
        )
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .filter(|c| *c != '\0')
        .collect();
        if e[0x42] == 2
            && (name.eq_ignore_ascii_case("Workbook") || name.eq_ignore_ascii_case("Book"))
        {
            found = Some(e);
            break;
        }
    }
    let e = found.ok_or_else(|| Refusal::NotSpreadsheet("no Workbook stream".into()))?;
    let len = size_of(e);
    if len > bytes.len() as u64 {
        return Err(damaged("the Workbook stream is larger than the file"));
    }
    let len = len as usize;
    let start = u32_at(e, 0x74).unwrap_or(END_OF_CHAIN);
    if (len as u64) >= cutoff {
        return cfb.read_chain(start, len);
    }
    // A small stream lives in the mini stream (the root entry's data), in 64-byte sectors.
    let mini_stream = cfb.read_chain(
        u32_at(root, 0x74).unwrap_or(END_OF_CHAIN),
        (size_of(root) as usize).min(bytes.len()),
    )?;
    let mut minifat = Vec::new();
    for id in cfb.chain(minifat_start)? {
        let s = cfb
            .sector(id)
            .ok_or_else(|| damaged("a mini FAT sector lies past the end of the file"))?;
        minifat.extend(
            s.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
    }
    let mut out = Vec::new();
    let mut id = start;
    while id != END_OF_CHAIN && out.len() < len {
        if out.len() > mini_stream.len() {
            return Err(damaged("a mini sector chain loops"));
        }
        let at = id as usize * 64;
        out.extend_from_slice(
            mini_stream
                .get(at..at + 64)
                .ok_or_else(|| damaged("a mini sector lies past the mini stream"))?,
        );
        id = *minifat
            .get(id as usize)
            .ok_or_else(|| damaged("a mini sector chain leaves the mini FAT"))?;
    }
    if out.len() < len {
        return Err(damaged("the Workbook stream is shorter than declared"));
    }
    out.truncate(len);
    Ok(out)
}

/// Checks every sheet of an `.xls` workbook against the limits: its declared `DIMENSIONS`, the
/// rectangle spanned by its cells, their number, and the number of sheets.
pub(crate) fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    crate::check_file_size(bytes, limits)?;
    let stream = workbook_stream(bytes)?;
    let mut at = 0;
    // Substreams: the workbook globals, then one per sheet (charts nest their own).
    let mut depth = 0usize;
    let mut sheet_no = 0u64;
    let mut sheet = Span::default();
    while at + 4 <= stream.len() {
        let typ = u16_at(&stream, at).unwrap_or(0);
        let len = usize::from(u16_at(&stream, at + 2).unwrap_or(0));
        let data = stream.get(at + 4..at + 4 + len).unwrap_or(&[]);
        at += 4 + len;
        match typ {
            0x0809 => {
                depth += 1;
                if depth == 1 {
                    sheet = Span::default();
                }
            }
            0x000A => {
                if depth == 1 {
                    sheet_no += 1;
                    if sheet_no > limits.max_sheets as u64 + 1 {
                        return Err(Refusal::TooManySheets {
                            sheets: sheet_no - 1,
                            max: limits.max_sheets as u64,
                        });
                    }
                }
                depth = depth.saturating_sub(1);
            }
            _ if depth != 1 => {}
            // DIMENSIONS: BIFF8 rows are 32-bit (first, last + 1), columns 16-bit.
            0x0200 => {
                let (rows, cols) = match data.len() {
                    14 | 16 => (
                        u64::from(u32_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    10 => (
                        u64::from(u16_at(data, 2).unwrap_or(0)),
                        u64::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    _ => (0, 0),
                };
                if rows > u64::from(limits.max_rows) || cols > u64::from(limits.max_cols) {
                    return Err(Refusal::SheetTooLarge {
                        sheet: format!("{}", sheet_no),
                        rows,
                        cols,
                        max_rows: u64::from(limits.max_rows),
                        max_cols: u64::from(limits.max_cols),
                    });
                }
            }
            // Cells with a row and a column at the start of the record.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                    sheet.add(u32::from(r), u32::from(c), 1, sheet_no, limits)?;
                }
            }
            // MULRK: a row, a first column, then 6 bytes per cell, then the last column.
            0x00BD if data.len() >= 6 => {
                let r = u32::from(u16_at(data, 0).unwrap_or(0));
                let first = u32::from(u16_at(data, 2).unwrap_or(0));
                let last = u32::from(u16_at(data, data.len() - 2).unwrap_or(0));
                if last >= first {
                    sheet.add(r, first, 1, sheet_no, limits)?;
                    sheet.add(r, last, u64::from(last - first), sheet_no, limits)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The rectangle of a sheet's cells and their number.
#[derive(Default)]
struct Span {
    min: Option<(u32, u32)>,
    max: (u32, u32),
    cells: u64,
}

impl Span {
    fn add(&mut self, r: u32, c: u32, n: u64, sheet: u64, limits: &Limits) -> Result<(), Refusal> {
        if r >= limits.max_rows || c >= limits.max_cols {
            return Err(Refusal::CellOutside {
                sheet: sheet.to_string(),
                cell: crate::cell_name(r, c),
                max_rows: u64::from(limits.max_rows),
                max_cols: u64::from(limits.max_cols),
            });
        }
        let (r0, c0) = self.min.unwrap_or((r, c));
        self.min = Some((r0.min(r), c0.min(c)));
        self.max = (self.max.0.max(r), self.max.1.max(c));
        self.cells += n;
        let (r0, c0) = self.min.unwrap_or((r, c));
        let area = u64::from(self.max.0 - r0 + 1) * u64::from(self.max.1 - c0 + 1);
        let cells = area.max(self.cells);
        if cells > limits.max_cells {
            return Err(Refusal::TooManyCells {
                sheet: sheet.to_string(),
                cells,
                max: limits.max_cells,
            });
        }
        Ok(())
    }
}
