//! Surveys (*điều tra, thăm dò dư luận xã hội*): questionnaires (*phiếu hỏi*) in versions, the
//! survey that fields them, its cases (*trường hợp, mẫu*: a sample member, a one-time token or
//! an anonymous session) and their responses (*phiếu trả lời*).
//!
//! - A survey belongs to a unit (*đơn vị*); designers of that unit's subtree build it, survey
//!   staff see its responses, viewers see results only. It has a purpose relative to a policy
//!   (*trước / trong / sau khi ban hành chính sách*) and a wave number within a series: waves of
//!   the same questionnaire compare over time.
//! - Questionnaires are `duluan_forms::Form` JSON in `survey_versions`; a published version never
//!   changes, a new version is checked with `duluan_forms::version::check_new_version`.
//!   All logic (relevance, required, constraints, calculations, pages) is evaluated on the
//!   server by the forms engine; there is no second implementation.
//! - One case record serves the four modes (web, email, telephone, paper) with an AAPOR
//!   disposition. Responses are stored apart from contact data (cases hold only a reference).
//! - Invariants: a response id is client-generated or random, so a retry never duplicates; a
//!   submission is committed before it is acknowledged; partial responses stay partial; an
//!   anonymous survey keeps no IP address, and once a response is complete it keeps no link to
//!   a token, case or device, only the day of its times, and an id of its own (the in-progress
//!   row is deleted, not updated); staff never see its unfinished responses, which are deleted
//!   when abandoned (`jobs.rs`); anonymity cannot change once a response exists.
//! - One token, one response: a unique index on `survey_responses.case_id` and a completion
//!   that moves the case to "complete" only from another disposition, in one transaction.
//!
//! Layout, by sub-resource: `respondent/` (the respondent engine: a questionnaire page by page,
//! no HTTP type, shared by every collection mode), `collect/` (web collection: public link,
//! token, JSON submissions), `designer/` (XLSForm, the designer page, its edits, the preview),
//! `media.rs` (form media files of a version: CSV, XML, GeoJSON for selects from a file and
//! `pulldata`, and the engine of a version with them), `export/` (the export plan, streaming, CSV, SPSS dictionary and `.sav` writer), `responses.rs`
//! (the responses browser), `results/` (estimates with intervals, weighted by the sample's design,
//! small cells suppressed), `pages/` (survey pages: `list`, `show`, `actions`), `store/` (all SQL, one file per
//! sub-resource), `jobs.rs` (deleting abandoned anonymous partials), `demo.rs` (the demo's
//! survey and its questionnaire `demo_form.json`).

pub mod collect;
mod demo;
pub mod designer;
pub mod export;
pub mod fieldwork;
pub mod jobs;
pub mod media;
pub mod model;
pub mod openrosa;
pub mod pages;
pub mod paper;
pub mod ratelimit;
pub mod respondent;
pub mod responses;
pub mod results;
pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use duluan_forms::{Engine, Form, check_form};

use crate::accounts::model::Capability;
use crate::accounts::{can, require};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use model::Survey;

pub use demo::{demo_form, load_demo};

