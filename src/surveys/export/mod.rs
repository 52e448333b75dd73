//! Exports of complete responses (*xuất dữ liệu*): CSV (one row per response), the repeats as a
//! linked long table (`_id`, repeat, instance, variable, value), a codebook with labels in every
//! language of the questionnaire, XLSX, SPSS `.sav` with variable labels, value labels and
//! missing values, and Stata `.dta` with the same columns, variable labels and value labels, in
//! one chosen language.
//!
//! Responses are read in batches of 1,000 by id and written row by row, so the writers run in
//! memory that does not grow with the number of responses. An export of a survey with no
//! responses is a valid file with its header (and, for `.sav` and `.dta`, its whole
//! dictionary). A `.dta` file states its size before its rows: its rows go through a temporary
//! file first (see `dta.rs`).

pub mod dta;
pub mod sav;

mod csv_files;
mod plan;
mod spss;
mod stata;
mod stream;

pub use csv_files::{write_codebook, write_repeats};
pub use plan::*;
pub use spss::sav_variables;
pub use stata::dta_dictionary;
pub use stream::{each_row, produce};

use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use duluan_forms::Engine;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::{draft_version, live_version, store, survey_for};

/// Responses read from the database at a time (keyset pages by id).
pub const BATCH: i64 = 1000;
/// Capacity of the buffers a batch is written into.
const CHUNK: usize = 256 * 1024;
/// An XLSX sheet holds at most 1,048,576 rows, one of them the header.
pub const XLSX_MAX_ROWS: i64 = 1_048_575;

/// A piece of a streamed export; an error ends the download (the client sees it cut short).
pub type Chunk = Result<Bytes, io::Error>;

/// The files of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFile {
    /// `responses.csv`: one row per complete response.
    Responses,
    /// `repeats.csv`: the repeats as a long table.
    Repeats,
    /// `codebook.csv`: variables and values with their labels.
    Codebook,
    /// `responses.xlsx`.
    Xlsx,
    /// `responses.sav` (SPSS).
    Sav,
    /// `responses.dta` (Stata 14 and later, format 118).
    Dta,
}

impl ExportFile {
    /// The file of a download name.
    pub fn from_name(name: &str) -> Option<ExportFile> {
        Some(match name {
            "responses.csv" => ExportFile::Responses,
            "repeats.csv" => ExportFile::Repeats,
            "codebook.csv" => ExportFile::Codebook,
            "responses.xlsx" => ExportFile::Xlsx,
            "responses.sav" => ExportFile::Sav,
            "responses.dta" => ExportFile::Dta,
            _ => return None,
        })
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFile::Responses | ExportFile::Repeats | ExportFile::Codebook => {
                "text/csv; charset=utf-8"
            }
            ExportFile::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFile::Sav => "application/x-spss-sav",
            ExportFile::Dta => "application/x-stata-dta",
        }
    }
}

/// Everything one export needs, owned, so that it runs in its own task while the response
/// streams.
pub struct ExportJob {
    /// The survey.
    pub survey_id: i64,
    /// Which file.
    pub file: ExportFile,
    /// Its columns.
    pub plan: Plan,
    /// The questionnaire (for the codebook).
    pub engine: Arc<Engine>,
    /// File label (`.sav`), dataset label (`.dta`).
    pub title: String,
    /// Value labels of a choice column of a select-multiple: chosen, not chosen (`.sav`,
    /// `.dta`).
    pub yes_no: (String, String),
    /// Creation time written into the `.sav` and `.dta` headers.
    pub created: DateTime<Utc>,
}

/// Query of an export.
#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    lang: String,
}

/// `GET /surveys/{id}/export/{file}`: `responses.csv`, `repeats.csv`, `codebook.csv`,
/// `responses.xlsx`, `responses.sav`, `responses.dta` (`?lang=vi|en` for labels). Audited. The body streams:
/// it is written by [`produce`] in its own task while the client reads it.
pub async fn export_file(
    State(state): State<AppState>,
    auth: crate::web::ctx::Auth,
    Path((id, name)): Path<(i64, String)>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewResponses).await?;
    let file = ExportFile::from_name(&name).ok_or(AppError::NotFound)?;
    let version = match live_version(&state.db, id).await? {
        Some(v) => v,
        None => draft_version(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let engine = crate::surveys::media::engine_of(&state.db, &version).await?;
    let lang = if q.lang.is_empty() {
        auth.ctx.tr.lang().code().to_string()
    } else {
        q.lang.clone()
    };
    let plan = plan(&engine, &lang);
    let db = &state.db;
    if file == ExportFile::Xlsx && store::count_complete(db, id).await? > XLSX_MAX_ROWS {
        return Err(AppError::BadRequest("surveys-export-xlsx-too-large"));
    }
    if file == ExportFile::Dta && plan.vars.len() > dta::MAX_VARS {
        return Err(AppError::BadRequest("surveys-export-dta-too-wide"));
    }
    audit::record(
        db,
        &auth.ctx.actor(),
        "survey.export",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"file": name, "lang": lang}),
    )
    .await?;
    let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::parse(&lang).unwrap_or_default());
    let job = ExportJob {
        survey_id: id,
        file,
        plan,
        engine,
        title: s.title.clone(),
        yes_no: (tr.t("surveys-chosen"), tr.t("surveys-not-chosen")),
        created: Utc::now(),
    };
    let (tx, rx) = mpsc::channel::<Chunk>(2);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = produce(&db, &job, &tx).await {
            tracing::warn!(survey = job.survey_id, file = ?job.file, "export stopped: {e}");
            let _ = tx.send(Err(io::Error::other("export stopped"))).await;
        }
    });
    let name = format!("{}-wave{}-{}", s.series, s.wave, name);
    let mut r = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type()),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
