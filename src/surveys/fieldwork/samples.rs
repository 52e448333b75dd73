//! Sample pages: the sample-size calculator (margin of error, confidence, design effect,
//! population, expected response rate → completes and cases; allocation over a frame's strata),
//! drawing a sample from a frame with a seed into cases, and releasing its batches in a mode.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_stats::planning::{self, Plan, Target};
use serde::Deserialize;
use serde_json::json;

use super::model::{self, Design, DrawFrame, Method};
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{CollectionMode, Disposition, Survey};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// The sample-size form (every field as typed).
#[derive(Clone, Debug, Deserialize)]
pub struct SizeForm {
    /// Margin of error in percentage points (proportion) or units (mean).
    #[serde(default = "default_moe")]
    pub moe: String,
    /// Confidence level in percent.
    #[serde(default = "default_level")]
    pub level: String,
    /// Design effect.
    #[serde(default = "default_one")]
    pub deff: String,
    /// Population size (empty: large).
    #[serde(default)]
    pub population: String,
    /// Expected response rate in percent.
    #[serde(default = "default_response")]
    pub response: String,
    /// Expected proportion in percent.
    #[serde(default = "default_p")]
    pub p: String,
}

fn default_moe() -> String {
    "5".into()
}
fn default_level() -> String {
    "95".into()
}
fn default_one() -> String {
    "1".into()
}
fn default_response() -> String {
    "100".into()
}
fn default_p() -> String {
    "50".into()
}

impl Default for SizeForm {
    fn default() -> Self {
        SizeForm {
            moe: default_moe(),
            level: default_level(),
            deff: default_one(),
            population: String::new(),
            response: default_response(),
            p: default_p(),
        }
    }
}

/// A number typed with a dot or a comma.
fn number(raw: &str) -> Option<f64> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

impl SizeForm {
    /// The plan and margin, or the fields in error.
    fn parse(&self) -> Result<(Plan, f64), Vec<(&'static str, &'static str)>> {
        let mut errs = vec![];
        let pct = |raw: &str, field: &'static str, errs: &mut Vec<_>, lo: f64| match number(raw) {
            Some(v) if v > lo && v <= 100.0 => v / 100.0,
            _ => {
                errs.push((field, "fieldwork-size-error-percent"));
                0.5
            }
        };
        let moe = pct(&self.moe, "moe", &mut errs, 0.0);
        let level = pct(&self.level, "level", &mut errs, 0.0);
        let response = pct(&self.response, "response", &mut errs, 0.0);
        let p = match number(&self.p) {
            Some(v) if (0.0..=100.0).contains(&v) => v / 100.0,
            _ => {
                errs.push(("p", "fieldwork-size-error-percent"));
                0.5
            }
        };
        let deff = match number(&self.deff) {
            Some(v) if v > 0.0 && v <= 100.0 => v,
            _ => {
                errs.push(("deff", "fieldwork-size-error-deff"));
                1.0
            }
        };
        let population = if self.population.trim().is_empty() {
            None
        } else {
            match number(&self.population.replace(['.', ' '], "")) {
                Some(v) if v >= 1.0 && v.fract() == 0.0 => Some(v),
                _ => {
                    errs.push(("population", "fieldwork-size-error-population"));
                    None
                }
            }
        };
        if level >= 1.0 {
            errs.push(("level", "fieldwork-size-error-percent"));
        }
        if errs.is_empty() {
            Ok((
                Plan {
                    target: Target::Proportion(p),
                    level,
                    deff,
                    population,
                    response_rate: response,
                },
                moe,
            ))
        } else {
            Err(errs)
        }
    }
}

/// The draw form.
#[derive(Clone, Debug, Deserialize)]
pub struct DrawForm {
    /// Frame id.
    #[serde(default)]
    pub frame: String,
    /// Method key.
    #[serde(default)]
    pub method: String,
    /// Cases (or clusters, two-stage).
    #[serde(default)]
    pub n: String,
    /// Two-stage: rows per cluster.
    #[serde(default)]
    pub per_cluster: String,
    /// Allocation key.
    #[serde(default)]
    pub allocation: String,
    /// Neyman and optimal: lines `stratum; sd; cost`.
    #[serde(default)]
    pub strata: String,
    /// Seed.
    #[serde(default)]
    pub seed: String,
    /// Release batches.
    #[serde(default)]
    pub replicates: String,
}

