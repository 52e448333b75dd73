//! Exports of complete responses (*xuất dữ liệu*): CSV (one row per response), the repeats as a
//! linked long table (`_id`, repeat, instance, variable, value), a codebook with labels in every
//! language of the questionnaire, XLSX, and SPSS `.sav` with variable labels, value labels and
//! missing values in one chosen language.
//!
//! Responses are read in batches of 1,000 by id and written row by row, so the writers run in
//! memory that does not grow with the number of responses. An export of a survey with no
//! responses is a valid file with its header (and, for `.sav`, its whole dictionary).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use duluan_forms::check::{CheckedForm, NodeKind};
use duluan_forms::{Engine, QuestionType};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::kit::csv::{number_cell, text_cell};
use crate::surveys::sav::{self, Format, Measure, SavWriter, Value, Variable};
use crate::surveys::{draft_version, engine_for, live_version, store, survey_for};

/// What a column holds.
#[derive(Clone, Debug)]
pub enum VarKind {
    /// `_id`, `_completed` or `_version`.
    Meta,
    /// Free text (or a computed value of unknown type).
    Text,
    /// A number.
    Number,
    /// A date.
    Date,
    /// One choice: `(choice name, numeric code, label)`; the code is the name when every name
    /// is a number, else the choice's position from 1.
    Coded(Vec<(String, f64, String)>, bool),
    /// One choice of a multiple choice: 1 when chosen, 0 when not, empty when unanswered.
    Dummy(String),
}

/// One column of the export.
#[derive(Clone, Debug)]
pub struct Var {
    /// Column name (valid SPSS name, unique).
    pub name: String,
    /// The question it comes from.
    pub question: String,
    /// Label in the chosen language.
    pub label: String,
    /// Labels in every language `(language, label)`.
    pub labels: Vec<(String, String)>,
    /// What it holds.
    pub kind: VarKind,
    /// Where its question's value sits in a row's values (see [`read_values`]); unused by the
    /// meta columns.
    pub slot: usize,
}

/// The columns of an export in one language.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Columns in order.
    pub vars: Vec<Var>,
    /// Languages of the questionnaire.
    pub languages: Vec<String>,
    /// The top-level questions the columns read, sorted by name (the order of a stored record's
    /// keys), each with its slot.
    keys: Vec<(String, usize)>,
}

/// Name, question, label, labels per language, kind.
type RawVar = (String, String, String, Vec<(String, String)>, VarKind);

/// Codes SPSS users expect as "don't know / no answer", declared as user-missing.
const MISSING_CODES: [f64; 9] = [97.0, 98.0, 99.0, -1.0, -9.0, -99.0, 997.0, 998.0, 999.0];

