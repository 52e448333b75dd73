//! Completeness and timeliness (DHIS2's definitions): totals, the unit × period grid with
//! drill-down, and the missing units.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Utc};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::accounts::require;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::reporting::model::{Period, Rates, ReportKind, parse_month};
use crate::reporting::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Query of the completeness page (parsed by `kit::bounds`: the range sizes the grid).
#[derive(Deserialize, Default)]
pub struct CompletenessQuery {
    #[serde(default, rename = "type")]
    type_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: String,
}

/// One row of the grid.
struct GridRow {
    unit_id: i64,
    name: String,
    /// `(css class, text, report id)` per period.
    cells: Vec<(String, String, Option<i64>)>,
    rates: Rates,
    /// The row sums several units: clicking drills down.
    group: bool,
}

/// The completeness page.
#[derive(Template)]
#[template(path = "reporting/completeness.html")]
struct CompletenessTemplate {
    c: Chrome,
    types: Vec<(i64, String)>,
    type_id: i64,
    from: String,
    to: String,
    unit_id: i64,
    unit_name: String,
    periods: Vec<String>,
    per_period: Vec<Rates>,
    total: Rates,
    rows: Vec<GridRow>,
    missing: Vec<(i64, String, Vec<String>)>,
    missing_count: usize,
}

impl CompletenessTemplate {
    fn pct(&self, v: f64) -> String {
        format!("{v:.1} %")
    }
}

/// The periods of a type between two months.
fn periods_of(kind: ReportKind, from: &str, to: &str) -> Vec<String> {
    let months = Period::months_between(from, to);
    match kind {
        ReportKind::Monthly => months,
        ReportKind::Quarterly => {
            let mut out: Vec<String> = months
                .iter()
                .filter_map(|m| parse_month(m))
                .map(|d| format!("{}-Q{}", d.year(), d.month0() / 3 + 1))
                .collect();
            out.dedup();
            out
        }
        ReportKind::Yearly => {
            let mut out: Vec<String> = months.iter().map(|m| m[..4].to_string()).collect();
            out.dedup();
            out
        }
        ReportKind::Thematic | ReportKind::AdHoc => vec!["once".into()],
        ReportKind::Quick => vec![],
    }
}

