//! Fieldwork by e-mail (*mời trả lời qua thư điện tử*): each survey's templates (invitation,
//! reminder, last reminder; Vietnamese and English) with their placeholders, its schedule, and
//! the job [`send_invitations`] that queues the mails.
//!
//! Placeholders: `{link}` (the respondent's one-time link, required in every body), `{unsubscribe}`
//! (the opt-out link), `{survey}` (the survey's title) and `{deadline}` (its last field day,
//! `dd/mm/yyyy`, or empty). Anything else between braces is an error naming it.
//!
//! Tokens: every mail carries a fresh one-time token; only its hash is stored, in
//! `survey_case_tokens` with its case, so the token of an invitation and those of its reminders
//! all open the same case at `/t/{token}` and unsubscribe it at `/u/{token}`.
//!
//! Invariants: each mail is queued (`survey-mail:{case}:{kind}`, an idempotency key: never
//! twice) in the one transaction that stores its token and its case event (`invited`,
//! `reminded`), so a stopped or restarted job neither loses nor repeats a mail; reminders go only
//! to cases still "nothing returned" (3.19) with no response started; an unsubscribed (2.11) or
//! bounced (3.30) case gets no more mail; at most `pace` × elapsed minutes mails per survey and
//! run (one minute's worth on a first run, an hour's at most). The job reads each address to mail
//! it; people read contacts only through the audited case page.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::store;
use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;
use crate::kit::keys::stored_keys;
use crate::surveys::model::{Disposition, hash_secret, new_secret};
use crate::web::i18n::Lang;

stored_keys! {
    /// Which mail of the sequence.
    pub enum MailKind: "survey mail kind" {
        /// The invitation.
        Invite = "invite",
        /// The reminder, N days after the invitation.
        Reminder = "reminder",
        /// The last reminder, M days after the invitation.
        LastReminder = "last",
    }
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 4] = ["link", "unsubscribe", "survey", "deadline"];

/// One template.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Template {
    /// Which mail.
    pub kind: MailKind,
    /// Language code (`vi`, `en`).
    pub lang: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// HTML body (empty: none).
    pub body_html: String,
}

/// A survey's sending schedule.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Schedule {
    /// Survey.
    pub survey_id: i64,
    /// Days after the invitation before the reminder.
    pub reminder_days: i64,
    /// Days after the invitation before the last reminder.
    pub last_reminder_days: i64,
    /// Mails per minute.
    pub pace: i64,
    /// The address links start with (`https://khaosat.example.vn`).
    pub base_url: String,
    /// Sending on.
    pub sending: bool,
    /// The job's last run for this survey.
    pub last_run_at: Option<DateTime<Utc>>,
}

impl Schedule {
    /// The schedule of a survey that has none saved.
    pub fn default_for(survey_id: i64, base_url: String) -> Schedule {
        Schedule {
            survey_id,
            reminder_days: 3,
            last_reminder_days: 7,
            pace: 60,
            base_url,
            sending: false,
            last_run_at: None,
        }
    }

    /// Mails this run may queue: `pace` per elapsed minute since the last run (one minute's
    /// worth on a first run or when the clock went back), at most an hour's worth.
    pub fn budget(&self, now: DateTime<Utc>) -> i64 {
        let minutes = match self.last_run_at {
            Some(t) if t <= now => ((now - t).num_seconds() as f64 / 60.0).min(60.0),
            _ => 1.0,
        };
        (self.pace as f64 * minutes).floor() as i64
    }
}

