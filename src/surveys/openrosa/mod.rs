//! Offline collection (*thu thập ngoại tuyến*) over OpenRosa: interviewers collect on phones
//! with ODK Collect (or another OpenRosa client) where there is no connection, and send when
//! back in coverage. The same surveys, the same forms engine, the same cases as every other mode.
//!
//! - `devices.rs`: `/openrosa/devices`, where an interviewer adds a device (a random token shown
//!   once, in the server address the device is given; only its SHA-256 is kept) and revokes it.
//! - `protocol.rs`: the endpoints under `/openrosa/key/{token}`: `formList`, each survey's XForm
//!   (`duluan_forms::xform`, with a case list when the survey has cases released for offline
//!   collection) and manifest (the live version's form media files, `surveys::media`, and the
//!   case list), each media file and the case list, and `submission`.
//! - `submit.rs`: a submission read against the version it names and stored once per instance
//!   id (`survey_instances`), as mode `offline` on its case, with its files
//!   (`survey_response_files`); an edit (`deprecatedID`) replaces the answers of its response.
//! - `files.rs`: staff read a response's files (`ViewResponses`, each read audited).
//! - `encrypted/`: encrypted forms: submissions stored encrypted as they arrive, decrypted
//!   only at export with the private key staff give then (`/surveys/{id}/encrypted`).
//!
//! Invariants: a token opens only what its interviewer's `Interview` grants reach, and nothing
//! once revoked; an instance id is stored once (a resend with the same answers adds only files
//! that had not arrived; other answers under the same id are refused); an interview, its case,
//! its instance and its files are written in one transaction.

mod devices;
pub mod encrypted;
mod files;
pub mod model;
mod protocol;
mod store;
mod submit;

use crate::accounts::model::CurrentUser;
use crate::app::AppState;
use crate::audit::model::Actor;
use crate::web::i18n::Tr;

pub use store::list_files;

/// The device of a request and its interviewer.
pub struct DeviceUser {
    /// The device.
    pub device: store::Device,
    /// Its interviewer, active.
    pub user: CurrentUser,
}

impl DeviceUser {
    /// The interviewer's language.
    pub fn tr(&self) -> Tr {
        Tr(self.user.lang)
    }

    /// The actor of audit entries: the interviewer, through the device.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            username: self.user.username.clone(),
            ip: format!("device:{}", self.device.id),
        }
    }
}

/// The device whose token is in the path and its active interviewer, or a 401 OpenRosa answer.
pub(crate) async fn device_user(
    state: &AppState,
    token: &str,
) -> Result<DeviceUser, Box<axum::response::Response>> {
    let unauthorised = || {
        Box::new(protocol::message(
            axum::http::StatusCode::UNAUTHORIZED,
            &Tr(crate::web::i18n::Lang::Vi).t("openrosa-error-token"),
        ))
    };
    if token.is_empty() || token.len() > 128 {
        return Err(unauthorised());
    }
    let hash = crate::surveys::model::hash_secret(token);
    let device = match store::device_by_token(&state.db, &hash).await {
        Ok(Some(d)) => d,
        Ok(None) => return Err(unauthorised()),
        Err(e) => {
            tracing::error!(error = ?e, "device lookup failed");
            return Err(unauthorised());
        }
    };
    let user = match crate::accounts::load_current_user(&state.db, device.user_id).await {
        Ok(Some(u)) => u,
        _ => return Err(unauthorised()),
    };
    if let Err(e) = store::touch_device(&state.db, device.id, chrono::Utc::now()).await {
        tracing::warn!(error = ?e, "device last-seen not written");
    }
    Ok(DeviceUser { device, user })
}

/// `http(s)://host` as the client asked for it (`Host`, kept only when it is a host name or
/// address with a port), HTTPS when the server is configured behind TLS (`--secure-cookies`).
pub(crate) fn origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    crate::kit::origin::origin(state.config.secure_cookies, headers)
}

/// Routes: the devices page, the OpenRosa endpoints, and a response's files.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/openrosa/devices",
            get(devices::show_devices).post(devices::add_device),
        )
        .route(
            "/openrosa/devices/{id}/revoke",
            post(devices::revoke_device),
        )
        .route("/openrosa/key/{token}/formList", get(protocol::form_list))
        .route(
            "/openrosa/key/{token}/forms/{id}/form.xml",
            get(protocol::form_xml),
        )
        .route(
            "/openrosa/key/{token}/forms/{id}/manifest",
            get(protocol::manifest),
        )
        .route(
            "/openrosa/key/{token}/forms/{id}/media/{file}",
            get(protocol::media_file),
        )
        .route(
            "/openrosa/key/{token}/submission",
            axum::routing::head(protocol::submission_head)
                .post(protocol::submission_post)
                .layer(axum::extract::DefaultBodyLimit::max(
                    model::MAX_SUBMISSION_BYTES + (64 << 10),
                )),
        )
        .route(
            "/surveys/{id}/responses/{rid}/files/{name}",
            get(files::download_file),
        )
        .route(
            "/surveys/{id}/encrypted",
            get(encrypted::show_encrypted)
                .post(encrypted::export_encrypted)
                .layer(axum::extract::DefaultBodyLimit::max(
                    encrypted::crypto::MAX_KEY_BYTES + (8 << 10),
                )),
        )
}
