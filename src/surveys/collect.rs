//! Web collection (*thu thập trực tuyến*): the respondent's pages for an anonymous public link
//! (`/s/{key}`, resumed on the same device by a cookie) and for one-time tokens (`/t/{token}`),
//! page by page with every rule evaluated on the server by the forms engine, and the JSON
//! submission endpoint (`POST /s/{key}/submissions`) with client-generated ids.
//!
//! Respondent pages load nothing from outside, carry no tracking and never store the address;
//! the public endpoints are rate-limited per address.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use duluan_forms::{Engine, Evaluation, Mode, Options, Page, QuestionType, Record};
use serde_json::json;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::{
    self, CollectionMode, Survey, Version, field_name, hash_secret, new_secret, set_answer,
};
use crate::surveys::store::{self, NewResponse, Stored};
use crate::surveys::{engine_for, live_version};
use crate::web::ctx::{Ctx, cookie};
use crate::web::i18n::Tr;
use crate::web::layout::RenderPage;

/// Name of the cookie that resumes an anonymous-link response on the same device.
pub const RESUME_COOKIE: &str = "duluan_resume";

/// One choice as shown.
pub struct ChoiceLine {
    /// Value stored.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected now.
    pub checked: bool,
    /// Element id.
    pub id: String,
}

/// One question as shown.
pub struct QuestionLine {
    /// Field name in the posted form.
    pub field: String,
    /// Input kind: `text`, `textarea`, `integer`, `decimal`, `date`, `time`, `datetime`,
    /// `one`, `dropdown`, `many`, `note`, `ack`.
    pub input: &'static str,
    /// Label.
    pub label: String,
    /// Hint.
    pub hint: String,
    /// Current value.
    pub value: String,
    /// Required.
    pub required: bool,
    /// Read-only.
    pub read_only: bool,
    /// Error shown beside it.
    pub error: Option<String>,
    /// Choices.
    pub choices: Vec<ChoiceLine>,
    /// A rank question: the choice at each position (empty when not ranked yet), one select
    /// per position.
    pub ranks: Vec<String>,
}

/// "Add another" and "remove" for an instance of a repeat whose number of instances the
/// respondent decides (no `repeat_count`).
pub struct RepeatControls {
    /// The repeat's title.
    pub label: String,
    /// Button value adding an instance after this one: `add:NAME:0.1`.
    pub add: String,
    /// Button value removing this instance: `remove:NAME:0.1`.
    pub remove: String,
    /// More than one instance exists (the last one stays).
    pub can_remove: bool,
}

/// A page as shown.
pub struct StepView {
    /// Page id.
    pub page_id: String,
    /// Group title.
    pub title: String,
    /// The questions.
    pub questions: Vec<QuestionLine>,
    /// A previous page exists.
    pub has_prev: bool,
    /// No relevant page follows.
    pub is_last: bool,
    /// Position among the relevant pages, 1-based.
    pub position: usize,
    /// Number of relevant pages.
    pub total: usize,
    /// Add and remove buttons when the page belongs to an instance of an open repeat.
    pub repeat: Option<RepeatControls>,
}

fn input_of(kind: &QuestionType, appearance: Option<&str>) -> &'static str {
    let app = appearance.unwrap_or("");
    match kind {
        QuestionType::Text if app.contains("multiline") => "textarea",
        QuestionType::Integer => "integer",
        QuestionType::Decimal => "decimal",
        QuestionType::Date => "date",
        QuestionType::Time => "time",
        QuestionType::DateTime => "datetime",
        QuestionType::SelectOne(_) if app.contains("minimal") => "dropdown",
        QuestionType::SelectOne(_) | QuestionType::Range => "one",
        QuestionType::SelectMultiple(_) => "many",
        QuestionType::Rank(_) => "rank",
        QuestionType::Note => "note",
        QuestionType::Acknowledge => "ack",
        _ => "text",
    }
}