/// Routes of the survey pages: staff pages under `/surveys`, respondent pages under `/s/` (public
/// link) and `/t/` (one-time token).
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/surveys",
            get(pages::list_surveys).post(pages::create_survey),
        )
        .route("/surveys/assets/surveys.css", get(pages::stylesheet))
        .route("/surveys/assets/geo.js", get(pages::geo_script))
        .route("/surveys/{id}", get(pages::show_survey))
        .route("/surveys/{id}/edit", post(pages::update_survey))
        .route(
            "/surveys/{id}/import",
            post(designer::import_xlsform)
                .layer(axum::extract::DefaultBodyLimit::max(media::UPLOAD_LIMIT)),
        )
        .route(
            "/surveys/{id}/media",
            post(media::upload_media)
                .layer(axum::extract::DefaultBodyLimit::max(media::UPLOAD_LIMIT)),
        )
        .route("/surveys/{id}/media/delete", post(media::delete_media))
        .route("/surveys/{id}/xlsform", get(designer::export_xlsform))
        .route("/surveys/{id}/designer", get(designer::show_designer))
        .route(
            "/surveys/{id}/designer/check",
            post(designer::check_expression),
        )
        .route(
            "/surveys/{id}/designer/question",
            post(designer::save_question),
        )
        .route("/surveys/{id}/designer/choice", post(designer::add_choice))
        .route(
            "/surveys/{id}/designer/section",
            post(designer::add_section),
        )
        .route("/surveys/{id}/designer/delete", post(designer::delete_item))
        .route(
            "/surveys/{id}/designer/move",
            post(designer::move_designer_item),
        )
        .route(
            "/surveys/{id}/preview",
            get(designer::show_preview).post(designer::step_preview),
        )
        .route("/surveys/{id}/publish", post(pages::publish_version))
        .route("/surveys/{id}/new-version", post(pages::new_version))
        .route("/surveys/{id}/status", post(pages::change_status))
        .route("/surveys/{id}/tokens", post(pages::create_tokens))
        .route("/surveys/{id}/responses", get(responses::list_responses))
        .route(
            "/surveys/{id}/responses/{rid}",
            get(responses::show_response).post(responses::update_response),
        )
        .route(
            "/surveys/{id}/responses/{rid}/delete",
            post(responses::delete_response),
        )
        .route("/surveys/{id}/export/{file}", get(export::export_file))
        .route(
            "/s/{key}",
            get(collect::show_public).post(collect::step_public),
        )
        .route("/s/{key}/submissions", post(collect::submit_json))
        .route(
            "/t/{token}",
            get(collect::show_token).post(collect::step_token),
        )
        .merge(fieldwork::routes())
        .merge(openrosa::routes())
        .merge(paper::routes())
        .merge(results::routes())
}

/// A starter questionnaire for a new survey.
pub fn starter_form(series: &str, title: &str) -> Form {
    let json = serde_json::json!({
        "id": series, "version": "1", "title": title,
        "default_language": "Tiếng Việt (vi)",
        "items": [
            {"kind": "question", "name": "q1", "type": "text",
             "label": {"Tiếng Việt (vi)": "Câu hỏi thứ nhất", "English (en)": "First question"}}
        ],
        "choices": []
    });
    Form::from_json(&json.to_string()).expect("the starter form is valid")
}

/// The satisfaction-index questionnaire template (`templates/sipas.json`: access, procedure,
/// staff and result on 1–5 Likert scales, overall satisfaction, who answered and where), offered
/// for a new survey and used by the demo.
pub fn sipas_form() -> Form {
    Form::from_json(include_str!("templates/sipas.json")).expect("the template is valid JSON")
}

/// The engine of a form, built once per distinct form text (checked forms are cached).
pub fn engine_for(form_json: &str) -> AppResult<Arc<Engine>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Engine>>>> = OnceLock::new();
    let key = model::hash_secret(form_json);
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(e) = cache.lock().unwrap().get(&key) {
        return Ok(e.clone());
    }
    let form = Form::from_json(form_json)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored form unreadable: {e}")))?;
    let checked = check_form(&form).map_err(|d| {
        AppError::Internal(anyhow::anyhow!(
            "stored form does not check: {}",
            d.first()
                .map(|d| d.render(duluan_forms::Lang::En))
                .unwrap_or_default()
        ))
    })?;
    let engine = Arc::new(Engine::new(checked));
    let mut map = cache.lock().unwrap();
    if map.len() > 256 {
        map.clear();
    }
    map.insert(key, engine.clone());
    Ok(engine)
}

/// A survey as its public link fields it: the survey and, once a version is published, the
/// id of the latest published version with its engine.
#[derive(Clone)]
pub struct LiveSurvey {
    /// The survey.
    pub survey: Survey,
    /// The version respondents answer and its engine.
    pub version: Option<(i64, Arc<Engine>)>,
}

