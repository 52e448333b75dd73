//! One document: its header as it will be issued, its blocks (edited in place while a draft:
//! each heading or paragraph its own form, tables and charts shown with their source), the
//! workflow's buttons, the history, and the hashes of the issued files.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::can;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::documents::actions::{self, Edit};
use crate::documents::model::{
    BlockKind, DocStatus, FigureData, NewBlock, Step, TableData, check_block_text, check_title,
};
use crate::documents::{issuer_of, store};
use crate::error::{AppError, AppResult};
use crate::kit::bounds;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::may_read;

/// A block as the page shows it.
pub struct BlockLine {
    id: i64,
    kind: &'static str,
    kind_label: String,
    text: String,
    is_text: bool,
    table: Option<TableData>,
    /// The chart, as an `<img>` data URL would break the content-security policy's rules for
    /// inline content; the SVG document is shown through its own route.
    figure: bool,
    source: String,
    number: usize,
}

/// The document page.
#[derive(Template)]
#[template(path = "documents/show.html")]
pub struct ShowTemplate {
    c: Chrome,
    d: store::Document,
    status: String,
    kind: String,
    unit: String,
    issuer: crate::documents::model::Issuer,
    issuer_set: bool,
    blocks: Vec<BlockLine>,
    events: Vec<(String, String, String, String)>,
    hashes: Vec<(String, String)>,
    successor: Option<(i64, String)>,
    editable: bool,
    can_write: bool,
    can_approve: bool,
    kinds: Vec<(&'static str, String)>,
    flash: Option<String>,
}

/// Flash query.
#[derive(Debug, Default, Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    ok: String,
}

async fn readable(state: &AppState, auth: &Auth, id: i64) -> AppResult<store::Document> {
    let d = store::find_document(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(state, auth, &d).await? {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

/// `GET /documents/{id}`.
pub async fn show_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let d = readable(&state, &auth, id).await?;
    let can_write = can(&state.db, &auth.user, Capability::ReviewReports, d.unit_id).await?;
    let can_approve = can(
        &state.db,
        &auth.user,
        Capability::ApproveDocuments,
        d.unit_id,
    )
    .await?;
    let (issuer, issuer_set) =
        match crate::documents::store::find_issuer(&state.db, d.unit_id).await? {
            Some(i) => (i, true),
            None => (issuer_of(&state, d.unit_id).await?, false),
        };
    let mut tables = 0;
    let mut figures = 0;
    let blocks = store::list_blocks(&state.db, id)
        .await?
        .into_iter()
        .map(|b| {
            let number = match b.kind {
                BlockKind::Table => {
                    tables += 1;
                    tables
                }
                BlockKind::Figure => {
                    figures += 1;
                    figures
                }
                _ => 0,
            };
            BlockLine {
                id: b.id,
                kind: b.kind.key(),
                kind_label: tr.t(&b.kind.label_key()),
                is_text: b.kind.is_text(),
                table: (b.kind == BlockKind::Table)
                    .then(|| serde_json::from_str(&b.data).unwrap_or_default()),
                figure: b.kind == BlockKind::Figure,
                text: b.text,
                source: b.source,
                number,
            }
        })
        .collect();
    let events = store::list_events(&state.db, id).await?;
    let user_ids: Vec<i64> = events.iter().filter_map(|e| e.2).collect();
    let users = crate::accounts::display_names(&state.db, &user_ids).await?;
    let events = events
        .into_iter()
        .map(|(action, note, user, at)| {
            (
                crate::kit::time::show(at),
                tr.t(&format!("documents-event-{}", action.replace('.', "-"))),
                user.and_then(|u| users.get(&u).cloned())
                    .unwrap_or_default(),
                note,
            )
        })
        .collect();
    let successor = store::find_successor(&state.db, id)
        .await?
        .map(|(sid, st)| (sid, tr.t(&st.label_key())));
    let unit = crate::orgs::unit_names(&state.db, &[d.unit_id])
        .await?
        .pop()
        .map(|u| u.1)
        .unwrap_or_default();
    let kinds = [
        BlockKind::Heading1,
        BlockKind::Heading2,
        BlockKind::Heading3,
        BlockKind::Paragraph,
    ]
    .into_iter()
    .map(|k| (k.key(), tr.t(&k.label_key())))
    .collect();
    let flash = ["saved", "submitted", "returned", "approved", "reissued"]
        .into_iter()
        .find(|k| *k == q.ok)
        .map(|k| tr.t(&format!("documents-flash-{k}")));
    Ok(page(ShowTemplate {
        c: auth.ctx.chrome_titled(d.title.clone()),
        status: tr.t(&d.status.label_key()),
        kind: tr.t(&d.kind.label_key()),
        unit,
        issuer,
        issuer_set,
        blocks,
        events,
        hashes: store::file_hashes(&state.db, id).await?,
        successor,
        editable: can_write && d.status == DocStatus::Draft,
        can_write,
        can_approve,
        kinds,
        flash,
        d,
    }))
}

/// `GET /documents/{id}/blocks/{block}.svg`: a chart block's SVG, for readers of the document.
pub async fn block_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, block)): Path<(i64, String)>,
) -> AppResult<Response> {
    use axum::http::header;
    let block = block
        .strip_suffix(".svg")
        .and_then(|b| b.parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    readable(&state, &auth, id).await?;
    let b = store::list_blocks(&state.db, id)
        .await?
        .into_iter()
        .find(|b| b.id == block && b.kind == BlockKind::Figure)
        .ok_or(AppError::NotFound)?;
    let f: FigureData = serde_json::from_str(&b.data).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        f.svg,
    )
        .into_response())
}

