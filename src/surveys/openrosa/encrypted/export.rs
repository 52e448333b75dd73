//! `/surveys/{id}/encrypted`: the encrypted submissions of a survey, for staff who export its
//! responses (`ViewResponses`). The page says how many wait; posting the form's private key
//! (PEM, at most [`MAX_KEY_BYTES`]) answers a ZIP: `submissions.csv` (one row per decrypted
//! submission: instance id, day received, then the columns of the CSV export), the decrypted
//! media under `media/<instance id>/<name>` (the id with characters other than letters, digits,
//! `.`, `-`, `_` written `_`) and `errors.csv` (each submission that did not decrypt, and why).
//! A key that is none of the survey's versions' keys is refused on the page. The key is parsed
//! off the async workers, used, and dropped: never stored, logged or audited; the export is
//! audited with its counts. The ZIP is built in temporary files, one submission in memory at a
//! time, then streamed.

use std::io::{Read, Seek, Write};
use std::sync::Arc;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use duluan_forms::{Engine, Mode, Options, xform};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::crypto::{self, Decrypted, Failure, MAX_KEY_BYTES, PrivateKey};
use super::manifest;
use super::store::{self, EncSubmission};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::export::{Plan, Row, VarKind, plan, read_values};
use crate::surveys::model::Survey;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// Submissions read from the database at a time.
const BATCH: i64 = 100;