/// The columns of the top level of `form` (repeats go to the long table), labels in `lang`.
pub fn plan(form: &CheckedForm, lang: &str) -> Plan {
    let f = &form.form;
    let languages: Vec<String> = f
        .languages()
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    let text = |t: &duluan_forms::Text| {
        t.get(lang, f.default_language.as_deref())
            .unwrap_or("")
            .to_string()
    };
    let all = |t: &duluan_forms::Text| {
        languages
            .iter()
            .map(|l| (l.clone(), t.0.get(l).cloned().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let mut raw: Vec<RawVar> = vec![
        (
            "response_id".into(),
            "_id".into(),
            "Response id".into(),
            vec![],
            VarKind::Meta,
        ),
        (
            "completed_at".into(),
            "_completed".into(),
            "Completed at (UTC)".into(),
            vec![],
            VarKind::Meta,
        ),
        (
            "form_version".into(),
            "_version".into(),
            "Questionnaire version".into(),
            vec![],
            VarKind::Meta,
        ),
    ];
    for (i, n) in form.nodes.iter().enumerate() {
        let NodeKind::Question(kind) = &n.kind else {
            continue;
        };
        if !n.repeats.is_empty() || matches!(kind, QuestionType::Note) {
            continue;
        }
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        let label = text(&q.label);
        let labels = all(&q.label);
        let list = kind.list().and_then(|l| f.list(l));
        match kind {
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => raw.push((
                q.name.clone(),
                q.name.clone(),
                label,
                labels,
                VarKind::Number,
            )),
            QuestionType::Date => {
                raw.push((q.name.clone(), q.name.clone(), label, labels, VarKind::Date))
            }
            QuestionType::SelectOne(_) => {
                let choices = list.map(|l| l.choices.as_slice()).unwrap_or(&[]);
                let numeric =
                    !choices.is_empty() && choices.iter().all(|c| c.name.parse::<f64>().is_ok());
                let codes = choices
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let code = if numeric {
                            c.name.parse::<f64>().unwrap_or(0.0)
                        } else {
                            (k + 1) as f64
                        };
                        (c.name.clone(), code, text(&c.label))
                    })
                    .collect();
                raw.push((
                    q.name.clone(),
                    q.name.clone(),
                    label,
                    labels,
                    VarKind::Coded(codes, numeric),
                ));
            }
            QuestionType::SelectMultiple(_) => {
                raw.push((
                    q.name.clone(),
                    q.name.clone(),
                    label.clone(),
                    labels,
                    VarKind::Text,
                ));
                for c in list.map(|l| l.choices.as_slice()).unwrap_or(&[]) {
                    raw.push((
                        format!("{}_{}", q.name, c.name),
                        q.name.clone(),
                        format!("{label}: {}", text(&c.label)),
                        all(&c.label),
                        VarKind::Dummy(c.name.clone()),
                    ));
                }
            }
            _ => raw.push((q.name.clone(), q.name.clone(), label, labels, VarKind::Text)),
        }
    }
    let names = sav::spss_names(&raw.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
    let mut keys: Vec<(String, usize)> = Vec::new();
    let vars = raw
        .into_iter()
        .zip(names)
        .map(|((_, question, label, labels, kind), name)| {
            let slot = if matches!(kind, VarKind::Meta) {
                usize::MAX
            } else if let Some(k) = keys.iter().find(|k| k.0 == question) {
                k.1
            } else {
                keys.push((question.clone(), keys.len()));
                keys.len() - 1
            };
            Var {
                name,
                question,
                label,
                labels,
                kind,
                slot,
            }
        })
        .collect();
    keys.sort();
    Plan {
        vars,
        languages,
        keys,
    }
}

/// Keys of a stored record, borrowed where possible.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Key(Text::deserialize(d)?.0.unwrap_or_default()))
    }
}

/// A top-level value of a stored record: a string (borrowed unless it has escapes) or a number;
/// repeats, objects, booleans and nulls read as nothing.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Text<'de>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Text<'de>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the top-level values of a stored record that the plan's columns use into `out` (one
/// entry per slot, emptied first), borrowing from `json` where possible: one pass over the JSON,
/// no map and no tree. Keys come sorted (a record is a `BTreeMap`), so each is found by
/// stepping through the plan's sorted keys; any order still works. A record that is not JSON
/// reads as empty.
pub fn read_values<'a>(plan: &Plan, json: &'a str, out: &mut Vec<Cow<'a, str>>) {
    use serde::de::{IgnoredAny, MapAccess, Visitor};
    struct Fill<'p, 'o, 'de> {
        keys: &'p [(String, usize)],
        out: &'o mut [Cow<'de, str>],
    }
    impl<'de> Visitor<'de> for Fill<'_, '_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
            let mut cursor = 0;
            while let Some(Key(k)) = a.next_key::<Key<'de>>()? {
                let k = k.as_ref();
                let hit = if self.keys.get(cursor).is_some_and(|e| e.0 == k) {
                    Some(cursor)
                } else {
                    match self.keys.binary_search_by(|e| e.0.as_str().cmp(k)) {
                        Ok(i) => Some(i),
                        Err(i) => {
                            cursor = i;
                            None
                        }
                    }
                };
                match hit {
                    Some(i) => {
                        cursor = i + 1;
                        if let Some(v) = a.next_value::<Text<'de>>()?.0 {
                            self.out[self.keys[i].1] = v;
                        }
                    }
                    None => {
                        a.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    out.clear();
    out.resize(plan.keys.len(), Cow::Borrowed(""));
    let mut de = serde_json::Deserializer::from_str(json);
    let ok = serde::Deserializer::deserialize_map(
        &mut de,
        Fill {
            keys: &plan.keys,
            out,
        },
    )
    .is_ok();
    if !ok {
        out.iter_mut().for_each(|c| *c = Cow::Borrowed(""));
    }
}

