//! The administrator's mail page: SMTP settings, a test message, the outbox with failures and
//! their errors, and retrying a failed message.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::mail::model::{OutboxStatus, Security, SettingsForm};
use crate::mail::store;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// Only a platform-wide administrator keeps the mail settings (a grant at one top-level unit is not
/// enough: several exist).
async fn require_admin(_state: &AppState, auth: &Auth) -> AppResult<i64> {
    let roots = auth.user.roots_with(Capability::ManageUsers);
    if roots.is_empty() || !auth.user.platform_with(Capability::ManageUsers) {
        return Err(AppError::Forbidden);
    }
    Ok(roots[0])
}

struct Line {
    id: i64,
    recipient: String,
    subject: String,
    context: String,
    status: String,
    status_key: OutboxStatus,
    attempts: i32,
    when: String,
    error: String,
}

/// The mail page.
#[derive(Template)]
#[template(path = "mail/admin.html")]
struct MailTemplate {
    c: Chrome,
    form: SettingsForm,
    has_password: bool,
    securities: Vec<(&'static str, String)>,
    errors: Vec<(&'static str, &'static str)>,
    counts: (i64, i64, i64),
    messages: Vec<Line>,
    flash: Option<String>,
}

impl MailTemplate {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| self.c.tr.t(k))
            .unwrap_or_default()
    }
}

async fn mail_page(
    state: &AppState,
    auth: &Auth,
    form: Option<SettingsForm>,
    errors: Vec<(&'static str, &'static str)>,
    flash: Option<&str>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let s = store::find_settings(&state.db).await?;
    let form = form.unwrap_or_else(|| SettingsForm {
        host: s.host.clone(),
        port: s.port.to_string(),
        security: s.security.key().to_string(),
        username: s.username.clone(),
        password: String::new(),
        from_address: s.from_address.clone(),
        from_name: s.from_name.clone(),
        enabled: if s.enabled {
            "yes".into()
        } else {
            String::new()
        },
    });
    let fmt = |d: chrono::DateTime<Utc>| {
        d.with_timezone(&crate::kit::time::vn_offset())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    let messages = store::list_recent(&state.db, 200)
        .await?
        .into_iter()
        .map(|m| Line {
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            context: m.context,
            status: tr.t(&format!("mail-status-{}", m.status.key())),
            status_key: m.status,
            attempts: m.attempts,
            when: match m.status {
                OutboxStatus::Sent => m.sent_at.map(fmt).unwrap_or_default(),
                OutboxStatus::Pending => fmt(m.next_attempt_at),
                OutboxStatus::Failed => fmt(m.created_at),
            },
            error: m.last_error,
        })
        .collect();
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(MailTemplate {
            c: auth.ctx.chrome("mail-title"),
            form,
            has_password: !s.password.is_empty(),
            securities: Security::ALL
                .iter()
                .map(|m| (m.key(), tr.t(&format!("mail-security-{}", m.key()))))
                .collect(),
            errors,
            counts: store::count_by_status(&state.db).await?,
            messages,
            flash: flash.map(|k| tr.t(k)),
        }),
        failed,
    ))
}

/// Query with a confirmation.
#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/mail`.
pub async fn show_mail(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Query(q): axum::extract::Query<FlashQuery>,
) -> AppResult<Response> {
    require_admin(&state, &auth).await?;
    let flash = match q.ok.as_str() {
        "saved" => Some("mail-flash-saved"),
        "queued" => Some("mail-flash-queued"),
        "retry" => Some("mail-flash-retry"),
        _ => None,
    };
    mail_page(&state, &auth, None, vec![], flash).await
}

/// `POST /admin/mail`: saves the settings (an empty password keeps the stored one).
pub async fn update_settings(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let unit = require_admin(&state, &auth).await?;
    let current = store::find_settings(&state.db).await?;
    let settings = match form.parse(&current) {
        Ok(s) => s,
        Err(errors) => return mail_page(&state, &auth, Some(form), errors, None).await,
    };
    let mut tx = state.db.begin().await?;
    store::update_settings(&mut tx, &settings, Utc::now()).await?;
    audit::entry(&auth.ctx.actor(), "mail.settings")
        .object("mail_settings", 1)
        .unit(unit)
        .detail(
            json!({"host": settings.host, "port": settings.port, "security": settings.security.key(),
               "enabled": settings.enabled, "password_changed": !form.password.is_empty()}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/mail?ok=saved").into_response())
}

/// The test-message form.
#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
}

/// `POST /admin/mail/test`: queues a test message.
pub async fn send_test(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<TestForm>,
) -> AppResult<Response> {
    let unit = require_admin(&state, &auth).await?;
    let tr = auth.ctx.tr;
    if !crate::mail::model::is_email(&form.to) {
        return mail_page(
            &state,
            &auth,
            None,
            vec![("to", "mail-error-recipient")],
            None,
        )
        .await;
    }
    let key = format!("mail.test:{}", uuid::Uuid::now_v7());
    let mut tx = state.db.begin().await?;
    crate::mail::enqueue_in(
        &mut tx,
        &crate::mail::Mail {
            idempotency_key: &key,
            to: &form.to,
            subject: &tr.t("mail-test-subject"),
            body: &tr.t("mail-test-body"),
            html: None,
            context: "mail.test",
            unit_id: Some(unit),
        },
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "mail.test")
        .object("mail_outbox", &key)
        .unit(unit)
        .detail(json!({"to": form.to.trim()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/mail?ok=queued").into_response())
}

/// `POST /admin/mail/{id}/retry`: queues a failed message again.
pub async fn retry_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let unit = require_admin(&state, &auth).await?;
    let mut tx = state.db.begin().await?;
    if !store::update_retry(&mut tx, id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    audit::entry(&auth.ctx.actor(), "mail.retry")
        .object("mail_outbox", id)
        .unit(unit)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/mail?ok=retry").into_response())
}
