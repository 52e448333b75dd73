//! All SQL of the surveys context, one file per sub-resource: surveys and questionnaire
//! versions (`surveys.rs`), token cases (`cases.rs`), a respondent's responses (`responses.rs`),
//! JSON submissions and their SQLite writer thread (`submissions.rs`), form media files of
//! versions (`media.rs`), and staff's reads of
//! responses with exports' keyset batches (`browse.rs`). Callers use `store::name` as before.
//!
//! Responses never hold contact data; an anonymous survey's complete response keeps no case
//! link, no resume hash and only the day of its timestamps (see [`complete_response`]).

mod browse;
mod cases;
mod media;
mod responses;
mod submissions;
mod surveys;

pub use browse::*;
pub use cases::*;
pub use media::*;
pub use responses::*;
pub use submissions::*;
pub use surveys::*;

use chrono::{DateTime, Utc};

use crate::db::Db;

const SURVEY_COLS: &str = "SELECT id, unit_id, title, purpose, series, wave, field_start, field_end, anonymous, public_key, status FROM surveys ";
const VERSION_COLS: &str =
    "SELECT id, survey_id, version, form_json, published_at FROM survey_versions ";
const RESPONSE_COLS: &str = "SELECT id, survey_id, version_id, case_id, mode, status, page, data, unit_id, started_at, updated_at, completed_at FROM survey_responses ";

/// Which database a pool is (SQLite file or PostgreSQL host and database), to key in-memory
/// caches and writers shared by every pool of the process.
pub fn db_key(db: &Db) -> String {
    match db {
        Db::Sqlite(pool) => format!("sqlite:{}", pool.connect_options().get_filename().display()),
        Db::Pg(pool) => {
            let o = pool.connect_options();
            format!(
                "pg:{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            )
        }
    }
}

/// Midnight UTC of the instant's day: what an anonymous response keeps of its times.
pub fn day_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc()
}
