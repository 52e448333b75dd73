//! Form media files: the CSV, XML and GeoJSON files a form version carries for
//! `select_one_from_file`, `select_multiple_from_file` and `pulldata()`.
//!
//! [`parse_media`] reads one file into a [`MediaTable`] (a header and rows of text), bounded
//! before it allocates ([`MAX_MEDIA_BYTES`], [`MAX_MEDIA_ROWS`], [`MAX_MEDIA_COLUMNS`]); CSV must
//! be UTF-8 with a header row, XML well-formed without a DTD (`<root><item><name>…</name>…`),
//! GeoJSON a `FeatureCollection` (each feature's `id` and `properties` are its columns, a point's
//! `geometry` as ODK writes it, `lat lon`).
//! [`media_needs`] lists the files a form names and the columns it reads from each (the value
//! and label columns of a select, the bare names of its `choice_filter`, the columns of literal
//! `pulldata()` calls); [`check_media`] says which file or column is missing.
//! The engine takes the parsed tables ([`crate::Engine::with_media`]); nothing here does IO.
//!
//! ```
//! use duluan_forms::media::parse_media;
//! let t = parse_media("people.csv", b"id,name,age\n7,Lan,34\n8,Minh,41\n").unwrap();
//! assert_eq!(t.lookup("age", "id", "8"), Some("41"));
//! assert_eq!(t.lookup("age", "id", "9"), None);
//! ```

use crate::expr::{Expr, parse_expression};
use crate::functions::Func;
use crate::model::{Choice, ChoiceList, Form, Question, Text};
use std::collections::BTreeMap;

/// Largest form media file, in bytes (5 MiB).
pub const MAX_MEDIA_BYTES: usize = 5 * 1024 * 1024;
/// Most media files one form version carries.
pub const MAX_MEDIA_FILES: usize = 20;
/// Most rows of one media file.
pub const MAX_MEDIA_ROWS: usize = 100_000;
/// Most columns of one media file.
pub const MAX_MEDIA_COLUMNS: usize = 200;
/// Longest media file name.
pub const MAX_NAME_LEN: usize = 100;

/// The kinds of form media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Comma-separated values, UTF-8, a header row.
    Csv,
    /// XML: a root element holding one element per row.
    Xml,
    /// GeoJSON: a `FeatureCollection`.
    GeoJson,
}

impl MediaKind {
    /// The kind of a file by its extension (`.csv`, `.xml`, `.geojson`, case ignored).
    pub fn of(name: &str) -> Option<MediaKind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(MediaKind::Csv),
            "xml" => Some(MediaKind::Xml),
            "geojson" => Some(MediaKind::GeoJson),
            _ => None,
        }
    }

    /// The MIME type a device is sent.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaKind::Csv => "text/csv; charset=utf-8",
            MediaKind::Xml => "text/xml; charset=utf-8",
            MediaKind::GeoJson => "application/geo+json",
        }
    }
}

/// True for a safe media file name: 1–100 of `A-Z a-z 0-9 . _ -`, not starting with `.`, with
/// a known extension.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && MediaKind::of(name).is_some()
}

/// The name of the secondary instance of a file, as pyxform writes it: the name without its
/// extension (`villages.csv` → `villages`).
pub fn instance_id(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

/// The file `pulldata('NAME', …)` reads: `NAME.csv` (or NAME itself when it has an extension).
pub fn pulldata_file(name: &str) -> String {
    if MediaKind::of(name).is_some() {
        name.to_string()
    } else {
        format!("{name}.csv")
    }
}

/// A media file read as a table: column names and rows of text (each row as long as the header).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaTable {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl MediaTable {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// `column` of the first row whose `key_column` is `key` (pulldata's rule).
    pub fn lookup(&self, column: &str, key_column: &str, key: &str) -> Option<&str> {
        let (c, k) = (self.column(column)?, self.column(key_column)?);
        self.rows
            .iter()
            .find(|r| r[k] == key)
            .map(|r| r[c].as_str())
    }

    /// The rows as choices: `value` column for the name, `label` column (and `label::LANG`
    /// columns) for the label, every column kept for choice filters. Rows without a value are
    /// skipped.
    pub fn choices(&self, name: &str, value: &str, label: &str) -> ChoiceList {
        let vi = self.column(value);
        let li = self.column(label);
        let translated: Vec<(usize, &str)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.strip_prefix(label)
                    .and_then(|r| r.strip_prefix("::"))
                    .map(|lang| (i, lang))
            })
            .collect();
        let mut choices = Vec::new();
        if let Some(vi) = vi {
            for r in &self.rows {
                if r[vi].is_empty() {
                    continue;
                }
                let mut t = Text::default();
                if let Some(li) = li {
                    t = t.with("", &r[li]);
                }
                for (i, lang) in &translated {
                    t = t.with(lang, &r[*i]);
                }
                t.0.retain(|_, v| !v.is_empty());
                choices.push(Choice {
                    name: r[vi].clone(),
                    label: t,
                    columns: self
                        .columns
                        .iter()
                        .cloned()
                        .zip(r.iter().cloned())
                        .collect(),
                });
            }
        }
        ChoiceList {
            name: name.to_string(),
            choices,
        }
    }
}