async fn writable(state: &AppState, auth: &Auth, id: i64) -> AppResult<store::Document> {
    let d = store::find_document(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(state, auth, &d).await? {
        return Err(AppError::NotFound);
    }
    crate::accounts::require(&state.db, &auth.user, Capability::ReviewReports, d.unit_id).await?;
    Ok(d)
}

/// The title form.
#[derive(Debug, Default, Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    title: String,
}

/// `POST /documents/{id}/title`.
pub async fn update_title(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<TitleForm>,
) -> AppResult<Response> {
    writable(&state, &auth, id).await?;
    let title = crate::kit::text::one_line(&f.title);
    check_title(&title).map_err(AppError::BadRequest)?;
    actions::edit_document(&state.db, &auth.ctx.actor(), id, Edit::Title(title)).await?;
    Ok(Redirect::to(&format!("/documents/{id}?ok=saved")).into_response())
}

/// A block's form.
#[derive(Debug, Default, Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    /// `save`, `delete`, `up`, `down`, `insert` (a new paragraph after this one).
    #[serde(default)]
    action: String,
}

/// `POST /documents/{id}/blocks/{block}`: save, delete, move or insert after.
pub async fn update_block(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, block)): Path<(i64, i64)>,
    Form(f): Form<BlockForm>,
) -> AppResult<Response> {
    writable(&state, &auth, id).await?;
    let kind = bounds::parse_choice(&f.kind, BlockKind::parse)?.unwrap_or(BlockKind::Paragraph);
    let edit = match f.action.as_str() {
        "save" | "" => {
            let text = if kind.is_text() {
                crate::kit::text::free_text(&f.text)
            } else {
                crate::kit::text::one_line(&f.text)
            };
            check_block_text(kind, &text).map_err(AppError::BadRequest)?;
            Edit::Block {
                id: block,
                kind,
                text,
            }
        }
        "delete" => Edit::Delete(block),
        "up" => Edit::Move(block, true),
        "down" => Edit::Move(block, false),
        "insert" => {
            let text = crate::kit::text::free_text(&f.text);
            check_block_text(kind, &text).map_err(AppError::BadRequest)?;
            if !kind.is_text() {
                return Err(AppError::BadRequest("documents-error-kind"));
            }
            Edit::Insert {
                after: Some(block),
                block: NewBlock::text(kind, text, ""),
            }
        }
        _ => return Err(AppError::BadRequest("documents-error-step")),
    };
    actions::edit_document(&state.db, &auth.ctx.actor(), id, edit).await?;
    Ok(Redirect::to(&format!("/documents/{id}?ok=saved#b{block}")).into_response())
}

/// The note of a workflow step.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    note: String,
}

/// `POST /documents/{id}/submit`.
pub async fn submit_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    writable(&state, &auth, id).await?;
    if store::list_blocks(&state.db, id).await?.is_empty() {
        return Err(AppError::BadRequest("documents-error-empty"));
    }
    actions::move_document(&state.db, &auth.ctx.actor(), id, Step::Submit, "").await?;
    Ok(Redirect::to(&format!("/documents/{id}?ok=submitted")).into_response())
}

async fn approvable(state: &AppState, auth: &Auth, id: i64) -> AppResult<store::Document> {
    let d = store::find_document(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(state, auth, &d).await? {
        return Err(AppError::NotFound);
    }
    crate::accounts::require(
        &state.db,
        &auth.user,
        Capability::ApproveDocuments,
        d.unit_id,
    )
    .await?;
    Ok(d)
}

/// `POST /documents/{id}/return` (a reason is required).
pub async fn return_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    approvable(&state, &auth, id).await?;
    let note = crate::kit::text::free_text(&f.note);
    if note.trim().is_empty() {
        return Err(AppError::BadRequest("documents-error-reason"));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::BadRequest("documents-error-block-long"));
    }
    actions::move_document(&state.db, &auth.ctx.actor(), id, Step::Return, &note).await?;
    Ok(Redirect::to(&format!("/documents/{id}?ok=returned")).into_response())
}

/// `POST /documents/{id}/approve`: only once the issuer's settings are complete.
pub async fn approve_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = approvable(&state, &auth, id).await?;
    let issuer = store::find_issuer(&state.db, d.unit_id)
        .await?
        .ok_or(AppError::BadRequest("documents-error-no-issuer"))?;
    issuer
        .check()
        .map_err(|_| AppError::BadRequest("documents-error-no-issuer"))?;
    actions::approve_document(&state.db, &auth.ctx.actor(), id, &issuer).await?;
    Ok(Redirect::to(&format!("/documents/{id}?ok=approved")).into_response())
}

/// `POST /documents/{id}/reissue`: a new version to edit.
pub async fn reissue_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    writable(&state, &auth, id).await?;
    if store::find_successor(&state.db, id).await?.is_some() {
        return Err(AppError::Conflict("documents-error-has-successor"));
    }
    let new_id = actions::reissue_document(&state.db, &auth.ctx.actor(), id).await?;
    Ok(Redirect::to(&format!("/documents/{new_id}?ok=reissued")).into_response())
}
