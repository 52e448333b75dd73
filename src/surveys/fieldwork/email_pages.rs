//! E-mail pages: a survey's templates and schedule with a preview of one rendered mail, sending
//! started and paused, the counts (invited, reminded, unsubscribed, bounced, answered), and the
//! respondent's opt-out at `/u/{token}` (a confirmation page, then a POST; no login).

use askama::Template as _;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::email::{self, MailKind, Schedule, Template};
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::AppResult;
use crate::surveys::model::{Disposition, Survey, hash_secret};
use crate::surveys::survey_for;
use crate::web::ctx::{Auth, Ctx};
use crate::web::i18n::{Lang, Tr};
use crate::web::layout::{Chrome, page};

/// One template as edited.
pub struct TemplateView {
    /// Form field prefix (`invite_vi`).
    prefix: String,
    /// `Thư mời (tiếng Việt)`.
    title: String,
    t: Template,
}

#[derive(askama::Template)]
#[template(path = "surveys/fieldwork/email.html")]
struct EmailTemplate {
    c: Chrome,
    survey_id: i64,
    schedule: Schedule,
    /// The schedule's fields as typed.
    form: ScheduleForm,
    templates: Vec<TemplateView>,
    errors: Vec<String>,
    /// `(label, count)`.
    counts: Vec<(String, i64)>,
    /// `(kind, lang, title)` of the preview links.
    previews: Vec<(String, String, String)>,
    /// `(title, subject, text, HTML source)`.
    preview: Option<(String, String, String, String)>,
    placeholders: String,
}

/// The schedule's fields.
#[derive(Clone, Debug, Default)]
pub struct ScheduleForm {
    reminder_days: String,
    last_reminder_days: String,
    pace: String,
    base_url: String,
}

impl ScheduleForm {
    fn of(s: &Schedule) -> ScheduleForm {
        ScheduleForm {
            reminder_days: s.reminder_days.to_string(),
            last_reminder_days: s.last_reminder_days.to_string(),
            pace: s.pace.to_string(),
            base_url: s.base_url.clone(),
        }
    }
}

fn kind_label(tr: Tr, k: MailKind) -> String {
    tr.t(&format!("fieldwork-email-kind-{}", k.key()))
}

fn template_title(tr: Tr, k: MailKind, lang: &str) -> String {
    format!(
        "{} ({})",
        kind_label(tr, k),
        tr.t(&format!("fieldwork-email-lang-{lang}"))
    )
}

