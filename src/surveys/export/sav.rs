//! A streaming writer of SPSS system files (`.sav`), written from the format description in the
//! GNU PSPP manual ("System File Format"): file header, variable records with labels and
//! missing values, value labels, machine and encoding records, long variable names, then the
//! cases with bytecode compression. Cases go straight to the writer one at a time, so memory
//! does not depend on the number of cases. Text is UTF-8 (character code 65001).

use std::io::{self, Write};

/// Bias of the bytecode compression: whole numbers from -99 to 151 take one byte.
const BIAS: f64 = 100.0;
/// The system-missing value.
pub const SYSMIS: f64 = -f64::MAX;

/// A variable's display format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `F w.d`: a number.
    Number {
        /// Width.
        width: u8,
        /// Decimals.
        decimals: u8,
    },
    /// `DATE11`: a date (seconds since 14 October 1582).
    Date,
    /// `A w`: text.
    Text,
}

/// Measurement level (for the variable display record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Categories without order.
    Nominal,
    /// Ordered categories.
    Ordinal,
    /// A quantity.
    Scale,
}

/// One variable of the dictionary.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Name (at most 64 bytes, a valid SPSS name; see [`spss_names`]).
    pub name: String,
    /// Variable label.
    pub label: String,
    /// Width in bytes for text (1–255); 0 for numbers.
    pub width: usize,
    /// Display format.
    pub format: Format,
    /// Value labels (numbers only).
    pub value_labels: Vec<(f64, String)>,
    /// Discrete user-missing values (numbers only, at most 3).
    pub missing: Vec<f64>,
    /// Measurement level.
    pub measure: Measure,
}

/// A value of a case.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// A number (`SYSMIS` when missing).
    Number(f64),
    /// A text.
    Text(&'a str),
}

fn segments(width: usize) -> usize {
    if width == 0 { 1 } else { width.div_ceil(8) }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn padded(s: &str, len: usize) -> Vec<u8> {
    let mut v = truncate(s, len).as_bytes().to_vec();
    v.resize(len, b' ');
    v
}

/// Valid, unique SPSS names (letters, digits, `_ . $ # @`, starting with a letter, not ending
/// with `.`, at most 64 bytes, not a reserved word, unique without regard to case) for `names`.
pub fn spss_names(names: &[String]) -> Vec<String> {
    const RESERVED: [&str; 13] = [
        "ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
    ];
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .map(|n| {
            let mut s: String = n
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$' | '#' | '@') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                s.insert(0, 'v');
            }
            while s.ends_with('.') {
                s.pop();
                s.push('_');
            }
            s.truncate(60);
            if RESERVED.contains(&s.to_ascii_uppercase().as_str()) {
                s.push('_');
            }
            let mut candidate = s.clone();
            let mut k = 2;
            while !seen.insert(candidate.to_ascii_uppercase()) {
                candidate = format!("{s}_{k}");
                k += 1;
            }
            candidate
        })
        .collect()
}

/// Seconds since 14 October 1582 (SPSS dates) of an ISO date `YYYY-MM-DD`.
pub fn spss_date(iso: &str) -> Option<f64> {
    let d = chrono::NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok()?;
    let origin = chrono::NaiveDate::from_ymd_opt(1582, 10, 14)?;
    Some((d - origin).num_days() as f64 * 86400.0)
}

/// Writes a `.sav` file case by case.
pub struct SavWriter<W: Write> {
    out: W,
    widths: Vec<usize>,
    commands: [u8; 8],
    n_commands: usize,
    data: Vec<u8>,
}