/// Why a media file was refused: what, in English and Vietnamese (the file name included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaError {
    /// English.
    pub message_en: String,
    /// Vietnamese (NFC).
    pub message_vi: String,
}

impl MediaError {
    fn new(en: String, vi: String) -> MediaError {
        MediaError {
            message_en: en,
            message_vi: vi,
        }
    }

    /// The message in `lang`.
    pub fn render(&self, lang: crate::diag::Lang) -> &str {
        match lang {
            crate::diag::Lang::Vi => &self.message_vi,
            crate::diag::Lang::En => &self.message_en,
        }
    }
}

impl std::fmt::Display for MediaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en)
    }
}

impl std::error::Error for MediaError {}

/// Reads a media file, bounded: the size is checked before anything is parsed.
pub fn parse_media(name: &str, bytes: &[u8]) -> Result<MediaTable, MediaError> {
    if !is_safe_name(name) {
        return Err(MediaError::new(
            format!(
                "`{name}`: a media file name uses only letters, digits, `.`, `_` and `-` (at most {MAX_NAME_LEN}) and ends in .csv, .xml or .geojson"
            ),
            format!(
                "`{name}`: tên tệp phương tiện chỉ gồm chữ, số, `.`, `_` và `-` (tối đa {MAX_NAME_LEN} ký tự) và có đuôi .csv, .xml hoặc .geojson"
            ),
        ));
    }
    if bytes.len() > MAX_MEDIA_BYTES {
        return Err(MediaError::new(
            format!(
                "`{name}` is {} bytes: a media file may have at most {MAX_MEDIA_BYTES} bytes (5 MiB)",
                bytes.len()
            ),
            format!(
                "`{name}` có {} byte: tệp phương tiện chỉ được tối đa {MAX_MEDIA_BYTES} byte (5 MiB)",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        MediaError::new(
            format!(
                "`{name}` is not UTF-8 text (byte {}): save it as UTF-8",
                e.valid_up_to()
            ),
            format!(
                "`{name}` không phải văn bản UTF-8 (byte {}): hãy lưu tệp theo mã UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table = match MediaKind::of(name).expect("checked by is_safe_name") {
        MediaKind::Csv => parse_csv(name, text)?,
        MediaKind::Xml => parse_xml(name, text)?,
        MediaKind::GeoJson => parse_geojson(name, text)?,
    };
    if table.columns.len() > MAX_MEDIA_COLUMNS {
        return Err(MediaError::new(
            format!(
                "`{name}` has {} columns: at most {MAX_MEDIA_COLUMNS}",
                table.columns.len()
            ),
            format!(
                "`{name}` có {} cột: tối đa {MAX_MEDIA_COLUMNS} cột",
                table.columns.len()
            ),
        ));
    }
    Ok(table)
}

fn too_many_rows(name: &str) -> MediaError {
    MediaError::new(
        format!("`{name}` has more than {MAX_MEDIA_ROWS} rows"),
        format!("`{name}` có hơn {MAX_MEDIA_ROWS} dòng"),
    )
}

/// RFC 4180 records: `"` quotes a cell, `""` is a quote inside one; CRLF or LF ends a record.
fn csv_records(name: &str, text: &str) -> Result<Vec<Vec<String>>, MediaError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1usize;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push(c);
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if at_start => quoted = true,
            ',' => {
                record.push(std::mem::take(&mut cell));
                at_start = true;
                continue;
            }
            '\r' if chars.peek() == Some(&'\n') => continue,
            '\n' | '\r' => {
                line += 1;
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
                if records.len() > MAX_MEDIA_ROWS + 1 {
                    return Err(too_many_rows(name));
                }
                at_start = true;
                continue;
            }
            _ => cell.push(c),
        }
        at_start = false;
    }
    if quoted {
        return Err(MediaError::new(
            format!("`{name}`, line {line}: a quoted cell is not closed"),
            format!("`{name}`, dòng {line}: một ô trong ngoặc kép không được đóng"),
        ));
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    Ok(records)
}

fn parse_csv(name: &str, text: &str) -> Result<MediaTable, MediaError> {
    let mut records = csv_records(name, text)?.into_iter();
    let header: Vec<String> = records
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.trim().to_string())
        .collect();
    if header.iter().all(|c| c.is_empty()) {
        return Err(MediaError::new(
            format!("`{name}` has no header row: its first line names the columns"),
            format!("`{name}` không có dòng tiêu đề: dòng đầu tiên phải ghi tên các cột"),
        ));
    }
    check_columns(name, &header)?;
    let mut rows = Vec::new();
    for (i, mut r) in records.enumerate() {
        if r.len() == 1 && r[0].is_empty() {
            continue;
        }
        if r.len() > header.len() {
            let line = i + 2;
            return Err(MediaError::new(
                format!(
                    "`{name}`, row {line}: {} cells for {} columns",
                    r.len(),
                    header.len()
                ),
                format!(
                    "`{name}`, dòng {line}: {} ô cho {} cột",
                    r.len(),
                    header.len()
                ),
            ));
        }
        r.resize(header.len(), String::new());
        rows.push(r);
    }
    Ok(MediaTable {
        columns: header,
        rows,
    })
}

fn check_columns(name: &str, header: &[String]) -> Result<(), MediaError> {
    for (i, c) in header.iter().enumerate() {
        if c.is_empty() {
            return Err(MediaError::new(
                format!("`{name}`: column {} has no name", i + 1),
                format!("`{name}`: cột thứ {} không có tên", i + 1),
            ));
        }
        if header[..i].contains(c) {
            return Err(MediaError::new(
                format!("`{name}`: column `{c}` appears twice"),
                format!("`{name}`: cột `{c}` xuất hiện hai lần"),
            ));
        }
    }
    Ok(())
}

fn parse_xml(name: &str, text: &str) -> Result<MediaTable, MediaError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: (MAX_MEDIA_ROWS * 16) as u32,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        MediaError::new(
            format!("`{name}` is not well-formed XML without a DTD: {e}"),
            format!("`{name}` không phải XML hợp lệ (không có DTD): {e}"),
        )
    })?;
    let mut columns: Vec<String> = Vec::new();
    let mut cells: Vec<BTreeMap<usize, String>> = Vec::new();
    for item in doc.root_element().children().filter(|n| n.is_element()) {
        if cells.len() >= MAX_MEDIA_ROWS {
            return Err(too_many_rows(name));
        }
        let mut row = BTreeMap::new();
        for field in item.children().filter(|n| n.is_element()) {
            let col = field.tag_name().name().to_string();
            let i = match columns.iter().position(|c| *c == col) {
                Some(i) => i,
                None => {
                    if columns.len() >= MAX_MEDIA_COLUMNS {
                        return Err(MediaError::new(
                            format!("`{name}` has more than {MAX_MEDIA_COLUMNS} columns"),
                            format!("`{name}` có hơn {MAX_MEDIA_COLUMNS} cột"),
                        ));
                    }
                    columns.push(col);
                    columns.len() - 1
                }
            };
            let v: String = field
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect();
            row.entry(i).or_insert_with(|| v.trim().to_string());
        }
        cells.push(row);
    }
    if columns.is_empty() {
        return Err(MediaError::new(
            format!("`{name}` has no rows: its root element holds one element per row"),
            format!("`{name}` không có dòng nào: phần tử gốc phải chứa mỗi dòng một phần tử"),
        ));
    }
    let rows = cells
        .into_iter()
        .map(|mut m| {
            (0..columns.len())
                .map(|i| m.remove(&i).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(MediaTable { columns, rows })
}

fn parse_geojson(name: &str, text: &str) -> Result<MediaTable, MediaError> {
    use serde_json::Value as J;
    let not_fc = || {
        MediaError::new(
            format!("`{name}` is not a GeoJSON FeatureCollection"),
            format!("`{name}` không phải một FeatureCollection GeoJSON"),
        )
    };
    let v: J = serde_json::from_str(text).map_err(|e| {
        MediaError::new(
            format!("`{name}` is not valid JSON: {e}"),
            format!("`{name}` không phải JSON hợp lệ: {e}"),
        )
    })?;
    if v.get("type").and_then(J::as_str) != Some("FeatureCollection") {
        return Err(not_fc());
    }
    let features = v.get("features").and_then(J::as_array).ok_or_else(not_fc)?;
    if features.len() > MAX_MEDIA_ROWS {
        return Err(too_many_rows(name));
    }
    let text_of = |v: &J| match v {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    };
    let mut columns = vec!["geometry".to_string()];
    let mut maps = Vec::new();
    for (i, f) in features.iter().enumerate() {
        if f.get("type").and_then(J::as_str) != Some("Feature") {
            return Err(MediaError::new(
                format!("`{name}`: feature {} is not a Feature", i + 1),
                format!("`{name}`: phần tử thứ {} không phải một Feature", i + 1),
            ));
        }
        let mut m: BTreeMap<String, String> = BTreeMap::new();
        if let Some(p) = f.get("properties").and_then(J::as_object) {
            for (k, v) in p {
                m.insert(k.clone(), text_of(v));
            }
        }
        if let Some(id) = f.get("id") {
            m.entry("id".into()).or_insert_with(|| text_of(id));
        }
        let geometry = f.get("geometry");
        if geometry.and_then(|g| g.get("type")).and_then(J::as_str) == Some("Point")
            && let Some(c) = geometry
                .and_then(|g| g.get("coordinates"))
                .and_then(J::as_array)
            && c.len() >= 2
        {
            // ODK writes a point `lat lon [alt]`; GeoJSON is `[lon, lat, alt]`.
            let mut parts = vec![text_of(&c[1]), text_of(&c[0])];
            parts.extend(c.iter().skip(2).map(text_of));
            m.insert("geometry".into(), parts.join(" "));
        }
        for k in m.keys() {
            if !columns.contains(k) {
                if columns.len() >= MAX_MEDIA_COLUMNS {
                    return Err(MediaError::new(
                        format!("`{name}` has more than {MAX_MEDIA_COLUMNS} columns"),
                        format!("`{name}` có hơn {MAX_MEDIA_COLUMNS} cột"),
                    ));
                }
                columns.push(k.clone());
            }
        }
        maps.push(m);
    }
    let rows = maps
        .into_iter()
        .map(|mut m| {
            columns
                .iter()
                .map(|c| m.remove(c).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(MediaTable { columns, rows })
}

/// A media file a form names, the columns it reads from it, and the first question that
/// names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaNeed {
    /// The file name (`villages.csv`; `pulldata('people', …)` names `people.csv`).
    pub file: String,
    /// Columns read, in the order first met.
    pub columns: Vec<String>,
    /// The question that names it first.
    pub question: String,
}

/// The value and label columns of a select from a file (pyxform's `value=` and `label=`
/// parameters; defaults `name` and `label`, `id` and `title` for GeoJSON).
pub fn value_label_columns(q: &Question) -> (String, String) {
    let geojson = q
        .kind
        .file()
        .and_then(MediaKind::of)
        .is_some_and(|k| k == MediaKind::GeoJson);
    let (dv, dl) = if geojson {
        ("id", "title")
    } else {
        ("name", "label")
    };
    let params = crate::check::parse_parameters(q.parameters.as_deref().unwrap_or(""));
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    (
        get("value").unwrap_or_else(|| dv.into()),
        get("label").unwrap_or_else(|| dl.into()),
    )
}

/// Every media file the form names (selects from a file, literal `pulldata()` calls), with the
/// columns it reads from each.
pub fn media_needs(form: &Form) -> Vec<MediaNeed> {
    let mut needs: Vec<MediaNeed> = Vec::new();
    let mut add = |file: String, cols: Vec<String>, question: &str| {
        let i = match needs.iter().position(|n| n.file == file) {
            Some(i) => i,
            None => {
                needs.push(MediaNeed {
                    file,
                    columns: Vec::new(),
                    question: question.to_string(),
                });
                needs.len() - 1
            }
        };
        for c in cols {
            if !needs[i].columns.contains(&c) {
                needs[i].columns.push(c);
            }
        }
    };
    for q in form.questions() {
        if let Some(file) = q.kind.file() {
            let (value, label) = value_label_columns(q);
            let mut cols = vec![value, label];
            if let Some(Ok(e)) = q.choice_filter.as_deref().map(parse_expression) {
                e.walk(&mut |x| {
                    if let Expr::Name(n, _) = x
                        && !n.starts_with("label::")
                    {
                        cols.push(n.clone());
                    }
                });
            }
            add(file.to_string(), cols, &q.name);
        }
        for src in [
            &q.calculation,
            &q.relevant,
            &q.constraint,
            &q.default,
            &q.required,
            &q.read_only,
            &q.choice_filter,
        ]
        .into_iter()
        .flatten()
        {
            if !src.contains("pulldata") {
                continue;
            }
            let Ok(e) = parse_expression(src) else {
                continue;
            };
            e.walk(&mut |x| {
                if let Expr::Call {
                    func: Some(Func::Pulldata),
                    args,
                    ..
                } = x
                    && let Some(Expr::Str(file, _)) = args.first()
                {
                    let cols = args[1..]
                        .iter()
                        .take(2)
                        .filter_map(|a| match a {
                            Expr::Str(s, _) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                    add(pulldata_file(file), cols, &q.name);
                }
            });
        }
    }
    needs
}

/// A file or column a form reads and its version lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaProblem {
    /// The file.
    pub file: String,
    /// The column missing from it, or `None` when the file itself is missing.
    pub column: Option<String>,
    /// The question that reads it.
    pub question: String,
}

impl MediaProblem {
    /// The message in English and Vietnamese.
    pub fn messages(&self) -> (String, String) {
        match &self.column {
            None => (
                format!(
                    "question `{}` reads the media file `{}`, which is not attached to this version",
                    self.question, self.file
                ),
                format!(
                    "câu hỏi `{}` đọc tệp phương tiện `{}` nhưng phiên bản này chưa đính kèm tệp đó",
                    self.question, self.file
                ),
            ),
            Some(c) => (
                format!(
                    "the media file `{}` has no column `{c}`, which question `{}` reads",
                    self.file, self.question
                ),
                format!(
                    "tệp phương tiện `{}` không có cột `{c}` mà câu hỏi `{}` cần đọc",
                    self.file, self.question
                ),
            ),
        }
    }
}

/// What the form reads that `tables` (file name → table) lacks: missing files, then missing
/// columns, in the order the form names them.
pub fn check_media(form: &Form, tables: &BTreeMap<String, MediaTable>) -> Vec<MediaProblem> {
    let mut out = Vec::new();
    for need in media_needs(form) {
        match tables.get(&need.file) {
            None => out.push(MediaProblem {
                file: need.file,
                column: None,
                question: need.question,
            }),
            Some(t) => {
                for c in need.columns {
                    if t.column(&c).is_none() {
                        out.push(MediaProblem {
                            file: need.file.clone(),
                            column: Some(c),
                            question: need.question.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_crlf_and_short_rows() {
        let t = parse_media(
            "v.csv",
            "\u{feff}name,label,district\r\n1,\"Cái Khế, ward\",nk\r\n2,\"say \"\"hi\"\"\"\r\n\r\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t.columns, ["name", "label", "district"]);
        assert_eq!(t.rows[0], ["1", "Cái Khế, ward", "nk"]);
        assert_eq!(t.rows[1], ["2", "say \"hi\"", ""]);
        assert_eq!(t.rows.len(), 2);
    }

    #[test]
    fn bad_files_are_refused_with_their_name() {
        let check = |name: &str, bytes: &[u8], part: &str| {
            let e = parse_media(name, bytes).unwrap_err();
            assert!(e.message_en.contains(part), "{name}: {}", e.message_en);
            assert!(e.message_en.contains(name) || !is_safe_name(name));
        };
        check("../x.csv", b"a\n1", "letters");
        check("x.txt", b"a\n1", ".csv");
        check("x.csv", &[0xff, 0xfe], "UTF-8");
        check("x.csv", b"", "header");
        check("x.csv", b"a,a\n1,2", "twice");
        check("x.csv", b"a,b\n1,2,3", "row 2");
        check("x.csv", b"a\n\"open", "not closed");
        check("x.xml", b"<!DOCTYPE r [<!ENTITY e 'x'>]><r/>", "DTD");
        check("x.xml", b"<r><item>", "XML");
        check("x.geojson", b"{\"type\": \"Feature\"}", "FeatureCollection");
        let big = vec![b'a'; MAX_MEDIA_BYTES + 1];
        check("x.csv", &big, "5 MiB");
    }

    #[test]
    fn xml_and_geojson_read_as_tables() {
        let t = parse_media(
            "crops.xml",
            b"<root><item><name>rice</name><label>Rice</label></item><item><name>corn</name><label>Corn</label><season>dry</season></item></root>",
        )
        .unwrap();
        assert_eq!(t.columns, ["name", "label", "season"]);
        assert_eq!(t.rows[0], ["rice", "Rice", ""]);
        let g = parse_media(
            "wells.geojson",
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"w1","geometry":{"type":"Point","coordinates":[105.78,10.03]},"properties":{"name":"w1","label":"Well 1","depth":12}}]}"#,
        )
        .unwrap();
        assert_eq!(g.lookup("geometry", "id", "w1"), Some("10.03 105.78"));
        assert_eq!(g.lookup("depth", "name", "w1"), Some("12"));
    }
}
