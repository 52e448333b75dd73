//! The OpenRosa endpoints a device calls under `/openrosa/key/{token}` (the token of a device,
//! as ODK Central's app users): the form list, each form's XForm and manifest, the case list,
//! and submissions (HEAD for the size limit, POST multipart). Errors are answered in OpenRosa's
//! terms (an `OpenRosaResponse` message, 400/401/403/404/409/413) in the device user's language.

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use duluan_forms::xform;
use sha2::{Digest as _, Sha256};

use super::model::{self, CASES_FILE, MAX_FILES, MAX_INSTANCE_BYTES, MAX_SUBMISSION_BYTES};
use super::store::{self, NewFile};
use super::{DeviceUser, device_user};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::web::i18n::Tr;

/// An OpenRosa answer: XML with the protocol's headers.
fn openrosa(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert("X-OpenRosa-Version", HeaderValue::from_static("1.0"));
    h.insert(
        "X-OpenRosa-Accept-Content-Length",
        HeaderValue::from(MAX_SUBMISSION_BYTES),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An OpenRosa message with a status.
pub(super) fn message(status: StatusCode, text: &str) -> Response {
    openrosa(status, "text/xml; charset=utf-8", model::response_xml(text))
}

/// The error of a request as an OpenRosa message: a refused request says why in the device
/// user's language; an internal failure is logged and says only that it failed.
fn refuse(tr: Tr, e: AppError) -> Response {
    match e {
        AppError::NotFound => message(StatusCode::NOT_FOUND, &tr.t("openrosa-error-not-found")),
        AppError::Forbidden | AppError::Unauthorised { .. } => {
            message(StatusCode::FORBIDDEN, &tr.t("openrosa-error-forbidden"))
        }
        AppError::BadRequest(k) => message(StatusCode::BAD_REQUEST, &tr.t(k)),
        AppError::Conflict(k) => message(StatusCode::CONFLICT, &tr.t(k)),
        other => {
            tracing::error!(error = ?other, "openrosa request failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                &tr.t("openrosa-error-internal"),
            )
        }
    }
}

/// `http(s)://host/openrosa/key/{token}`: the base of the URLs a device is given.
fn base_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    format!("{}/openrosa/key/{token}", super::origin(state, headers))
}

/// The surveys a device user may collect today: open, in the field, with a published
/// version, owned by a unit where the user interviews.
async fn collectable(state: &AppState, du: &DeviceUser) -> AppResult<Vec<Survey>> {
    let units: Vec<i64> = crate::kit::scope::units(&state.db, &du.user, &[Capability::Interview])
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let today = Utc::now().date_naive();
    Ok(crate::surveys::surveys_of_units(&state.db, &units)
        .await?
        .into_iter()
        .filter(|s| s.accepts_on(today))
        .collect())
}

/// A survey a device user may collect (404 when it is not one).
async fn collectable_survey(state: &AppState, du: &DeviceUser, id: i64) -> AppResult<Survey> {
    let s = crate::surveys::find_survey(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::accounts::can(&state.db, &du.user, Capability::Interview, s.unit_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// The XForm of a survey's live version as a device downloads it.
async fn xform_of(state: &AppState, tr: Tr, s: &Survey) -> AppResult<Option<(String, String)>> {
    let Some(v) = crate::surveys::live_version(&state.db, s.id).await? else {
        return Ok(None);
    };
    let engine = crate::surveys::engine_for(&v.form_json)?;
    let case_list = if store::has_offline_cases(&state.db, s.id).await? {
        Some(xform::CaseList {
            file: CASES_FILE.to_string(),
            label: duluan_forms::Text::plain(&tr.t("openrosa-case-label")),
        })
    } else {
        None
    };
    let settings = xform::XFormSettings {
        form_id: model::form_id(s.id),
        version: v.version.clone(),
        title: s.title.clone(),
        case_list,
    };
    Ok(Some((v.version, xform::to_xform(engine.form(), &settings))))
}

/// `GET …/formList`: the forms the device user may collect (OpenRosa Form List API).
pub async fn form_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let du = match device_user(&state, &token).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let tr = du.tr();
    let result: AppResult<Response> = async {
        let base = base_url(&state, &headers, &token);
        let mut forms = Vec::new();
        for s in collectable(&state, &du).await? {
            let Some((version, xml)) = xform_of(&state, tr, &s).await? else {
                continue;
            };
            forms.push(model::ListedForm {
                form_id: model::form_id(s.id),
                name: s.title.clone(),
                version,
                hash: model::md5_hash(xml.as_bytes()),
                download_url: format!("{base}/forms/{}/form.xml", s.id),
                manifest_url: Some(format!("{base}/forms/{}/manifest", s.id)),
            });
        }
        Ok(openrosa(
            StatusCode::OK,
            "text/xml; charset=utf-8",
            model::form_list_xml(&forms),
        ))
    }
    .await;
    result.unwrap_or_else(|e| refuse(tr, e))
}

/// `GET …/forms/{id}/form.xml`: the XForm.
pub async fn form_xml(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let du = match device_user(&state, &token).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let tr = du.tr();
    let result: AppResult<Response> = async {
        let s = collectable_survey(&state, &du, id).await?;
        let (_, xml) = xform_of(&state, tr, &s).await?.ok_or(AppError::NotFound)?;
        Ok(openrosa(StatusCode::OK, "text/xml; charset=utf-8", xml))
    }
    .await;
    result.unwrap_or_else(|e| refuse(tr, e))
}

/// `GET …/forms/{id}/manifest`: the live version's form media files, and the case list when
/// the survey has offline cases.
pub async fn manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let du = match device_user(&state, &token).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let tr = du.tr();
    let result: AppResult<Response> = async {
        let s = collectable_survey(&state, &du, id).await?;
        let base = base_url(&state, &headers, &token);
        let mut files = Vec::new();
        if let Some(v) = crate::surveys::live_version(&state.db, s.id).await? {
            for f in crate::surveys::store::list_media(&state.db, v.id).await? {
                files.push(model::MediaFile {
                    download_url: format!("{base}/forms/{}/media/{}", s.id, f.file_name),
                    name: f.file_name,
                    hash: format!("md5:{}", f.md5),
                });
            }
        }
        if store::has_offline_cases(&state.db, s.id).await? {
            let csv = cases_csv(&state, tr, &du, s.id).await?;
            files.push(model::MediaFile {
                name: CASES_FILE.to_string(),
                hash: model::md5_hash(csv.as_bytes()),
                download_url: format!("{base}/forms/{}/media/{CASES_FILE}", s.id),
            });
        }
        Ok(openrosa(
            StatusCode::OK,
            "text/xml; charset=utf-8",
            model::manifest_xml(&files),
        ))
    }
    .await;
    result.unwrap_or_else(|e| refuse(tr, e))
}

async fn cases_csv(state: &AppState, tr: Tr, du: &DeviceUser, survey_id: i64) -> AppResult<String> {
    let rows: Vec<(i64, String)> = store::offline_cases(&state.db, survey_id, du.user.id)
        .await?
        .into_iter()
        .map(|(id, ext, stratum, cluster)| {
            let mut label = tr.ta("openrosa-case-line", &[("id", id.to_string())]);
            for part in [ext, cluster, stratum] {
                if !part.trim().is_empty() {
                    label.push_str(" · ");
                    label.push_str(part.trim());
                }
            }
            (id, label)
        })
        .collect();
    Ok(model::cases_csv(&rows))
}

/// `GET …/forms/{id}/media/{file}`: `cases.csv`, the cases this interviewer may collect, or a
/// form media file of the live version, byte for byte.
pub async fn media_file(
    State(state): State<AppState>,
    Path((token, id, file)): Path<(String, i64, String)>,
) -> Response {
    let du = match device_user(&state, &token).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let tr = du.tr();
    let result: AppResult<Response> = async {
        let s = collectable_survey(&state, &du, id).await?;
        if file == CASES_FILE {
            let csv = cases_csv(&state, tr, &du, s.id).await?;
            return Ok(openrosa(StatusCode::OK, "text/csv; charset=utf-8", csv));
        }
        let v = crate::surveys::live_version(&state.db, s.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (f, bytes) = crate::surveys::store::find_media(&state.db, v.id, &file)
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = duluan_forms::media::MediaKind::of(&f.file_name).ok_or(AppError::NotFound)?;
        let mut r = (StatusCode::OK, bytes).into_response();
        let h = r.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static(kind.content_type()),
        );
        h.insert(
            "X-OpenRosa-Version",
            axum::http::HeaderValue::from_static("1.0"),
        );
        Ok(r)
    }
    .await;
    result.unwrap_or_else(|e| refuse(tr, e))
}

/// `HEAD …/submission`: the device learns the size limit (204 with the OpenRosa headers).
pub async fn submission_head(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match device_user(&state, &token).await {
        Ok(_) => openrosa(
            StatusCode::NO_CONTENT,
            "text/xml; charset=utf-8",
            String::new(),
        ),
        Err(r) => *r,
    }
}

/// What a submission request carried.
struct Received {
    xml: Bytes,
    files: Vec<NewFile>,
    /// Encrypted files (`….enc`, an encrypted form's): ciphertext, no type to check.
    encrypted: Vec<super::encrypted::Part>,
}

/// Reads the multipart body: `xml_submission_file` and the files, each checked (name, type by
/// its bytes, count); the body's size is bounded by the route's limit.
async fn read_parts(mut multipart: Multipart) -> Result<Received, (StatusCode, &'static str)> {
    let mut xml = None;
    let mut files: Vec<NewFile> = Vec::new();
    let mut encrypted = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err((StatusCode::PAYLOAD_TOO_LARGE, "openrosa-error-too-large"));
            }
            Err(_) => return Err((StatusCode::BAD_REQUEST, "openrosa-error-multipart")),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err((StatusCode::PAYLOAD_TOO_LARGE, "openrosa-error-too-large"));
            }
            Err(_) => return Err((StatusCode::BAD_REQUEST, "openrosa-error-multipart")),
        };
        if name == "xml_submission_file" {
            if bytes.len() > MAX_INSTANCE_BYTES {
                return Err((StatusCode::PAYLOAD_TOO_LARGE, "openrosa-error-too-large"));
            }
            xml = Some(bytes);
        } else if let Some(raw) = file_name {
            // A device names each part after its file; the part's name is what the instance
            // refers to.
            let Some(clean) = model::attachment_name(&raw).or(model::attachment_name(&name)) else {
                return Err((StatusCode::BAD_REQUEST, "openrosa-error-file-name"));
            };
            if files.len() + encrypted.len() >= MAX_FILES {
                return Err((StatusCode::BAD_REQUEST, "openrosa-error-too-many-files"));
            }
            if clean.ends_with(".enc") {
                if bytes.is_empty() {
                    return Err((StatusCode::BAD_REQUEST, "openrosa-error-file-empty"));
                }
                encrypted.push(super::encrypted::Part {
                    name: clean.to_string(),
                    bytes: bytes.to_vec(),
                });
                continue;
            }
            let content_type =
                model::media_type(clean, &bytes).map_err(|k| (StatusCode::BAD_REQUEST, k))?;
            files.push(NewFile {
                name: clean.to_string(),
                content_type,
                sha256: hex::encode(Sha256::digest(&bytes)),
                bytes: bytes.to_vec(),
            });
        }
        // Other fields (`*isIncomplete*`, `deviceID`) carry nothing to keep.
    }
    let xml = xml.ok_or((StatusCode::BAD_REQUEST, "openrosa-error-no-instance"))?;
    Ok(Received {
        xml,
        files,
        encrypted,
    })
}

/// `POST …/submission`: one interview (or part of its files) from a device.
pub async fn submission_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let du = match device_user(&state, &token).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let tr = du.tr();
    let Ok(multipart) = multipart else {
        return message(StatusCode::BAD_REQUEST, &tr.t("openrosa-error-multipart"));
    };
    let received = match read_parts(multipart).await {
        Ok(r) => r,
        Err((status, key)) => return message(status, &tr.t(key)),
    };
    // An encrypted form's submission is a manifest naming its `.enc` files.
    let outcome = if super::encrypted::manifest::is_manifest(&received.xml) {
        super::encrypted::receive(&state, &du, &received.xml, received.encrypted).await
    } else {
        super::submit::receive(&state, &du, &received.xml, received.files).await
    };
    match outcome {
        Ok(super::submit::Outcome::Stored) => {
            message(StatusCode::CREATED, &tr.t("openrosa-stored"))
        }
        Ok(super::submit::Outcome::Again) => {
            message(StatusCode::CREATED, &tr.t("openrosa-stored-again"))
        }
        Ok(super::submit::Outcome::Invalid(text)) => message(StatusCode::BAD_REQUEST, &text),
        Err(e) => refuse(tr, e),
    }
}