/// The default template of a kind in a language.
pub fn default_template(kind: MailKind, lang: Lang) -> Template {
    let (subject, body) = match (kind, lang) {
        (MailKind::Invite, Lang::Vi) => (
            "Mời ông/bà tham gia khảo sát: {survey}",
            "Kính gửi ông/bà,\n\nÔng/bà được chọn ngẫu nhiên để tham gia khảo sát “{survey}”. \
             Ý kiến của ông/bà rất quan trọng; trả lời mất vài phút.\n\n\
             Mời ông/bà trả lời tại đường dẫn riêng dưới đây (chỉ dùng cho ông/bà):\n{link}\n\n\
             Nếu không muốn nhận thêm thư về khảo sát này: {unsubscribe}\n\nTrân trọng cảm ơn.",
        ),
        (MailKind::Reminder, Lang::Vi) => (
            "Nhắc lại: khảo sát {survey}",
            "Kính gửi ông/bà,\n\nChúng tôi chưa nhận được câu trả lời của ông/bà cho khảo sát “{survey}”. \
             Mời ông/bà dành vài phút trả lời tại:\n{link}\n\n\
             Nếu không muốn nhận thêm thư về khảo sát này: {unsubscribe}\n\nTrân trọng cảm ơn.",
        ),
        (MailKind::LastReminder, Lang::Vi) => (
            "Nhắc lần cuối: khảo sát {survey}",
            "Kính gửi ông/bà,\n\nĐây là thư nhắc cuối cùng về khảo sát “{survey}”. \
             Ý kiến của ông/bà vẫn rất cần thiết:\n{link}\n\n\
             Nếu không muốn nhận thêm thư về khảo sát này: {unsubscribe}\n\nTrân trọng cảm ơn.",
        ),
        (MailKind::Invite, Lang::En) => (
            "Invitation to take part in a survey: {survey}",
            "Dear respondent,\n\nYou have been selected at random to take part in the survey \
             “{survey}”. Your opinion matters; answering takes a few minutes.\n\n\
             Please answer through your personal link (for you only):\n{link}\n\n\
             To receive no more mail about this survey: {unsubscribe}\n\nThank you.",
        ),
        (MailKind::Reminder, Lang::En) => (
            "Reminder: survey {survey}",
            "Dear respondent,\n\nWe have not yet received your answers to the survey “{survey}”. \
             Please take a few minutes to answer:\n{link}\n\n\
             To receive no more mail about this survey: {unsubscribe}\n\nThank you.",
        ),
        (MailKind::LastReminder, Lang::En) => (
            "Last reminder: survey {survey}",
            "Dear respondent,\n\nThis is the last reminder about the survey “{survey}”. \
             Your opinion is still needed:\n{link}\n\n\
             To receive no more mail about this survey: {unsubscribe}\n\nThank you.",
        ),
    };
    Template {
        kind,
        lang: lang.code().to_string(),
        subject: subject.into(),
        body_text: body.into(),
        body_html: String::new(),
    }
}

/// The six templates of a survey: the saved ones, the defaults for the others.
pub fn complete(saved: Vec<Template>) -> Vec<Template> {
    let mut out = vec![];
    for kind in MailKind::ALL {
        for lang in Lang::ALL {
            out.push(
                saved
                    .iter()
                    .find(|t| t.kind == kind && t.lang == lang.code())
                    .cloned()
                    .unwrap_or_else(|| default_template(kind, lang)),
            );
        }
    }
    out
}

/// A mistake in a template field: `(field, message key, placeholder)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// `subject`, `body_text` or `body_html`.
    pub field: &'static str,
    /// `fieldwork-email-error-unknown`, `-unclosed`, `-link`, `-empty`.
    pub key: &'static str,
    /// The placeholder named, if any.
    pub name: String,
}

/// The placeholders of a text, or the first one that is not known or not closed.
fn placeholders(text: &str) -> Result<Vec<&str>, (&'static str, String)> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            let shown: String = after.chars().take(20).collect();
            return Err(("fieldwork-email-error-unclosed", format!("{{{shown}")));
        };
        let name = &after[..j];
        if !PLACEHOLDERS.contains(&name) {
            return Err(("fieldwork-email-error-unknown", format!("{{{name}}}")));
        }
        out.push(name);
        rest = &after[j + 1..];
    }
    Ok(out)
}