/// The page `page_id` of an evaluation, as shown; issues only when `show_issues`.
pub fn build_step(
    engine: &Engine,
    eval: &Evaluation,
    page_id: &str,
    show_issues: bool,
) -> StepView {
    let relevant: Vec<&str> = eval
        .pages
        .iter()
        .filter(|p| p.relevant)
        .map(|p| p.id.as_str())
        .collect();
    let position = relevant.iter().position(|p| *p == page_id).unwrap_or(0) + 1;
    let page = eval.pages.iter().find(|p| p.id == page_id);
    let mut questions = Vec::new();
    if let Some(page) = page {
        for &i in &page.questions {
            let q = &eval.questions[i];
            if !q.relevant || !q.kind.is_shown() {
                continue;
            }
            let appearance = engine
                .form()
                .by_name
                .get(&q.name)
                .and_then(|&id| engine.form().question(id))
                .and_then(|qq| qq.appearance.clone());
            let field = field_name(&q.name, &q.instance);
            let input = input_of(&q.kind, appearance.as_deref());
            let mut choices: Vec<ChoiceLine> = q
                .choices
                .iter()
                .enumerate()
                .map(|(k, c)| ChoiceLine {
                    checked: if input == "many" {
                        q.value.split(' ').any(|v| v == c.name)
                    } else {
                        q.value == c.name
                    },
                    value: c.name.clone(),
                    label: c.label.clone(),
                    id: format!("{}-{k}", field.replace('.', "-")),
                })
                .collect();
            if matches!(q.kind, QuestionType::Range) {
                let (start, end, step) = engine
                    .form()
                    .node(&q.name)
                    .and_then(|n| n.range)
                    .unwrap_or((1.0, 5.0, 1.0));
                let mut v = start;
                let mut k = 0;
                while v <= end + 1e-9 && k < 100 {
                    let s = if v.fract() == 0.0 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    };
                    choices.push(ChoiceLine {
                        checked: q.value == s,
                        id: format!("{}-{k}", field.replace('.', "-")),
                        label: s.clone(),
                        value: s,
                    });
                    v += step.max(1e-6);
                    k += 1;
                }
            }
            let ranks = if input == "rank" {
                let mut r: Vec<String> = q.value.split_whitespace().map(str::to_string).collect();
                r.resize(q.choices.len().max(r.len()), String::new());
                r
            } else {
                Vec::new()
            };
            questions.push(QuestionLine {
                field,
                input,
                label: q.label.clone(),
                hint: q.hint.clone(),
                value: if input == "datetime" {
                    q.value.chars().take(16).collect()
                } else {
                    q.value.clone()
                },
                required: q.required,
                read_only: q.read_only,
                error: if show_issues {
                    q.issue.as_ref().map(|i| i.message.clone())
                } else {
                    None
                },
                choices,
                ranks,
            });
        }
    }
    let repeat = page.and_then(|p| repeat_controls(engine, eval, p));
    StepView {
        page_id: page_id.to_string(),
        title: page.map(|p| p.title.clone()).unwrap_or_default(),
        questions,
        has_prev: position > 1,
        is_last: eval.next_page(Some(page_id)).is_none(),
        position,
        total: relevant.len(),
        repeat,
    }
}

/// The innermost repeat without `repeat_count` holding the questions of `page`, with the
/// instance key of the page: `(repeat node id, key)`.
fn open_repeat_of(engine: &Engine, eval: &Evaluation, page: &Page) -> Option<(u32, Vec<u32>)> {
    let form = engine.form();
    let q = page.questions.first().map(|&i| &eval.questions[i])?;
    let node = form.node(&q.name)?;
    let &rid = node.repeats.last()?;
    let open = form.group(rid).is_some_and(|g| g.repeat_count.is_none());
    let depth = node.repeats.len();
    (open && q.instance.len() == depth).then(|| (rid, q.instance.clone()))
}

