//! Opinion reporting (*báo cáo dư luận xã hội*): opinion streams (*luồng ý kiến*) reported by
//! collaborators and units, report types (*báo cáo định kỳ tháng/quý/năm, báo cáo nhanh,
//! chuyên đề, yêu cầu đột xuất*) with their assigned units and deadlines (*hạn nộp*, by default
//! before the 15th of the next month), reports following the skeleton (general mood → streams
//! grouped local/domestic/international → causes → forecast → recommendations), the review
//! workflow (draft → submitted → accepted, or returned with comments → locked; only the centre
//! reopens, with a reason), completeness and timeliness (DHIS2's definitions), and the
//! centre's synthesis workspace (*tổng hợp*) that merges the same stream from many units into a
//! city stream whose breadth counts the reporting units.
//!
//! Invariants: a stream never names who expressed an opinion (no such field; free text is checked
//! with `duluan_vitext::pii` and the user confirms flagged text); every state change of a report
//! is one transaction that also writes its event, and goes to the audit log; a locked report
//! (accepted, or past its lock date) refuses edits and submission; a report is unique per
//! (type, unit, period); a stream's client id makes a retried submission harmless; a city stream
//! exists only while at least one stream is merged into it. Completeness counts, for a type,
//! period range and subtree: expected = assigned units × periods, submitted = reports submitted or
//! accepted, on time = first submitted by the due date.
//!
//! Layout: `store/` (all its SQL, one file per sub-resource), `model/` (pure rules; streams' types
//! in `model/streams.rs`), `reports/` and `synthesis/` (pages, one file per sub-resource or
//! action), `pages.rs` (home and streams), `actions.rs` (one write function per action),
//! `attachments.rs`, `jobs.rs` (reminders) and `demo.rs` (demo data, [`load_demo`]).

pub mod actions;
pub mod attachments;
mod demo;
pub mod digest;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod reports;
pub mod store;
pub mod synthesis;

use chrono::Utc;

use crate::db::Db;

pub use demo::load_demo;

/// An opinion stream as evidence for another context (a hot spot): its unit and its topic with
/// the start of its summary, when it exists and `user` may read it there.
pub async fn stream_brief(
    state: &crate::app::AppState,
    user: &crate::accounts::model::CurrentUser,
    id: i64,
    tr: crate::web::i18n::Tr,
) -> crate::error::AppResult<Option<(i64, String)>> {
    let Some(s) = store::find_stream(&state.db, id).await? else {
        return Ok(None);
    };
    if !pages::may_read(state, user, s.unit_id).await? {
        return Ok(None);
    }
    let topic = store::list_topics(&state.db)
        .await?
        .into_iter()
        .find(|t| t.id == s.topic_id)
        .map(|t| match tr.lang() {
            crate::web::i18n::Lang::Vi => t.name_vi,
            crate::web::i18n::Lang::En => t.name_en,
        })
        .unwrap_or_default();
    let summary: String = s.summary.chars().take(200).collect();
    Ok(Some((s.unit_id, format!("{topic}: {}", summary.trim()))))
}

