//! The documents context's writes, one function per action: each begins a transaction, checks
//! the document's status inside it, writes, records its event and audit entry, and commits.

use chrono::{Datelike, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::documents::model::{
    BlockKind, BlockView, DocStatus, Heading, Issuer, NewBlock, Step, assemble, sha256_hex,
    transition,
};
use crate::documents::store::{self, NewDocument};
use crate::error::{AppError, AppResult};

fn user_of(actor: &Actor) -> i64 {
    actor.user_id.unwrap_or_default()
}

/// Reads the document inside the transaction and checks that `step` may be taken now.
async fn current(
    tx: &mut crate::db::Tx,
    id: i64,
    step: Step,
) -> AppResult<(store::Document, DocStatus)> {
    let d = store::find_document_in(tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = transition(d.status, step).map_err(AppError::Conflict)?;
    Ok((d, to))
}

/// Creates a draft with its blocks (`document.create`); returns its id.
pub async fn create_document(
    db: &Db,
    actor: &Actor,
    d: &NewDocument<'_>,
    blocks: &[NewBlock],
) -> AppResult<i64> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = store::insert_document(&mut tx, d, user_of(actor), now).await?;
    store::insert_blocks(&mut tx, id, 0, blocks).await?;
    store::insert_event(&mut tx, id, "document.create", "", user_of(actor), now).await?;
    audit::entry(actor, "document.create")
        .object("document", id)
        .unit(d.unit_id)
        .detail(json!({"kind": d.kind.key(), "period": d.period, "survey": d.survey_id, "blocks": blocks.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// What an edit of a draft changes.
pub enum Edit {
    /// The title.
    Title(String),
    /// A block's kind and text.
    Block {
        /// Block.
        id: i64,
        /// New kind (a heading or a paragraph may change into another of those).
        kind: BlockKind,
        /// New text or caption.
        text: String,
    },
    /// A new block after `after` (at the start when `None`).
    Insert {
        /// The block it follows.
        after: Option<i64>,
        /// The block.
        block: NewBlock,
    },
    /// Remove a block.
    Delete(i64),
    /// Move a block one place up (`true`) or down.
    Move(i64, bool),
}

/// Edits a draft (`document.edit`).
pub async fn edit_document(db: &Db, actor: &Actor, id: i64, edit: Edit) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let (d, _) = current(&mut tx, id, Step::Edit).await?;
    let blocks = store::list_blocks_in(&mut tx, id).await?;
    let index_of = |block: i64| {
        blocks
            .iter()
            .position(|b| b.id == block)
            .ok_or(AppError::NotFound)
    };
    let what = match &edit {
        Edit::Title(title) => {
            store::set_title(&mut tx, id, title, now).await?;
            json!({"title": true})
        }
        Edit::Block {
            id: block,
            kind,
            text,
        } => {
            let b = &blocks[index_of(*block)?];
            // A table stays a table and a chart a chart: only their captions change.
            let kind = if b.kind.is_text() && kind.is_text() {
                *kind
            } else {
                b.kind
            };
            store::update_block(&mut tx, *block, kind, text).await?;
            json!({"block": block, "kind": kind.key()})
        }
        Edit::Insert { after, block } => {
            if blocks.len() >= crate::documents::model::MAX_BLOCKS {
                return Err(AppError::BadRequest("documents-error-too-many"));
            }
            let at = match after {
                Some(a) => index_of(*a)? + 1,
                None => 0,
            };
            // Renumber from the insertion point: positions stay 0, 1, … in order.
            for (i, b) in blocks.iter().enumerate().skip(at) {
                store::set_position(&mut tx, b.id, i32::try_from(i + 1).unwrap_or(i32::MAX))
                    .await?;
            }
            store::insert_blocks(
                &mut tx,
                id,
                i32::try_from(at).unwrap_or(i32::MAX),
                std::slice::from_ref(block),
            )
            .await?;
            json!({"insert": block.kind.key(), "at": at})
        }
        Edit::Delete(block) => {
            index_of(*block)?;
            store::delete_block(&mut tx, *block).await?;
            json!({"delete": block})
        }
        Edit::Move(block, up) => {
            let i = index_of(*block)?;
            let j = if *up { i.checked_sub(1) } else { Some(i + 1) };
            if let Some(j) = j.filter(|j| *j < blocks.len()) {
                let (a, b) = (&blocks[i], &blocks[j]);
                store::set_position(&mut tx, a.id, i32::try_from(j).unwrap_or(i32::MAX)).await?;
                store::set_position(&mut tx, b.id, i32::try_from(i).unwrap_or(i32::MAX)).await?;
                // Earlier positions may not be dense (a deleted block): make them so.
                for (k, other) in blocks.iter().enumerate() {
                    if k != i && k != j {
                        store::set_position(&mut tx, other.id, i32::try_from(k).unwrap_or(0))
                            .await?;
                    }
                }
            }
            json!({"move": block, "up": up})
        }
    };
    store::touch(&mut tx, id, now).await?;
    audit::entry(actor, Step::Edit.action())
        .object("document", id)
        .unit(d.unit_id)
        .detail(what)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a draft for approval (`document.submit`) or returns it with a reason
/// (`document.return`).
pub async fn move_document(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: Step,
    note: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let (d, to) = current(&mut tx, id, step).await?;
    if !store::set_status(&mut tx, id, d.status, to, now).await? {
        return Err(AppError::Conflict("documents-error-step"));
    }
    store::insert_event(&mut tx, id, step.action(), note, user_of(actor), now).await?;
    audit::entry(actor, step.action())
        .object("document", id)
        .unit(d.unit_id)
        .detail(json!({"from": d.status.key(), "to": to.key(), "note": note}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// How long rendering one document may take before the approval is given up.
const RENDER_TIME: std::time::Duration = std::time::Duration::from_secs(60);

/// Renders a document to PDF and DOCX off the async workers.
pub async fn render(doc: duluan_documents::Document) -> AppResult<(Vec<u8>, Vec<u8>)> {
    let work = tokio::task::spawn_blocking(move || {
        let pdf = duluan_documents::to_pdf(&doc)?;
        let docx = duluan_documents::to_docx(&doc)?;
        Ok::<_, duluan_documents::Error>((pdf, docx))
    });
    match tokio::time::timeout(RENDER_TIME, work).await {
        Ok(Ok(Ok(files))) => Ok(files),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "documents: rendering refused");
            Err(AppError::BadRequest("documents-error-render"))
        }
        Ok(Err(e)) => Err(AppError::Internal(anyhow::anyhow!(
            "documents: render: {e}"
        ))),
        Err(_) => Err(AppError::Internal(anyhow::anyhow!(
            "documents: rendering took over {RENDER_TIME:?}"
        ))),
    }
}

/// Approves a document in review (`document.approve`): takes the next number of the issuer's
/// year, dates it today (Vietnam time), renders it with the issuer's settings of now, stores the
/// PDF and DOCX with their SHA-256 and the rendered document, marks the version it replaces
/// superseded, all in one transaction. Returns the number.
pub async fn approve_document(db: &Db, actor: &Actor, id: i64, issuer: &Issuer) -> AppResult<i32> {
    let now = Utc::now();
    let today = crate::kit::time::vn_date(now);
    let mut tx = db.begin().await?;
    let (d, _) = current(&mut tx, id, Step::Approve).await?;
    let blocks = store::list_blocks_in(&mut tx, id).await?;
    let number = store::next_number(&mut tx, d.unit_id, today.year()).await?;
    let views: Vec<BlockView<'_>> = blocks
        .iter()
        .map(|b| BlockView {
            kind: b.kind,
            text: &b.text,
            data: &b.data,
        })
        .collect();
    let doc = assemble(
        &Heading {
            issuer,
            title: &d.title,
            number: Some(number),
            issued_on: Some(today),
            draft: false,
            year: today.year(),
        },
        &views,
    );
    let frozen = serde_json::to_string(&doc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("documents: freeze: {e}")))?;
    let (pdf, docx) = render(doc).await?;
    let (pdf_hash, docx_hash) = (sha256_hex(&pdf), sha256_hex(&docx));
    if !store::set_approved(&mut tx, id, number, today, &frozen, user_of(actor), now).await? {
        return Err(AppError::Conflict("documents-error-step"));
    }
    store::insert_file(&mut tx, id, "pdf", &pdf, &pdf_hash).await?;
    store::insert_file(&mut tx, id, "docx", &docx, &docx_hash).await?;
    if let Some(prev) = d.previous_id {
        store::set_status(
            &mut tx,
            prev,
            DocStatus::Approved,
            DocStatus::Superseded,
            now,
        )
        .await?;
    }
    store::insert_event(
        &mut tx,
        id,
        Step::Approve.action(),
        &format!("{number}-{}", issuer.symbol),
        user_of(actor),
        now,
    )
    .await?;
    audit::entry(actor, Step::Approve.action())
        .object("document", id)
        .unit(d.unit_id)
        .detail(json!({
            "number": number, "symbol": issuer.symbol, "issued_on": today.to_string(),
            "pdf_sha256": pdf_hash, "docx_sha256": docx_hash, "supersedes": d.previous_id,
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(number)
}

/// Starts a new version of an approved document (`document.reissue`): a draft with the same
/// kind, title and blocks, which replaces the approved one when it is approved in turn.
pub async fn reissue_document(db: &Db, actor: &Actor, id: i64) -> AppResult<i64> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let (d, _) = current(&mut tx, id, Step::Reissue).await?;
    let blocks: Vec<NewBlock> = store::list_blocks_in(&mut tx, id)
        .await?
        .into_iter()
        .map(|b| NewBlock {
            kind: b.kind,
            text: b.text,
            data: b.data,
            source: b.source,
        })
        .collect();
    let new_id = store::insert_document(
        &mut tx,
        &NewDocument {
            unit_id: d.unit_id,
            kind: d.kind,
            period: &d.period,
            survey_id: d.survey_id,
            title: &d.title,
            version: d.version + 1,
            previous_id: Some(d.id),
        },
        user_of(actor),
        now,
    )
    .await?;
    store::insert_blocks(&mut tx, new_id, 0, &blocks).await?;
    store::insert_event(
        &mut tx,
        new_id,
        Step::Reissue.action(),
        "",
        user_of(actor),
        now,
    )
    .await?;
    audit::entry(actor, Step::Reissue.action())
        .object("document", new_id)
        .unit(d.unit_id)
        .detail(json!({"previous": d.id, "version": d.version + 1}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(new_id)
}

/// Sets a unit's issuer settings (`document.issuer`).
pub async fn save_issuer(db: &Db, actor: &Actor, unit_id: i64, issuer: &Issuer) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::put_issuer(&mut tx, unit_id, issuer, user_of(actor), Utc::now()).await?;
    audit::entry(actor, "document.issuer")
        .object("unit", unit_id)
        .unit(unit_id)
        .detail(json!({"layout": issuer.layout.key(), "symbol": issuer.symbol}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