#[derive(Template)]
#[template(path = "surveys/openrosa/encrypted.html")]
struct EncryptedTemplate {
    c: Chrome,
    survey_id: i64,
    count: i64,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    error: Option<String>,
) -> AppResult<Response> {
    let count = store::count_submissions(&state.db, s.id).await?;
    let mut c = auth.ctx.chrome("surveys-encrypted-title");
    c.title = format!("{} — {}", c.title, s.title);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = page(EncryptedTemplate {
        c,
        survey_id: s.id,
        count,
        error,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /surveys/{id}/encrypted`: how many encrypted submissions wait, and the key form.
pub async fn show_encrypted(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    render(&state, &auth, &s, None).await
}

/// A version of the survey whose key the given private key opens.
struct Opened {
    id: i64,
    version: String,
    engine: Arc<Engine>,
}

/// `POST /surveys/{id}/encrypted`: the ZIP of the decrypted submissions.
pub async fn export_encrypted(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let tr = auth.ctx.tr;
    let refuse = |key: &'static str| Some(tr.t(key));
    let Ok(mut multipart) = multipart else {
        return render(
            &state,
            &auth,
            &s,
            refuse("surveys-encrypted-key-unreadable"),
        )
        .await;
    };
    let mut pem = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("key") => match field.bytes().await {
                Ok(b) if b.len() <= MAX_KEY_BYTES => pem = b.to_vec(),
                _ => {
                    return render(&state, &auth, &s, refuse("surveys-encrypted-key-too-large"))
                        .await;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return render(&state, &auth, &s, refuse("surveys-encrypted-key-too-large")).await;
            }
            Err(_) => {
                return render(
                    &state,
                    &auth,
                    &s,
                    refuse("surveys-encrypted-key-unreadable"),
                )
                .await;
            }
        }
    }
    if pem.is_empty() {
        return render(&state, &auth, &s, refuse("surveys-encrypted-key-missing")).await;
    }
    // RSA key parsing is heavy arithmetic: off the async workers.
    let parsed = crate::uploads::read_blocking(std::time::Duration::from_secs(30), move || {
        let text = String::from_utf8(pem).map_err(|_| "surveys-encrypted-key-unreadable")?;
        PrivateKey::from_pem(&text)
    })
    .await
    .unwrap_or(Err("surveys-encrypted-key-unreadable"));
    let key = match parsed {
        Ok(k) => Arc::new(k),
        Err(k) => return render(&state, &auth, &s, refuse(k)).await,
    };
    let mut opened = Vec::new();
    for v in crate::surveys::store::list_versions(&state.db, s.id).await? {
        if v.published_at.is_none() {
            continue;
        }
        let engine = crate::surveys::media::engine_of(&state.db, &v).await?;
        if engine
            .form()
            .form
            .public_key
            .as_deref()
            .is_some_and(|pk| key.opens(pk))
        {
            opened.push(Opened {
                id: v.id,
                version: v.version,
                engine,
            });
        }
    }
    // The columns: those of the newest version this key opens.
    let Some(newest) = opened.last() else {
        return render(&state, &auth, &s, refuse("surveys-encrypted-wrong-key")).await;
    };
    let plan = Arc::new(plan(&newest.engine, tr.lang().code()));
    let built = build_zip(&state, s.id, key, &opened, plan, tr).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.encrypted_export",
        "survey",
        &s.id.to_string(),
        Some(s.unit_id),
        json!({"submissions": built.decrypted + built.failed, "decrypted": built.decrypted, "failed": built.failed}),
    )
    .await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let mut file = built.file;
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let name = format!("{}-wave{}-encrypted.zip", s.series, s.wave);
    let mut r = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// The ZIP being written and the two CSV files spooled beside it.
struct Zip {
    zip: zip::ZipWriter<std::fs::File>,
    rows: csv::Writer<std::fs::File>,
    errors: csv::Writer<std::fs::File>,
}

/// A finished ZIP, at its start, and its counts.
struct Built {
    file: std::fs::File,
    decrypted: u64,
    failed: u64,
}

fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("encrypted export: {e}"))
}

fn options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// The instance id as a folder name.
fn folder(instance_id: &str) -> String {
    instance_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn build_zip(
    state: &AppState,
    survey_id: i64,
    key: Arc<PrivateKey>,
    opened: &[Opened],
    plan: Arc<Plan>,
    tr: Tr,
) -> AppResult<Built> {
    let spool = || tempfile::tempfile().map_err(io);
    let mut rows = csv::Writer::from_writer(spool()?);
    let mut header = vec!["instance_id".to_string(), "received_on".to_string()];
    header.extend(
        plan.vars
            .iter()
            .filter(|v| !matches!(v.kind, VarKind::Meta))
            .map(|v| v.name.clone()),
    );
    rows.write_record(&header).map_err(io)?;
    let mut errors = csv::Writer::from_writer(spool()?);
    errors
        .write_record(["instance_id", "received_on", "problem", "file"])
        .map_err(io)?;
    let mut z = Zip {
        zip: zip::ZipWriter::new(spool()?),
        rows,
        errors,
    };
    let (mut decrypted, mut failed) = (0u64, 0u64);
    let mut after = 0;
    loop {
        let batch = store::list_submissions(&state.db, survey_id, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for sub in batch {
            let files = store::list_files(&state.db, sub.id).await?;
            let version = opened.iter().find(|o| o.id == sub.version_id);
            let engine = version.map(|o| (o.engine.clone(), o.version.clone()));
            let key = key.clone();
            let plan = plan.clone();
            let (back, ok) = tokio::task::spawn_blocking(move || {
                let ok = one_submission(&mut z, &key, &sub, &files, engine, &plan, tr);
                (z, ok)
            })
            .await
            .map_err(io)?;
            z = back;
            if ok? {
                decrypted += 1;
            } else {
                failed += 1;
            }
        }
    }
    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File, AppError> {
        let Zip {
            mut zip,
            rows,
            errors,
        } = z;
        for (name, w) in [("submissions.csv", rows), ("errors.csv", errors)] {
            let mut f = w.into_inner().map_err(io)?;
            f.flush().map_err(io)?;
            f.rewind().map_err(io)?;
            zip.start_file(name, options()).map_err(io)?;
            std::io::copy(&mut f, &mut zip).map_err(io)?;
        }
        let mut file = zip.finish().map_err(io)?;
        file.rewind().map_err(io)?;
        Ok(file)
    })
    .await
    .map_err(io)??;
    Ok(Built {
        file,
        decrypted,
        failed,
    })
}

/// Decrypts one submission into the ZIP: its row and media, or its line in `errors.csv`.
/// `Ok(true)` when it decrypted.
fn one_submission(
    z: &mut Zip,
    key: &PrivateKey,
    sub: &EncSubmission,
    files: &[store::EncFile],
    engine: Option<(Arc<Engine>, String)>,
    plan: &Plan,
    tr: Tr,
) -> AppResult<bool> {
    let day = sub.received_on.to_string();
    let fail = |z: &mut Zip, problem: String, file: &str| -> AppResult<bool> {
        z.errors
            .write_record([sub.instance_id.as_str(), &day, &problem, file])
            .map_err(io)?;
        Ok(false)
    };
    let Some((engine, version)) = engine else {
        return fail(z, tr.t("surveys-encrypted-fail-other-key"), "");
    };
    let m = match manifest::parse(sub.manifest.as_bytes()) {
        Ok(m) => m,
        Err(k) => return fail(z, tr.t(k), ""),
    };
    let d: Decrypted = match crypto::decrypt(key, &m, |name| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.bytes.as_slice())
    }) {
        Ok(d) => d,
        Err(f) => {
            let (k, file) = f.key_and_file();
            let file = file.to_string();
            return fail(z, tr.t(k), &file);
        }
    };
    let instance = match xform::read_instance(engine.form(), &d.xml) {
        Ok(i) => i,
        Err(e) => {
            let lang = if tr.lang() == crate::web::i18n::Lang::En {
                duluan_forms::Lang::En
            } else {
                duluan_forms::Lang::Vi
            };
            return fail(z, e.render(lang), "submission.xml");
        }
    };
    if instance.instance_id != m.instance_id {
        return fail(
            z,
            tr.t(Failure::Signature.key_and_file().0),
            "submission.xml",
        );
    }
    let opts = Options::new(
        tr.lang().code(),
        Mode::Interviewer,
        duluan_forms::DateTime {
            epoch_ms: 0,
            offset_minutes: 420,
        },
    );
    let eval = engine.evaluate(&instance.record, &opts);
    let data = crate::surveys::respondent::record_json(&eval.record);
    let mut values = Vec::new();
    read_values(plan, &data, &mut values);
    let row = Row {
        id: &m.instance_id,
        completed: &day,
        version: &version,
        values: &values,
    };
    let mut record = vec![m.instance_id.clone(), day.clone()];
    record.extend(
        plan.vars
            .iter()
            .filter(|v| !matches!(v.kind, VarKind::Meta))
            .map(|v| row.csv_cell(v).into_owned()),
    );
    z.rows.write_record(&record).map_err(io)?;
    let dir = folder(&m.instance_id);
    for (name, bytes) in &d.media {
        z.zip
            .start_file(format!("media/{dir}/{name}"), options())
            .map_err(io)?;
        z.zip.write_all(bytes).map_err(io)?;
    }
    Ok(true)
}
