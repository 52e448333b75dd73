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
use std::io::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use duluan_forms::QuestionType;
use duluan_forms::check::{CheckedForm, NodeKind};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult};
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
}

/// The columns of an export in one language.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Columns in order.
    pub vars: Vec<Var>,
    /// Languages of the questionnaire.
    pub languages: Vec<String>,
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
    Plan {
        vars: raw
            .into_iter()
            .zip(names)
            .map(|((_, question, label, labels, kind), name)| Var {
                name,
                question,
                label,
                labels,
                kind,
            })
            .collect(),
        languages,
    }
}

/// The top-level values of a stored record, borrowed where possible (repeats are skipped):
/// one pass of the JSON, no intermediate tree.
pub fn top_values(json: &str) -> HashMap<Cow<'_, str>, Cow<'_, str>> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Key<'a>(Cow<'a, str>);
    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Key(Text::deserialize(d)?.0.unwrap_or_default()))
        }
    }
    struct Text<'a>(Option<Cow<'a, str>>);
    impl<'de> Deserialize<'de> for Text<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Text<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
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
    struct Top<'a>(HashMap<Cow<'a, str>, Cow<'a, str>>);
    impl<'de> Deserialize<'de> for Top<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Top<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a record")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Top<'de>, A::Error> {
                    let mut out = HashMap::with_capacity(a.size_hint().unwrap_or(32));
                    while let Some((k, v)) = a.next_entry::<Key<'de>, Text<'de>>()? {
                        if let Some(v) = v.0 {
                            out.insert(k.0, v);
                        }
                    }
                    Ok(Top(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Top>(json)
        .map(|t| t.0)
        .unwrap_or_default()
}

/// One response as the writers see it.
pub struct Row<'a> {
    /// Id.
    pub id: &'a str,
    /// Completion time, ISO.
    pub completed: &'a str,
    /// Version string.
    pub version: &'a str,
    /// Top-level values.
    pub values: &'a HashMap<Cow<'a, str>, Cow<'a, str>>,
}

impl Row<'_> {
    fn raw(&self, v: &Var) -> &str {
        match v.question.as_str() {
            "_id" if matches!(v.kind, VarKind::Meta) => self.id,
            "_completed" if matches!(v.kind, VarKind::Meta) => self.completed,
            "_version" if matches!(v.kind, VarKind::Meta) => self.version,
            _ => self
                .values
                .get(v.question.as_str())
                .map(|c| c.as_ref())
                .unwrap_or(""),
        }
    }

    /// The CSV cell of a column.
    pub fn cell(&self, v: &Var) -> Cow<'_, str> {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Dummy(choice) => {
                if raw.is_empty() {
                    Cow::Borrowed("")
                } else if raw.split(' ').any(|x| x == choice) {
                    Cow::Borrowed("1")
                } else {
                    Cow::Borrowed("0")
                }
            }
            _ => Cow::Borrowed(raw),
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