fn repeat_controls(engine: &Engine, eval: &Evaluation, page: &Page) -> Option<RepeatControls> {
    let (rid, key) = open_repeat_of(engine, eval, page)?;
    let form = engine.form();
    let name = &form.nodes[rid as usize].name;
    // A one-page repeat's page carries its title in the respondent's language; otherwise the
    // title in the questionnaire's default language.
    let label = Some(page.title.clone())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            form.group(rid).and_then(|g| {
                g.label
                    .get("", form.form.default_language.as_deref())
                    .map(str::to_string)
            })
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| name.clone());
    let parent = &key[..key.len() - 1];
    let count = eval
        .questions
        .iter()
        .filter(|q| {
            form.node(&q.name)
                .is_some_and(|n| n.repeats.len() == key.len() && n.repeats.last() == Some(&rid))
                && q.instance.starts_with(parent)
        })
        .map(|q| q.instance[key.len() - 1])
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let path = key
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(".");
    Some(RepeatControls {
        label,
        add: format!("add:{name}:{path}"),
        remove: format!("remove:{name}:{path}"),
        can_remove: count > 1,
    })
}

/// The instances of the repeat `rid` under the instance `parent` of its enclosing repeats.
fn instances_mut<'a>(
    form: &duluan_forms::check::CheckedForm,
    record: &'a mut Record,
    rid: u32,
    parent: &[u32],
) -> Option<&'a mut Vec<Record>> {
    let node = &form.nodes[rid as usize];
    if node.repeats.len() != parent.len() {
        return None;
    }
    let mut current = record;
    for (r, &i) in node.repeats.iter().zip(parent) {
        let name = &form.nodes[*r as usize].name;
        match current.get_mut(name) {
            Some(duluan_forms::Answer::Repeat(v)) => current = v.get_mut(i as usize)?,
            _ => return None,
        }
    }
    let entry = current
        .entry(node.name.clone())
        .or_insert_with(|| duluan_forms::Answer::Repeat(Vec::new()));
    match entry {
        duluan_forms::Answer::Repeat(v) => Some(v),
        duluan_forms::Answer::Value(_) => None,
    }
}

/// Gives every repeat without `repeat_count` that was never answered one empty instance, so
/// that the respondent sees it (and can add more or remove it down to one).
pub fn ensure_open_repeats(form: &duluan_forms::check::CheckedForm, record: &mut Record) {
    fn walk(items: &[duluan_forms::Item], record: &mut Record) {
        for it in items {
            let duluan_forms::Item::Group(g) = it else {
                continue;
            };
            if !g.repeat {
                walk(&g.items, record);
                continue;
            }
            if g.repeat_count.is_none() && !record.contains_key(&g.name) {
                record.insert(
                    g.name.clone(),
                    duluan_forms::Answer::Repeat(vec![Record::new()]),
                );
            }
            if let Some(duluan_forms::Answer::Repeat(instances)) = record.get_mut(&g.name) {
                for inst in instances {
                    walk(&g.items, inst);
                }
            }
        }
    }
    walk(&form.form.items, record);
}

/// Adds an instance after, or removes, the instance `path` (`0.2`) of the open repeat `name`;
/// returns the instance key to show next. Only repeats without `repeat_count`; at most 200
/// instances; the last instance is never removed.
fn change_repeat(
    form: &duluan_forms::check::CheckedForm,
    record: &mut Record,
    name: &str,
    path: &str,
    add: bool,
) -> Option<Vec<u32>> {
    let &rid = form.by_name.get(name)?;
    if form.nodes[rid as usize].kind != duluan_forms::check::NodeKind::Repeat
        || form.group(rid).is_none_or(|g| g.repeat_count.is_some())
    {
        return None;
    }
    let key: Vec<u32> = path
        .split('.')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    let (&own, parent) = key.split_last()?;
    let instances = instances_mut(form, record, rid, parent)?;
    let own = own as usize;
    if own >= instances.len() {
        return None;
    }
    let next = if add {
        if instances.len() >= 200 {
            return None;
        }
        instances.insert(own + 1, Record::new());
        own + 1
    } else {
        if instances.len() <= 1 {
            return None;
        }
        instances.remove(own);
        own.saturating_sub(1)
    };
    let mut k = parent.to_vec();
    k.push(next as u32);
    Some(k)
}