fn i32le(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn f64le(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn format_code(f: Format, width: usize) -> i32 {
    match f {
        Format::Number { width, decimals } => (5 << 16) | ((width as i32) << 8) | decimals as i32,
        Format::Date => (20 << 16) | (11 << 8),
        Format::Text => (1 << 16) | ((width as i32) << 8),
    }
}

impl<W: Write> SavWriter<W> {
    /// Writes the dictionary; `created` is `("28 Nov 26", "04:50:00")`.
    pub fn new(
        mut out: W,
        vars: &[Variable],
        file_label: &str,
        created: (&str, &str),
    ) -> io::Result<SavWriter<W>> {
        let widths: Vec<usize> = vars.iter().map(|v| v.width.min(255)).collect();
        let case_size: usize = widths.iter().map(|w| segments(*w)).sum();
        let mut h = Vec::with_capacity(4096);
        h.extend_from_slice(b"$FL2");
        h.extend_from_slice(&padded("@(#) SPSS DATA FILE duluan", 60));
        i32le(&mut h, 2);
        i32le(&mut h, case_size as i32);
        i32le(&mut h, 1);
        i32le(&mut h, 0);
        i32le(&mut h, -1);
        f64le(&mut h, BIAS);
        h.extend_from_slice(&padded(created.0, 9));
        h.extend_from_slice(&padded(created.1, 8));
        h.extend_from_slice(&padded(file_label, 64));
        h.extend_from_slice(&[0, 0, 0]);
        // Variable records: short names V1, V2… (long names follow in record 7.13).
        let mut index = 1i32;
        let mut indexes = Vec::with_capacity(vars.len());
        for (k, v) in vars.iter().enumerate() {
            indexes.push(index);
            let width = widths[k];
            let label = truncate(&v.label, 255);
            i32le(&mut h, 2);
            i32le(&mut h, width as i32);
            i32le(&mut h, if label.is_empty() { 0 } else { 1 });
            let missing: Vec<f64> = if width == 0 {
                v.missing.iter().take(3).copied().collect()
            } else {
                vec![]
            };
            i32le(&mut h, missing.len() as i32);
            let f = format_code(v.format, width);
            i32le(&mut h, f);
            i32le(&mut h, f);
            h.extend_from_slice(&padded(&format!("V{}", k + 1), 8));
            if !label.is_empty() {
                i32le(&mut h, label.len() as i32);
                let mut bytes = label.as_bytes().to_vec();
                bytes.resize(label.len().div_ceil(4) * 4, b' ');
                h.extend_from_slice(&bytes);
            }
            for m in missing {
                f64le(&mut h, m);
            }
            for _ in 1..segments(width) {
                i32le(&mut h, 2);
                i32le(&mut h, -1);
                i32le(&mut h, 0);
                i32le(&mut h, 0);
                i32le(&mut h, 0x0001_1d01);
                i32le(&mut h, 0x0001_1d01);
                h.extend_from_slice(b"        ");
            }
            index += segments(width) as i32;
        }
        // Value labels (record 3) and the variables they apply to (record 4).
        for (k, v) in vars.iter().enumerate() {
            if widths[k] != 0 || v.value_labels.is_empty() {
                continue;
            }
            i32le(&mut h, 3);
            i32le(&mut h, v.value_labels.len() as i32);
            for (value, label) in &v.value_labels {
                f64le(&mut h, *value);
                let label = truncate(label, 120);
                let mut bytes = vec![label.len() as u8];
                bytes.extend_from_slice(label.as_bytes());
                bytes.resize(bytes.len().div_ceil(8) * 8, b' ');
                h.extend_from_slice(&bytes);
            }
            i32le(&mut h, 4);
            i32le(&mut h, 1);
            i32le(&mut h, indexes[k]);
        }
        // Machine integer info (7.3): version 1.0.0, IEEE floats, compression 1, little-endian,
        // UTF-8.
        i32le(&mut h, 7);
        i32le(&mut h, 3);
        i32le(&mut h, 4);
        i32le(&mut h, 8);
        for v in [1, 0, 0, -1, 1, 1, 2, 65001] {
            i32le(&mut h, v);
        }
        // Machine floating-point info (7.4): system-missing, highest, lowest.
        i32le(&mut h, 7);
        i32le(&mut h, 4);
        i32le(&mut h, 8);
        i32le(&mut h, 3);
        f64le(&mut h, SYSMIS);
        f64le(&mut h, f64::MAX);
        f64le(&mut h, f64::from_bits(0xffef_ffff_ffff_fffe));
        // Variable display (7.11): measure, width, alignment per variable.
        i32le(&mut h, 7);
        i32le(&mut h, 11);
        i32le(&mut h, 4);
        i32le(&mut h, (vars.len() * 3) as i32);
        for (k, v) in vars.iter().enumerate() {
            i32le(
                &mut h,
                match v.measure {
                    Measure::Nominal => 1,
                    Measure::Ordinal => 2,
                    Measure::Scale => 3,
                },
            );
            i32le(
                &mut h,
                if widths[k] == 0 {
                    8
                } else {
                    widths[k].min(40) as i32
                },
            );
            i32le(&mut h, if widths[k] == 0 { 1 } else { 0 });
        }
        // Long variable names (7.13).
        let names = vars
            .iter()
            .enumerate()
            .map(|(k, v)| format!("V{}={}", k + 1, truncate(&v.name, 64)))
            .collect::<Vec<_>>()
            .join("\t");
        i32le(&mut h, 7);
        i32le(&mut h, 13);
        i32le(&mut h, 1);
        i32le(&mut h, names.len() as i32);
        h.extend_from_slice(names.as_bytes());
        // Character encoding (7.20).
        i32le(&mut h, 7);
        i32le(&mut h, 20);
        i32le(&mut h, 1);
        i32le(&mut h, 5);
        h.extend_from_slice(b"UTF-8");
        // End of the dictionary.
        i32le(&mut h, 999);
        i32le(&mut h, 0);
        out.write_all(&h)?;
        Ok(SavWriter {
            out,
            widths,
            commands: [0; 8],
            n_commands: 0,
            data: Vec::with_capacity(64),
        })
    }

    #[inline]
    fn command(&mut self, code: u8, raw: Option<&[u8; 8]>) -> io::Result<()> {
        self.commands[self.n_commands] = code;
        self.n_commands += 1;
        if let Some(raw) = raw {
            self.data.extend_from_slice(raw);
        }
        if self.n_commands == 8 {
            self.flush_block()?;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> io::Result<()> {
        if self.n_commands == 0 {
            return Ok(());
        }
        for c in &mut self.commands[self.n_commands..] {
            *c = 0;
        }
        self.out.write_all(&self.commands)?;
        self.out.write_all(&self.data)?;
        self.data.clear();
        self.n_commands = 0;
        Ok(())
    }

    /// Writes one case: one value per variable, in dictionary order.
    pub fn write_case(&mut self, values: &[Value<'_>]) -> io::Result<()> {
        self.write_values(values.iter().copied())
    }

    /// Writes one case from an iterator of values (one per variable, in dictionary order),
    /// without collecting them first.
    pub fn write_values<'v>(
        &mut self,
        values: impl ExactSizeIterator<Item = Value<'v>>,
    ) -> io::Result<()> {
        if values.len() != self.widths.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a case must have one value per variable",
            ));
        }
        for (k, value) in values.enumerate() {
            let width = self.widths[k];
            if width == 0 {
                let x = match value {
                    Value::Number(x) => x,
                    Value::Text(s) => s.trim().parse::<f64>().unwrap_or(SYSMIS),
                };
                if x == SYSMIS || x.is_nan() {
                    self.command(255, None)?;
                } else if x.fract() == 0.0 && (-99.0..=151.0).contains(&x) {
                    self.command((x + BIAS) as u8, None)?;
                } else {
                    self.command(253, Some(&x.to_le_bytes()))?;
                }
                continue;
            }
            let owned;
            let s = match value {
                Value::Text(s) => s,
                Value::Number(x) if x == SYSMIS => "",
                Value::Number(x) => {
                    owned = x.to_string();
                    owned.as_str()
                }
            };
            let bytes = truncate(s, width).as_bytes();
            for seg in 0..segments(width) {
                let start = seg * 8;
                if start >= bytes.len() {
                    self.command(254, None)?;
                    continue;
                }
                let end = (start + 8).min(bytes.len());
                let mut chunk = [b' '; 8];
                chunk[..end - start].copy_from_slice(&bytes[start..end]);
                if chunk == *b"        " {
                    self.command(254, None)?;
                } else {
                    self.command(253, Some(&chunk))?;
                }
            }
        }
        Ok(())
    }

    /// The output written so far (whole compression blocks only): a streaming caller takes the
    /// bytes out of it between cases.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Ends the data and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_block()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid_and_unique() {
        let names = ["age", "Age", "1x", "to", "a-b", "x."].map(String::from);
        assert_eq!(
            spss_names(&names),
            vec!["age", "Age_2", "v1x", "to_", "a_b", "x_"]
        );
    }

    #[test]
    fn dates_count_seconds_from_the_gregorian_start() {
        assert_eq!(spss_date("1582-10-15"), Some(86400.0));
        assert_eq!(spss_date("x"), None);
    }

    #[test]
    fn compressed_cases_are_whole_blocks() {
        let vars = vec![
            Variable {
                name: "n".into(),
                label: "Số".into(),
                width: 0,
                format: Format::Number {
                    width: 8,
                    decimals: 0,
                },
                value_labels: vec![(1.0, "Một".into())],
                missing: vec![99.0],
                measure: Measure::Nominal,
            },
            Variable {
                name: "t".into(),
                label: String::new(),
                width: 12,
                format: Format::Text,
                value_labels: vec![],
                missing: vec![],
                measure: Measure::Nominal,
            },
        ];
        let mut w = SavWriter::new(Vec::new(), &vars, "x", ("28 Nov 26", "04:50:00")).unwrap();
        let header = w.out.len();
        w.write_case(&[Value::Number(1.0), Value::Text("xin chào")])
            .unwrap();
        w.write_case(&[Value::Number(1.5), Value::Text("")])
            .unwrap();
        let out = w.finish().unwrap();
        // 6 commands in one block: 101, 253 253 (text), 253 (1.5), 254 254 (empty text).
        assert_eq!(
            &out[header..header + 8],
            &[101, 253, 253, 253, 254, 254, 0, 0]
        );
        assert_eq!(out.len(), header + 8 + 24);
        assert_eq!(&out[..4], b"$FL2");
    }
}