/// One response as the writers see it.
pub struct Row<'a> {
    /// Id.
    pub id: &'a str,
    /// Completion time, ISO.
    pub completed: &'a str,
    /// Version string.
    pub version: &'a str,
    /// Values by slot (see [`read_values`]).
    pub values: &'a [Cow<'a, str>],
}

impl Row<'_> {
    fn raw(&self, v: &Var) -> &str {
        match &v.kind {
            VarKind::Meta => match v.question.as_str() {
                "_id" => self.id,
                "_completed" => self.completed,
                "_version" => self.version,
                _ => "",
            },
            _ => self.values.get(v.slot).map(|c| c.as_ref()).unwrap_or(""),
        }
    }

    /// The CSV cell of a column.
    pub fn cell(&self, v: &Var) -> &str {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Dummy(choice) => {
                if raw.is_empty() {
                    ""
                } else if raw.split(' ').any(|x| x == choice) {
                    "1"
                } else {
                    "0"
                }
            }
            _ => raw,
        }
    }

    /// The cell of a column as a CSV export writes it: neutralised against formula injection
    /// (`kit::csv`); numeric columns keep plain numbers such as `-3` as numbers.
    pub fn csv_cell(&self, v: &Var) -> Cow<'_, str> {
        let cell = self.cell(v);
        match &v.kind {
            VarKind::Number | VarKind::Dummy(_) | VarKind::Coded(_, true) => number_cell(cell),
            _ => text_cell(cell),
        }
    }

    /// The `.sav` value of a column.
    pub fn sav_value(&self, v: &Var) -> Value<'_> {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Meta | VarKind::Text => Value::Text(raw),
            VarKind::Number => Value::Number(raw.parse().unwrap_or(sav::SYSMIS)),
            VarKind::Date => Value::Number(sav::spss_date(raw).unwrap_or(sav::SYSMIS)),
            VarKind::Coded(codes, numeric) => {
                if raw.is_empty() {
                    Value::Number(sav::SYSMIS)
                } else if *numeric {
                    Value::Number(raw.parse().unwrap_or(sav::SYSMIS))
                } else {
                    Value::Number(
                        codes
                            .iter()
                            .find(|c| c.0 == raw)
                            .map(|c| c.1)
                            .unwrap_or(sav::SYSMIS),
                    )
                }
            }
            VarKind::Dummy(choice) => Value::Number(if raw.is_empty() {
                sav::SYSMIS
            } else if raw.split(' ').any(|x| x == choice) {
                1.0
            } else {
                0.0
            }),
        }
    }
}

/// The `.sav` dictionary of a plan.
pub fn sav_variables(plan: &Plan, yes: &str, no: &str) -> Vec<Variable> {
    plan.vars
        .iter()
        .map(|v| {
            let (width, format, value_labels, missing, measure) = match &v.kind {
                VarKind::Meta => (
                    if v.question == "_id" { 36 } else { 32 },
                    Format::Text,
                    vec![],
                    vec![],
                    Measure::Nominal,
                ),
                VarKind::Text => (255, Format::Text, vec![], vec![], Measure::Nominal),
                VarKind::Number => (
                    0,
                    Format::Number {
                        width: 12,
                        decimals: 2,
                    },
                    vec![],
                    vec![],
                    Measure::Scale,
                ),
                VarKind::Date => (0, Format::Date, vec![], vec![], Measure::Scale),
                VarKind::Coded(codes, numeric) => {
                    let labels: Vec<(f64, String)> = codes
                        .iter()
                        .map(|(name, code, label)| {
                            (
                                *code,
                                if *numeric {
                                    label.clone()
                                } else {
                                    format!("{label} [{name}]")
                                },
                            )
                        })
                        .collect();
                    let missing: Vec<f64> = if *numeric {
                        codes
                            .iter()
                            .map(|c| c.1)
                            .filter(|c| MISSING_CODES.contains(c))
                            .take(3)
                            .collect()
                    } else {
                        vec![]
                    };
                    (
                        0,
                        Format::Number {
                            width: 8,
                            decimals: 0,
                        },
                        labels,
                        missing,
                        Measure::Nominal,
                    )
                }
                VarKind::Dummy(_) => (
                    0,
                    Format::Number {
                        width: 1,
                        decimals: 0,
                    },
                    vec![(0.0, no.to_string()), (1.0, yes.to_string())],
                    vec![],
                    Measure::Nominal,
                ),
            };
            Variable {
                name: v.name.clone(),
                label: v.label.clone(),
                width,
                format,
                value_labels,
                missing,
                measure,
            }
        })
        .collect()
}