/// The first page showing a question of instance `key` of the repeat `rid`.
fn page_of_instance(engine: &Engine, eval: &Evaluation, rid: u32, key: &[u32]) -> Option<String> {
    let form = engine.form();
    eval.pages
        .iter()
        .find(|p| {
            p.relevant
                && p.questions.iter().any(|&i| {
                    let q = &eval.questions[i];
                    form.node(&q.name).is_some_and(|n| {
                        n.repeats.get(key.len() - 1) == Some(&rid) && q.instance.starts_with(key)
                    })
                })
        })
        .map(|p| p.id.clone())
}

/// Engine options for a respondent in the interface language.
pub fn options(tr: Tr) -> Options {
    let now = Utc::now();
    Options::new(
        tr.lang().code(),
        Mode::SelfCompletion,
        duluan_forms::DateTime {
            epoch_ms: now.timestamp_millis(),
            offset_minutes: 420,
        },
    )
}

/// What a posted step leads to.
pub enum Outcome {
    /// Show this page (with issues when the respondent tried to move on).
    Show {
        /// Page id.
        page: String,
        /// Show the issues.
        issues: bool,
        /// The answers were saved for later.
        saved: bool,
    },
    /// Every page is valid: the response is complete; the record to store.
    Complete(Record),
}

/// Applies the posted answers of page `current` to `answers` and decides where to go.
pub fn step(
    engine: &Engine,
    answers: &mut Record,
    fields: &[(String, String)],
    opts: &Options,
) -> Outcome {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let current = get("page").to_string();
    let nav = get("nav").to_string();
    ensure_open_repeats(engine.form(), answers);
    let before = engine.evaluate(answers, opts);
    if let Some(page) = before.pages.iter().find(|p| p.id == current) {
        for &i in &page.questions {
            let q = &before.questions[i];
            if !q.relevant || !q.kind.is_input() || q.read_only {
                continue;
            }
            let field = field_name(&q.name, &q.instance);
            let values: Vec<&str> = fields
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            let mut value = values.join(" ");
            if matches!(q.kind, QuestionType::DateTime) && value.len() == 16 {
                value.push_str(":00");
            }
            let value: String = unicode_normalization::UnicodeNormalization::nfc(value.as_str())
                .take(10_000)
                .collect();
            set_answer(answers, engine.form(), &q.name, &q.instance, value);
        }
    }
    let change = nav
        .strip_prefix("add:")
        .map(|r| (true, r))
        .or_else(|| nav.strip_prefix("remove:").map(|r| (false, r)));
    if let Some((add, rest)) = change {
        let (name, path) = rest.rsplit_once(':').unwrap_or((rest, ""));
        let next = change_repeat(engine.form(), answers, name, path, add);
        let after = engine.evaluate(answers, opts);
        let page = next
            .and_then(|k| {
                let rid = *engine.form().by_name.get(name)?;
                page_of_instance(engine, &after, rid, &k)
            })
            .unwrap_or(current);
        return Outcome::Show {
            page,
            issues: false,
            saved: false,
        };
    }
    let after = engine.evaluate(answers, opts);
    let known = after.pages.iter().any(|p| p.id == current && p.relevant);
    let first = || {
        after
            .next_page(None)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    if !known {
        return Outcome::Show {
            page: first(),
            issues: false,
            saved: false,
        };
    }
    match nav.as_str() {
        "prev" => Outcome::Show {
            page: after
                .previous_page(&current)
                .map(|p| p.id.clone())
                .unwrap_or(current),
            issues: false,
            saved: false,
        },
        "save" => Outcome::Show {
            page: current,
            issues: false,
            saved: true,
        },
        _ => {
            if !after.page_is_valid(&current) {
                return Outcome::Show {
                    page: current,
                    issues: true,
                    saved: false,
                };
            }
            match after.next_page(Some(&current)) {
                Some(p) => Outcome::Show {
                    page: p.id.clone(),
                    issues: false,
                    saved: false,
                },
                None if after.is_complete() => Outcome::Complete(after.record.clone()),
                None => {
                    let bad = after
                        .pages
                        .iter()
                        .find(|p| p.relevant && !after.page_is_valid(&p.id))
                        .map(|p| p.id.clone())
                        .unwrap_or_else(first);
                    Outcome::Show {
                        page: bad,
                        issues: true,
                        saved: false,
                    }
                }
            }
        }
    }
}

/// The respondent's page.
#[derive(Template)]
#[template(path = "surveys/respond.html")]
pub struct RespondTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// This page's path (for the language switch and the form).
    pub path: String,
    /// Survey title.
    pub title: String,
    /// The page.
    pub step: StepView,
    /// A notice above the form ("saved", "preview finished").
    pub flash: Option<String>,
    /// Preview mode: hidden state and a frame.
    pub preview: Option<PreviewState>,
    /// The anonymity notice.
    pub anonymous: bool,
}

