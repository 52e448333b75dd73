//! A writer of Stata datasets (`.dta` format 118: Stata 14 and later, UTF-8), written from
//! Stata's description of the format (`help dta`): a header with the number of variables `K`
//! and of observations `N`, a map of the file's sections, the dictionary (types, names, sort
//! order, display formats, value-label names, variable labels), no characteristics, the data as
//! fixed-width rows, the long strings (`strL`) as GSO records, then the value-label tables.
//! Everything is little-endian (`LSF`).
//!
//! Why a spool. Unlike a `.sav` file, whose case count may be left unknown, a `.dta` file says
//! before its first row how many rows it holds (`N`), how wide each string variable is (`str1`
//! to `str2045`, or `strL` beyond) and, in its map, where the `strL` records and the value labels
//! start, which depends on the total size of the long strings. All of these depend on every
//! response. Counting the responses under the same snapshot would settle `N` but not the widths
//! nor the size of the `strL` section: those would need a second full read of every response's
//! JSON (and, on SQLite, a read transaction held open for the whole export). So the rows go once,
//! as they are read in keyset pages like every other export, into a spool (an unnamed temporary
//! file, removed by the system when it is closed) in a simple form: a number as 8 bytes, a text
//! as its length and bytes. On the way the writer notes the row count, each string variable's
//! longest value and the size of its `strL` records, and each numeric variable's range (to store
//! it as `byte`, `int`, `long` or `double`, as Stata's `compress` would). [`DtaWriter::finish`]
//! then knows the whole layout: it writes the header and the map, re-reads the spool row by row
//! into the data section, reads it once more for the `strL` records, and ends with the value
//! labels. Memory holds one row and the I/O buffers whatever the number of responses; the disk
//! holds about the size of the data for the length of the export. The price is that the first
//! byte leaves after the last response has been read (the body still streams, it just starts
//! later).
//!
//! Missing numbers are Stata's `.`; an unanswered text is an empty string. Value labels are
//! tables of whole numbers (`i32`); Stata has no user-missing codes, so "don't know" codes such
//! as 98 stay labelled values.

use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// The longest fixed-width string (`str2045`), in bytes; a variable with a longer value is a
/// `strL`.
pub const STR_MAX: usize = 2045;
/// Most variables a format-118 dataset holds (`K` is two bytes).
pub const MAX_VARS: usize = 32_767;
/// Longest variable name, in bytes.
pub const NAME_MAX: usize = 32;
/// Longest variable or dataset label, in characters.
const LABEL_CHARS: usize = 80;
/// Longest value label, in bytes.
const VALUE_LABEL_MAX: usize = 32_000;
/// Field sizes of format 118: names (32 characters of up to 4 bytes, and a NUL), display
/// formats, variable labels (80 characters of up to 4 bytes, and a NUL).
const NAME_FIELD: usize = 129;
const FORMAT_FIELD: usize = 57;
const LABEL_FIELD: usize = 321;
/// The missing value `.` of each numeric type, and the largest non-missing `double`.
const BYTE_MISSING: i8 = 101;
const INT_MISSING: i16 = 32_741;
const LONG_MISSING: i32 = 2_147_483_621;
const DOUBLE_MISSING: u64 = 0x7fe0_0000_0000_0000;
const DOUBLE_MAX: f64 = f64::from_bits(0x7fdf_ffff_ffff_ffff);
/// Bytes of a GSO record before its contents: `GSO`, `v` (4), `o` (8), type (1), length (4).
const GSO_HEAD: u64 = 20;
/// GSO type of a text (stored with a trailing NUL).
const GSO_TEXT: u8 = 130;
/// Size of the I/O buffers of the spool.
const BUFFER: usize = 256 * 1024;

/// What a variable holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A number.
    Number,
    /// A date: days since 1 January 1960 (format `%td`).
    Date,
    /// A text.
    Text,
}

/// One variable of the dataset.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Name (a valid Stata name, see `stata.rs`).
    pub name: String,
    /// Variable label (cut to 80 characters).
    pub label: String,
    /// What it holds.
    pub kind: Kind,
    /// Name of its value-label table, empty for none (numbers only).
    pub value_labels: String,
}

