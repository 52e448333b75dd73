//! The fieldwork monitor of a survey: released cases by disposition and mode, cases waiting in
//! reserve, completes per day, and the AAPOR Standard Definitions outcome rates per mode and
//! combined, with the eligibility estimate *e* of unknown cases shown and editable.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use duluan_stats::aapor::{self, Counts, Rates};
use serde::Deserialize;

use super::quotas::{self, pages::QuotaView};
use super::store;
use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{CollectionMode, Disposition};
use crate::surveys::visible_survey;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// The monitor's query: the eligibility estimate typed by the user (percent), if any.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MonitorQuery {
    /// *e* in percent; empty: estimated from the resolved cases.
    #[serde(default)]
    pub e: String,
}

/// One column of the rates table (a mode, or all modes).
pub struct RateColumn {
    /// Mode name, or "all".
    pub label: String,
    /// Cases counted.
    pub cases: f64,
    /// The rates, formatted, in [`RATE_NAMES`] order.
    pub values: Vec<String>,
}

/// The rates shown, in order.
pub const RATE_NAMES: [&str; 16] = [
    "RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2",
    "REF3", "CON1", "CON2", "CON3",
];

fn rate_values(r: &Rates) -> Vec<Option<f64>> {
    vec![
        r.rr1, r.rr2, r.rr3, r.rr4, r.rr5, r.rr6, r.coop1, r.coop2, r.coop3, r.coop4, r.ref1,
        r.ref2, r.ref3, r.con1, r.con2, r.con3,
    ]
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}", x * 100.0))
        .unwrap_or_else(|| "—".to_string())
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/monitor.html")]
struct MonitorTemplate {
    c: Chrome,
    survey_id: i64,
    can_design: bool,
    modes: Vec<String>,
    /// `(code, label, count per mode…, total)`.
    dispositions: Vec<(String, String, Vec<i64>, i64)>,
    unreleased: i64,
    per_day: Vec<(String, i64)>,
    rate_names: Vec<&'static str>,
    rates: Vec<RateColumn>,
    e_shown: String,
    e_estimated: String,
    e_error: Option<String>,
    quotas: Vec<QuotaView>,
    held: i64,
    /// Encrypted submissions received (not cases: they wait for decryption at export).
    encrypted: i64,
}

fn mode_label(tr: Tr, key: &str) -> String {
    tr.t(&format!("fieldwork-mode-{key}"))
}

/// `GET /surveys/{id}/fieldwork`.
pub async fn show_monitor(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<MonitorQuery>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let tr = auth.ctx.tr;
    let rows = store::count_released(&state.db, s.id).await?;
    // Counts per mode, and all modes together.
    let mut per_mode: BTreeMap<CollectionMode, Counts> = BTreeMap::new();
    let mut table: BTreeMap<Disposition, BTreeMap<CollectionMode, i64>> = BTreeMap::new();
    for (mode, disposition, n) in &rows {
        let cat = aapor::category(disposition.key())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("case disposition: {e}")))?;
        per_mode.entry(*mode).or_default().tally(cat, *n as f64);
        *table
            .entry(*disposition)
            .or_default()
            .entry(*mode)
            .or_default() += n;
    }
    let all: Counts = per_mode.values().fold(Counts::default(), |a, b| a + *b);
    let estimated = all.e_resolved();
    let (e, e_error) = if q.e.trim().is_empty() {
        (estimated.unwrap_or(1.0), None)
    } else {
        match q.e.trim().replace(',', ".").parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => (v / 100.0, None),
            _ => (
                estimated.unwrap_or(1.0),
                Some(tr.ta("fieldwork-error-e", &[("value", q.e.trim().to_string())])),
            ),
        }
    };
    let mut rates = vec![];
    let mut columns: Vec<(String, Counts)> = per_mode
        .iter()
        .map(|(m, c)| (mode_label(tr, m.key()), *c))
        .collect();
    columns.push((tr.t("fieldwork-all-modes"), all));
    for (label, counts) in columns {
        let r = counts
            .rates(e)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rates: {e}")))?;
        rates.push(RateColumn {
            label,
            cases: counts.total(),
            values: rate_values(&r).into_iter().map(percent).collect(),
        });
    }
    let modes: Vec<CollectionMode> = per_mode.keys().copied().collect();
    let dispositions = table
        .into_iter()
        .map(|(d, by)| {
            let counts: Vec<i64> = modes
                .iter()
                .map(|m| by.get(m).copied().unwrap_or(0))
                .collect();
            let total = counts.iter().sum();
            (d.key().to_string(), tr.t(&d.label_key()), counts, total)
        })
        .collect();
    // Counts rebuilt from the stored interviews, then shown.
    quotas::live::recount(&state.db, s.id).await?;
    let quota_list = store::list_quotas(&state.db, s.id).await?;
    let quotas = if quota_list.is_empty() {
        vec![]
    } else {
        // Frame values are shown as they are: only the questions' choices need their labels
        // (no read of every frame row).
        let dims = quotas::pages::question_dims(&state.db, &s, tr).await?;
        quotas::pages::quota_views(&quota_list, &dims, tr)
    };
    let per_day = store::completes_per_day(&state.db, s.id)
        .await?
        .into_iter()
        .map(|(d, n)| (d.format("%d/%m/%Y").to_string(), n))
        .collect();
    Ok(page(MonitorTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("fieldwork-monitor-title"), s.title)),
        survey_id: s.id,
        can_design: can(&state.db, &auth.user, Capability::DesignSurveys, s.unit_id).await?,
        modes: modes.iter().map(|m| mode_label(tr, m.key())).collect(),
        dispositions,
        unreleased: store::count_unreleased(&state.db, s.id).await?,
        per_day,
        rate_names: RATE_NAMES.to_vec(),
        rates,
        e_shown: format!("{:.1}", e * 100.0),
        e_estimated: percent(estimated),
        e_error,
        quotas,
        held: store::count_held(&state.db, s.id).await?,
        encrypted: crate::surveys::openrosa::encrypted::count_submissions(&state.db, s.id).await?,
    }))
}
