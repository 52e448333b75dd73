//! Columnar data: numeric columns, factors (integer-coded categories) and a small CSV reader.
//!
//! Everything here works on bytes and slices given by the caller: no file is opened.

use std::collections::HashMap;

use crate::error::{Result, StatsError};

/// A categorical column: one code per row into a sorted list of level labels.
///
/// Levels are sorted like R's `factor()`: numerically when every label is a number,
/// otherwise by byte order (R's C locale).
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Level index of each row.
    pub codes: Vec<u32>,
    /// Level labels, sorted.
    pub levels: Vec<String>,
}

impl Factor {
    /// Codes text labels.
    pub fn from_strs<S: AsRef<str>>(values: &[S]) -> Factor {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut raw_levels: Vec<&str> = Vec::new();
        let mut codes = Vec::with_capacity(values.len());
        for v in values {
            let s = v.as_ref();
            let next = raw_levels.len() as u32;
            let c = *index.entry(s).or_insert_with(|| {
                raw_levels.push(s);
                next
            });
            codes.push(c);
        }
        let owned: Vec<String> = raw_levels.iter().map(|s| s.to_string()).collect();
        Factor::sorted(codes, owned)
    }

    /// Codes numeric values (each distinct value is a level). NaN is not allowed.
    pub fn from_f64(name: &str, values: &[f64]) -> Result<Factor> {
        if let Some(f) = Factor::from_small_integers(values) {
            return Ok(f);
        }
        let mut index: HashMap<u64, u32> = HashMap::new();
        let mut raw: Vec<f64> = Vec::new();
        let mut codes = Vec::with_capacity(values.len());
        for (i, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(StatsError::MissingValue {
                    column: name.to_string(),
                    row: i + 1,
                });
            }
            let key = if v == 0.0 { 0u64 } else { v.to_bits() };
            let next = raw.len() as u32;
            let c = *index.entry(key).or_insert_with(|| {
                raw.push(v);
                next
            });
            codes.push(c);
        }
        let mut order: Vec<usize> = (0..raw.len()).collect();
        order.sort_by(|&a, &b| raw[a].total_cmp(&raw[b]));
        let mut remap = vec![0u32; raw.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        for c in codes.iter_mut() {
            *c = remap[*c as usize];
        }
        let levels = order.iter().map(|&i| format_number(raw[i])).collect();
        Ok(Factor { codes, levels })
    }

    /// Fast path: every value a small non-negative integer (ids, codes): a dense table, no hashing.
    fn from_small_integers(values: &[f64]) -> Option<Factor> {
        let limit = (4 * values.len()).max(1 << 16) as f64;
        let mut max = 0usize;
        for &v in values {
            if !(v >= 0.0 && v < limit && v.fract() == 0.0) {
                return None;
            }
            max = max.max(v as usize);
        }
        let mut rank = vec![u32::MAX; max + 1];
        for &v in values {
            rank[v as usize] = 0;
        }
        let mut levels = Vec::new();
        for (value, r) in rank.iter_mut().enumerate() {
            if *r == 0 {
                *r = levels.len() as u32;
                levels.push(value.to_string());
            }
        }
        let codes = values.iter().map(|&v| rank[v as usize]).collect();
        Some(Factor { codes, levels })
    }

    /// A factor with a single level for `n` rows.
    pub fn constant(n: usize, label: &str) -> Factor {
        Factor {
            codes: vec![0; n],
            levels: vec![label.to_string()],
        }
    }

