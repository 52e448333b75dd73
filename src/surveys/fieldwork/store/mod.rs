//! All SQL of fieldwork, one file per sub-resource: frames with their rows and contacts
//! (`frames.rs`), samples, the cases drawn from them, their release and weights (`samples.rs`),
//! the case list and history with the one read of a contact (`cases.rs`), and the counts behind
//! the monitor (`monitor.rs`), e-mail templates, schedules, due cases and mailed tokens
//! (`email.rs`), telephone fieldwork (`phone.rs`), and quotas with their counts and holds
//! (`quotas.rs`).
//!
//! Contacts sit in `survey_contacts`, keyed by frame row, and are only read one case at a time
//! by [`find_contact`] (the caller audits the read).

mod cases;
mod email;
mod frames;
mod monitor;
mod phone;
mod quotas;
mod samples;

pub use cases::*;
pub use email::*;
pub use frames::*;
pub use monitor::*;
pub use phone::*;
pub use quotas::*;
pub use samples::*;

/// Rows per multi-row INSERT (at most 11 parameters a row stays far below SQLite's limit).
pub(super) const CHUNK: usize = 500;

/// `($s, $s+1, …), (…)` for `rows` rows of `width` parameters from `$start`.
pub(super) fn values(start: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", crate::db::placeholders(start + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}