/// Checks a template: known placeholders only, a subject, and `{link}` in every body.
pub fn check(t: &Template) -> Vec<TemplateError> {
    let mut errs = vec![];
    let fields: [(&'static str, &str, bool); 3] = [
        ("subject", &t.subject, false),
        ("body_text", &t.body_text, true),
        ("body_html", &t.body_html, !t.body_html.trim().is_empty()),
    ];
    for (field, text, needs_link) in fields {
        if field != "body_html" && text.trim().is_empty() {
            errs.push(TemplateError {
                field,
                key: "fieldwork-email-error-empty",
                name: String::new(),
            });
            continue;
        }
        match placeholders(text) {
            Err((key, name)) => errs.push(TemplateError { field, key, name }),
            Ok(names) if needs_link && !names.contains(&"link") => errs.push(TemplateError {
                field,
                key: "fieldwork-email-error-link",
                name: "{link}".into(),
            }),
            Ok(_) => {}
        }
    }
    errs
}

/// What fills the placeholders of one mail.
#[derive(Clone, Debug)]
pub struct Values {
    /// The one-time link.
    pub link: String,
    /// The opt-out link.
    pub unsubscribe: String,
    /// The survey's title.
    pub survey: String,
    /// The last field day, or empty.
    pub deadline: String,
}

fn fill(text: &str, v: &Values, escape: bool) -> String {
    let mut out = String::with_capacity(text.len() + 128);
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let value = match &after[..j] {
            "link" => v.link.as_str(),
            "unsubscribe" => v.unsubscribe.as_str(),
            "survey" => v.survey.as_str(),
            "deadline" => v.deadline.as_str(),
            _ => "",
        };
        if escape {
            out.push_str(&html_escape(value));
        } else {
            out.push_str(value);
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

fn clean_html(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(html)
        .to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A rendered mail: `(subject, text body, HTML body)` (a subject is one line). The HTML body is
/// cleaned after the values are filled in (`ammonia`: no scripts, styles, event handlers,
/// forms or frames; links only to http, https and mailto), so what a designer types cannot
/// reach respondents as active content.
pub fn render(t: &Template, v: &Values) -> (String, String, String) {
    let subject = fill(&t.subject, v, false).replace(['\r', '\n'], " ");
    (
        subject,
        fill(&t.body_text, v, false),
        if t.body_html.trim().is_empty() {
            String::new()
        } else {
            clean_html(&fill(&t.body_html, v, true))
        },
    )
}

/// Whether a base address for links is acceptable: `http(s)://host[:port][/path]`, no spaces.
pub fn valid_base_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !r.chars().any(|c| c.is_whitespace() || c == '"')
    })
}

/// The idempotency key of a case's mail.
pub fn mail_key(case_id: i64, kind: MailKind) -> String {
    format!("{KEY_PREFIX}{case_id}:{}", kind.key())
}

/// What every survey mail's idempotency key starts with.
pub const KEY_PREFIX: &str = "survey-mail:";

/// What one run of the job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmailSummary {
    /// Invitations queued.
    pub invited: usize,
    /// Reminders queued (both kinds).
    pub reminded: usize,
    /// Cases newly marked bounced.
    pub bounced: usize,
}

/// Cases handled per transaction.
const BATCH: i64 = 200;