/// A unit's report as evidence for another context: its unit and its type, unit and period,
/// when it exists and `user` may read it there (as the report page allows).
pub async fn report_brief(
    db: &Db,
    user: &crate::accounts::model::CurrentUser,
    id: i64,
) -> crate::error::AppResult<Option<(i64, String)>> {
    use crate::accounts::model::Capability;
    let Some(r) = store::find_report(db, id).await? else {
        return Ok(None);
    };
    if !(crate::accounts::can(db, user, Capability::EditReports, r.unit_id).await?
        || crate::accounts::can(db, user, Capability::ViewReports, r.unit_id).await?)
    {
        return Ok(None);
    }
    let unit = crate::orgs::unit_names(db, &[r.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    Ok(Some((
        r.unit_id,
        format!("{} — {unit} — {}", r.type_name, r.period),
    )))
}

/// A report's attachment as evidence for another context (a hot spot): its report's unit and a
/// label naming the file and the report; `None` when it does not exist or `user` may not
/// download it (the same rule as the download).
pub async fn attachment_brief(
    db: &Db,
    user: &crate::accounts::model::CurrentUser,
    id: i64,
) -> crate::error::AppResult<Option<(i64, String)>> {
    let Some(a) = store::find_attachment(db, id).await? else {
        return Ok(None);
    };
    Ok(report_brief(db, user, a.report_id)
        .await?
        .map(|(unit, report)| (unit, format!("{} — {report}", a.file_name))))
}

/// Routes of the reporting pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/reporting", get(pages::show_home))
        .route("/reporting/streams", get(pages::list_streams))
        .route(
            "/reporting/streams/new",
            get(pages::show_new_stream).post(pages::create_stream),
        )
        .route("/reporting/streams/{id}", get(pages::show_stream))
        .route(
            "/reporting/types",
            get(reports::list_types).post(reports::create_type),
        )
        .route("/reporting/reports", get(reports::list_reports))
        .route("/reporting/reports/open", post(reports::open_report))
        .route(
            "/reporting/reports/{id}",
            get(reports::show_report).post(reports::update_report),
        )
        .route(
            "/reporting/reports/{id}/submit",
            post(reports::submit_report),
        )
        .route(
            "/reporting/reports/{id}/accept",
            post(reports::accept_report),
        )
        .route(
            "/reporting/reports/{id}/return",
            post(reports::return_report),
        )
        .route(
            "/reporting/reports/{id}/reopen",
            post(reports::reopen_report),
        )
        .route("/reporting/completeness", get(synthesis::show_completeness))
        .route("/reporting/synthesis", get(synthesis::show_synthesis))
        .route("/reporting/synthesis/merge", post(synthesis::merge_streams))
        .route("/reporting/synthesis/draft", get(synthesis::show_draft))
        .route(
            "/reporting/city-streams/{id}",
            post(synthesis::update_city_stream),
        )
        .route(
            "/reporting/city-streams/{id}/unmerge/{stream}",
            post(synthesis::unmerge_stream),
        )
        .route(
            "/reporting/reports/{id}/attachments",
            post(attachments::upload_attachment).layer(axum::extract::DefaultBodyLimit::max(
                model::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/reporting/attachments/{id}",
            get(attachments::download_attachment),
        )
        .route(
            "/reporting/attachments/{id}/delete",
            post(attachments::delete_attachment),
        )
        .route("/reporting/assets/reporting.css", get(stylesheet))
        .route(
            "/reporting/contacts",
            get(jobs::show_contacts).post(jobs::update_contacts),
        )
}

async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/reporting.css"),
    )
        .into_response()
}

/// The active topics of the taxonomy, in order (other contexts classify by these keys).
pub async fn topics(db: &Db) -> crate::error::AppResult<Vec<store::Topic>> {
    store::list_topics(db).await
}

/// An opinion stream as opinion monitoring takes it in.
#[derive(Clone, Debug)]
pub struct MonitoredStream {
    /// Stream id (increasing).
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Topic key.
    pub topic_key: String,
    /// Direction.
    pub direction: model::Direction,
    /// Summary, causes and forecast as one text.
    pub text: String,
    /// Creation time (unix seconds).
    pub created_at: i64,
}

/// Streams with an id above `after_id`, oldest first (at most `limit`).
pub async fn streams_for_monitoring(
    db: &Db,
    after_id: i64,
    limit: i64,
) -> crate::error::AppResult<Vec<MonitoredStream>> {
    Ok(store::list_streams_after(db, after_id, limit)
        .await?
        .into_iter()
        .map(|r| MonitoredStream {
            id: r.0,
            unit_id: r.1,
            topic_key: r.2,
            direction: r.3,
            text: [r.4, r.5, r.6]
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
            created_at: r.7.timestamp(),
        })
        .collect())
}

/// Streams by id as `(id, topic: summary)`, in the order given (those that exist), for another
/// context's page that links them (a briefing's opinions raised).
pub async fn stream_summaries(
    db: &Db,
    ids: &[i64],
    tr: crate::web::i18n::Tr,
) -> crate::error::AppResult<Vec<(i64, String)>> {
    let topics = store::list_topics(db).await?;
    let streams = store::list_streams_by_ids(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| streams.iter().find(|s| s.id == *id))
        .map(|s| {
            let topic = topics
                .iter()
                .find(|t| t.id == s.topic_id)
                .map(|t| match tr.lang() {
                    crate::web::i18n::Lang::Vi => t.name_vi.clone(),
                    crate::web::i18n::Lang::En => t.name_en.clone(),
                })
                .unwrap_or_default();
            (s.id, format!("{topic}: {}", s.summary))
        })
        .collect())
}

/// Creates a stream on behalf of another context (opinion monitoring turns an emerging stream
/// into one, a briefing records the opinions raised at it), with the same checks as the stream
/// form — personal data found in its free text included, refused unless the form confirms it
/// (`confirm_pii = "yes"`) — in the caller's transaction (which records the caller's action and
/// its audit entry); `Err` holds the form's field errors.
pub async fn create_stream(
    tx: &mut crate::db::Tx,
    form: &model::StreamForm,
    user_id: i64,
) -> crate::error::AppResult<Result<i64, Vec<model::FieldError>>> {
    let input = match form.parse() {
        Ok(i) => i,
        Err(errors) => return Ok(Err(errors)),
    };
    let warnings = model::personal_data(&form.free_text());
    if !warnings.is_empty() && form.confirm_pii != "yes" {
        return Ok(Err(warnings
            .iter()
            .map(|w| (w.field, "reporting-stream-error-pii"))
            .collect()));
    }
    let (id, _) = store::insert_stream(tx, &input, Some(user_id), Utc::now()).await?;
    Ok(Ok(id))
}
