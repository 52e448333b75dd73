//! A received submission, from instance XML to the stored interview: the survey and version it
//! names, the answers read against that version and checked by the forms engine, the case it
//! names, and the store: once per instance id (a resend is recognised, its late files added), an
//! edit (`deprecatedID`) replacing the answers of the response it edits; nothing half-stored.

use chrono::Utc;
use duluan_forms::{Mode, Options, xform};
use serde_json::json;

use super::DeviceUser;
use super::model;
use super::store::{self, NewFile, NewInterview};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::surveys::model::CollectionMode;
use crate::surveys::respondent::record_json;

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Stored (a new interview, or an edit).
    Stored,
    /// Received before (a resend): nothing changed but files that had not arrived.
    Again,
    /// The answers are not valid for the form: the message says which and why.
    Invalid(String),
}

/// The root element's `id` and `version` (XForm instances carry both on their root).
fn root_of(xml: &[u8]) -> Result<(String, Option<String>), &'static str> {
    let text = std::str::from_utf8(xml).map_err(|_| "openrosa-error-xml")?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 200_000,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(text, opts).map_err(|_| "openrosa-error-xml")?;
    let root = doc.root_element();
    let id = root
        .attribute("id")
        .unwrap_or(root.tag_name().name())
        .to_string();
    Ok((id, root.attribute("version").map(str::to_string)))
}

fn invalid(tr: crate::web::i18n::Tr, detail: String) -> Outcome {
    Outcome::Invalid(tr.ta("openrosa-error-invalid", &[("detail", detail)]))
}

/// Every answer in NFC (Android keyboards may send decomposed Vietnamese).
fn nfc(record: &mut duluan_forms::Record) {
    use unicode_normalization::UnicodeNormalization as _;
    for answer in record.values_mut() {
        match answer {
            duluan_forms::Answer::Value(v) => {
                if !unicode_normalization::is_nfc(v) {
                    *v = v.nfc().collect();
                }
            }
            duluan_forms::Answer::Repeat(instances) => instances.iter_mut().for_each(nfc),
        }
    }
}