/// Calls `f` for every complete response of a survey, in batches of 1,000 (by id).
pub async fn for_each_response(
    db: &Db,
    survey_id: i64,
    mut f: impl FnMut(&Row<'_>) -> std::io::Result<()>,
) -> AppResult<()> {
    let versions: HashMap<i64, String> = store::list_versions(db, survey_id)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect();
    let mut after = String::new();
    loop {
        let batch = store::next_export_batch(db, survey_id, &after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.0.clone();
        for (id, version_id, completed, data) in &batch {
            let values = top_values(data);
            let completed = completed
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            let row = Row {
                id,
                completed: &completed,
                version: versions.get(version_id).map(String::as_str).unwrap_or(""),
                values: &values,
            };
            f(&row).map_err(|e| AppError::Internal(e.into()))?;
        }
        if batch.len() < 1000 {
            break;
        }
    }
    Ok(())
}

/// Writes the CSV header of a plan.
pub fn write_csv_header<W: Write>(w: &mut csv::Writer<W>, plan: &Plan) -> csv::Result<()> {
    w.write_record(plan.vars.iter().map(|v| v.name.as_str()))
}

/// Writes one CSV row.
pub fn write_csv_row<W: Write>(
    w: &mut csv::Writer<W>,
    plan: &Plan,
    row: &Row<'_>,
) -> csv::Result<()> {
    w.write_record(
        plan.vars
            .iter()
            .map(|v| row.cell(v))
            .collect::<Vec<_>>()
            .iter()
            .map(|c| c.as_bytes()),
    )
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
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
    w.write_record(&header)?;
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
        w.write_record(&line)?;
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
                w.write_record(&line)?;
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
/// `responses.xlsx`, `responses.sav` (`?lang=vi|en` for labels). Audited.
pub async fn export_file(
    State(state): State<AppState>,
    auth: crate::web::ctx::Auth,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let version = match live_version(&state.db, id).await? {
        Some(v) => v,
        None => draft_version(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let engine = engine_for(&version.form_json)?;
    let form = engine.form();
    let lang = if q.lang.is_empty() {
        auth.ctx.tr.lang().code().to_string()
    } else {
        q.lang.clone()
    };
    let plan = plan(form, &lang);
    let db = &state.db;
    let (bytes, content_type): (Vec<u8>, &str) = match file.as_str() {
        "responses.csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            write_csv_header(&mut w, &plan).map_err(|e| AppError::Internal(e.into()))?;
            for_each_response(db, id, |row| {
                write_csv_row(&mut w, &plan, row).map_err(csv_err)
            })
            .await?;
            (
                w.into_inner()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?,
                "text/csv; charset=utf-8",
            )
        }
        "repeats.csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["_id", "repeat", "instance", "variable", "value"])
                .map_err(|e| AppError::Internal(e.into()))?;
            let mut after = String::new();
            loop {
                let batch = store::next_export_batch(db, id, &after, 1000).await?;
                let Some(last) = batch.last() else { break };
                after = last.0.clone();
                for (rid, _, _, data) in &batch {
                    let record: duluan_forms::Record =
                        serde_json::from_str(data).unwrap_or_default();
                    write_repeats(&mut w, rid, &record, "")
                        .map_err(|e| AppError::Internal(e.into()))?;
                }
                if batch.len() < 1000 {
                    break;
                }
            }
            (
                w.into_inner()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?,
                "text/csv; charset=utf-8",
            )
        }
        "codebook.csv" => (
            write_codebook(Vec::new(), &plan, form).map_err(|e| AppError::Internal(e.into()))?,
            "text/csv; charset=utf-8",
        ),
        "responses.sav" => {
            let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::parse(&lang).unwrap_or_default());
            let vars = sav_variables(&plan, &tr.t("surveys-chosen"), &tr.t("surveys-not-chosen"));
            let now = Utc::now();
            let created = (
                now.format("%d %b %y").to_string(),
                now.format("%H:%M:%S").to_string(),
            );
            let mut w = SavWriter::new(Vec::new(), &vars, &s.title, (&created.0, &created.1))
                .map_err(|e| AppError::Internal(e.into()))?;
            for_each_response(db, id, |row| {
                let values: Vec<Value<'_>> = plan.vars.iter().map(|v| row.sav_value(v)).collect();
                w.write_case(&values)
            })
            .await?;
            (
                w.finish().map_err(|e| AppError::Internal(e.into()))?,
                "application/x-spss-sav",
            )
        }
        "responses.xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let xerr =
                |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e.to_string()));
            for (c, v) in plan.vars.iter().enumerate() {
                ws.write_string(0, c as u16, &v.name).map_err(xerr)?;
            }
            let mut r: u32 = 0;
            let mut failed = None;
            for_each_response(db, id, |row| {
                r += 1;
                for (c, v) in plan.vars.iter().enumerate() {
                    let cell = row.cell(v);
                    if cell.is_empty() {
                        continue;
                    }
                    let res = match (&v.kind, cell.parse::<f64>()) {
                        (VarKind::Number | VarKind::Dummy(_), Ok(x)) => {
                            ws.write_number(r, c as u16, x).map(|_| ())
                        }
                        _ => ws.write_string(r, c as u16, cell.as_ref()).map(|_| ()),
                    };
                    if let Err(e) = res {
                        failed = Some(e.to_string());
                        return Err(std::io::Error::other("xlsx"));
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| match failed.take() {
                Some(msg) => AppError::Internal(anyhow::anyhow!(msg)),
                None => e,
            })?;
            let labels = wb.add_worksheet();
            labels.set_name("variables").map_err(xerr)?;
            labels.write_string(0, 0, "variable").map_err(xerr)?;
            labels.write_string(0, 1, "label").map_err(xerr)?;
            for (k, v) in plan.vars.iter().enumerate() {
                labels
                    .write_string(k as u32 + 1, 0, &v.name)
                    .map_err(xerr)?;
                labels
                    .write_string(k as u32 + 1, 1, &v.label)
                    .map_err(xerr)?;
            }
            (
                wb.save_to_buffer().map_err(xerr)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
        _ => return Err(AppError::NotFound),
    };
    audit::record(
        db,
        &auth.ctx.actor(),
        "survey.export",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"file": file, "lang": lang, "bytes": bytes.len()}),
    )
    .await?;
    let name = format!("{}-wave{}-{}", s.series, s.wave, file);
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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
                        w.write_record([
                            id,
                            name.as_str(),
                            path.as_str(),
                            var.as_str(),
                            s.as_str(),
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
    fn top_values_keep_strings_and_skip_repeats() {
        let v = top_values(r#"{"a": "1", "b": "x \"y\"", "r": [{"c": "2"}], "n": 3}"#);
        assert_eq!(v.get("a").map(|c| c.as_ref()), Some("1"));
        assert_eq!(v.get("b").map(|c| c.as_ref()), Some("x \"y\""));
        assert_eq!(v.get("n").map(|c| c.as_ref()), Some("3"));
        assert!(!v.contains_key("r"));
        assert!(top_values("not json").is_empty());
    }
}