/// Carried by preview pages instead of a stored response.
pub struct PreviewState {
    /// The answers so far, as JSON.
    pub answers: String,
    /// `phone` or `desktop`.
    pub size: String,
    /// Back to the designer.
    pub back: String,
}

/// A short respondent notice (thanks, closed, token used, slow down).
#[derive(Template)]
#[template(path = "surveys/notice.html")]
pub struct NoticeTemplate {
    /// Translator.
    pub tr: Tr,
    /// Language code.
    pub lang: &'static str,
    /// Path for the language switch.
    pub path: String,
    /// Heading.
    pub heading: String,
    /// Message.
    pub message: String,
}

fn notice(ctx: &Ctx, status: StatusCode, heading: &str, message: &str) -> Response {
    let t = NoticeTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.clone(),
        heading: ctx.tr.t(heading),
        message: ctx.tr.t(message),
    };
    let mut r = (status, Html(t.render_page())).into_response();
    no_store(&mut r);
    r
}

fn no_store(r: &mut Response) {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `Err(response)` when the client went over its rate. The bucket is the client's address as
/// [`client_addr`](crate::kit::client_addr::client_addr) finds it (the TCP peer, or behind a
/// configured trusted proxy the forwarded address), never anything the client chooses freely
/// such as `Host`: one client gets one bucket, and its exhausted bucket is nobody else's.
fn limit(state: &AppState, ctx: &Ctx, headers: &HeaderMap) -> Result<(), Box<Response>> {
    use crate::kit::client_addr::{client_addr, limit_key};
    let peer = ctx
        .ip
        .parse()
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client = client_addr(
        std::net::SocketAddr::new(peer, 0),
        headers,
        &state.config.trusted_proxies,
    );
    if state
        .survey_limits
        .allow(limit_key(client), state.config.survey_rate)
    {
        Ok(())
    } else {
        let mut r = notice(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "surveys-slow-title",
            "surveys-slow-body",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        Err(Box::new(r))
    }
}

fn respond(
    ctx: &Ctx,
    survey: &Survey,
    engine: &Engine,
    answers: &Record,
    page: &str,
    issues: bool,
    saved: bool,
) -> Response {
    let mut answers = answers.clone();
    ensure_open_repeats(engine.form(), &mut answers);
    let eval = engine.evaluate(&answers, &options(ctx.tr));
    let page = if eval.pages.iter().any(|p| p.id == page && p.relevant) {
        page.to_string()
    } else {
        eval.next_page(None)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    let t = RespondTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.split('?').next().unwrap_or("/").to_string(),
        title: engine.form().form.title.clone(),
        step: build_step(engine, &eval, &page, issues),
        flash: saved.then(|| ctx.tr.t("surveys-saved")),
        preview: None,
        anonymous: survey.anonymous,
    };
    let mut r = Html(t.render_page()).into_response();
    no_store(&mut r);
    r
}

fn parse_record(data: &str) -> Record {
    serde_json::from_str(data).unwrap_or_default()
}

fn record_json(r: &Record) -> String {
    serde_json::to_string(r).unwrap_or_else(|_| "{}".into())
}

struct Open {
    survey: Survey,
    version: Version,
    engine: Arc<Engine>,
}

async fn open_survey(state: &AppState, ctx: &Ctx, key: &str) -> Result<Open, Response> {
    let err = |e: AppError| e.into_response();
    let survey = store::find_survey_by_key(&state.db, key)
        .await
        .map_err(err)?
        .ok_or_else(|| err(AppError::NotFound))?;
    if !survey.accepts_on(Utc::now().date_naive()) {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-closed-title",
            "surveys-closed-body",
        ));
    }
    let version = live_version(&state.db, survey.id)
        .await
        .map_err(err)?
        .ok_or_else(|| err(AppError::NotFound))?;
    let engine = engine_for(&version.form_json).map_err(err)?;
    Ok(Open {
        survey,
        version,
        engine,
    })
}