/// A value-label table: whole numbers and their labels.
#[derive(Clone, Debug)]
pub struct LabelSet {
    /// Name (a valid Stata name; the namespace of tables is not that of variables).
    pub name: String,
    /// Values and labels.
    pub entries: Vec<(i32, String)>,
}

/// A value of an observation.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// A number (for a date, days since 1960); `None` is Stata's `.`.
    Number(Option<f64>),
    /// A text.
    Text(&'a str),
}

/// Days since 1 January 1960 (Stata's `%td` dates) of an ISO date `YYYY-MM-DD`.
pub fn stata_date(iso: &str) -> Option<f64> {
    let d = chrono::NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok()?;
    let origin = chrono::NaiveDate::from_ymd_opt(1960, 1, 1)?;
    Some((d - origin).num_days() as f64)
}

/// How a variable is stored, chosen once every value has been seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    /// `str1`…`str2045`.
    Str(u16),
    /// `strL`: an 8-byte reference to a GSO record.
    StrL,
    Byte,
    Int,
    Long,
    Double,
}

impl Storage {
    /// Its code in `<variable_types>`.
    fn code(self) -> u16 {
        match self {
            Storage::Str(w) => w,
            Storage::StrL => 32_768,
            Storage::Double => 65_526,
            Storage::Long => 65_528,
            Storage::Int => 65_529,
            Storage::Byte => 65_530,
        }
    }

    /// Its width in a row, in bytes.
    fn width(self) -> usize {
        match self {
            Storage::Str(w) => w as usize,
            Storage::StrL | Storage::Double => 8,
            Storage::Long => 4,
            Storage::Int => 2,
            Storage::Byte => 1,
        }
    }
}

/// What the spooled values of a variable need.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// Texts: the longest, in bytes.
    longest: usize,
    /// Texts: bytes of the GSO records should the variable be a `strL`.
    gso_bytes: u64,
    /// Numbers: every non-missing value is a whole number.
    whole: bool,
    /// Numbers: smallest and largest non-missing value (`min > max` when none).
    min: f64,
    max: f64,
}