/// Bumped by every change to a survey or a version made through this process: it empties the
/// cache of [`live_by_key`].
static LIVE_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long [`live_by_key`] trusts what it read: a change made by another server on the same
/// database reaches submissions within this time (changes through this process at once).
const LIVE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Forgets every cached [`LiveSurvey`] (called by the store after each write to `surveys` or
/// `survey_versions`).
pub fn invalidate_live() {
    LIVE_GENERATION.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// The survey of a public link key with its live version and engine (`None` when the key is
/// unknown). Read at most once a
/// second per key and database, so that the submission path does not query the survey and
/// its versions for every request.
pub async fn live_by_key(db: &Db, key: &str) -> AppResult<Option<LiveSurvey>> {
    use std::sync::atomic::Ordering;
    use std::time::Instant;
    type Entry = (Instant, u64, Option<LiveSurvey>);
    static CACHE: OnceLock<Mutex<HashMap<(String, String), Entry>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let id = (store::db_key(db), key.to_string());
    let generation = LIVE_GENERATION.load(Ordering::SeqCst);
    if let Some((at, g, live)) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&id)
        && *g == generation
        && at.elapsed() < LIVE_TTL
    {
        return Ok(live.clone());
    }
    let live = match store::find_survey_by_key(db, key).await? {
        None => None,
        Some(survey) => {
            let version = match live_version(db, survey.id).await? {
                Some(v) => Some((v.id, media::engine_of(db, &v).await?)),
                None => None,
            };
            Some(LiveSurvey { survey, version })
        }
    };
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 1024 {
        map.clear();
    }
    map.insert(id, (Instant::now(), generation, live.clone()));
    Ok(live)
}

/// The survey `id` if the user may use `cap` at its unit (404 when it does not exist).
pub async fn survey_for(db: &Db, auth: &Auth, id: i64, cap: Capability) -> AppResult<Survey> {
    let survey = store::find_survey(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(db, &auth.user, cap, survey.unit_id).await?;
    Ok(survey)
}

/// The months (1–12, Vietnam time) of `year` in which a survey of `unit`'s subtree was created
/// (for the yearly work plan's "done").
pub async fn survey_months(db: &Db, unit: i64, year: i32) -> AppResult<Vec<u32>> {
    use chrono::Datelike;
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let (Some(from), Some(to)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Ok(vec![]);
    };
    let from = crate::kit::time::start_of_day(from);
    let to = crate::kit::time::start_of_day(to);
    Ok(store::list_created_between(db, &units, from, to)
        .await?
        .into_iter()
        .map(|t| crate::kit::time::vn_date(t).month())
        .collect())
}

/// The survey `id` if the user may see it at all (design, responses or results).
pub async fn visible_survey(db: &Db, auth: &Auth, id: i64) -> AppResult<Survey> {
    let survey = store::find_survey(db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    for cap in [
        Capability::DesignSurveys,
        Capability::ViewResponses,
        Capability::ViewSurveyResults,
    ] {
        if can(db, &auth.user, cap, survey.unit_id).await? {
            return Ok(survey);
        }
    }
    Err(AppError::Forbidden)
}

/// The latest published version of a survey (what respondents answer).
pub async fn live_version(db: &Db, survey_id: i64) -> AppResult<Option<model::Version>> {
    Ok(store::list_versions(db, survey_id)
        .await?
        .into_iter()
        .rfind(|v| v.published_at.is_some()))
}

/// Refuses to collect a version published with a public key (an encrypted form) in any mode but
/// offline collection: its answers must reach the server encrypted, which only devices do. Every
/// other collection path (public link, one-time tokens, JSON submissions, the telephone console,
/// paper batches) calls this on the version it would collect.
pub fn refuse_encrypted(engine: &Engine) -> AppResult<()> {
    if engine.form().form.public_key.is_some() {
        Err(AppError::Conflict("surveys-encrypted-offline-only"))
    } else {
        Ok(())
    }
}

/// The published version `version` of a survey (an OpenRosa device may hold an older one).
pub async fn published_version(
    db: &Db,
    survey_id: i64,
    version: &str,
) -> AppResult<Option<model::Version>> {
    Ok(store::list_versions(db, survey_id)
        .await?
        .into_iter()
        .find(|v| v.published_at.is_some() && v.version == version))
}

/// The draft version being designed, if any.
pub async fn draft_version(db: &Db, survey_id: i64) -> AppResult<Option<model::Version>> {
    Ok(store::list_versions(db, survey_id)
        .await?
        .into_iter()
        .find(|v| v.published_at.is_none()))
}

/// Complete responses of a survey (for other contexts: monitoring, analysis).
pub async fn complete_count(db: &Db, survey_id: i64) -> AppResult<i64> {
    store::count_complete(db, survey_id).await
}

/// The surveys owned by the given units, newest first (for other contexts: documents, the
/// dashboard; they check the reader's capability at each survey's unit).
pub async fn surveys_of_units(db: &Db, unit_ids: &[i64]) -> AppResult<Vec<Survey>> {
    store::list_surveys(db, unit_ids).await
}

/// One survey, whoever reads it (for other contexts, which check capabilities themselves).
pub async fn find_survey(db: &Db, id: i64) -> AppResult<Option<Survey>> {
    store::find_survey(db, id).await
}