async fn schedule_of(state: &AppState, s: &Survey, headers: &HeaderMap) -> AppResult<Schedule> {
    Ok(match store::find_schedule(&state.db, s.id).await? {
        Some(x) => x,
        None => Schedule::default_for(
            s.id,
            crate::kit::origin::origin(state.config.secure_cookies, headers),
        ),
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    schedule: Schedule,
    form: ScheduleForm,
    templates: Vec<Template>,
    errors: Vec<String>,
    preview: Option<(MailKind, String)>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let c = store::counts(&state.db, s.id).await?;
    let labels = [
        "fieldwork-email-count-cases",
        "fieldwork-email-count-invited",
        "fieldwork-email-count-reminded",
        "fieldwork-email-count-unsubscribed",
        "fieldwork-email-count-bounced",
        "fieldwork-email-count-answered",
    ];
    let counts = labels.iter().zip(c).map(|(k, n)| (tr.t(k), n)).collect();
    let preview = preview.and_then(|(kind, lang)| {
        let t = templates
            .iter()
            .find(|t| t.kind == kind && t.lang == lang)?;
        let base = schedule.base_url.trim_end_matches('/');
        let values = email::Values {
            link: format!("{base}/t/VI-DU-MA-RIENG"),
            unsubscribe: format!("{base}/u/VI-DU-MA-RIENG"),
            survey: s.title.clone(),
            deadline: s
                .field_end
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        };
        let (subject, text, html) = email::render(t, &values);
        Some((template_title(tr, kind, &lang), subject, text, html))
    });
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(EmailTemplate {
            c: auth
                .ctx
                .chrome_titled(format!("{} — {}", tr.t("fieldwork-email-title"), s.title)),
            survey_id: s.id,
            schedule,
            form,
            templates: templates
                .into_iter()
                .map(|t| TemplateView {
                    prefix: format!("{}_{}", t.kind.key(), t.lang),
                    title: template_title(tr, t.kind, &t.lang),
                    t,
                })
                .collect(),
            errors,
            counts,
            previews: MailKind::ALL
                .iter()
                .flat_map(|k| {
                    Lang::ALL.iter().map(move |l| {
                        (
                            k.key().to_string(),
                            l.code().to_string(),
                            template_title(tr, *k, l.code()),
                        )
                    })
                })
                .collect(),
            preview,
            placeholders: email::PLACEHOLDERS
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        failed,
    ))
}

/// The preview asked for.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PreviewQuery {
    /// Mail kind.
    #[serde(default)]
    pub preview: String,
    /// Language.
    #[serde(default)]
    pub lang: String,
}

/// `GET /surveys/{id}/fieldwork/email`.
pub async fn show_email(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let schedule = schedule_of(&state, &s, &headers).await?;
    let templates = email::complete(store::list_templates(&state.db, s.id).await?);
    let preview = MailKind::parse(&q.preview).map(|k| {
        (
            k,
            Lang::parse(&q.lang).unwrap_or(Lang::Vi).code().to_string(),
        )
    });
    let form = ScheduleForm::of(&schedule);
    render(
        &state,
        &auth,
        &s,
        schedule,
        form,
        templates,
        vec![],
        preview,
    )
    .await
}

/// `POST /surveys/{id}/fieldwork/email`: saves the templates and the schedule, all or nothing.
pub async fn save_email(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    let mut errors = vec![];
    let mut templates = vec![];
    for kind in MailKind::ALL {
        for lang in Lang::ALL {
            let prefix = format!("{}_{}", kind.key(), lang.code());
            let t = Template {
                kind,
                lang: lang.code().to_string(),
                subject: crate::kit::text::one_line(&get(&format!("{prefix}_subject"))),
                body_text: get(&format!("{prefix}_text")),
                body_html: get(&format!("{prefix}_html")),
            };
            for e in email::check(&t) {
                errors.push(tr.ta(
                    e.key,
                    &[
                        ("template", template_title(tr, kind, lang.code())),
                        ("field", tr.t(&format!("fieldwork-email-field-{}", e.field))),
                        ("name", e.name),
                    ],
                ));
            }
            templates.push(t);
        }
    }
    let current = schedule_of(&state, &s, &headers).await?;
    let form = ScheduleForm {
        reminder_days: get("reminder_days").trim().to_string(),
        last_reminder_days: get("last_reminder_days").trim().to_string(),
        pace: get("pace").trim().to_string(),
        base_url: get("base_url").trim().to_string(),
    };
    let whole = |raw: &str, lo: i64, hi: i64, key: &'static str, errors: &mut Vec<String>| match raw
        .parse::<i64>()
    {
        Ok(v) if (lo..=hi).contains(&v) => v,
        _ => {
            errors.push(tr.ta(key, &[("value", raw.to_string())]));
            lo
        }
    };
    let reminder_days = whole(
        &form.reminder_days,
        1,
        365,
        "fieldwork-email-error-days",
        &mut errors,
    );
    let last_reminder_days = whole(
        &form.last_reminder_days,
        1,
        365,
        "fieldwork-email-error-days",
        &mut errors,
    );
    if last_reminder_days <= reminder_days {
        errors.push(tr.t("fieldwork-email-error-last-after"));
    }
    let pace = whole(
        &form.pace,
        1,
        10_000,
        "fieldwork-email-error-pace",
        &mut errors,
    );
    if !email::valid_base_url(&form.base_url) {
        errors.push(tr.ta(
            "fieldwork-email-error-base-url",
            &[("value", form.base_url.clone())],
        ));
    }
    if !errors.is_empty() {
        return render(&state, &auth, &s, current, form, templates, errors, None).await;
    }
    let schedule = Schedule {
        survey_id: s.id,
        reminder_days,
        last_reminder_days,
        pace,
        base_url: form.base_url.trim_end_matches('/').to_string(),
        sending: current.sending,
        last_run_at: current.last_run_at,
    };
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    store::save_templates(&mut tx, s.id, &templates, auth.user.id, now).await?;
    store::save_schedule(&mut tx, &schedule, auth.user.id, now).await?;
    audit::entry(&auth.ctx.actor(), "survey.email_settings")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({
            "reminder_days": reminder_days,
            "last_reminder_days": last_reminder_days,
            "pace": pace,
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/email", s.id)).into_response())
}

/// The start/pause form.
#[derive(Clone, Debug, Deserialize)]
pub struct SendingForm {
    /// `on` or `off`.
    #[serde(default)]
    pub sending: String,
}

/// `POST /surveys/{id}/fieldwork/email/sending`: starts or pauses the sending.
pub async fn set_sending(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<SendingForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let on = match f.sending.trim() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(crate::error::AppError::BadRequest(
                "fieldwork-email-error-sending",
            ));
        }
    };
    let mut schedule = schedule_of(&state, &s, &headers).await?;
    schedule.sending = on;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    store::save_schedule(&mut tx, &schedule, auth.user.id, now).await?;
    audit::entry(&auth.ctx.actor(), "survey.email_sending")
        .object("survey", s.id)
        .unit(s.unit_id)
        .detail(json!({ "sending": on }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/email", s.id)).into_response())
}

#[derive(askama::Template)]
#[template(path = "surveys/fieldwork/unsubscribe.html")]
struct UnsubscribeTemplate {
    tr: Tr,
    lang: &'static str,
    path: String,
    heading: String,
    message: String,
    /// Show the confirmation button.
    confirm: bool,
}

fn unsubscribe_page(
    ctx: &Ctx,
    status: StatusCode,
    heading: &str,
    message: &str,
    confirm: bool,
) -> Response {
    let t = UnsubscribeTemplate {
        tr: ctx.tr,
        lang: ctx.tr.lang().code(),
        path: ctx.path.clone(),
        heading: ctx.tr.t(heading),
        message: ctx.tr.t(message),
        confirm,
    };
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => crate::error::AppError::Internal(e.into()).into_response(),
    }
}

/// `GET /u/{token}`: asks to confirm the opt-out.
pub async fn show_unsubscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    match store::find_mailed_case(&state.db, &hash_secret(&token)).await {
        Ok(Some(_)) => unsubscribe_page(
            &ctx,
            StatusCode::OK,
            "fieldwork-email-unsub-title",
            "fieldwork-email-unsub-body",
            true,
        ),
        Ok(None) => unsubscribe_page(
            &ctx,
            StatusCode::NOT_FOUND,
            "fieldwork-email-unsub-unknown-title",
            "fieldwork-email-unsub-unknown-body",
            false,
        ),
        Err(e) => e.into_response(),
    }
}

/// `POST /u/{token}`: no more mail for the case; its disposition becomes a refusal (2.11) unless
/// it was already answered.
pub async fn unsubscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let result: AppResult<Response> = async {
        let Some((case_id, _, _)) =
            store::find_mailed_case(&state.db, &hash_secret(&token)).await?
        else {
            return Ok(unsubscribe_page(
                &ctx,
                StatusCode::NOT_FOUND,
                "fieldwork-email-unsub-unknown-title",
                "fieldwork-email-unsub-unknown-body",
                false,
            ));
        };
        let mut tx = state.db.begin().await?;
        store::stop_mail(
            &mut tx,
            case_id,
            "unsubscribed",
            Disposition::Refusal,
            "",
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(unsubscribe_page(
            &ctx,
            StatusCode::OK,
            "fieldwork-email-unsub-done-title",
            "fieldwork-email-unsub-done-body",
            false,
        ))
    }
    .await;
    result.unwrap_or_else(|e| e.into_response())
}
