//! The verification queue (`VerifyForms`, the verifier; designers may help): one item at a time,
//! the crop beside the question's wording and choices, one form to type or pick the value
//! (autofocused, no script); a resolved item is stored with who and when (audited), and a sheet
//! left with no open item lands, or comes back with the forms engine's message on its item.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde_json::json;

use super::land::{self, Settled};
use super::model::{self, EntryStep, ItemKind};
use super::print::clerk_survey;
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// A choice offered.
pub struct ChoiceView {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "surveys/paper/verify.html")]
struct VerifyTemplate {
    c: Chrome,
    survey_id: i64,
    open: i64,
    item: Option<ItemView>,
    notice: String,
}

/// The item shown.
pub struct ItemView {
    id: i64,
    sheet: String,
    question: String,
    label: String,
    reason: String,
    read_as: String,
    message: String,
    has_crop: bool,
    multiple: bool,
    choices: Vec<ChoiceView>,
    /// Under double entry: which entry this is (`paper-entry-first`…), else empty.
    stage: String,
    /// Under adjudication: the two values keyed (never shown before both are in).
    entries: Vec<String>,
}

#[derive(Template)]
#[template(path = "surveys/paper/queues.html")]
struct QueuesTemplate {
    c: Chrome,
    /// `(survey id, title, open items)`.
    queues: Vec<(i64, String, i64)>,
}

/// `GET /paper/verify`: the surveys with items waiting, among those where the user is a clerk
/// (`VerifyForms` or `DesignSurveys` at the survey's unit).
pub async fn show_queues(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let mut queues = Vec::new();
    for (survey_id, n) in store::open_by_survey(&state.db).await? {
        let Some(s) = crate::surveys::find_survey(&state.db, survey_id).await? else {
            continue;
        };
        let mut clerk = false;
        for cap in [Capability::VerifyForms, Capability::DesignSurveys] {
            clerk = clerk || crate::accounts::can(&state.db, &auth.user, cap, s.unit_id).await?;
        }
        if clerk {
            queues.push((s.id, s.title, n));
        }
    }
    Ok(page(QueuesTemplate {
        c: auth.ctx.chrome_titled(tr.t("paper-queues-title")),
        queues,
    }))
}

/// `GET /surveys/{id}/paper/verify`: the next open item.
pub async fn show_verify(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    render(&state, &auth, id, String::new()).await
}

