//! A sheet whose pages are all read and whose items are all resolved lands: its answers, with
//! the verifiers' values over what was read, are checked by the forms engine and stored as a
//! response in mode `paper`; a refusal reopens the question's item with the engine's message.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::model::{self, ItemKind, SheetStatus};
use super::store::{self, Landing};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::surveys::respondent::record_json;

/// What became of a sheet after a change.
#[derive(Debug)]
pub enum Settled {
    /// Pages still to read.
    Waiting,
    /// Items open for a verifier.
    Verifying,
    /// Landed as a response: its id, its case, and the record (for the quotas, once committed).
    Landed(String, Option<i64>, duluan_forms::Record),
}

/// What follows committed landings: the quotas count them, and the submissions counter.
pub async fn after_commit(db: &crate::db::Db, survey_id: i64, landed: &[Settled]) -> AppResult<()> {
    for s in landed {
        if let Settled::Landed(_, case_id, record) = s {
            crate::surveys::fieldwork::quotas::live::count_completion(
                db, survey_id, *case_id, record,
            )
            .await?;
            metrics::counter!("duluan_survey_submissions_total").increment(1);
        }
    }
    Ok(())
}

/// The page numbers read of a sheet.
pub fn pages_read(sheet: &store::Sheet) -> Vec<u32> {
    serde_json::from_str(&sheet.pages_read).unwrap_or_default()
}

/// The answers read of a sheet.
pub fn answers(sheet: &store::Sheet) -> BTreeMap<String, String> {
    serde_json::from_str(&sheet.answers).unwrap_or_default()
}

/// Lands the sheet when it can, in the caller's transaction; `pages` is its layout's page count.
pub async fn settle(
    tx: &mut Tx,
    survey: &Survey,
    sheet_id: i64,
    pages: usize,
    lang: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Settled> {
    store::lock_sheet(tx, sheet_id).await?;
    let sheet = store::sheet_by_id(tx, sheet_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if sheet.status == SheetStatus::Landed {
        return Ok(Settled::Verifying);
    }
    let read = pages_read(&sheet);
    if (1..=pages as u32).any(|p| !read.contains(&p)) {
        return Ok(Settled::Waiting);
    }
    if store::open_items(tx, sheet.id).await? > 0 {
        store::update_sheet(
            tx,
            sheet.id,
            SheetStatus::Verifying,
            &sheet.answers,
            &sheet.pages_read,
        )
        .await?;
        return Ok(Settled::Verifying);
    }
    let mut values = answers(&sheet);
    for (question, value) in store::resolved_values(tx, sheet.id).await? {
        values.insert(question, value);
    }
    let form_json = store::form_of_version(tx, sheet.version_id).await?;
    let engine = crate::surveys::media::engine_in(tx, sheet.version_id, &form_json).await?;
    match model::check(&engine, &values, lang) {
        Ok(record) => {
            let data = record_json(&record);
            let digest = crate::surveys::model::digest_record(&data);
            let landing = Landing {
                sheet_id: sheet.id,
                case_id: sheet.case_id,
                user_id,
                survey_id: survey.id,
                version_id: sheet.version_id,
                data: &data,
                digest: &digest,
                unit_id: survey.unit_id,
                anonymous: survey.anonymous,
            };
            let id = store::land_sheet(tx, &landing, now).await?;
            Ok(Settled::Landed(id, sheet.case_id, record))
        }
        Err(refusals) => {
            for (question, message) in refusals {
                if !store::reopen_item(tx, sheet.id, &question, &message).await? {
                    store::insert_item(
                        tx,
                        sheet.id,
                        None,
                        &question,
                        ItemKind::Invalid,
                        values.get(&question).map(String::as_str).unwrap_or(""),
                        None,
                        &message,
                    )
                    .await?;
                }
            }
            store::update_sheet(
                tx,
                sheet.id,
                SheetStatus::Verifying,
                &sheet.answers,
                &sheet.pages_read,
            )
            .await?;
            Ok(Settled::Verifying)
        }
    }
}
