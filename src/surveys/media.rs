//! Form media files (*tệp phương tiện của biểu mẫu*): the CSV, XML and GeoJSON files a
//! questionnaire version reads (`select_one_from_file`, `select_multiple_from_file`,
//! `pulldata()`), kept per version in `survey_version_media` (0060).
//!
//! - Uploaded with the XLSForm import (several files in the same form) or added, replaced and
//!   removed on the survey's page while the version is a draft; a published version never
//!   changes (the store's statements check it) and a new version copies its files.
//! - Bounded before anything is parsed: at most [`MAX_MEDIA_FILES`] per version, each at most
//!   [`MAX_MEDIA_BYTES`] (read chunk by chunk and refused past it), a safe name; the content
//!   is checked by `duluan_forms::media::parse_media` (UTF-8 CSV with a header row, XML without
//!   a DTD, a GeoJSON FeatureCollection) and against the columns the questionnaire reads.
//! - A file the questionnaire names and the version lacks is a warning at import and an error
//!   at publishing, naming the file and the question.
//! - [`engine_of`] builds a version's engine with its parsed tables, once per form and set of
//!   files (cached by their hashes); a form that names no file never reads the table.
//! - The exports and the results treat a select from a file as a list of choices, the file's
//!   rows, within [`MAX_FILE_CODES`] and [`MAX_FILE_DUMMIES`] ([`file_list`],
//!   [`results_engine`]).
//!
//! Every change is audited (`survey.media`) in its own transaction.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Form;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::media::{MediaTable, check_media, parse_media};
use duluan_forms::{Engine, Lang};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::audit::model::Actor;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::model::Version;
use crate::surveys::pages::form_lang;
use crate::surveys::{draft_version, store, survey_for};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;

pub use duluan_forms::media::{MAX_MEDIA_BYTES, MAX_MEDIA_FILES};
pub use store::MediaFile;

/// The name a device's case list takes in every manifest: no media file may take it.
const RESERVED: &str = crate::surveys::openrosa::model::CASES_FILE;

/// Longest the media files of one request may take to check.
const CHECK_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// The body a request carrying media files may have: the app's limit (20 MB).
pub const UPLOAD_LIMIT: usize = crate::app::BODY_LIMIT;

/// A media file as uploaded.
pub struct Upload {
    /// Its file name.
    pub name: String,
    /// Its bytes (at most [`MAX_MEDIA_BYTES`]).
    pub bytes: Vec<u8>,
}

/// A media file checked: its row, its bytes and its table.
pub struct Checked {
    /// Name, size and hashes.
    pub file: MediaFile,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The file read as a table.
    pub table: MediaTable,
}

