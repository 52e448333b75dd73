//! The figures of the dashboard's tiles for one unit, each read through its context's public
//! functions and only when the reader holds that context's capability at the unit.

use std::collections::HashMap;

use chrono::{Datelike, Utc};

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::AppResult;
use crate::monitoring::model::AlertStatus;
use crate::reporting::digest::SynthesisLine;
use crate::reporting::model::Direction;
use crate::web::ctx::Auth;

use super::charts::{self, Row};

/// An open alert.
pub struct AlertLine {
    /// Id.
    pub id: i64,
    /// Topic.
    pub topic: String,
    /// Unit.
    pub unit: String,
    /// When.
    pub at: String,
    /// Items in its hour.
    pub count: i64,
}

/// A topic's streams this month.
pub struct StreamLine {
    /// Topic id (the synthesis link).
    pub topic_id: i64,
    /// Topic.
    pub topic: String,
    /// Units that reported it this month.
    pub breadth: usize,
    /// The change from last month, written with its sign (`+2`, `−1`, `0`, or `mới`).
    pub change: String,
    /// The prevailing direction.
    pub direction: String,
    /// Its key (for the colour).
    pub direction_key: &'static str,
}

/// A report type's completeness this month.
pub struct CompletenessLine {
    /// Type id.
    pub type_id: i64,
    /// Name.
    pub name: String,
    /// Sent.
    pub sent: usize,
    /// Expected.
    pub expected: usize,
    /// On time.
    pub on_time: usize,
}

/// A survey in the field.
pub struct SurveyLine {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Completed interviews.
    pub complete: i64,
    /// Last day in the field, if set.
    pub until: String,
    /// A key figure: question, choice, share and interval, written.
    pub figure: Option<(String, String, String)>,
}

/// Everything the dashboard shows for one unit.
pub struct Tiles {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// This month, `YYYY-MM`.
    pub month: String,
    /// When gathered.
    pub at: String,
    /// Open alerts (newest first, at most 5) and how many are open; `None` without the
    /// capability.
    pub alerts: Option<(usize, Vec<AlertLine>)>,
    /// The month's leading streams by topic and their chart.
    pub streams: Option<(Vec<StreamLine>, String)>,
    /// This month's completeness and its chart.
    pub completeness: Option<(Vec<CompletenessLine>, String)>,
    /// Surveys in the field.
    pub surveys: Option<Vec<SurveyLine>>,
    /// The latest issued documents.
    pub documents: Option<Vec<crate::documents::Issued>>,
    /// Hot-spot tasks past their due day (at most 5 shown) and how many there are; `None`
    /// without the capability.
    pub overdue: Option<(usize, Vec<crate::hotspots::Overdue>)>,
}

fn direction_colour(d: Direction) -> &'static str {
    match d {
        Direction::Agree => "#2e7d32",
        Direction::Uneasy => "#8d8d2a",
        Direction::Worried => "#c77700",
        Direction::Indignant => "#c2410c",
        Direction::Oppose => "#b71c1c",
    }
}

/// Streams of a month grouped by topic: (topic id, topic, breadth, the direction most units
/// reported).
fn by_topic(lines: &[SynthesisLine]) -> Vec<(i64, String, usize, Direction)> {
    let mut map: Vec<(i64, String, usize, HashMap<Direction, usize>)> = vec![];
    for l in lines {
        let i = match map.iter().position(|m| m.0 == l.topic_id) {
            Some(i) => i,
            None => {
                map.push((l.topic_id, l.topic.clone(), 0, HashMap::new()));
                map.len() - 1
            }
        };
        map[i].2 += l.units.len();
        *map[i].3.entry(l.direction).or_default() += l.units.len();
    }
    let mut out: Vec<_> = map
        .into_iter()
        .map(|(id, topic, breadth, dirs)| {
            let dir = Direction::ALL
                .iter()
                .copied()
                .max_by_key(|d| (dirs.get(d).copied().unwrap_or(0), std::cmp::Reverse(*d)))
                .unwrap_or(Direction::Agree);
            (id, topic, breadth, dir)
        })
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    out
}