/// One run of the e-mail job at `now`: bounced cases are marked, then for every survey whose
/// sending is on, invitations, reminders and last reminders due are queued, within its pace.
pub async fn send_invitations(db: &Db, now: DateTime<Utc>) -> AppResult<EmailSummary> {
    let mut summary = EmailSummary {
        bounced: mark_bounces(db, now).await?,
        ..Default::default()
    };
    for schedule in store::list_sending(db).await? {
        let Some(survey) = crate::surveys::store::find_survey(db, schedule.survey_id).await? else {
            continue;
        };
        let templates = complete(store::list_templates(db, survey.id).await?);
        let mut budget = schedule.budget(now);
        if budget <= 0 {
            continue;
        }
        let deadline = survey
            .field_end
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default();
        for kind in MailKind::ALL {
            let invited_before = now
                - chrono::Duration::days(match kind {
                    MailKind::Invite => 0,
                    MailKind::Reminder => schedule.reminder_days,
                    MailKind::LastReminder => schedule.last_reminder_days,
                });
            let reminded_before = now
                - chrono::Duration::days(
                    (schedule.last_reminder_days - schedule.reminder_days).max(1),
                );
            // Keyset by case id: each batch reads on from the last case seen.
            let mut after = 0;
            while budget > 0 {
                let due = store::list_due(
                    db,
                    survey.id,
                    kind,
                    invited_before,
                    reminded_before,
                    after,
                    budget.min(BATCH),
                )
                .await?;
                let Some(last) = due.last() else {
                    break;
                };
                after = last.id;
                let mut tx = db.begin().await?;
                let mut queued = 0;
                for case in &due {
                    let lang = Lang::parse(case.lang.as_deref().unwrap_or("")).unwrap_or(Lang::Vi);
                    let Some(t) = templates
                        .iter()
                        .find(|t| t.kind == kind && t.lang == lang.code())
                    else {
                        continue;
                    };
                    let token = new_secret();
                    let base = schedule.base_url.trim_end_matches('/');
                    let values = Values {
                        link: format!("{base}/t/{token}"),
                        unsubscribe: format!("{base}/u/{token}"),
                        survey: survey.title.clone(),
                        deadline: deadline.clone(),
                    };
                    let (subject, body, html) = render(t, &values);
                    let key = mail_key(case.id, kind);
                    let mail = crate::mail::Mail {
                        idempotency_key: &key,
                        to: &case.email,
                        subject: &subject,
                        body: &body,
                        html: (!html.is_empty()).then_some(html.as_str()),
                        context: "surveys.fieldwork",
                        unit_id: Some(survey.unit_id),
                    };
                    match crate::mail::enqueue_in(&mut tx, &mail).await {
                        Ok(Some(_)) => {
                            store::insert_mailed(&mut tx, case.id, &hash_secret(&token), kind, now)
                                .await?;
                            queued += 1;
                        }
                        // Queued before (another node, a run cut short after its commit).
                        Ok(None) => {}
                        Err(crate::error::AppError::BadRequest(_)) => {
                            // An address the outbox refuses: undeliverable, as a bounce.
                            store::stop_mail(
                                &mut tx,
                                case.id,
                                "bounced",
                                Disposition::Undeliverable,
                                "address",
                                now,
                            )
                            .await?;
                            summary.bounced += 1;
                        }
                        Err(e) => return Err(e),
                    }
                }
                tx.commit().await?;
                budget -= due.len() as i64;
                match kind {
                    MailKind::Invite => summary.invited += queued,
                    _ => summary.reminded += queued,
                }
            }
        }
        store::update_last_run(db, survey.id, now).await?;
    }
    Ok(summary)
}