/// Reads one file field of a multipart body, refusing it as soon as it passes
/// [`MAX_MEDIA_BYTES`] (nothing more is read). `None` for an empty field (no file chosen).
pub async fn read_upload(mut field: Field<'_>, tr: Tr) -> Result<Option<Upload>, String> {
    let name = field.file_name().unwrap_or_default().to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|_| tr.t("surveys-error-upload"))?
    {
        if bytes.len() + chunk.len() > MAX_MEDIA_BYTES {
            return Err(tr.ta(
                "surveys-media-too-large",
                &[("file", name), ("max", (MAX_MEDIA_BYTES >> 20).to_string())],
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    if name.is_empty() && bytes.is_empty() {
        return Ok(None);
    }
    Ok(Some(Upload { name, bytes }))
}

fn lang_of(tr: Tr) -> Lang {
    form_lang(tr)
}

/// Checks uploaded files (names, duplicates, content), off the async workers; every problem
/// is a line naming its file.
pub async fn check_uploads(uploads: Vec<Upload>, tr: Tr) -> Result<Vec<Checked>, Vec<String>> {
    let lang = lang_of(tr);
    let mut errors = Vec::new();
    if uploads.len() > MAX_MEDIA_FILES {
        errors.push(tr.ta(
            "surveys-media-too-many",
            &[("max", MAX_MEDIA_FILES.to_string())],
        ));
        return Err(errors);
    }
    for (i, u) in uploads.iter().enumerate() {
        if u.name == RESERVED
            || duluan_forms::media::instance_id(&u.name) == duluan_forms::xform::CASE_INSTANCE
        {
            errors.push(tr.ta("surveys-media-reserved", &[("file", u.name.clone())]));
        }
        if uploads[..i].iter().any(|o| o.name == u.name) {
            errors.push(tr.ta("surveys-media-twice", &[("file", u.name.clone())]));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let read = crate::uploads::read_blocking(CHECK_TIME, move || {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for u in uploads {
            match parse_media(&u.name, &u.bytes) {
                Ok(table) => out.push(Checked {
                    file: MediaFile {
                        file_name: u.name,
                        size: u.bytes.len() as i64,
                        md5: hex::encode(<md5::Md5 as md5::Digest>::digest(&u.bytes)),
                        sha256: hex::encode(Sha256::digest(&u.bytes)),
                    },
                    bytes: u.bytes,
                    table,
                }),
                Err(e) => errors.push(e.render(lang).to_string()),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    })
    .await;
    match read {
        Ok(r) => r,
        Err(u) => Err(vec![crate::uploads::unfinished_text(tr, &u)]),
    }
}

/// The tables of a version's stored media files (each checked when it was stored).
pub async fn version_tables(db: &Db, version_id: i64) -> AppResult<BTreeMap<String, MediaTable>> {
    parse_tables(
        version_id,
        store::list_media_contents(db, version_id).await?,
    )
    .await
}

/// Parses stored files `(name, bytes)` off the async workers, within the check's time.
async fn parse_tables(
    version_id: i64,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<BTreeMap<String, MediaTable>> {
    if files.is_empty() {
        return Ok(BTreeMap::new());
    }
    let parsed = crate::uploads::read_blocking(CHECK_TIME, move || {
        let mut out = BTreeMap::new();
        for (name, bytes) in files {
            match parse_media(&name, &bytes) {
                Ok(t) => {
                    out.insert(name, t);
                }
                Err(e) => tracing::error!(file = %name, error = %e, "stored media file unreadable"),
            }
        }
        out
    })
    .await
    .map_err(|_| {
        AppError::Internal(anyhow::anyhow!(
            "media files of version {version_id} not read in time"
        ))
    })?;
    Ok(parsed)
}

/// What the questionnaire reads that the files lack: (missing files, missing columns), each a
/// line naming the file, the column and the question.
pub fn problems(
    form: &duluan_forms::Form,
    tables: &BTreeMap<String, MediaTable>,
    tr: Tr,
) -> (Vec<String>, Vec<String>) {
    let (mut files, mut columns) = (Vec::new(), Vec::new());
    for p in check_media(form, tables) {
        let (en, vi) = p.messages();
        let line = match lang_of(tr) {
            Lang::En => en,
            Lang::Vi => vi,
        };
        if p.column.is_some() {
            columns.push(line);
        } else {
            files.push(line);
        }
    }
    (files, columns)
}

/// True when a questionnaire may read media files (selects from a file, `pulldata`): a cheap
/// test on its JSON before any query.
fn may_read_media(form_json: &str) -> bool {
    form_json.contains("_from_file ") || form_json.contains("pulldata")
}

/// The engine of a version with its media files, built once per questionnaire and set of
/// files (the cache is keyed by their hashes, so a draft's replaced file is read anew).
pub async fn engine_of(db: &Db, v: &Version) -> AppResult<Arc<Engine>> {
    engine_of_version(db, v.id, &v.form_json).await
}

/// [`engine_of`] by the version's id and questionnaire.
pub async fn engine_of_version(
    db: &Db,
    version_id: i64,
    form_json: &str,
) -> AppResult<Arc<Engine>> {
    if !may_read_media(form_json) {
        return crate::surveys::engine_for(form_json);
    }
    let files = store::list_media(db, version_id).await?;
    let key = match cached(form_json, &files) {
        Cached::Plain => return crate::surveys::engine_for(form_json),
        Cached::Found(e) => return Ok(e),
        Cached::Missing(key) => key,
    };
    let contents = store::list_media_contents(db, version_id).await?;
    let tables = parse_tables(version_id, contents).await?;
    keep(key, form_json, tables)
}

/// [`engine_of`] for a version read in the caller's transaction (a paper sheet landing).
pub async fn engine_in(tx: &mut Tx, version_id: i64, form_json: &str) -> AppResult<Arc<Engine>> {
    if !may_read_media(form_json) {
        return crate::surveys::engine_for(form_json);
    }
    let files = store::list_media_in(tx, version_id).await?;
    let key = match cached(form_json, &files) {
        Cached::Plain => return crate::surveys::engine_for(form_json),
        Cached::Found(e) => return Ok(e),
        Cached::Missing(key) => key,
    };
    let contents = store::list_media_contents_in(tx, version_id).await?;
    let tables = parse_tables(version_id, contents).await?;
    keep(key, form_json, tables)
}

/// What the engine cache holds for a questionnaire and its files.
enum Cached {
    /// No file: the engine of the questionnaire alone.
    Plain,
    /// Built before.
    Found(Arc<Engine>),
    /// To build, under this key.
    Missing(String),
}

fn engine_cache() -> &'static Mutex<HashMap<String, Arc<Engine>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Engine>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cached(form_json: &str, files: &[store::MediaFile]) -> Cached {
    if files.is_empty() {
        return Cached::Plain;
    }
    let mut key_text = form_json.to_string();
    for f in files {
        key_text.push_str(&format!("\n{}:{}", f.file_name, f.sha256));
    }
    let key = crate::surveys::model::hash_secret(&key_text);
    match engine_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        Some(e) => Cached::Found(e.clone()),
        None => Cached::Missing(key),
    }
}

fn keep(
    key: String,
    form_json: &str,
    tables: BTreeMap<String, MediaTable>,
) -> AppResult<Arc<Engine>> {
    let base = crate::surveys::engine_for(form_json)?;
    let engine = Arc::new(Engine::with_media(base.form().clone(), tables));
    let mut map = engine_cache().lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 64 {
        map.clear();
    }
    map.insert(key, engine.clone());
    Ok(engine)
}

/// Most rows of a `select_one_from_file` list that the exports (value labels) and the results
/// (a table of choices) treat as a list of choices; a longer one stays a value typed in.
pub const MAX_FILE_CODES: usize = 2_000;
/// Most rows of a `select_multiple_from_file` list treated as choices (one 0/1 column each in
/// the exports); a longer one is exported as the values chosen and left out of the results.
pub const MAX_FILE_DUMMIES: usize = 100;

/// The rows of the select from a file at node `id` as the exports and the results use them:
/// `None` when its file was not given, has no row or more than the limit, or repeats a value.
pub fn file_list(engine: &Engine, id: u32, multiple: bool) -> Option<&[duluan_forms::Choice]> {
    let limit = if multiple {
        MAX_FILE_DUMMIES
    } else {
        MAX_FILE_CODES
    };
    let choices = engine.file_choices(id)?.choices.as_slice();
    let mut seen = std::collections::HashSet::new();
    (!choices.is_empty()
        && choices.len() <= limit
        && choices.iter().all(|c| seen.insert(c.name.as_str())))
    .then_some(choices)
}

/// A version's engine for the results pages (tables, charts, crosstabs, weighting, waves, the
/// index and the R script): each select from a file that [`file_list`] accepts becomes an
/// ordinary select over its file's rows (its choice filter and parameters dropped: the results
/// count answers, they do not offer choices), so that it is counted as any choice question.
/// The version's own engine when it has no such select, or if the rewritten form did not check.
pub async fn results_engine(db: &Db, v: &Version) -> AppResult<Arc<Engine>> {
    let engine = engine_of(db, v).await?;
    if engine.media_files().next().is_none() {
        return Ok(engine);
    }
    // Once per engine of a version with files: the pages ask on every request.
    type Pairs = Mutex<Vec<(Arc<Engine>, Arc<Engine>)>>;
    static REWRITTEN: OnceLock<Pairs> = OnceLock::new();
    let rewritten = REWRITTEN.get_or_init(|| Mutex::new(Vec::new()));
    if let Some((_, e)) = rewritten
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(from, _)| Arc::ptr_eq(from, &engine))
    {
        return Ok(e.clone());
    }
    let made = rewrite_file_selects(&engine, v.id);
    let mut pairs = rewritten.lock().unwrap_or_else(|e| e.into_inner());
    if pairs.len() >= 64 {
        pairs.remove(0);
    }
    pairs.push((engine, made.clone()));
    Ok(made)
}

/// [`results_engine`]'s rewriting of `engine`'s selects from a file (`version`: for the log).
fn rewrite_file_selects(engine: &Arc<Engine>, version: i64) -> Arc<Engine> {
    use duluan_forms::{ChoiceList, Item, Question, QuestionType};
    fn walk(items: &mut [Item], f: &mut dyn FnMut(&mut Question)) {
        for item in items {
            match item {
                Item::Question(q) => f(q),
                Item::Group(g) => walk(&mut g.items, f),
            }
        }
    }
    let checked = engine.form();
    let mut form = checked.form.clone();
    let mut lists = Vec::new();
    walk(&mut form.items, &mut |q| {
        let multiple = match &q.kind {
            QuestionType::SelectOneFromFile(_) => false,
            QuestionType::SelectMultipleFromFile(_) => true,
            _ => return,
        };
        let Some(choices) = checked
            .by_name
            .get(&q.name)
            .and_then(|&id| file_list(engine, id, multiple))
        else {
            return;
        };
        let name = format!("_file_{}", q.name);
        lists.push(ChoiceList {
            name: name.clone(),
            choices: choices.to_vec(),
        });
        q.kind = if multiple {
            QuestionType::SelectMultiple(name)
        } else {
            QuestionType::SelectOne(name)
        };
        q.choice_filter = None;
        q.parameters = None;
    });
    if lists.is_empty() {
        return engine.clone();
    }
    form.choices.extend(lists);
    match crate::surveys::engine_for(&form.to_json()) {
        Ok(e) => e,
        Err(err) => {
            tracing::warn!(version, error = %err, "results without the lists of the form's files");
            engine.clone()
        }
    }
}

/// Stores checked files on a draft version (adding or replacing by name) within the caller's
/// transaction, refusing past [`MAX_MEDIA_FILES`]; returns what the audit entry records.
pub async fn store_in(
    tx: &mut Tx,
    version_id: i64,
    files: &[Checked],
) -> AppResult<Vec<serde_json::Value>> {
    let now = Utc::now();
    let mut recorded = Vec::new();
    for c in files {
        store::upsert_media(tx, version_id, &c.file, &c.bytes, now).await?;
        recorded
            .push(json!({"file": c.file.file_name, "size": c.file.size, "sha256": c.file.sha256}));
    }
    if store::list_media_in(tx, version_id).await?.len() > MAX_MEDIA_FILES {
        return Err(AppError::BadRequest("surveys-media-too-many-stored"));
    }
    Ok(recorded)
}

/// Copies a version's files to a new draft (`new_version`), in its transaction.
pub async fn copy_in(tx: &mut Tx, from: i64, to: i64) -> AppResult<u64> {
    store::copy_media(tx, from, to, Utc::now()).await
}

/// The audit entry of a change to a version's files.
pub async fn audit_in(
    tx: &mut Tx,
    actor: &Actor,
    survey: &crate::surveys::model::Survey,
    version: &Version,
    detail: serde_json::Value,
) -> AppResult<()> {
    let mut d = json!({"version": version.version});
    if let (Some(o), serde_json::Value::Object(extra)) = (d.as_object_mut(), detail) {
        o.extend(extra);
    }
    audit::entry(actor, "survey.media")
        .object("survey", survey.id)
        .unit(survey.unit_id)
        .detail(d)
        .write(tx)
        .await
}

async fn refuse_with(
    state: &AppState,
    auth: &Auth,
    s: crate::surveys::model::Survey,
    status: StatusCode,
    lines: Vec<String>,
) -> AppResult<Response> {
    let mut errors = vec![auth.ctx.tr.t("surveys-media-failed")];
    errors.extend(lines);
    let mut r = crate::surveys::pages::render_show_errors(state, auth, s, errors).await?;
    *r.status_mut() = status;
    Ok(r)
}

/// `POST /surveys/{id}/media`: adds files (field `media`, several) to the draft version or
/// replaces those of the same name; all or nothing.
pub async fn upload_media(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let draft = draft_version(&state.db, id)
        .await?
        .ok_or(AppError::Conflict("surveys-error-no-draft"))?;
    let mut uploads = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("surveys-error-upload"))?
    {
        if field.name() != Some("media") {
            continue;
        }
        match read_upload(field, tr).await {
            Ok(Some(u)) => uploads.push(u),
            Ok(None) => {}
            Err(e) => {
                return refuse_with(&state, &auth, s, StatusCode::PAYLOAD_TOO_LARGE, vec![e]).await;
            }
        }
    }
    if uploads.is_empty() {
        return Err(AppError::BadRequest("surveys-media-none"));
    }
    let checked = match check_uploads(uploads, tr).await {
        Ok(c) => c,
        Err(lines) => return refuse_with(&state, &auth, s, StatusCode::BAD_REQUEST, lines).await,
    };
    // The columns the draft reads must be in the files as they will be.
    let form = duluan_forms::Form::from_json(&draft.form_json)
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut tables = version_tables(&state.db, draft.id).await?;
    for c in &checked {
        tables.insert(c.file.file_name.clone(), c.table.clone());
    }
    let (_, columns) = problems(&form, &tables, tr);
    if !columns.is_empty() {
        return refuse_with(&state, &auth, s, StatusCode::UNPROCESSABLE_ENTITY, columns).await;
    }
    let mut tx = state.db.begin().await?;
    let recorded = store_in(&mut tx, draft.id, &checked).await?;
    audit_in(
        &mut tx,
        &auth.ctx.actor(),
        &s,
        &draft,
        json!({"added": recorded}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}#media")).into_response())
}

/// Fields of the remove form.
#[derive(Deserialize)]
pub struct RemoveForm {
    name: String,
}

/// `POST /surveys/{id}/media/delete`: removes a file of the draft version.
pub async fn delete_media(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<RemoveForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let draft = draft_version(&state.db, id)
        .await?
        .ok_or(AppError::Conflict("surveys-error-no-draft"))?;
    let mut tx = state.db.begin().await?;
    if !store::delete_media(&mut tx, draft.id, &f.name).await? {
        return Err(AppError::NotFound);
    }
    audit_in(
        &mut tx,
        &auth.ctx.actor(),
        &s,
        &draft,
        json!({"removed": f.name}),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{id}#media")).into_response())
}
