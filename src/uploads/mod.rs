//! Uploaded files read safely: every read of an uploaded spreadsheet, archive or document runs
//! off the async workers (`spawn_blocking`) with a time limit, and a file refused by
//! [`duluan_filecheck`] (too large, a zip bomb, a sheet of a million rows) gets a message in the
//! user's language that says what the file declares and what is read.
//!
//! The limits themselves live with each use (collaborator import, XLSForm import, monitoring
//! files), because what is reasonable differs: see their constants.

use std::time::Duration;

pub mod table;

use duluan_filecheck::Refusal;

use crate::web::i18n::{Lang, Tr};

/// Why a read did not finish.
#[derive(Debug)]
pub enum Unfinished {
    /// It took longer than its limit; the blocking thread is left to end on its own (its work
    /// is bounded by the file limits), the request is answered at once.
    TimedOut(Duration),
    /// The reader panicked: the file is unreadable (logged, never shown).
    Failed,
}

/// Runs a blocking read of an upload on tokio's blocking pool, within `limit`.
pub async fn read_blocking<T: Send + 'static>(
    limit: Duration,
    read: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Unfinished> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(read)).await {
        Err(_) => Err(Unfinished::TimedOut(limit)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading an upload failed");
            Err(Unfinished::Failed)
        }
        Ok(Ok(v)) => Ok(v),
    }
}

/// The message of an unfinished read.
pub fn unfinished_text(tr: Tr, u: &Unfinished) -> String {
    match u {
        Unfinished::TimedOut(limit) => tr.ta(
            "upload-error-timeout",
            &[("seconds", limit.as_secs().to_string())],
        ),
        Unfinished::Failed => tr.t("upload-error-unreadable"),
    }
}

/// The Fluent key of a refusal.
fn refusal_key(r: &Refusal) -> &'static str {
    match r {
        Refusal::FileTooLarge { .. } => "upload-refused-file-too-large",
        Refusal::TooManyEntries { .. } => "upload-refused-too-many-entries",
        Refusal::InflatedTooLarge { .. } => "upload-refused-inflated-too-large",
        Refusal::CompressionRatio { .. } => "upload-refused-compression-ratio",
        Refusal::SizeMismatch { .. } => "upload-refused-size-mismatch",
        Refusal::TooManySheets { .. } => "upload-refused-too-many-sheets",
        Refusal::SheetTooLarge { .. } => "upload-refused-sheet-too-large",
        Refusal::CellOutside { .. } => "upload-refused-cell-outside",
        Refusal::TooManyCells { .. } => "upload-refused-too-many-cells",
        Refusal::Damaged(_) => "upload-refused-damaged",
        Refusal::NotSpreadsheet(_) => "upload-refused-not-spreadsheet",
    }
}

/// A refusal in the user's language, numbers grouped as the language writes them.
pub fn refusal_text(tr: Tr, r: &Refusal) -> String {
    let sep = match tr.lang() {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    tr.ta(refusal_key(r), &r.args(sep))
}