    fn sorted(mut codes: Vec<u32>, raw: Vec<String>) -> Factor {
        let numeric: Option<Vec<f64>> = raw.iter().map(|s| s.trim().parse::<f64>().ok()).collect();
        let mut order: Vec<usize> = (0..raw.len()).collect();
        match &numeric {
            Some(nums) if nums.iter().all(|x| x.is_finite()) => {
                order.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]).then(raw[a].cmp(&raw[b])))
            }
            _ => order.sort_by(|&a, &b| raw[a].as_bytes().cmp(raw[b].as_bytes())),
        }
        let mut remap = vec![0u32; raw.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        for c in codes.iter_mut() {
            *c = remap[*c as usize];
        }
        let levels = order.into_iter().map(|i| raw[i].clone()).collect();
        Factor { codes, levels }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Checks that every code points at a level (fields are public, so a hand-made factor
    /// could be inconsistent).
    pub fn check(&self, name: &str) -> Result<()> {
        let nl = self.levels.len();
        match self.codes.iter().position(|&c| c as usize >= nl) {
            Some(i) => Err(StatsError::InvalidArgument {
                name: name.to_string(),
                reason: format!("row {}: code {} but only {nl} levels", i + 1, self.codes[i]),
            }),
            None => Ok(()),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Number of levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Cross-classification of two factors (levels `a.b`, first factor varying slowest in the label).
    /// Only combinations present in the data become levels.
    pub fn interaction(a: &Factor, b: &Factor) -> Factor {
        let cells = a.n_levels() * b.n_levels();
        if cells <= (4 * a.len()).max(1 << 16) {
            let nb = b.n_levels();
            let mut rank = vec![u32::MAX; cells];
            for (&ca, &cb) in a.codes.iter().zip(&b.codes) {
                rank[ca as usize * nb + cb as usize] = 0;
            }
            let mut levels = Vec::new();
            for (key, r) in rank.iter_mut().enumerate() {
                if *r == 0 {
                    *r = levels.len() as u32;
                    levels.push(format!("{}.{}", a.levels[key / nb], b.levels[key % nb]));
                }
            }
            let codes = a
                .codes
                .iter()
                .zip(&b.codes)
                .map(|(&ca, &cb)| rank[ca as usize * nb + cb as usize])
                .collect();
            return Factor { codes, levels };
        }
        let nb = b.n_levels() as u64;
        let mut index: HashMap<u64, u32> = HashMap::new();
        let mut keys: Vec<u64> = Vec::new();
        let mut codes = Vec::with_capacity(a.len());
        for (&ca, &cb) in a.codes.iter().zip(&b.codes) {
            let key = ca as u64 * nb + cb as u64;
            let next = keys.len() as u32;
            let c = *index.entry(key).or_insert_with(|| {
                keys.push(key);
                next
            });
            codes.push(c);
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        let mut remap = vec![0u32; keys.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        for c in codes.iter_mut() {
            *c = remap[*c as usize];
        }
        let levels = order
            .iter()
            .map(|&i| {
                let k = keys[i];
                format!(
                    "{}.{}",
                    a.levels[(k / nb) as usize],
                    b.levels[(k % nb) as usize]
                )
            })
            .collect();
        Factor { codes, levels }
    }
}

/// Formats a number the short way (integers without a decimal point).
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Text values stored once each: a code per row into the distinct values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    /// Index into `values` of each row.
    pub codes: Vec<u32>,
    /// Distinct values in order of first appearance.
    pub values: Vec<String>,
}

impl Text {
    /// Codes strings.
    pub fn from_strs<S: AsRef<str>>(values: &[S]) -> Text {
        let mut t = TextBuilder::default();
        for v in values {
            t.push(v.as_ref());
        }
        t.finish()
    }

    /// Value of row `i`.
    pub fn get(&self, i: usize) -> &str {
        &self.values[self.codes[i] as usize]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

#[derive(Default)]
struct TextBuilder {
    index: HashMap<String, u32>,
    text: Text,
}

impl TextBuilder {
    fn push(&mut self, s: &str) {
        let code = match self.index.get(s) {
            Some(&c) => c,
            None => {
                let c = self.text.values.len() as u32;
                self.text.values.push(s.to_string());
                self.index.insert(s.to_string(), c);
                c
            }
        };
        self.text.codes.push(code);
    }
    fn finish(self) -> Text {
        self.text
    }
}

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; missing values are NaN.
    Num(Vec<f64>),
    /// Text; missing values are empty strings.
    Text(Text),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Num(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }
}

/// A table of named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    names: Vec<String>,
    columns: Vec<Column>,
    rows: usize,
}

/// A CSV field as a number: `Some(NaN)` when missing, `None` when not a number.
fn parse_number(field: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(field).ok()?;
    if is_missing(s) {
        return Some(f64::NAN);
    }
    s.trim().parse::<f64>().ok()
}

fn is_missing(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t == "NA" || t == "NaN"
}

impl Frame {
    /// An empty frame with `rows` rows.
    pub fn new(rows: usize) -> Frame {
        Frame {
            names: Vec::new(),
            columns: Vec::new(),
            rows,
        }
    }

    /// Adds a column; fails when its length differs from the frame's.
    pub fn push(&mut self, name: &str, column: Column) -> Result<()> {
        if self.columns.is_empty() && self.rows == 0 {
            self.rows = column.len();
        }
        if column.len() != self.rows {
            return Err(StatsError::RaggedColumns {
                column: name.to_string(),
                expected: self.rows,
                found: column.len(),
            });
        }
        self.names.push(name.to_string());
        self.columns.push(column);
        Ok(())
    }

    /// Reads CSV bytes with a header line. A column whose non-missing values all parse as
    /// numbers becomes numeric (missing: empty, `NA`, `NaN`); any other column is text.
    /// Text is stored once per distinct value, so memory stays close to the numeric data.
    pub fn from_csv(bytes: &[u8]) -> Result<Frame> {
        let reader = || {
            csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(false)
                .from_reader(bytes)
        };
        let mut rdr = reader();
        let header = rdr
            .headers()
            .map_err(|e| csv_error(&e, 1))?
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
            .collect::<Vec<_>>();
        if header.is_empty() || header.iter().all(|h| h.is_empty()) {
            return Err(StatsError::Csv {
                line: 1,
                reason: "no header / không có dòng tiêu đề".into(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for h in &header {
            if !seen.insert(h.as_str()) {
                return Err(StatsError::Csv {
                    line: 1,
                    reason: format!("duplicate column `{h}` / cột trùng tên"),
                });
            }
        }
        let k = header.len();
        // Pass 1: numbers where possible; a column turns to text at its first non-number.
        let mut nums: Vec<Option<Vec<f64>>> = vec![Some(Vec::new()); k];
        let mut record = csv::ByteRecord::new();
        let mut line = 1usize;
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&e, line + 1)),
            }
            line += 1;
            if record.len() != k {
                return Err(StatsError::Csv {
                    line,
                    reason: format!("{} fields, header has {k}", record.len()),
                });
            }
            for (j, f) in record.iter().enumerate() {
                if let Some(col) = &mut nums[j] {
                    match parse_number(f) {
                        Some(v) => col.push(v),
                        None => nums[j] = None,
                    }
                }
            }
        }
        let rows = line - 1;
        // Pass 2 for text columns only.
        let text_cols: Vec<usize> = (0..k).filter(|&j| nums[j].is_none()).collect();
        let mut texts: Vec<TextBuilder> =
            text_cols.iter().map(|_| TextBuilder::default()).collect();
        if !text_cols.is_empty() {
            let mut rdr = reader();
            let mut record = csv::StringRecord::new();
            let mut line = 1usize;
            loop {
                match rdr.read_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return Err(csv_error(&e, line + 1)),
                }
                line += 1;
                for (t, &j) in texts.iter_mut().zip(&text_cols) {
                    t.push(&record[j]);
                }
            }
        }
        let mut frame = Frame::new(rows);
        let mut texts = texts.into_iter();
        for (name, col) in header.into_iter().zip(nums) {
            let column = match col {
                Some(v) => Column::Num(v),
                None => Column::Text(texts.next().map(TextBuilder::finish).unwrap_or_default()),
            };
            frame.push(&name, column)?;
        }
        Ok(frame)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Result<&Column> {
        match self.names.iter().position(|n| n == name) {
            Some(i) => Ok(&self.columns[i]),
            None => Err(self.unknown(&[name])),
        }
    }

    /// Fails with one error listing every name in `wanted` that is not a column.
    pub fn require(&self, wanted: &[&str]) -> Result<()> {
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|w| !self.names.iter().any(|n| n == w))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.unknown(&missing))
        }
    }

    fn unknown(&self, missing: &[&str]) -> StatsError {
        StatsError::UnknownColumn {
            unknown: missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            existing: self.names.join(", "),
        }
    }

    /// A numeric column (text columns are an error naming the first non-number).
    pub fn numeric(&self, name: &str) -> Result<&[f64]> {
        match self.column(name)? {
            Column::Num(v) => Ok(v),
            Column::Text(v) => {
                let row = (0..v.len())
                    .position(|i| {
                        let s = v.get(i);
                        !is_missing(s) && s.trim().parse::<f64>().is_err()
                    })
                    .unwrap_or(0);
                Err(StatsError::MissingValue {
                    column: name.to_string(),
                    row: row + 1,
                })
            }
        }
    }

    /// A column as text (numbers formatted the short way, missing numbers as empty).
    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        Ok(match self.column(name)? {
            Column::Text(t) => (0..t.len()).map(|i| t.get(i).to_string()).collect(),
            Column::Num(v) => v
                .iter()
                .map(|x| {
                    if x.is_nan() {
                        String::new()
                    } else {
                        format_number(*x)
                    }
                })
                .collect(),
        })
    }

    /// A column as a factor (numbers become levels sorted numerically).
    pub fn factor(&self, name: &str) -> Result<Factor> {
        match self.column(name)? {
            Column::Num(v) => Factor::from_f64(name, v),
            Column::Text(v) => {
                if let Some(row) = v
                    .codes
                    .iter()
                    .position(|&c| is_missing(&v.values[c as usize]))
                {
                    return Err(StatsError::MissingValue {
                        column: name.to_string(),
                        row: row + 1,
                    });
                }
                Ok(Factor::sorted(v.codes.clone(), v.values.clone()))
            }
        }
    }
}

fn csv_error(e: &csv::Error, line: usize) -> StatsError {
    let line = e
        .position()
        .map(|p| p.line() as usize)
        .filter(|&l| l > 0)
        .unwrap_or(line);
    StatsError::Csv {
        line,
        reason: e.to_string(),
    }
}