impl Default for DrawForm {
    fn default() -> Self {
        DrawForm {
            frame: String::new(),
            method: "srs".into(),
            n: String::new(),
            per_cluster: String::new(),
            allocation: "proportional".into(),
            strata: String::new(),
            seed: String::new(),
            replicates: "1".into(),
        }
    }
}

/// A sample as a line.
pub struct SampleLine {
    id: i64,
    frame: String,
    method: String,
    seed: i64,
    size: i64,
    created: String,
    /// `(batch, cases, released)`.
    batches: Vec<(i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/samples.html")]
struct SamplesTemplate {
    c: Chrome,
    survey_id: i64,
    frames: Vec<(i64, String)>,
    methods: Vec<(String, String)>,
    modes: Vec<(String, String)>,
    samples: Vec<SampleLine>,
    form: DrawForm,
    errors: Vec<String>,
    size: SizeForm,
    size_errors: Vec<(&'static str, String)>,
    /// `(label, value)` lines of the computed sample size.
    size_result: Vec<(String, String)>,
    /// `(stratum, frame rows, allocated)` for the chosen frame.
    allocation: Vec<(String, u64, u64)>,
}

fn method_label(tr: Tr, m: Method) -> String {
    tr.t(&format!("fieldwork-method-{}", m.key()))
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    form: DrawForm,
    errors: Vec<String>,
    size: SizeForm,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let frames = store::list_frames(&state.db, s.id).await?;
    let mut samples = vec![];
    for x in store::list_samples(&state.db, s.id).await? {
        samples.push(SampleLine {
            id: x.id,
            frame: frames
                .iter()
                .find(|f| f.id == x.frame_id)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            method: method_label(tr, x.method),
            seed: x.seed,
            size: x.size,
            created: crate::kit::time::show(x.created_at),
            batches: store::batches(&state.db, x.id).await?,
        });
    }
    let (size_errors, size_result) = match size.parse() {
        Err(errs) => (
            errs.into_iter().map(|(f, k)| (f, tr.t(k))).collect(),
            vec![],
        ),
        Ok((plan, moe)) => match planning::sample_size(&plan, moe) {
            Ok(r) => (
                vec![],
                vec![
                    (tr.t("fieldwork-size-n-srs"), format!("{:.1}", r.n_srs)),
                    (tr.t("fieldwork-size-n-deff"), format!("{:.1}", r.n_deff)),
                    (tr.t("fieldwork-size-n-fpc"), format!("{:.1}", r.n_fpc)),
                    (tr.t("fieldwork-size-completes"), r.completes.to_string()),
                    (tr.t("fieldwork-size-contacts"), r.contacts.to_string()),
                ],
            ),
            Err(e) => (vec![("moe", e.to_string())], vec![]),
        },
    };
    // The allocation of the draw form's n over the chosen frame's strata, when it can be made.
    let mut allocation = vec![];
    if let (Ok(Some(frame_id)), Some(n)) = (
        crate::kit::bounds::parse_id(&form.frame),
        form.n.trim().parse::<u64>().ok(),
    ) && frames.iter().any(|f| f.id == frame_id)
    {
        let rows = store::list_draw_rows(&state.db, frame_id).await?;
        let df = DrawFrame {
            strata: rows.iter().map(|r| r.stratum.clone()).collect(),
            ..Default::default()
        };
        let design = Design {
            method: Method::Stratified,
            n,
            per_cluster: 0,
            allocation: form.allocation.clone(),
            strata: parse_strata(&form.strata).unwrap_or_default(),
            seed: 0,
            replicates: 1,
        };
        if let Ok(a) = model::allocation(&df, &design) {
            for (name, k) in a {
                let count = df.strata.iter().filter(|x| **x == name).count() as u64;
                allocation.push((name, count, k));
            }
        }
    }
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(SamplesTemplate {
            c: auth
                .ctx
                .chrome_titled(format!("{} — {}", tr.t("fieldwork-samples-title"), s.title)),
            survey_id: s.id,
            frames: frames.iter().map(|f| (f.id, f.name.clone())).collect(),
            methods: Method::ALL
                .iter()
                .map(|m| (m.key().to_string(), method_label(tr, *m)))
                .collect(),
            modes: release_modes(tr),
            samples,
            form,
            errors,
            size,
            size_errors,
            size_result,
            allocation,
        }),
        failed,
    ))
}

fn release_modes(tr: Tr) -> Vec<(String, String)> {
    ["auto", "web", "email", "phone", "offline", "paper"]
        .iter()
        .map(|m| (m.to_string(), tr.t(&format!("fieldwork-release-mode-{m}"))))
        .collect()
}

/// `GET /surveys/{id}/fieldwork/samples`: samples, the draw form and the sample-size
/// calculator (its fields in the query).
pub async fn show_samples(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(size): Query<SizeForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    render(&state, &auth, &s, DrawForm::default(), vec![], size).await
}

/// Lines `stratum; sd; cost` (cost optional, 1 by default).
fn parse_strata(raw: &str) -> Result<BTreeMap<String, (f64, f64)>, usize> {
    let mut out = BTreeMap::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split([';', '\t']).map(str::trim).collect();
        let sd = parts.get(1).and_then(|v| number(v)).filter(|v| *v >= 0.0);
        let cost = match parts.get(2) {
            None => Some(1.0),
            Some(v) => number(v).filter(|v| *v > 0.0),
        };
        match (parts.first(), sd, cost) {
            (Some(name), Some(sd), Some(cost)) if !name.is_empty() && parts.len() <= 3 => {
                out.insert(crate::kit::text::one_line(name), (sd, cost));
            }
            _ => return Err(i + 1),
        }
    }
    Ok(out)
}