async fn render(state: &AppState, auth: &Auth, id: i64, notice: String) -> AppResult<Response> {
    let (s, _) = clerk_survey(state, auth, id).await?;
    let tr = auth.ctx.tr;
    let open = store::count_open(&state.db, s.id).await?;
    let settings = store::settings(&state.db, s.id).await?;
    // Under double entry a verifier is not offered what they keyed already.
    let keyer = settings.double_entry.then_some(auth.user.id);
    let item = match store::next_item(&state.db, s.id, keyer).await? {
        None => None,
        Some(i) => {
            let form_json = store::form_json(&state.db, i.version_id).await?;
            let engine =
                crate::surveys::media::engine_of_version(&state.db, i.version_id, &form_json)
                    .await?;
            let eval = engine.evaluate(&Default::default(), &model::options(tr.lang().code()));
            let q = eval.question(&i.question);
            let read: Vec<&str> = i.read_as.split_whitespace().collect();
            let multiple = q.is_some_and(|q| q.kind.is_select_multiple());
            let (stage, entries) = if settings.double_entry && i.kind == ItemKind::Key {
                let entries = store::entries_of_item(&state.db, i.id).await?;
                match entries.len() {
                    0 => (tr.t("paper-entry-first"), vec![]),
                    1 => (tr.t("paper-entry-second"), vec![]),
                    _ => (
                        tr.t("paper-entry-adjudicate"),
                        entries.into_iter().map(|e| e.value).collect(),
                    ),
                }
            } else {
                (String::new(), vec![])
            };
            Some(ItemView {
                id: i.id,
                sheet: i.sheet_key.trim_start_matches(['S', 'C']).to_string(),
                question: i.question.clone(),
                label: q.map(|q| q.label.clone()).unwrap_or_default(),
                reason: tr.t(&format!("paper-item-{}", i.kind.key())),
                read_as: i.read_as.clone(),
                message: i.message.clone(),
                has_crop: i.has_crop,
                multiple,
                choices: q
                    .map(|q| {
                        q.choices
                            .iter()
                            .map(|c| ChoiceView {
                                value: c.name.clone(),
                                label: c.label.clone(),
                                checked: read.contains(&c.name.as_str())
                                    && i.kind != ItemKind::Several,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                stage,
                entries,
            })
        }
    };
    Ok(page(VerifyTemplate {
        c: auth
            .ctx
            .chrome_titled(format!("{} — {}", tr.t("paper-verify-title"), s.title)),
        survey_id: s.id,
        open,
        item,
        notice,
    }))
}

/// `GET /surveys/{id}/paper/items/{item}/crop`: the item's crop (PNG).
pub async fn item_crop(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (s, _) = clerk_survey(&state, &auth, id).await?;
    let png = store::item_crop(&state.db, s.id, item)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        png,
    )
        .into_response())
}

/// `POST /surveys/{id}/paper/items/{item}`: resolves the item.
pub async fn resolve_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    // A typed `value`, or picked `choice`s (a select_multiple posts several).
    let typed = fields
        .iter()
        .find(|(k, _)| k == "value")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let picked: Vec<&str> = fields
        .iter()
        .filter(|(k, v)| k == "choice" && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
        .collect();
    let (s, _) = clerk_survey(&state, &auth, id).await?;
    let tr = auth.ctx.tr;
    let it = store::find_open_item(&state.db, s.id, item)
        .await?
        .ok_or(AppError::Conflict("paper-error-item-done"))?;
    let mut value = crate::kit::text::one_line(typed);
    if value.is_empty() {
        value = picked.join(" ");
    }
    if value.chars().count() > 2000 {
        return render(&state, &auth, id, tr.t("paper-error-value-long")).await;
    }
    let pages = {
        let json = store::layout_of(&state.db, it.version_id)
            .await?
            .ok_or(AppError::NotFound)?;
        serde_json::from_str::<duluan_paper::Layout>(&json)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored layout unreadable: {e}")))?
            .pages
            .len()
    };
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    // The sheet first (then its items): a verifier resolving its last item at the same time as
    // another waits, and lands it.
    store::lock_sheet(&mut tx, it.sheet_id).await?;
    // Double entry of keyed fields: a first entry and a second one that disagrees are stored
    // and leave the item open; an agreeing second entry or an adjudication resolves it.
    let mut stage = None;
    if it.kind == ItemKind::Key && store::settings_in(&mut tx, s.id).await?.double_entry {
        let entries: Vec<_> = store::entries_of(&mut tx, it.id)
            .await?
            .into_iter()
            .map(|e| (e.entry_no, e.user_id, e.value))
            .collect();
        let step = model::entry_step(&entries, auth.user.id).map_err(AppError::Conflict)?;
        if step != EntryStep::Adjudicate {
            let no = entries.len() as i64 + 1;
            if !store::insert_entry(&mut tx, it.id, no, auth.user.id, &value, now).await? {
                return Err(AppError::Conflict("paper-error-item-done"));
            }
            let agreed =
                matches!(&step, EntryStep::Second { first } if model::same_entry(first, &value));
            if !agreed {
                audit::entry(&auth.ctx.actor(), "survey.paper_entry")
                    .object("paper_item", it.id)
                    .unit(s.unit_id)
                    .detail(json!({"survey": s.id, "sheet": it.sheet_key,
                                   "question": it.question, "entry": no,
                                   "disagreement": no == 2}))
                    .write(&mut tx)
                    .await?;
                tx.commit().await?;
                return Ok(Redirect::to(&format!("/surveys/{}/paper/verify", s.id)).into_response());
            }
            value = value.trim().to_string();
        }
        stage = Some(if step == EntryStep::Adjudicate {
            "adjudicated"
        } else {
            "agreed"
        });
    }
    if !store::resolve_item(&mut tx, it.id, &value, auth.user.id, now).await? {
        return Err(AppError::Conflict("paper-error-item-done"));
    }
    let settled = land::settle(
        &mut tx,
        &s,
        it.sheet_id,
        pages,
        tr.lang().code(),
        auth.user.id,
        now,
    )
    .await?;
    audit::entry(&auth.ctx.actor(), "survey.paper_verify")
        .object("paper_item", it.id)
        .unit(s.unit_id)
        .detail(
            json!({"survey": s.id, "sheet": it.sheet_key, "question": it.question,
                       "double_entry": stage,
                       "response": match &settled { Settled::Landed(id, ..) => Some(id.as_str()), _ => None }}),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    land::after_commit(&state.db, s.id, &[settled]).await?;
    Ok(Redirect::to(&format!("/surveys/{}/paper/verify", s.id)).into_response())
}