/// Marks the cases whose survey mail the SMTP server refused for good (or that was given up) as
/// undeliverable (3.30), event `bounced`, once. Returns how many.
async fn mark_bounces(db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
    let mut n = 0;
    let mut after = 0;
    loop {
        let failed = crate::mail::undelivered(db, KEY_PREFIX, after, 500).await?;
        let Some(last) = failed.last() else {
            break;
        };
        after = last.id;
        for m in &failed {
            let Some(case_id) = m
                .idempotency_key
                .strip_prefix(KEY_PREFIX)
                .and_then(|r| r.split(':').next())
                .and_then(|id| id.parse::<i64>().ok())
            else {
                continue;
            };
            if !store::is_email_case(db, case_id).await? {
                continue;
            }
            let mut tx = db.begin().await?;
            let note: String = m.error.chars().take(200).collect();
            if store::stop_mail(
                &mut tx,
                case_id,
                "bounced",
                Disposition::Undeliverable,
                &note,
                now,
            )
            .await?
            {
                n += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(n)
}

/// How often the e-mail job runs.
pub const RUN_EVERY: Duration = Duration::from_secs(30);

/// Starts the e-mail job (from `app::serve`; tests call [`send_invitations`]).
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RUN_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if !crate::ops::lease::hold(&state, "survey_invitations", RUN_EVERY).await {
                continue;
            }
            let run = send_invitations(&state.db, Utc::now()).await;
            crate::ops::job_ran("survey_invitations", run.is_ok());
            match run {
                Ok(s) if s == EmailSummary::default() => {}
                Ok(s) => tracing::info!(
                    invited = s.invited,
                    reminded = s.reminded,
                    bounced = s.bounced,
                    "survey e-mails queued"
                ),
                Err(err) => tracing::warn!(error = %err, "survey e-mail job failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_placeholders_and_missing_links_are_named() {
        let mut t = default_template(MailKind::Invite, Lang::Vi);
        assert!(check(&t).is_empty());
        t.body_text = "Xin chào {ten}, {link}".into();
        assert_eq!(check(&t)[0].name, "{ten}");
        t.body_text = "Không có đường dẫn".into();
        assert_eq!(check(&t)[0].key, "fieldwork-email-error-link");
        t.body_text = "{link".into();
        assert_eq!(check(&t)[0].key, "fieldwork-email-error-unclosed");
        t.body_text = "{link}".into();
        t.body_html = "<p>{survey}</p>".into();
        assert_eq!(check(&t)[0].field, "body_html");
    }

    #[test]
    fn rendering_fills_placeholders_and_escapes_html() {
        let t = Template {
            kind: MailKind::Invite,
            lang: "vi".into(),
            subject: "{survey}\nx".into(),
            body_text: "{link} {unsubscribe} {deadline}".into(),
            body_html: "<a href=\"{link}\">{survey}</a>".into(),
        };
        let v = Values {
            link: "https://x/t/a".into(),
            unsubscribe: "https://x/u/a".into(),
            survey: "A & <B>".into(),
            deadline: "31/12/2026".into(),
        };
        let (s, b, h) = render(&t, &v);
        assert_eq!(s, "A & <B> x");
        assert_eq!(b, "https://x/t/a https://x/u/a 31/12/2026");
        assert_eq!(
            h,
            "<a href=\"https://x/t/a\" rel=\"noopener noreferrer\">A &amp; &lt;B&gt;</a>"
        );
        // What a designer types is cleaned: scripts, handlers, styles, frames, forms and other
        // link schemes never reach a respondent.
        let mut hostile = t.clone();
        hostile.body_html = "<p onclick=\"x()\" style=\"color:red\">Mời <b>ông/bà</b> {link}</p>\
            <script>x()</script><iframe src=\"https://e.vn\"></iframe><form action=\"https://e.vn\"><input></form>\
            <a href=\"javascript:x()\">a</a><a href=\"data:text/html,x\">b</a><img src=\"x\" onerror=\"x()\">"
            .into();
        let (_, _, h) = render(&hostile, &v);
        for bad in [
            "script",
            "onclick",
            "onerror",
            "style",
            "iframe",
            "form",
            "input",
            "javascript",
            "data:",
        ] {
            assert!(!h.contains(bad), "{bad} in {h}");
        }
        assert!(h.contains("<b>ông/bà</b> https://x/t/a"), "{h}");
    }

    #[test]
    fn the_pace_allows_mails_per_elapsed_minute() {
        let now = Utc::now();
        let mut s = Schedule::default_for(1, "http://x".into());
        s.pace = 10;
        assert_eq!(s.budget(now), 10);
        s.last_run_at = Some(now - chrono::Duration::seconds(30));
        assert_eq!(s.budget(now), 5);
        s.last_run_at = Some(now - chrono::Duration::days(3));
        assert_eq!(s.budget(now), 600);
        assert!(valid_base_url("https://khaosat.vn"));
        assert!(!valid_base_url("javascript:alert(1)"));
    }
}