/// The partial response resumed by this device's cookie, with its own version's engine.
async fn resumed(
    state: &AppState,
    survey_id: i64,
    headers: &HeaderMap,
) -> AppResult<Option<(store::ResponseRow, Arc<Engine>)>> {
    let Some(secret) = cookie(headers, RESUME_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some(row) =
        store::find_response_by_resume(&state.db, survey_id, &hash_secret(secret)).await?
    else {
        return Ok(None);
    };
    let version = store::find_version(&state.db, row.version_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = engine_for(&version.form_json)?;
    Ok(Some((row, engine)))
}

fn resume_cookie(key: &str, secret: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{RESUME_COOKIE}={secret}; Path=/s/{key}; Max-Age=2592000; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn clear_cookie(key: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{RESUME_COOKIE}=; Path=/s/{key}; Max-Age=0; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `GET /s/{key}`: the current page of this device's response, or the first page.
pub async fn show_public(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let open = match open_survey(&state, &ctx, &key).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match resumed(&state, open.survey.id, &headers).await {
        Ok(Some((row, engine))) => respond(
            &ctx,
            &open.survey,
            &engine,
            &parse_record(&row.data),
            &row.page,
            false,
            false,
        ),
        Ok(None) => respond(
            &ctx,
            &open.survey,
            &open.engine,
            &Record::new(),
            "",
            false,
            false,
        ),
        Err(e) => e.into_response(),
    }
}

/// `POST /s/{key}`: one step of an anonymous-link response.
pub async fn step_public(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let open = match open_survey(&state, &ctx, &key).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let result: AppResult<Response> = async {
        let now = Utc::now();
        let existing = resumed(&state, open.survey.id, &headers).await?;
        let (row, engine) = match existing {
            Some((row, engine)) => (Some(row), engine),
            None => (None, open.engine.clone()),
        };
        let mut answers = row
            .as_ref()
            .map(|r| parse_record(&r.data))
            .unwrap_or_default();
        let outcome = step(&engine, &mut answers, &fields, &options(ctx.tr));
        match outcome {
            Outcome::Complete(record) => {
                let data = record_json(&record);
                match &row {
                    Some(r) => {
                        match store::complete_response(
                            &state.db,
                            &r.id,
                            &data,
                            open.survey.anonymous,
                            now,
                        )
                        .await
                        {
                            // Completed meanwhile by another request of the same device.
                            Ok(_) | Err(AppError::Conflict(_)) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    // Answered in one step: written complete (and anonymous) from the start.
                    None => {
                        store::insert_complete(
                            &state.db,
                            &NewResponse {
                                id: &uuid::Uuid::new_v4().to_string(),
                                survey_id: open.survey.id,
                                version_id: open.version.id,
                                case_id: None,
                                resume_hash: None,
                                mode: CollectionMode::Web.key(),
                                unit_id: Some(open.survey.unit_id),
                            },
                            &data,
                            open.survey.anonymous,
                            now,
                        )
                        .await?
                    }
                }
                let mut r = notice(
                    &ctx,
                    StatusCode::OK,
                    "surveys-thanks-title",
                    "surveys-thanks-body",
                );
                r.headers_mut()
                    .append(header::SET_COOKIE, clear_cookie(&key));
                Ok(r)
            }
            Outcome::Show {
                page,
                issues,
                saved,
            } => {
                let data = record_json(&answers);
                let mut set_cookie = None;
                match &row {
                    Some(r) => store::update_partial(&state.db, &r.id, &page, &data, now).await?,
                    None => {
                        let secret = new_secret();
                        let hash = hash_secret(&secret);
                        let id = uuid::Uuid::new_v4().to_string();
                        store::insert_partial(
                            &state.db,
                            &NewResponse {
                                id: &id,
                                survey_id: open.survey.id,
                                version_id: open.version.id,
                                case_id: None,
                                resume_hash: Some(&hash),
                                mode: CollectionMode::Web.key(),
                                unit_id: Some(open.survey.unit_id),
                            },
                            &page,
                            &data,
                            now,
                        )
                        .await?;
                        set_cookie = Some(resume_cookie(&key, &secret));
                    }
                }
                let mut r = respond(&ctx, &open.survey, &engine, &answers, &page, issues, saved);
                if let Some(c) = set_cookie {
                    r.headers_mut().append(header::SET_COOKIE, c);
                }
                Ok(r)
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}

struct TokenCase {
    case_id: i64,
    survey: Survey,
    mode: String,
}

async fn open_token(state: &AppState, ctx: &Ctx, token: &str) -> Result<TokenCase, Response> {
    let err = |e: AppError| e.into_response();
    let found = store::find_case_by_token(&state.db, &hash_secret(token))
        .await
        .map_err(err)?;
    let Some((case_id, survey_id, disposition)) = found else {
        return Err(notice(
            ctx,
            StatusCode::NOT_FOUND,
            "surveys-token-unknown-title",
            "surveys-token-unknown-body",
        ));
    };
    if disposition == model::Disposition::Complete.code() {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-token-used-title",
            "surveys-token-used-body",
        ));
    }
    let survey = store::find_survey(&state.db, survey_id)
        .await
        .map_err(err)?
        .ok_or_else(|| err(AppError::NotFound))?;
    if !survey.accepts_on(Utc::now().date_naive()) {
        return Err(notice(
            ctx,
            StatusCode::OK,
            "surveys-closed-title",
            "surveys-closed-body",
        ));
    }
    Ok(TokenCase {
        case_id,
        survey,
        mode: "web".into(),
    })
}

async fn token_response(
    state: &AppState,
    tc: &TokenCase,
) -> AppResult<(Option<store::ResponseRow>, Arc<Engine>, i64)> {
    if let Some(row) = store::find_partial_for_case(&state.db, tc.case_id).await? {
        let version = store::find_version(&state.db, row.version_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let engine = engine_for(&version.form_json)?;
        let vid = version.id;
        return Ok((Some(row), engine, vid));
    }
    let version = live_version(&state.db, tc.survey.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((None, engine_for(&version.form_json)?, version.id))
}

/// `GET /t/{token}`: the token's response at its current page; a used token gets a clear page.
pub async fn show_token(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let tc = match open_token(&state, &ctx, &token).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    match token_response(&state, &tc).await {
        Ok((row, engine, _)) => {
            let answers = row
                .as_ref()
                .map(|r| parse_record(&r.data))
                .unwrap_or_default();
            let page = row.map(|r| r.page).unwrap_or_default();
            respond(&ctx, &tc.survey, &engine, &answers, &page, false, false)
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /t/{token}`: one step of a token response.
pub async fn step_token(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = limit(&state, &ctx, &headers) {
        return *r;
    }
    let tc = match open_token(&state, &ctx, &token).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let used = || {
        notice(
            &ctx,
            StatusCode::OK,
            "surveys-token-used-title",
            "surveys-token-used-body",
        )
    };
    let result: AppResult<Response> = async {
        let now = Utc::now();
        let (mut row, mut engine, version_id) = token_response(&state, &tc).await?;
        if row.is_none() {
            // The first step of the token: at most one response per case (a unique index),
            // so of concurrent first steps one creates it and the others continue with it.
            let id = uuid::Uuid::new_v4().to_string();
            let created = store::insert_case_partial(
                &state.db,
                &NewResponse {
                    id: &id,
                    survey_id: tc.survey.id,
                    version_id,
                    case_id: Some(tc.case_id),
                    resume_hash: None,
                    mode: &tc.mode,
                    unit_id: Some(tc.survey.unit_id),
                },
                "",
                "{}",
                now,
            )
            .await?;
            if !created {
                tracing::debug!("concurrent first steps on one token: continuing the other's");
            }
            let Some(existing) = store::find_partial_for_case(&state.db, tc.case_id).await? else {
                // Completed meanwhile.
                return Ok(used());
            };
            let version = store::find_version(&state.db, existing.version_id)
                .await?
                .ok_or(AppError::NotFound)?;
            engine = engine_for(&version.form_json)?;
            row = Some(existing);
        }
        let Some(row) = row else {
            return Ok(used());
        };
        let mut answers = parse_record(&row.data);
        let outcome = step(&engine, &mut answers, &fields, &options(ctx.tr));
        match outcome {
            Outcome::Complete(record) => {
                match store::complete_response(
                    &state.db,
                    &row.id,
                    &record_json(&record),
                    tc.survey.anonymous,
                    now,
                )
                .await
                {
                    Err(AppError::Conflict(_)) => Ok(used()),
                    Err(e) => Err(e),
                    Ok(_) => Ok(notice(
                        &ctx,
                        StatusCode::OK,
                        "surveys-thanks-title",
                        "surveys-thanks-body",
                    )),
                }
            }
            Outcome::Show {
                page,
                issues,
                saved,
            } => {
                store::update_partial(&state.db, &row.id, &page, &record_json(&answers), now)
                    .await?;
                Ok(respond(
                    &ctx, &tc.survey, &engine, &answers, &page, issues, saved,
                ))
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}

fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    no_store(&mut r);
    r
}

/// `POST /s/{key}/submissions`: a whole response as JSON
/// (`{"id": UUID, "answers": {...}, "complete": true}`), checked by the forms engine, stored once
/// under its client id and committed before the answer (201 new, 200 retry, 409 replay of the
/// id with other answers, 422 invalid answers, 400 malformed, 413 too large).
pub async fn submit_json(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if limit(&state, &ctx, &headers).is_err() {
        return json_answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "surveys-slow-title", "message": ctx.tr.t("surveys-slow-body")}),
        );
    }
    let refuse = |status: StatusCode, key: &str| {
        json_answer(status, json!({"error": key, "message": ctx.tr.t(key)}))
    };
    let sub = match model::parse_submission(&body) {
        Ok(s) => s,
        Err(k) if k == "surveys-submit-too-large" => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, k);
        }
        Err(k) => return refuse(StatusCode::BAD_REQUEST, k),
    };
    let live = match crate::surveys::live_by_key(&state.db, &key).await {
        Ok(Some(l)) => l,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "error-not-found"),
        Err(e) => return e.into_response(),
    };
    let survey = &live.survey;
    if !survey.accepts_on(Utc::now().date_naive()) {
        return refuse(StatusCode::CONFLICT, "surveys-closed-body");
    }
    let result: AppResult<Response> = async {
        let (version_id, engine) = live.version.as_ref().ok_or(AppError::NotFound)?;
        let eval = engine.evaluate(&sub.answers, &options(ctx.tr));
        if sub.complete && !eval.is_complete() {
            let issues: Vec<_> = eval
                .issues()
                .map(|q| json!({"question": q.name, "instance": q.instance, "message": q.issue.as_ref().map(|i| i.message.clone())}))
                .collect();
            return Ok(json_answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "surveys-submit-invalid", "message": ctx.tr.t("surveys-submit-invalid"), "issues": issues}),
            ));
        }
        let record = if sub.complete { &eval.record } else { &sub.answers };
        let stored = store::insert_submission(
            &state.db,
            store::NewSubmission {
                id: sub.id.clone(),
                survey_id: survey.id,
                version_id: *version_id,
                complete: sub.complete,
                data: record_json(record),
                anonymous: survey.anonymous,
                unit_id: survey.unit_id,
            },
        )
        .await?;
        Ok(match stored {
            Stored::New => json_answer(
                StatusCode::CREATED,
                json!({"id": sub.id, "stored": true}),
            ),
            Stored::Retry => json_answer(
                StatusCode::OK,
                json!({"id": sub.id, "stored": true, "retry": true}),
            ),
            Stored::Replay => json_answer(
                StatusCode::CONFLICT,
                json!({"error": "surveys-submit-replay", "message": ctx.tr.t("surveys-submit-replay")}),
            ),
        })
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}