/// Stores a submission from a device.
pub async fn receive(
    state: &AppState,
    du: &DeviceUser,
    xml: &[u8],
    files: Vec<NewFile>,
) -> AppResult<Outcome> {
    let tr = du.tr();
    let db = &state.db;
    let (form_id, version) = root_of(xml).map_err(AppError::BadRequest)?;
    let survey_id =
        model::survey_of_form_id(&form_id).ok_or(AppError::BadRequest("openrosa-error-form"))?;
    let survey = crate::surveys::find_survey(db, survey_id)
        .await?
        .ok_or(AppError::BadRequest("openrosa-error-form"))?;
    if !crate::accounts::can(db, &du.user, Capability::Interview, survey.unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let version = version.ok_or(AppError::BadRequest("openrosa-error-version"))?;
    let Some(v) = crate::surveys::published_version(db, survey.id, &version).await? else {
        return Err(AppError::BadRequest("openrosa-error-version"));
    };
    let engine = crate::surveys::media::engine_of(db, &v).await?;
    // A version with a public key takes only encrypted submissions.
    if engine.form().form.public_key.is_some() {
        return Err(AppError::BadRequest("openrosa-error-encrypted-expected"));
    }
    let instance = match xform::read_instance(engine.form(), xml) {
        Ok(i) => i,
        Err(e) => {
            let text = if tr.lang() == crate::web::i18n::Lang::En {
                e.message_en
            } else {
                e.message_vi
            };
            let detail = match e.path {
                Some(p) => format!("{p}: {text}"),
                None => text,
            };
            return Ok(invalid(tr, detail));
        }
    };
    if instance.instance_id.trim().is_empty() || instance.instance_id.len() > 128 {
        return Err(AppError::BadRequest("openrosa-error-instance-id"));
    }
    // Only files the interview refers to are kept.
    let files: Vec<NewFile> = files
        .into_iter()
        .filter(|f| instance.files.contains(&f.name))
        .collect();
    let now = Utc::now();
    let opts = Options::new(
        tr.lang().code(),
        Mode::Interviewer,
        duluan_forms::DateTime {
            epoch_ms: now.timestamp_millis(),
            offset_minutes: 420,
        },
    );
    let mut record = instance.record.clone();
    nfc(&mut record);
    let eval = engine.evaluate(&record, &opts);
    let data = record_json(&eval.record);
    let digest = crate::surveys::model::digest_record(&data);

    // A resend of an instance stored before.
    if let Some(seen) = store::find_instance(db, &instance.instance_id).await? {
        if seen.survey_id != survey.id || seen.digest != digest {
            return Err(AppError::Conflict("openrosa-error-replay"));
        }
        let mut tx = db.begin().await?;
        store::add_files(&mut tx, &seen.response_id, &files, now).await?;
        tx.commit().await?;
        return Ok(Outcome::Again);
    }
    if !survey.accepts_on(Utc::now().date_naive()) {
        return Err(AppError::Conflict("openrosa-error-closed"));
    }
    if !eval.is_complete() {
        let detail = eval
            .issues()
            .take(5)
            .map(|q| {
                format!(
                    "{}: {}",
                    q.name,
                    q.issue.as_ref().map(|i| i.message.as_str()).unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(invalid(tr, detail));
    }
    let mut n = NewInterview {
        instance_id: &instance.instance_id,
        survey_id: survey.id,
        version_id: v.id,
        case_id: None,
        unit_id: Some(survey.unit_id),
        data: &data,
        digest: &digest,
        anonymous: survey.anonymous,
        device_id: du.device.id,
        user_id: du.user.id,
    };

    // An edit of an interview received before.
    if let Some(old) = instance.deprecated_id.as_deref().filter(|s| !s.is_empty()) {
        let seen = store::find_instance(db, old)
            .await?
            .filter(|s| s.survey_id == survey.id)
            .ok_or(AppError::BadRequest("openrosa-error-edit-unknown"))?;
        let mut tx = db.begin().await?;
        store::apply_edit(&mut tx, &seen.response_id, old, &n, &files, now).await?;
        audit::entry(&du.actor(), "survey.offline_edit")
            .object("survey_response", &seen.response_id)
            .unit(survey.unit_id)
            .detail(json!({"survey": survey.id, "device": du.device.id, "files": files.len()}))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        return Ok(Outcome::Stored);
    }

    // A new interview, of a case when the survey sends cases to devices.
    if store::has_offline_cases(db, survey.id).await? {
        let case_id = instance
            .case
            .as_deref()
            .and_then(model::parse_case)
            .ok_or(AppError::BadRequest("openrosa-error-case-missing"))?;
        let case = store::find_case(db, case_id)
            .await?
            .filter(|c| {
                c.survey_id == survey.id
                    && c.mode == CollectionMode::Offline
                    && c.released_at.is_some()
                    && c.assigned_to.is_none_or(|u| u == du.user.id)
            })
            .ok_or(AppError::BadRequest("openrosa-error-case-unknown"))?;
        if case.disposition == crate::surveys::model::Disposition::Complete.key() {
            return Err(AppError::Conflict("openrosa-error-case-done"));
        }
        n.case_id = Some(case.id);
        n.unit_id = case.unit_id.or(Some(survey.unit_id));
    }
    let mut tx = db.begin().await?;
    let Some(_response_id) = store::insert_interview(&mut tx, &n, &files, now).await? else {
        // The same instance arrived meanwhile by another request: answer as for a resend.
        drop(tx);
        return Ok(Outcome::Again);
    };
    tx.commit().await?;
    after_store(db, survey.id, survey.anonymous, n.case_id, &eval.record).await?;
    Ok(Outcome::Stored)
}

/// What follows a stored interview: quota counts, the submissions counter,
/// and on PostgreSQL a second write of an anonymous survey's case (so that the case and the
/// response do not carry the same transaction stamp).
async fn after_store(
    db: &Db,
    survey_id: i64,
    anonymous: bool,
    case_id: Option<i64>,
    record: &duluan_forms::Record,
) -> AppResult<()> {
    crate::surveys::fieldwork::quotas::live::count_completion(db, survey_id, case_id, record)
        .await?;
    if anonymous && let Some(case_id) = case_id {
        store::restamp_case(db, case_id).await?;
    }
    metrics::counter!("duluan_survey_submissions_total").increment(1);
    Ok(())
}