/// Responses read from the database at a time (keyset pages by id).
pub const BATCH: i64 = 1000;
/// Capacity of the buffers a batch is written into.
const CHUNK: usize = 256 * 1024;
/// An XLSX sheet holds at most 1,048,576 rows, one of them the header.
pub const XLSX_MAX_ROWS: i64 = 1_048_575;

/// A piece of a streamed export; an error ends the download (the client sees it cut short).
pub type Chunk = Result<Bytes, io::Error>;

/// The files of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFile {
    /// `responses.csv`: one row per complete response.
    Responses,
    /// `repeats.csv`: the repeats as a long table.
    Repeats,
    /// `codebook.csv`: variables and values with their labels.
    Codebook,
    /// `responses.xlsx`.
    Xlsx,
    /// `responses.sav` (SPSS).
    Sav,
}

impl ExportFile {
    /// The file of a download name.
    pub fn from_name(name: &str) -> Option<ExportFile> {
        Some(match name {
            "responses.csv" => ExportFile::Responses,
            "repeats.csv" => ExportFile::Repeats,
            "codebook.csv" => ExportFile::Codebook,
            "responses.xlsx" => ExportFile::Xlsx,
            "responses.sav" => ExportFile::Sav,
            _ => return None,
        })
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFile::Responses | ExportFile::Repeats | ExportFile::Codebook => {
                "text/csv; charset=utf-8"
            }
            ExportFile::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFile::Sav => "application/x-spss-sav",
        }
    }
}

/// Everything one export needs, owned, so that it runs in its own task while the response
/// streams.
pub struct ExportJob {
    /// The survey.
    pub survey_id: i64,
    /// Which file.
    pub file: ExportFile,
    /// Its columns.
    pub plan: Plan,
    /// The questionnaire (for the codebook).
    pub engine: Arc<Engine>,
    /// File label (`.sav`).
    pub title: String,
    /// Value labels of a choice column of a select-multiple: chosen, not chosen (`.sav`).
    pub yes_no: (String, String),
    /// Creation time written into the `.sav` header.
    pub created: DateTime<Utc>,
}

/// One page of stored responses: `(id, version_id, completed_at, data)`.
type Batch = Vec<(String, i64, Option<DateTime<Utc>>, String)>;

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .buffer_capacity(64 * 1024)
        .from_writer(Vec::with_capacity(CHUNK))
}

