//! Tests of the surveys context through the real server: the designer (XLSForm import with
//! placed errors, live expression checks, preview, publication, export), web collection by
//! anonymous link and by one-time tokens, durable JSON submissions, the responses browser,
//! scoping, exports (CSV, XLSX, `.sav` read back by PSPP and pyreadstat, `.dta` read back by
//! pyreadstat and pandas), the results recomputed by R's `survey` package from the page's own
//! data and script (`rscript`), a `kill -9` during a load, the respondent journey in headless Chromium
//! at phone size, and the security classes of issue 13 (`trust`).

#[path = "surveys/browser.rs"]
mod browser;
mod browser_geo;
#[path = "surveys/collect.rs"]
mod collect;
#[path = "surveys/designer.rs"]
mod designer;
#[path = "surveys/exports.rs"]
mod exports;
#[path = "surveys/fieldwork.rs"]
mod fieldwork;
#[path = "surveys/fieldwork_e2e.rs"]
pub(crate) mod fieldwork_e2e;
#[path = "surveys/fieldwork_email.rs"]
pub(crate) mod fieldwork_email;
#[path = "surveys/fieldwork_phone.rs"]
mod fieldwork_phone;
#[path = "surveys/fieldwork_quotas.rs"]
mod fieldwork_quotas;
mod filters;
#[path = "surveys/index.rs"]
mod index;
#[path = "surveys/kill.rs"]
mod kill;
#[path = "surveys/media.rs"]
mod media;
#[path = "surveys/openrosa.rs"]
mod openrosa;
#[path = "surveys/openrosa_encrypted.rs"]
mod openrosa_encrypted;
#[path = "surveys/paper.rs"]
mod paper;
#[path = "surveys/paper_double.rs"]
mod paper_double;
#[path = "surveys/paper_races.rs"]
mod paper_races;
#[path = "surveys/paper_support.rs"]
mod paper_support;
#[path = "surveys/results.rs"]
mod results;
mod results_cache;
mod rscript;
#[path = "surveys/trust.rs"]
mod trust;
mod waves;
mod weighting;
mod weighting_units;

use duluan::db::Db;
use duluan::with_db;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

/// The public key of the demo survey (open, anonymous, published).
pub const DEMO_KEY: &str = "demo-chuyen-doi-so";

/// The id of the demo survey.
pub async fn demo_survey_id(app: &TestApp) -> i64 {
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE public_key = $1"
    )
    .bind(DEMO_KEY)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// Creates a survey at `unit_code` as the logged-in designer; returns its id.
pub async fn create_survey(app: &TestApp, unit_code: &str, title: &str, anonymous: bool) -> i64 {
    let unit = app.unit_id(unit_code).await.to_string();
    let mut form = vec![
        ("unit_id", unit.as_str()),
        ("title", title),
        ("purpose", "before"),
        ("wave", "1"),
    ];
    if anonymous {
        form.push(("anonymous", "1"));
    }
    let page = app.post("/surveys", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .strip_prefix("/surveys/")
        .unwrap()
        .parse()
        .unwrap()
}

/// The demo questionnaire as XLSForm bytes.
pub fn demo_xlsx() -> Vec<u8> {
    duluan_forms::xlsform::export_xlsx(&duluan::surveys::demo_form()).unwrap()
}

/// Posts a JSON submission; returns the status and the answer.
pub async fn submit(
    app: &TestApp,
    key: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .client
        .post(format!("{}/s/{key}/submissions", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(json!(null)))
}

/// A valid complete answer set of the demo questionnaire.
pub fn demo_answers(age: u32, satisfaction: &str) -> serde_json::Value {
    json!({"age": age.to_string(), "gender": "2", "uses_online": "1", "services": "tax civil",
           "satisfaction": satisfaction, "comment": "Cần hướng dẫn thêm"})
}

/// Every text value of every table (for privacy checks), as `(table, value)`.
pub async fn all_text(db: &Db) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{t}')"
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                for c in cols {
                    let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(
                        format!("SELECT CAST(\"{c}\" AS BLOB) FROM \"{t}\""),
                    ))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                    out.extend(
                        values.into_iter().flatten().map(|v| {
                            (format!("{t}.{c}"), String::from_utf8_lossy(&v).into_owned())
                        }),
                    );
                }
            }
        }
        Db::Pg(pool) => {
            let cols: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (t, c) in cols {
                let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT \"{c}\"::text FROM \"{t}\""
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                out.extend(
                    values
                        .into_iter()
                        .flatten()
                        .map(|v| (format!("{t}.{c}"), v)),
                );
            }
        }
    }
    out
}

/// On SQLite: after a checkpoint, `needle` is nowhere in the database file, not even in the
/// free space of its pages (what `secure_delete` guarantees for deleted rows). PostgreSQL keeps
/// dead row versions until vacuum and its files are not ours to read: nothing to check there.
pub async fn assert_not_in_file(app: &TestApp, needle: &str) {
    if let Db::Sqlite(pool) = &app.db {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(busy, 0, "the checkpoint could not finish");
        let file = std::fs::read(pool.connect_options().get_filename()).unwrap();
        assert!(
            !file.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "the database file still holds {needle}"
        );
    }
}