/// `GET /reporting/completeness`: expected, submitted, on time, rates, grid and missing units.
pub async fn show_completeness(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CompletenessQuery>,
) -> AppResult<Response> {
    let roots = auth.user.roots_with(Capability::ViewReports);
    // Every input is checked before any work: a range of 200 years is a 400, not a long grid.
    let type_id = bounds::parse_id(&q.type_id)?;
    let range = bounds::MonthRange::parse(&q.from, &q.to, Utc::now().date_naive(), 3)?;
    let unit_id = bounds::parse_id(&q.unit)?
        .or(roots.first().copied())
        .ok_or(AppError::Forbidden)?;
    require(&state.db, &auth.user, Capability::ViewReports, unit_id).await?;
    let types: Vec<_> = store::list_types(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.kind != ReportKind::Quick)
        .collect();
    let today = Utc::now().date_naive();
    let (from, to) = (range.first_month(), range.last_month());
    let unit_name = crate::orgs::unit_names(&state.db, &[unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let Some(t) = type_id
        .and_then(|id| types.iter().find(|t| t.id == id))
        .or(types.first())
        .cloned()
    else {
        return Ok(page(CompletenessTemplate {
            c: auth.ctx.chrome("reporting-completeness-title"),
            types: vec![],
            type_id: 0,
            from,
            to,
            unit_id,
            unit_name,
            periods: vec![],
            per_period: vec![],
            total: Rates::default(),
            rows: vec![],
            missing: vec![],
            missing_count: 0,
        }));
    };
    let kind = t.kind;
    let periods = periods_of(kind, &from, &to);
    // Expected units: assigned to the type and in the chosen subtree (as of today, with lineage).
    // Each is counted in the row of the chosen unit's child it lies under (or its own row).
    let subtree = crate::orgs::rollup(&state.db, unit_id, today).await?;
    let assigned: HashSet<i64> = store::list_type_units(&state.db, t.id)
        .await?
        .into_iter()
        .collect();
    let parent: HashMap<i64, Option<i64>> = subtree.iter().map(|u| (u.id, u.parent_id)).collect();
    let row_of = |mut id: i64| -> i64 {
        // Walk up to the child of the chosen unit (units reached only through lineage keep their own row).
        for _ in 0..64 {
            match parent.get(&id).copied().flatten() {
                Some(p) if p == unit_id => return id,
                Some(p) if parent.contains_key(&p) => id = p,
                _ => return id,
            }
        }
        id
    };
    // The expected units, indexed densely. Who sent each period (and on time) comes from one
    // query aggregated per period; the exact state and report id are fetched only for units shown
    // in their own row (a drill-down to leaves).
    let expected_units: Vec<&crate::orgs::model::Unit> = subtree
        .iter()
        .filter(|u| assigned.contains(&u.id))
        .collect();
    let index: HashMap<i64, usize> = expected_units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id, i))
        .collect();
    let np = periods.len();
    let mut codes = vec![store::CELL_NONE; expected_units.len() * np];
    let mut report_ids = vec![0i64; expected_units.len() * np];
    let period_index: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let (pfrom, pto) = (
        periods.first().cloned().unwrap_or_default(),
        periods.last().cloned().unwrap_or_default(),
    );
    for (p, sent, on_time) in store::list_period_senders(&state.db, t.id, &pfrom, &pto).await? {
        let Some(&pi) = period_index.get(p.as_str()) else {
            continue;
        };
        // Submitted (2), plus 1 when on time; the exact status is not needed here.
        for (ids, code) in [(&sent, 2), (&on_time, 3)] {
            for id in ids.split(',').filter_map(|x| x.parse::<i64>().ok()) {
                if let Some(&ui) = index.get(&id) {
                    codes[ui * np + pi] = code;
                }
            }
        }
    }
    let own: Vec<i64> = expected_units
        .iter()
        .filter(|u| row_of(u.id) == u.id)
        .map(|u| u.id)
        .collect();
    for (u, p, id, code) in store::list_unit_cells(&state.db, t.id, &own, &periods).await? {
        if let (Some(&ui), Some(&pi)) = (index.get(&u), period_index.get(p.as_str())) {
            codes[ui * np + pi] = code;
            report_ids[ui * np + pi] = id;
        }
    }
    let names: HashMap<i64, &str> = subtree.iter().map(|u| (u.id, u.name.as_str())).collect();
    let mut per_period = vec![Rates::default(); np];
    let mut total = Rates::default();
    let mut rows: Vec<GridRow> = vec![];
    let mut row_at: HashMap<i64, usize> = HashMap::new();
    // Per row and period: the rates of its units, and the unit's own cell (class, report id).
    type Member = (Rates, Option<(&'static str, i64)>);
    let mut members: Vec<Vec<Member>> = vec![];
    let mut missing = vec![];
    let mut missing_count = 0usize;
    for (ui, u) in expected_units.iter().enumerate() {
        let r = row_of(u.id);
        let ri = *row_at.entry(r).or_insert_with(|| {
            rows.push(GridRow {
                unit_id: r,
                name: names.get(&r).map(|n| n.to_string()).unwrap_or_default(),
                cells: vec![],
                rates: Rates::default(),
                group: r != u.id,
            });
            members.push(vec![Default::default(); np]);
            rows.len() - 1
        });
        if r != u.id {
            rows[ri].group = true;
        }
        let mut unit_missing = vec![];
        let mut any_missing = false;
        for (i, p) in periods.iter().enumerate() {
            let code = codes[ui * np + i];
            let (sent, on_time) = (store::cell_sent(code), store::cell_on_time(code));
            let m = &mut members[ri][i];
            for rates in [
                &mut m.0,
                &mut rows[ri].rates,
                &mut per_period[i],
                &mut total,
            ] {
                rates.expected += 1;
                rates.submitted += sent as i64;
                rates.on_time += on_time as i64;
            }
            if r == u.id {
                let class = if code == store::CELL_NONE {
                    "none"
                } else if on_time {
                    "on-time"
                } else if sent {
                    "late"
                } else {
                    store::cell_status(code)
                };
                m.1 = Some((class, report_ids[ui * np + i]));
            }
            if !sent {
                any_missing = true;
                // The list shows the first 300 units; the count covers all.
                if missing.len() < 300 {
                    unit_missing.push(p.clone());
                }
            }
        }
        if any_missing {
            missing_count += 1;
            if missing.len() < 300 {
                missing.push((u.id, u.name.clone(), unit_missing));
            }
        }
    }
    let tr = auth.ctx.tr;
    for (row, cols) in rows.iter_mut().zip(members) {
        row.cells = cols
            .into_iter()
            .map(|(r, own)| match own {
                Some((class, id)) if !row.group => {
                    let text = tr.t(&format!("reporting-completeness-cell-{class}"));
                    (class.to_string(), text, (id > 0).then_some(id))
                }
                _ => {
                    let class = if r.on_time == r.expected {
                        "on-time"
                    } else if r.submitted == r.expected {
                        "late"
                    } else {
                        "none"
                    };
                    (
                        class.to_string(),
                        format!("{}/{}", r.submitted, r.expected),
                        None,
                    )
                }
            })
            .collect();
    }
    Ok(page(CompletenessTemplate {
        c: auth.ctx.chrome("reporting-completeness-title"),
        types: types.iter().map(|t| (t.id, t.name.clone())).collect(),
        type_id: t.id,
        from,
        to,
        unit_id,
        unit_name,
        periods,
        per_period,
        total,
        rows,
        missing,
        missing_count,
    }))
}