/// `POST /surveys/{id}/fieldwork/samples`: draws a sample from a frame into cases.
pub async fn draw_sample(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DrawForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let frame = match crate::kit::bounds::parse_id(&f.frame)? {
        Some(fid) => store::find_frame(&state.db, s.id, fid).await?,
        None => None,
    };
    if frame.is_none() {
        errors.push(tr.t("fieldwork-error-frame"));
    }
    let method = Method::parse(&f.method);
    if method.is_none() {
        errors.push(tr.t("fieldwork-error-method"));
    }
    let whole =
        |raw: &str, key: &'static str, errors: &mut Vec<String>| match raw.trim().parse::<u64>() {
            Ok(v) if v > 0 => v,
            _ => {
                errors.push(tr.t(key));
                0
            }
        };
    let n = whole(&f.n, "fieldwork-error-n", &mut errors);
    let per_cluster = if method == Some(Method::TwoStage) {
        whole(&f.per_cluster, "fieldwork-error-per-cluster", &mut errors)
    } else {
        0
    };
    let replicates = match f.replicates.trim().parse::<u32>() {
        Ok(v) if (1..=model::MAX_REPLICATES).contains(&v) => v,
        _ => {
            errors.push(tr.ta(
                "fieldwork-error-replicates",
                &[("value", f.replicates.trim().to_string())],
            ));
            1
        }
    };
    let seed = if f.seed.trim().is_empty() {
        // A fresh seed, kept with the sample so that the draw can be repeated.
        rand::random::<u32>() as u64
    } else {
        match f.seed.trim().parse::<i64>() {
            Ok(v) if v >= 0 => v as u64,
            _ => {
                errors.push(tr.t("fieldwork-error-seed"));
                0
            }
        }
    };
    let strata = match parse_strata(&f.strata) {
        Ok(s) => s,
        Err(line) => {
            errors.push(tr.ta("fieldwork-error-strata-line", &[("line", line.to_string())]));
            BTreeMap::new()
        }
    };
    let (Some(frame), Some(method), true) = (frame, method, errors.is_empty()) else {
        return render(&state, &auth, &s, f, errors, SizeForm::default()).await;
    };
    let design = Design {
        method,
        n,
        per_cluster,
        allocation: f.allocation.trim().to_string(),
        strata,
        seed,
        replicates,
    };
    let rows = store::list_draw_rows(&state.db, frame.id).await?;
    let df = DrawFrame {
        strata: rows.iter().map(|r| r.stratum.clone()).collect(),
        clusters: rows.iter().map(|r| r.cluster.clone()).collect(),
        sizes: rows.iter().map(|r| r.size).collect(),
    };
    let drawn = match model::draw_cases(&df, &design) {
        Ok(d) => d,
        Err(e) => {
            let msg = tr.ta(e.key, &[("value", e.detail.clone())]);
            return render(&state, &auth, &s, f, vec![msg], SizeForm::default()).await;
        }
    };
    let cases: Vec<store::NewCase> = drawn
        .iter()
        .map(|d| store::NewCase {
            frame_row_id: rows[d.index].id,
            unit_id: rows[d.index].unit_id,
            replicate: i64::from(d.replicate),
            prob: d.prob,
        })
        .collect();
    let params = serde_json::to_string(&design).map_err(|e| AppError::Internal(e.into()))?;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let sample_id = store::insert_sample(
        &mut tx,
        s.id,
        frame.id,
        method.key(),
        &params,
        seed as i64,
        i64::from(replicates),
        &cases,
        Some(auth.user.id),
        now,
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "survey.sample_draw")
        .object("survey_sample", sample_id)
        .unit(s.unit_id)
        .detail(json!({
            "survey": s.id,
            "frame": frame.id,
            "method": method.key(),
            "seed": seed,
            "cases": cases.len(),
            "replicates": replicates,
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/samples", s.id)).into_response())
}

/// The release form.
#[derive(Clone, Debug, Deserialize)]
pub struct ReleaseForm {
    /// Batch number.
    #[serde(default)]
    pub batch: String,
    /// `auto` (e-mail where there is an address, else telephone where there is a number, else
    /// web), `web`, `email` or `phone`.
    #[serde(default)]
    pub mode: String,
}

/// `POST /surveys/{id}/fieldwork/samples/{sid}/release`: releases a batch in a mode. Every case
/// of the batch gets the mode, or none does (a case without the contact the mode needs refuses
/// the release).
pub async fn release_batch(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, sid)): Path<(i64, i64)>,
    Form(f): Form<ReleaseForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let sample = store::find_sample(&state.db, s.id, sid)
        .await?
        .ok_or(AppError::NotFound)?;
    let batch = match f.batch.trim().parse::<i64>() {
        Ok(b) if (1..=sample.replicates).contains(&b) => b,
        _ => {
            let msg = tr.ta(
                "fieldwork-error-batch",
                &[("value", f.batch.trim().to_string())],
            );
            return render(
                &state,
                &auth,
                &s,
                DrawForm::default(),
                vec![msg],
                SizeForm::default(),
            )
            .await;
        }
    };
    let mode = f.mode.trim();
    if !["auto", "web", "email", "phone", "offline", "paper"].contains(&mode) {
        return Err(AppError::BadRequest("fieldwork-error-mode"));
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let rows = store::list_unreleased(&mut tx, sample.id, batch).await?;
    let mut by_mode: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
    let mut missing = 0usize;
    for r in &rows {
        let m = match mode {
            "auto" if r.has_email => CollectionMode::Email,
            "auto" if r.has_phone => CollectionMode::Phone,
            "auto" | "web" => CollectionMode::Web,
            "email" if r.has_email => CollectionMode::Email,
            "phone" if r.has_phone => CollectionMode::Phone,
            "offline" => CollectionMode::Offline,
            "paper" => CollectionMode::Paper,
            _ => {
                missing += 1;
                continue;
            }
        };
        by_mode.entry(m.key()).or_default().push(r.id);
    }
    let refusal = if missing > 0 {
        Some(tr.ta(
            &format!("fieldwork-error-release-missing-{mode}"),
            &[("n", missing.to_string())],
        ))
    } else if rows.is_empty() {
        Some(tr.ta(
            "fieldwork-error-batch-released",
            &[("value", batch.to_string())],
        ))
    } else {
        None
    };
    if let Some(msg) = refusal {
        drop(tx);
        return render(
            &state,
            &auth,
            &s,
            DrawForm::default(),
            vec![msg],
            SizeForm::default(),
        )
        .await;
    }
    for (m, ids) in &by_mode {
        store::release_cases(
            &mut tx,
            ids,
            m,
            Disposition::NotReturned.key(),
            Some(auth.user.id),
            now,
        )
        .await?;
    }
    store::reweight(&mut tx, sample.id).await?;
    audit::entry(&auth.ctx.actor(), "survey.sample_release")
        .object("survey_sample", sample.id)
        .unit(s.unit_id)
        .detail(json!({
            "survey": s.id,
            "batch": batch,
            "modes": by_mode.iter().map(|(m, ids)| (m.to_string(), ids.len())).collect::<BTreeMap<_, _>>(),
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork", s.id)).into_response())
}