fn csv_bytes(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

fn xlsx_io(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes `t` as `YYYY-MM-DDTHH:MM:SSZ` (UTC) into `out`.
fn iso_time(out: &mut String, t: &DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

/// Calls `f` with each response of a batch as a [`Row`]: one parse of its JSON, no map.
pub fn each_row(
    plan: &Plan,
    versions: &HashMap<i64, String>,
    batch: &[(String, i64, Option<DateTime<Utc>>, String)],
    mut f: impl FnMut(&Row<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(plan.keys.len());
    let mut completed = String::with_capacity(24);
    for (id, version_id, at, data) in batch {
        read_values(plan, data, &mut values);
        completed.clear();
        if let Some(t) = at {
            iso_time(&mut completed, t);
        }
        f(&Row {
            id,
            completed: &completed,
            version: versions.get(version_id).map(String::as_str).unwrap_or(""),
            values: &values,
        })?;
    }
    Ok(())
}

/// Where the rows of a running export go.
enum Sink {
    Csv,
    Repeats,
    Sav(SavWriter<Vec<u8>>),
    Xlsx(Box<rust_xlsxwriter::Workbook>, u32),
}

impl Sink {
    /// Writes one batch of responses; returns the bytes ready to send.
    fn write_batch(
        &mut self,
        plan: &Plan,
        versions: &HashMap<i64, String>,
        batch: &Batch,
    ) -> io::Result<Vec<u8>> {
        match self {
            Sink::Csv => {
                let mut w = csv_writer();
                each_row(plan, versions, batch, |row| {
                    for v in &plan.vars {
                        w.write_field(row.csv_cell(v).as_bytes())
                            .map_err(io::Error::other)?;
                    }
                    w.write_record(None::<&[u8]>).map_err(io::Error::other)
                })?;
                csv_bytes(w)
            }
            Sink::Repeats => {
                let mut w = csv_writer();
                for (rid, _, _, data) in batch {
                    let record: duluan_forms::Record =
                        serde_json::from_str(data).unwrap_or_default();
                    write_repeats(&mut w, rid, &record, "").map_err(io::Error::other)?;
                }
                csv_bytes(w)
            }
            Sink::Sav(w) => {
                each_row(plan, versions, batch, |row| {
                    w.write_values(plan.vars.iter().map(|v| row.sav_value(v)))
                })?;
                Ok(std::mem::replace(w.get_mut(), Vec::with_capacity(CHUNK)))
            }
            Sink::Xlsx(wb, r) => {
                let ws = wb.worksheet_from_index(0).map_err(xlsx_io)?;
                each_row(plan, versions, batch, |row| {
                    *r += 1;
                    if *r as i64 > XLSX_MAX_ROWS {
                        return Err(io::Error::other("more rows than an XLSX sheet holds"));
                    }
                    for (c, v) in plan.vars.iter().enumerate() {
                        let cell = row.cell(v);
                        if cell.is_empty() {
                            continue;
                        }
                        match (&v.kind, cell.parse::<f64>()) {
                            (VarKind::Number | VarKind::Dummy(_), Ok(x)) => {
                                ws.write_number(*r, c as u16, x).map_err(xlsx_io)?;
                            }
                            _ => {
                                ws.write_string(*r, c as u16, cell).map_err(xlsx_io)?;
                            }
                        }
                    }
                    Ok(())
                })?;
                Ok(Vec::new())
            }
        }
    }
}

/// Sends a chunk down the response (nothing when empty); fails when the client has gone.
async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
}

/// A blocking `Write` into the response stream (for the XLSX packager, which runs on a
/// blocking thread): bytes are sent in chunks of about 256 KiB.
struct BlockingPipe {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl Write for BlockingPipe {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

/// Reads the next page of complete responses in its own task, so that the database read of
/// the next page overlaps the writing of this one.
fn fetch(db: &Db, survey_id: i64, after: String) -> tokio::task::JoinHandle<AppResult<Batch>> {
    let db = db.clone();
    tokio::spawn(async move { store::next_export_batch(&db, survey_id, &after, BATCH).await })
}

/// Writes the export `job` into `tx` chunk by chunk, reading the complete responses in keyset
/// pages of [`BATCH`]: memory holds about two pages and the chunks in the channel, whatever the
/// number of responses. Returns the number of responses written. A survey without responses
/// gives a valid file (header, dictionary or empty sheet).
pub async fn produce(db: &Db, job: &ExportJob, tx: &mpsc::Sender<Chunk>) -> AppResult<u64> {
    let io = |e: io::Error| AppError::Internal(e.into());
    let plan = &job.plan;
    let mut sink = match job.file {
        ExportFile::Codebook => {
            let bytes = write_codebook(Vec::new(), plan, job.engine.form())
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, bytes).await.map_err(io)?;
            return Ok(0);
        }
        ExportFile::Responses => {
            let mut w = csv_writer();
            w.write_record(plan.vars.iter().map(|v| text_cell(&v.name).into_owned()))
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, csv_bytes(w).map_err(io)?).await.map_err(io)?;
            Sink::Csv
        }
        ExportFile::Repeats => {
            let mut w = csv_writer();
            w.write_record(["_id", "repeat", "instance", "variable", "value"])
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, csv_bytes(w).map_err(io)?).await.map_err(io)?;
            Sink::Repeats
        }
        ExportFile::Sav => {
            let vars = sav_variables(plan, &job.yes_no.0, &job.yes_no.1);
            let created = (
                job.created.format("%d %b %y").to_string(),
                job.created.format("%H:%M:%S").to_string(),
            );
            let mut w = SavWriter::new(
                Vec::with_capacity(CHUNK),
                &vars,
                &job.title,
                (&created.0, &created.1),
            )
            .map_err(io)?;
            let header = std::mem::take(w.get_mut());
            send(tx, header).await.map_err(io)?;
            Sink::Sav(w)
        }
        ExportFile::Xlsx => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_io)
                .map_err(io)?;
            for (c, v) in plan.vars.iter().enumerate() {
                ws.write_string(0, c as u16, &v.name)
                    .map_err(xlsx_io)
                    .map_err(io)?;
            }
            Sink::Xlsx(Box::new(wb), 0)
        }
    };
    let versions: HashMap<i64, String> = store::list_versions(db, job.survey_id)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect();
    let mut rows = 0u64;
    let mut next = Some(fetch(db, job.survey_id, String::new()));
    while let Some(pending) = next.take() {
        let batch = pending
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("export read stopped: {e}")))??;
        if batch.len() as i64 == BATCH
            && let Some(last) = batch.last()
        {
            next = Some(fetch(db, job.survey_id, last.0.clone()));
        }
        let bytes = sink.write_batch(plan, &versions, &batch).map_err(io)?;
        rows += batch.len() as u64;
        send(tx, bytes).await.map_err(io)?;
    }
    match sink {
        Sink::Csv | Sink::Repeats => {}
        Sink::Sav(w) => {
            let tail = w.finish().map_err(io)?;
            send(tx, tail).await.map_err(io)?;
        }
        Sink::Xlsx(mut wb, _) => {
            let labels = wb.add_worksheet();
            let header = labels
                .set_name("variables")
                .and_then(|l| l.write_string(0, 0, "variable"))
                .and_then(|l| l.write_string(0, 1, "label"));
            header.map_err(xlsx_io).map_err(io)?;
            for (k, v) in plan.vars.iter().enumerate() {
                labels
                    .write_string(k as u32 + 1, 0, &v.name)
                    .and_then(|l| l.write_string(k as u32 + 1, 1, &v.label))
                    .map_err(xlsx_io)
                    .map_err(io)?;
            }
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let mut pipe = BlockingPipe {
                    tx,
                    buf: Vec::with_capacity(CHUNK),
                };
                wb.save_to_writer(&mut pipe).map_err(xlsx_io)?;
                pipe.flush()
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("XLSX packaging stopped: {e}")))?
            .map_err(io)?;
        }
    }
    Ok(rows)
}

