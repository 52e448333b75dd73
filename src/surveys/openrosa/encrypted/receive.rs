//! An encrypted submission received from a device: its manifest read, the survey and version it
//! names checked (a version with a public key only), and stored as it came, once per instance
//! id, with its `.enc` files and an audit entry in one transaction. A resend with the same
//! manifest adds only the files that had not arrived (a device splits a large submission over
//! several requests); another manifest under the same instance id is refused.

use chrono::Utc;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::manifest;
use super::store::{self, EncFile, NewSubmission};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::openrosa::DeviceUser;
use crate::surveys::openrosa::model::survey_of_form_id;
use crate::surveys::openrosa::submit::Outcome;

/// A file part of a submission request: name and bytes, unchecked (ciphertext has no type).
pub struct Part {
    /// The part's file name.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Stores an encrypted submission from a device.
pub async fn receive(
    state: &AppState,
    du: &DeviceUser,
    xml: &[u8],
    parts: Vec<Part>,
) -> AppResult<Outcome> {
    let db = &state.db;
    let m = manifest::parse(xml).map_err(AppError::BadRequest)?;
    let survey_id =
        survey_of_form_id(&m.form_id).ok_or(AppError::BadRequest("openrosa-error-form"))?;
    let survey = crate::surveys::find_survey(db, survey_id)
        .await?
        .ok_or(AppError::BadRequest("openrosa-error-form"))?;
    if !crate::accounts::can(db, &du.user, Capability::Interview, survey.unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let version = m
        .version
        .as_deref()
        .ok_or(AppError::BadRequest("openrosa-error-version"))?;
    let Some(v) = crate::surveys::published_version(db, survey.id, version).await? else {
        return Err(AppError::BadRequest("openrosa-error-version"));
    };
    let engine = crate::surveys::engine_for(&v.form_json)?;
    if engine.form().form.public_key.is_none() {
        return Err(AppError::BadRequest("openrosa-error-not-encrypted"));
    }
    // Only the files the manifest names are kept.
    let files: Vec<EncFile> = parts
        .into_iter()
        .filter(|p| m.files().any(|n| n == p.name))
        .map(|p| EncFile {
            sha256: hex::encode(Sha256::digest(&p.bytes)),
            name: p.name,
            bytes: p.bytes,
        })
        .collect();
    let manifest_text =
        std::str::from_utf8(xml).map_err(|_| AppError::BadRequest("openrosa-error-xml"))?;
    let again = |seen: Option<(i64, String)>| match seen {
        Some((id, stored)) if stored == manifest_text => Ok(Some(id)),
        Some(_) => Err(AppError::Conflict("openrosa-error-replay")),
        None => Ok(None),
    };

    // A resend (or the rest of the files) of a submission received before.
    if let Some(id) = again(store::find_submission(db, survey.id, &m.instance_id).await?)? {
        let mut tx = db.begin().await?;
        store::add_files(&mut tx, id, &files).await?;
        tx.commit().await?;
        return Ok(Outcome::Again);
    }
    if !survey.accepts_on(Utc::now().date_naive()) {
        return Err(AppError::Conflict("openrosa-error-closed"));
    }
    let n = NewSubmission {
        survey_id: survey.id,
        version_id: v.id,
        instance_id: &m.instance_id,
        manifest: manifest_text,
        received_on: Utc::now().date_naive(),
        device_id: du.device.id,
    };
    let mut tx = db.begin().await?;
    let Some(id) = store::insert_submission(&mut tx, &n).await? else {
        // The same instance arrived meanwhile by another request: answer as for a resend.
        drop(tx);
        let seen = store::find_submission(db, survey.id, &m.instance_id).await?;
        let id = again(seen)?.ok_or(AppError::Conflict("openrosa-error-replay"))?;
        let mut tx = db.begin().await?;
        store::add_files(&mut tx, id, &files).await?;
        tx.commit().await?;
        return Ok(Outcome::Again);
    };
    store::add_files(&mut tx, id, &files).await?;
    audit::entry(&du.actor(), "survey.encrypted_received")
        .object("survey", survey.id.to_string())
        .unit(survey.unit_id)
        .detail(json!({"survey": survey.id, "version": v.version, "device": du.device.id, "files": files.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    metrics::counter!("duluan_survey_encrypted_submissions_total").increment(1);
    Ok(Outcome::Stored)
}