impl Seen {
    fn new() -> Seen {
        Seen {
            longest: 0,
            gso_bytes: 0,
            whole: true,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    fn text(&mut self, len: usize) {
        self.longest = self.longest.max(len);
        if len > 0 {
            self.gso_bytes += GSO_HEAD + len as u64 + 1;
        }
    }

    fn number(&mut self, x: f64) {
        self.whole &= x.fract() == 0.0;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    fn storage(&self, kind: Kind) -> Storage {
        let within = |lo: f64, hi: f64| self.min > self.max || (self.min >= lo && self.max <= hi);
        match kind {
            Kind::Text if self.longest > STR_MAX => Storage::StrL,
            Kind::Text => Storage::Str(self.longest.max(1) as u16),
            Kind::Number if self.whole && within(-127.0, 100.0) => Storage::Byte,
            Kind::Number if self.whole && within(-32_767.0, 32_740.0) => Storage::Int,
            Kind::Number | Kind::Date
                if self.whole && within(-2_147_483_647.0, 2_147_483_620.0) =>
            {
                Storage::Long
            }
            Kind::Number | Kind::Date => Storage::Double,
        }
    }
}

fn cut_chars(s: &str, chars: usize) -> &str {
    s.char_indices().nth(chars).map_or(s, |(i, _)| &s[..i])
}

fn cut_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` in a field of `len` bytes, NUL-padded (the caller keeps `s` shorter than `len`).
fn field(out: &mut Vec<u8>, s: &str, len: usize) {
    let s = cut_bytes(s, len - 1).as_bytes();
    out.extend_from_slice(s);
    out.resize(out.len() + len - s.len(), 0);
}

/// Writes a `.dta` file: values go to a spool, [`DtaWriter::finish`] writes the file.
pub struct DtaWriter<S: Read + Write + Seek> {
    spool: BufWriter<S>,
    vars: Vec<Variable>,
    label_sets: Vec<LabelSet>,
    seen: Vec<Seen>,
    rows: u64,
    text: String,
}

impl<S: Read + Write + Seek> DtaWriter<S> {
    /// A writer spooling into `spool` (empty, e.g. `tempfile::tempfile()`); fails when there
    /// are no variables or more than [`MAX_VARS`].
    pub fn new(
        spool: S,
        vars: Vec<Variable>,
        label_sets: Vec<LabelSet>,
    ) -> io::Result<DtaWriter<S>> {
        if vars.is_empty() || vars.len() > MAX_VARS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a .dta file holds 1 to {MAX_VARS} variables, not {}",
                    vars.len()
                ),
            ));
        }
        Ok(DtaWriter {
            spool: BufWriter::with_capacity(BUFFER, spool),
            seen: vec![Seen::new(); vars.len()],
            vars,
            label_sets,
            rows: 0,
            text: String::new(),
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Spools one observation: one value per variable, in order. A text given to a numeric
    /// variable is read as a number; a number given to a text variable is written out.
    pub fn write_values<'v>(
        &mut self,
        values: impl ExactSizeIterator<Item = Value<'v>>,
    ) -> io::Result<()> {
        if values.len() != self.vars.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an observation must have one value per variable",
            ));
        }
        for (k, value) in values.enumerate() {
            let seen = &mut self.seen[k];
            if self.vars[k].kind == Kind::Text {
                let s = match value {
                    Value::Text(s) => s,
                    Value::Number(None) => "",
                    Value::Number(Some(x)) => {
                        use std::fmt::Write as _;
                        self.text.clear();
                        let _ = write!(self.text, "{x}");
                        self.text.as_str()
                    }
                };
                let len = u32::try_from(s.len()).map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, "a text longer than 4 GiB")
                })?;
                self.spool.write_all(&len.to_le_bytes())?;
                self.spool.write_all(s.as_bytes())?;
                seen.text(s.len());
                continue;
            }
            let x = match value {
                Value::Number(x) => x,
                Value::Text(s) => s.trim().parse::<f64>().ok(),
            }
            .filter(|x| x.is_finite() && *x <= DOUBLE_MAX);
            match x {
                Some(x) => {
                    seen.number(x);
                    self.spool.write_all(&x.to_le_bytes())?;
                }
                None => self.spool.write_all(&f64::NAN.to_le_bytes())?,
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the whole file into `out`: the dataset `label` (cut to 80 characters) and
    /// `timestamp` (`"dd Mon yyyy hh:mm"`, e.g. `"05 Mar 2026 14:07"`, or empty) go into the
    /// header. Returns the number of bytes written.
    pub fn finish(self, out: &mut impl Write, label: &str, timestamp: &str) -> io::Result<u64> {
        let storage: Vec<Storage> = self
            .vars
            .iter()
            .zip(&self.seen)
            .map(|(v, s)| s.storage(v.kind))
            .collect();
        let row_len: u64 = storage.iter().map(|s| s.width() as u64).sum();
        let strls: u64 = storage
            .iter()
            .zip(&self.seen)
            .filter(|(s, _)| **s == Storage::StrL)
            .map(|(_, seen)| seen.gso_bytes)
            .sum();
        let rows = self.rows;
        let (mut head, mut map) = dictionary(&self.vars, &storage, rows, label, timestamp);
        let labels = value_labels(&self.label_sets);
        map[10] = map[9] + (b"<data>".len() + b"</data>".len()) as u64 + rows * row_len;
        map[11] = map[10] + (b"<strls>".len() + b"</strls>".len()) as u64 + strls;
        map[12] = map[11] + labels.len() as u64;
        map[13] = map[12] + b"</stata_dta>".len() as u64;
        let map_at = map[1] as usize + b"<map>".len();
        for (k, offset) in map.iter().enumerate() {
            head[map_at + 8 * k..map_at + 8 * k + 8].copy_from_slice(&offset.to_le_bytes());
        }

        let mut out = Counted { out, bytes: 0 };
        out.write_all(&head)?;
        drop(head);
        let mut spool = self.spool.into_inner().map_err(|e| e.into_error())?;
        spool.seek(SeekFrom::Start(0))?;
        let mut spool = BufReader::with_capacity(BUFFER, spool);
        out.write_all(b"<data>")?;
        copy_rows(&mut spool, &storage, rows, &mut out)?;
        out.write_all(b"</data><strls>")?;
        if storage.contains(&Storage::StrL) {
            spool.seek(SeekFrom::Start(0))?;
            copy_strls(&mut spool, &storage, rows, &mut out)?;
        }
        out.write_all(b"</strls>")?;
        out.write_all(&labels)?;
        out.write_all(b"</stata_dta>")?;
        out.flush()?;
        if out.bytes != map[13] {
            return Err(io::Error::other(format!(
                "the .dta file has {} bytes where its map says {}",
                out.bytes, map[13]
            )));
        }
        Ok(out.bytes)
    }
}

/// The header, the map (its offsets up to `<data>` filled in, the rest for the caller) and the
/// dictionary up to the (empty) characteristics.
fn dictionary(
    vars: &[Variable],
    storage: &[Storage],
    rows: u64,
    label: &str,
    timestamp: &str,
) -> (Vec<u8>, [u64; 14]) {
    let mut head = Vec::with_capacity(1024 + vars.len() * 700);
    let mut map = [0u64; 14];
    head.extend_from_slice(b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>");
    head.extend_from_slice(b"<K>");
    head.extend_from_slice(&(vars.len() as u16).to_le_bytes());
    head.extend_from_slice(b"</K><N>");
    head.extend_from_slice(&rows.to_le_bytes());
    head.extend_from_slice(b"</N><label>");
    let label = cut_chars(label, LABEL_CHARS);
    head.extend_from_slice(&(label.len() as u16).to_le_bytes());
    head.extend_from_slice(label.as_bytes());
    head.extend_from_slice(b"</label><timestamp>");
    let timestamp = if timestamp.len() == 17 { timestamp } else { "" };
    head.push(timestamp.len() as u8);
    head.extend_from_slice(timestamp.as_bytes());
    head.extend_from_slice(b"</timestamp></header>");
    map[1] = head.len() as u64;
    head.extend_from_slice(b"<map>");
    head.resize(head.len() + 14 * 8, 0);
    head.extend_from_slice(b"</map>");
    map[2] = head.len() as u64;
    head.extend_from_slice(b"<variable_types>");
    for s in storage {
        head.extend_from_slice(&s.code().to_le_bytes());
    }
    head.extend_from_slice(b"</variable_types>");
    map[3] = head.len() as u64;
    head.extend_from_slice(b"<varnames>");
    for v in vars {
        field(&mut head, cut_bytes(&v.name, NAME_MAX), NAME_FIELD);
    }
    head.extend_from_slice(b"</varnames>");
    map[4] = head.len() as u64;
    // Not sorted: K + 1 zeros.
    head.extend_from_slice(b"<sortlist>");
    head.resize(head.len() + (vars.len() + 1) * 2, 0);
    head.extend_from_slice(b"</sortlist>");
    map[5] = head.len() as u64;
    head.extend_from_slice(b"<formats>");
    for (v, s) in vars.iter().zip(storage) {
        let format = match (v.kind, s) {
            (Kind::Date, _) => "%td".to_string(),
            (_, Storage::Str(w)) => format!("%-{w}s"),
            (_, Storage::StrL) => "%-9s".to_string(),
            (_, Storage::Byte | Storage::Int) => "%8.0g".to_string(),
            (_, Storage::Long) => "%12.0g".to_string(),
            (_, Storage::Double) => "%10.0g".to_string(),
        };
        field(&mut head, &format, FORMAT_FIELD);
    }
    head.extend_from_slice(b"</formats>");
    map[6] = head.len() as u64;
    head.extend_from_slice(b"<value_label_names>");
    for v in vars {
        let name = if v.kind == Kind::Text {
            ""
        } else {
            &v.value_labels
        };
        field(&mut head, cut_bytes(name, NAME_MAX), NAME_FIELD);
    }
    head.extend_from_slice(b"</value_label_names>");
    map[7] = head.len() as u64;
    head.extend_from_slice(b"<variable_labels>");
    for v in vars {
        field(&mut head, cut_chars(&v.label, LABEL_CHARS), LABEL_FIELD);
    }
    head.extend_from_slice(b"</variable_labels>");
    map[8] = head.len() as u64;
    head.extend_from_slice(b"<characteristics></characteristics>");
    map[9] = head.len() as u64;
    (head, map)
}

/// The data section's rows, from the spool: texts NUL-padded to their width, a `strL` as its
/// `(v, o)` reference (`(0, 0)` when empty), numbers in their type with `.` for missing.
fn copy_rows(
    spool: &mut impl Read,
    storage: &[Storage],
    rows: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut row = Vec::with_capacity(storage.iter().map(|s| s.width()).sum());
    let mut text = Vec::new();
    for o in 1..=rows {
        row.clear();
        for (v, s) in storage.iter().enumerate() {
            match s {
                Storage::Str(w) => {
                    read_text(spool, &mut text)?;
                    row.extend_from_slice(&text);
                    row.resize(row.len() + *w as usize - text.len(), 0);
                }
                Storage::StrL => {
                    read_text(spool, &mut text)?;
                    if text.is_empty() {
                        row.extend_from_slice(&[0; 8]);
                    } else {
                        // (v, o): the variable from 1 in 2 bytes, the observation from 1 in 6.
                        row.extend_from_slice(&(v as u16 + 1).to_le_bytes());
                        row.extend_from_slice(&o.to_le_bytes()[..6]);
                    }
                }
                Storage::Byte => {
                    let x = read_number(spool)?;
                    row.push(x.map_or(BYTE_MISSING, |x| x as i8) as u8);
                }
                Storage::Int => {
                    let x = read_number(spool)?;
                    row.extend_from_slice(&x.map_or(INT_MISSING, |x| x as i16).to_le_bytes());
                }
                Storage::Long => {
                    let x = read_number(spool)?;
                    row.extend_from_slice(&x.map_or(LONG_MISSING, |x| x as i32).to_le_bytes());
                }
                Storage::Double => {
                    let x = read_number(spool)?;
                    row.extend_from_slice(&x.map_or(DOUBLE_MISSING, f64::to_bits).to_le_bytes());
                }
            }
        }
        out.write_all(&row)?;
    }
    Ok(())
}

/// The GSO records of the non-empty `strL` values, from the spool, in the order of the rows.
fn copy_strls(
    spool: &mut impl Read,
    storage: &[Storage],
    rows: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut text = Vec::new();
    for o in 1..=rows {
        for (v, s) in storage.iter().enumerate() {
            match s {
                Storage::Str(_) => read_text(spool, &mut text)?,
                Storage::StrL => {
                    read_text(spool, &mut text)?;
                    if text.is_empty() {
                        continue;
                    }
                    out.write_all(b"GSO")?;
                    out.write_all(&(v as u32 + 1).to_le_bytes())?;
                    out.write_all(&o.to_le_bytes())?;
                    out.write_all(&[GSO_TEXT])?;
                    out.write_all(&(text.len() as u32 + 1).to_le_bytes())?;
                    out.write_all(&text)?;
                    out.write_all(&[0])?;
                }
                _ => {
                    read_number(spool)?;
                }
            }
        }
    }
    Ok(())
}

/// The `<value_labels>` section: one `<lbl>` table per non-empty set, values in order.
fn value_labels(sets: &[LabelSet]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"<value_labels>");
    for set in sets {
        let mut entries: Vec<(i32, &str)> = set
            .entries
            .iter()
            .map(|(v, l)| (*v, cut_bytes(l, VALUE_LABEL_MAX - 1)))
            .collect();
        entries.sort_by_key(|e| e.0);
        entries.dedup_by_key(|e| e.0);
        if entries.is_empty() {
            continue;
        }
        let n = entries.len();
        let text_len: usize = entries.iter().map(|e| e.1.len() + 1).sum();
        out.extend_from_slice(b"<lbl>");
        out.extend_from_slice(&((8 + 8 * n + text_len) as i32).to_le_bytes());
        field(&mut out, cut_bytes(&set.name, NAME_MAX), NAME_FIELD);
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&(n as i32).to_le_bytes());
        out.extend_from_slice(&(text_len as i32).to_le_bytes());
        let mut offset = 0usize;
        for e in &entries {
            out.extend_from_slice(&(offset as i32).to_le_bytes());
            offset += e.1.len() + 1;
        }
        for e in &entries {
            out.extend_from_slice(&e.0.to_le_bytes());
        }
        for e in &entries {
            out.extend_from_slice(e.1.as_bytes());
            out.push(0);
        }
        out.extend_from_slice(b"</lbl>");
    }
    out.extend_from_slice(b"</value_labels>");
    out
}

fn read_text(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    buf.clear();
    buf.resize(u32::from_le_bytes(len) as usize, 0);
    r.read_exact(buf)
}

fn read_number(r: &mut impl Read) -> io::Result<Option<f64>> {
    let mut x = [0u8; 8];
    r.read_exact(&mut x)?;
    let x = f64::from_le_bytes(x);
    Ok(if x.is_nan() { None } else { Some(x) })
}

/// A writer that counts the bytes it passes on.
struct Counted<'w, W: Write> {
    out: &'w mut W,
    bytes: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.out.write(b)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
    }

    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn dates_count_days_from_1960() {
        assert_eq!(stata_date("1960-01-01"), Some(0.0));
        assert_eq!(stata_date("1959-12-31"), Some(-1.0));
        assert_eq!(stata_date("2026-03-01T10:00:00Z"), Some(24_166.0));
        assert_eq!(stata_date("x"), None);
    }

    /// A tiny file: a labelled number, a text that turns `strL`, two observations. The map's
    /// offsets are counted by hand from the layout of format 118.
    #[test]
    fn header_and_map_of_a_tiny_file() {
        let vars = vec![
            Variable {
                name: "n".into(),
                label: "Số".into(),
                kind: Kind::Number,
                value_labels: "n".into(),
            },
            Variable {
                name: "t".into(),
                label: String::new(),
                kind: Kind::Text,
                value_labels: String::new(),
            },
        ];
        let sets = vec![LabelSet {
            name: "n".into(),
            entries: vec![(2, "Hai".into()), (1, "Một".into())],
        }];
        let mut w = DtaWriter::new(Cursor::new(Vec::new()), vars, sets).unwrap();
        let long = "ư".repeat(1100); // 2,200 bytes: beyond str2045
        w.write_values([Value::Number(Some(1.0)), Value::Text(&long)].into_iter())
            .unwrap();
        w.write_values([Value::Number(None), Value::Text("")].into_iter())
            .unwrap();
        assert_eq!(w.rows(), 2);
        let mut out = Vec::new();
        let written = w.finish(&mut out, "x", "05 Mar 2026 14:07").unwrap();
        assert_eq!(written as usize, out.len());

        // Header: 11 + 8 + 22 + 26 + (3 + 2 + 4) + (3 + 8 + 4) + (7 + 2 + 1 + 8)
        // + (11 + 1 + 17 + 12) + 9 = 159 bytes.
        assert!(out.starts_with(
            b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>\x02\x00</K><N>\x02\0\0\0\0\0\0\0</N><label>\x01\x00x</label><timestamp>\x1105 Mar 2026 14:07</timestamp></header><map>"
        ));
        let map: Vec<u64> = (0..14).map(|k| u64_at(&out, 159 + 5 + 8 * k)).collect();
        // Map: 5 + 14 × 8 + 6 = 123; variable_types 16 + 2 × 2 + 17 = 37; varnames
        // 10 + 2 × 129 + 11 = 279; sortlist 10 + 3 × 2 + 11 = 27; formats 9 + 2 × 57 + 10 = 133;
        // value_label_names 19 + 2 × 129 + 20 = 297; variable_labels 17 + 2 × 321 + 18 = 677;
        // characteristics 17 + 18 = 35; data 6 + 2 × (1 + 8) + 7 = 31; strls 7 + (20 + 2,201)
        // + 8 = 2,236; value_labels 14 + (5 + 4 + 129 + 3 + 8 + 16 + 10 + 6) + 15 = 210.
        assert_eq!(
            map,
            [
                0, 159, 282, 319, 598, 625, 758, 1055, 1732, 1767, 1798, 4034, 4244, 4256
            ]
        );
        assert_eq!(out.len(), 4256);
        for (k, tag) in [
            (0, "<stata_dta>"),
            (1, "<map>"),
            (2, "<variable_types>"),
            (3, "<varnames>"),
            (4, "<sortlist>"),
            (5, "<formats>"),
            (6, "<value_label_names>"),
            (7, "<variable_labels>"),
            (8, "<characteristics>"),
            (9, "<data>"),
            (10, "<strls>"),
            (11, "<value_labels>"),
            (12, "</stata_dta>"),
        ] {
            assert!(
                out[map[k] as usize..].starts_with(tag.as_bytes()),
                "map entry {k} does not point to {tag}"
            );
        }
        // A byte and a strL.
        assert_eq!(u16_at(&out, 282 + 16), 65_530);
        assert_eq!(u16_at(&out, 282 + 18), 32_768);
        assert_eq!(&out[625 + 9..625 + 9 + 6], b"%8.0g\0");
        assert_eq!(&out[758 + 19..758 + 19 + 2], b"n\0");
        assert_eq!(&out[1055 + 17..1055 + 17 + 5], "Số\0".as_bytes());
        // Rows: 1 and (v, o) = (2, 1); `.` and (0, 0).
        assert_eq!(
            &out[1767 + 6..1767 + 6 + 18],
            &[1, 2, 0, 1, 0, 0, 0, 0, 0, 101, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        // The GSO of (2, 1): text with its NUL.
        let gso = 1798 + 7;
        assert_eq!(&out[gso..gso + 3], b"GSO");
        assert_eq!(u16_at(&out, gso + 3), 2);
        assert_eq!(u64_at(&out, gso + 7), 1);
        assert_eq!(out[gso + 15], 130);
        assert_eq!(&out[gso + 16..gso + 20], &2201u32.to_le_bytes());
        assert_eq!(&out[gso + 20..gso + 20 + 2200], long.as_bytes());
        // The value labels, sorted: 1 "Một", 2 "Hai".
        let lbl = 4034 + 14;
        assert_eq!(&out[lbl..lbl + 5], b"<lbl>");
        assert_eq!(&out[lbl + 5..lbl + 9], &(8 + 16 + 10i32).to_le_bytes());
        let table = lbl + 9 + 129 + 3;
        assert_eq!(
            &out[table..table + 24],
            &[
                2, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0
            ]
        );
        assert_eq!(&out[table + 24..table + 34], "Một\0Hai\0".as_bytes());
    }

    #[test]
    fn storage_is_the_narrowest_that_holds_every_value() {
        let number = |kind, values: &[f64]| {
            let mut seen = Seen::new();
            values.iter().for_each(|x| seen.number(*x));
            seen.storage(kind)
        };
        assert_eq!(number(Kind::Number, &[]), Storage::Byte);
        assert_eq!(number(Kind::Number, &[-127.0, 100.0]), Storage::Byte);
        assert_eq!(number(Kind::Number, &[101.0]), Storage::Int);
        assert_eq!(number(Kind::Number, &[-32_767.0, 32_740.0]), Storage::Int);
        assert_eq!(number(Kind::Number, &[32_741.0]), Storage::Long);
        assert_eq!(number(Kind::Number, &[-2_147_483_648.0]), Storage::Double);
        assert_eq!(number(Kind::Number, &[1.0, 0.5]), Storage::Double);
        assert_eq!(number(Kind::Date, &[3.0]), Storage::Long);
        let text = |lens: &[usize]| {
            let mut seen = Seen::new();
            lens.iter().for_each(|l| seen.text(*l));
            seen.storage(Kind::Text)
        };
        assert_eq!(text(&[]), Storage::Str(1));
        assert_eq!(text(&[0, 7, 3]), Storage::Str(7));
        assert_eq!(text(&[STR_MAX]), Storage::Str(2045));
        assert_eq!(text(&[STR_MAX + 1]), Storage::StrL);
    }
}