/// The codebook: one line per variable and per value, labels in every language.
pub fn write_codebook<W: Write>(out: W, plan: &Plan, form: &CheckedForm) -> csv::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "variable".to_string(),
        "question".into(),
        "type".into(),
        "value".into(),
    ];
    header.extend(plan.languages.iter().map(|l| format!("label::{l}")));
    // Labels are typed by designers (or come from an imported XLSForm): every cell is text.
    let write = |w: &mut csv::Writer<W>, line: &[String]| {
        w.write_record(line.iter().map(|c| text_cell(c).into_owned()))
    };
    write(&mut w, &header)?;
    for v in &plan.vars {
        let kind = form
            .node(&v.question)
            .and_then(|n| match &n.kind {
                NodeKind::Question(k) => Some(k.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "meta".into());
        let mut line = vec![
            v.name.clone(),
            v.question.clone(),
            kind.clone(),
            String::new(),
        ];
        line.extend(plan.languages.iter().map(|l| {
            v.labels
                .iter()
                .find(|x| &x.0 == l)
                .map(|x| x.1.clone())
                .unwrap_or_default()
        }));
        if plan.languages.is_empty() {
            line.push(v.label.clone());
        }
        write(&mut w, &line)?;
        if let VarKind::Coded(codes, _) = &v.kind {
            let list = form
                .node(&v.question)
                .and_then(|n| n.list)
                .map(|i| &form.form.choices[i]);
            for (name, code, label) in codes {
                let mut line = vec![
                    v.name.clone(),
                    v.question.clone(),
                    kind.clone(),
                    format!("{name}={code}"),
                ];
                let choice = list.and_then(|l| l.choices.iter().find(|c| &c.name == name));
                line.extend(plan.languages.iter().map(|l| {
                    choice
                        .and_then(|c| c.label.0.get(l).cloned())
                        .unwrap_or_default()
                }));
                if plan.languages.is_empty() {
                    line.push(label.clone());
                }
                write(&mut w, &line)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// Query of an export.
#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    lang: String,
}

/// `GET /surveys/{id}/export/{file}`: `responses.csv`, `repeats.csv`, `codebook.csv`,
/// `responses.xlsx`, `responses.sav` (`?lang=vi|en` for labels). Audited. The body streams:
/// it is written by [`produce`] in its own task while the client reads it.
pub async fn export_file(
    State(state): State<AppState>,
    auth: crate::web::ctx::Auth,
    Path((id, name)): Path<(i64, String)>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let file = ExportFile::from_name(&name).ok_or(AppError::NotFound)?;
    let version = match live_version(&state.db, id).await? {
        Some(v) => v,
        None => draft_version(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let engine = engine_for(&version.form_json)?;
    let lang = if q.lang.is_empty() {
        auth.ctx.tr.lang().code().to_string()
    } else {
        q.lang.clone()
    };
    let plan = plan(engine.form(), &lang);
    let db = &state.db;
    if file == ExportFile::Xlsx && store::count_complete(db, id).await? > XLSX_MAX_ROWS {
        return Err(AppError::BadRequest("surveys-export-xlsx-too-large"));
    }
    audit::record(
        db,
        &auth.ctx.actor(),
        "survey.export",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"file": name, "lang": lang}),
    )
    .await?;
    let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::parse(&lang).unwrap_or_default());
    let job = ExportJob {
        survey_id: id,
        file,
        plan,
        engine,
        title: s.title.clone(),
        yes_no: (tr.t("surveys-chosen"), tr.t("surveys-not-chosen")),
        created: Utc::now(),
    };
    let (tx, rx) = mpsc::channel::<Chunk>(2);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = produce(&db, &job, &tx).await {
            tracing::warn!(survey = job.survey_id, file = ?job.file, "export stopped: {e}");
            let _ = tx.send(Err(io::Error::other("export stopped"))).await;
        }
    });
    let name = format!("{}-wave{}-{}", s.series, s.wave, name);
    let mut r = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type()),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Writes the repeat instances of a record as long rows (`_id`, repeat, instance, variable,
/// value); nested repeats get instance paths like `2.1`.
pub fn write_repeats<W: Write>(
    w: &mut csv::Writer<W>,
    id: &str,
    record: &duluan_forms::Record,
    prefix: &str,
) -> csv::Result<()> {
    for (name, answer) in record {
        if let duluan_forms::Answer::Repeat(instances) = answer {
            for (i, inst) in instances.iter().enumerate() {
                let path = if prefix.is_empty() {
                    format!("{}", i + 1)
                } else {
                    format!("{prefix}.{}", i + 1)
                };
                for (var, v) in inst {
                    if let duluan_forms::Answer::Value(s) = v {
                        // The value column mixes types: plain numbers stay numbers, anything
                        // else is neutralised text (`kit::csv`).
                        w.write_record([
                            text_cell(id).as_bytes(),
                            text_cell(name).as_bytes(),
                            path.as_bytes(),
                            text_cell(var).as_bytes(),
                            number_cell(s).as_bytes(),
                        ])?;
                    }
                }
                write_repeats(w, id, inst, &path)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_by_slot_in_any_key_order() {
        let form = duluan_forms::Form::from_json(
            &serde_json::json!({"id": "t", "version": "1", "title": "t", "items": [
                {"kind": "question", "name": "b", "type": "text", "label": {"en": "B"}},
                {"kind": "question", "name": "a", "type": "integer", "label": {"en": "A"}},
                {"kind": "question", "name": "n", "type": "integer", "label": {"en": "N"}}
            ], "choices": []})
            .to_string(),
        )
        .unwrap();
        let checked = duluan_forms::check_form(&form).unwrap();
        let plan = plan(&checked, "en");
        let cell = |values: &[Cow<'_, str>], name: &str| {
            let v = plan.vars.iter().find(|v| v.name == name).unwrap();
            values[v.slot].to_string()
        };
        let mut out = Vec::new();
        read_values(
            &plan,
            r#"{"a": "1", "b": "x \"y\"", "n": 3, "r": [{"c": "2"}], "z": "9"}"#,
            &mut out,
        );
        assert_eq!(cell(&out, "a"), "1");
        assert_eq!(cell(&out, "b"), "x \"y\"");
        assert_eq!(cell(&out, "n"), "3");
        read_values(
            &plan,
            r#"{"z": "9", "n": "7", "b": "q", "a": "2"}"#,
            &mut out,
        );
        assert_eq!(
            (cell(&out, "a"), cell(&out, "b"), cell(&out, "n")),
            ("2".into(), "q".into(), "7".into())
        );
        read_values(&plan, "not json", &mut out);
        assert!(out.iter().all(|c| c.is_empty()));
    }
}