/// Gathers the tiles of `unit_id` for the reader.
pub async fn gather(state: &AppState, auth: &Auth, unit_id: i64) -> AppResult<Tiles> {
    let tr = auth.ctx.tr;
    let db = &state.db;
    let now = Utc::now();
    let today = crate::kit::time::vn_date(now);
    let month_start =
        chrono::NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let month = month_start.format("%Y-%m").to_string();
    let last = crate::kit::time::add_months(month_start, -1)
        .format("%Y-%m")
        .to_string();
    let unit = crate::orgs::unit_names(db, &[unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let may = |cap| can(db, &auth.user, cap, unit_id);

    let alerts = if may(Capability::ViewMonitoring).await? {
        let d = crate::monitoring::digest(
            db,
            tr,
            unit_id,
            now.timestamp() - 30 * 86_400,
            now.timestamp() + 1,
        )
        .await?;
        let open: Vec<_> = d
            .alerts
            .into_iter()
            .filter(|a| a.status != AlertStatus::Closed)
            .collect();
        Some((
            open.len(),
            open.into_iter()
                .take(5)
                .map(|a| AlertLine {
                    id: a.id,
                    topic: a.topic,
                    unit: a.unit,
                    at: crate::kit::time::show_unix_secs(a.created_at),
                    count: a.count,
                })
                .collect(),
        ))
    } else {
        None
    };

    let reports = may(Capability::ViewReports).await?;
    let streams = if reports {
        let now_lines =
            crate::reporting::digest::month_synthesis(db, tr, &[unit_id], &month).await?;
        let before: HashMap<i64, usize> =
            by_topic(&crate::reporting::digest::month_synthesis(db, tr, &[unit_id], &last).await?)
                .into_iter()
                .map(|(id, _, b, _)| (id, b))
                .collect();
        let lines: Vec<StreamLine> = by_topic(&now_lines)
            .into_iter()
            .take(8)
            .map(|(id, topic, breadth, dir)| StreamLine {
                topic_id: id,
                change: match before.get(&id) {
                    None => tr.t("dashboard-new"),
                    Some(b) if breadth > *b => format!("+{}", breadth - b),
                    Some(b) if breadth < *b => format!("−{}", b - breadth),
                    Some(_) => "0".into(),
                },
                topic,
                breadth,
                direction: tr.t(&dir.label_key()),
                direction_key: dir.key(),
            })
            .collect();
        let rows: Vec<Row> = lines
            .iter()
            .map(|l| Row {
                label: format!("{} · {}", l.topic, l.direction),
                value: l.breadth as f64,
                text: l.breadth.to_string(),
                colour: Direction::parse(l.direction_key).map(direction_colour),
            })
            .collect();
        let svg = charts::counts(&tr.t("dashboard-streams"), &rows);
        Some((lines, svg))
    } else {
        None
    };

    let completeness = if reports {
        let types = crate::reporting::digest::month_completeness(db, unit_id, &last, today).await?;
        let lines: Vec<CompletenessLine> = types
            .into_iter()
            .map(|t| CompletenessLine {
                type_id: t.type_id,
                name: t.name,
                sent: t.sent,
                expected: t.expected,
                on_time: t.on_time,
            })
            .collect();
        let rows: Vec<Row> = lines
            .iter()
            .map(|l| Row {
                label: l.name.clone(),
                value: if l.expected == 0 {
                    0.0
                } else {
                    l.sent as f64 / l.expected as f64
                },
                text: format!("{}/{}", l.sent, l.expected),
                colour: None,
            })
            .collect();
        let svg = charts::shares(&tr.t("dashboard-completeness"), &rows);
        Some((lines, svg))
    } else {
        None
    };

    let surveys = if may(Capability::ViewSurveyResults).await? {
        let units = crate::orgs::subtree_ids(db, &[unit_id]).await?;
        let mut out = vec![];
        for s in crate::surveys::surveys_of_units(db, &units).await? {
            if !s.accepts_on(today) || out.len() >= 3 {
                continue;
            }
            let complete = crate::surveys::complete_count(db, s.id).await?;
            let figure = if complete > 0 && crate::surveys::live_version(db, s.id).await?.is_some()
            {
                // A survey whose figures cannot be computed (say, a weighting that no longer
                // fits) loses its figure here, not the whole dashboard; its results page says why.
                match crate::surveys::results::figures(state, s.id, tr).await {
                    Ok(f) => key_figure(&f, tr),
                    Err(e) => {
                        tracing::warn!(survey = s.id, error = %e, "dashboard: no key figure");
                        None
                    }
                }
            } else {
                None
            };
            out.push(SurveyLine {
                id: s.id,
                until: s
                    .field_end
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                title: s.title,
                complete,
                figure,
            });
        }
        Some(out)
    } else {
        None
    };

    let documents = if reports {
        let units = crate::orgs::subtree_ids(db, &[unit_id]).await?;
        Some(crate::documents::latest_issued(db, &units, 5).await?)
    } else {
        None
    };

    let overdue = if can(db, &auth.user, Capability::ViewHotspots, unit_id).await? {
        let all = crate::hotspots::overdue_for(db, &auth.user, unit_id).await?;
        let n = all.len();
        Some((n, all.into_iter().take(5).collect()))
    } else {
        None
    };

    Ok(Tiles {
        overdue,
        unit_id,
        unit,
        month,
        at: crate::kit::time::show(now),
        alerts,
        streams,
        completeness,
        surveys,
        documents,
    })
}

/// The survey's key figure: the largest shown share of its first opinion question
/// (`Figures::opinion_questions`).
fn key_figure(
    f: &crate::surveys::results::Figures,
    tr: crate::web::i18n::Tr,
) -> Option<(String, String, String)> {
    let loc = crate::surveys::results::charts::Locale {
        decimal_comma: tr.lang() == crate::web::i18n::Lang::Vi,
        hidden: String::new(),
    };
    let r = f.opinion_questions().into_iter().next()?;
    let (line, (e, lo, hi)) = r
        .lines
        .iter()
        .filter_map(|l| l.value.map(|v| (l, v)))
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0))?;
    Some((
        r.label.clone(),
        line.label.clone(),
        format!("{} ({}–{})", loc.pct(e, 1), loc.pct(lo, 1), loc.pct(hi, 1)),
    ))
}
