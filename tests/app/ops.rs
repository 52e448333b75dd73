//! Operations through the real server: `/metrics` is closed without the deployment's token,
//! refuses a wrong one, and with it returns Prometheus text that a Prometheus text parser
//! (`prometheus-parse`) reads: request counts by route template and status (never a path with
//! ids), the latency histogram, survey submissions, the mail outbox's and the search index's
//! depth and the database pool.
//!
//! The recorder is global to the process and other tests run beside this one: counts are
//! checked to have grown by at least what this test did.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app, spawn_with};

const TOKEN: &str = "metrics-test-token-7f3a";

/// Python's reference parser of the text format (Debian `python3-prometheus-client`) turns
/// the scrape into one JSON sample per line: `[name, {labels}, value]`.
const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps([s.name, s.labels, s.value, family.type]))
"#;

/// Whether the parser is here; says why not (and fails when `DULUAN_TEST_PROMETHEUS=1`).
fn parser_available() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import prometheus_client.parser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("DULUAN_TEST_PROMETHEUS").as_deref() != Ok("1"),
            "DULUAN_TEST_PROMETHEUS=1 but Python's prometheus_client is missing (apt-get install python3-prometheus-client)"
        );
        eprintln!("skipped: Python's prometheus_client parser not found");
    }
    ok
}

/// One parsed sample.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
    kind: String,
}

/// The scrape, parsed by the reference parser (which fails on anything malformed).
async fn scrape(app: &TestApp) -> Vec<Sample> {
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let body = r.text().await.unwrap();
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused the scrape: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, labels, value, kind): (String, HashMap<String, String>, f64, String) =
                serde_json::from_str(l).unwrap();
            Sample {
                name,
                labels,
                value,
                kind,
            }
        })
        .collect()
}

/// The sum of the samples `name` whose labels include `labels`.
fn value(s: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    s.iter()
        .filter(|x| {
            x.name == name
                && labels
                    .iter()
                    .all(|(k, v)| x.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|x| x.value)
        .sum()
}

#[tokio::test]
async fn metrics_are_closed_without_the_token_and_parse_as_prometheus_text() {
    if !parser_available() {
        return;
    }
    // Without a configured token the route does not exist.
    let closed = spawn_app().await;
    let r = closed
        .client
        .get(format!("{}/metrics", closed.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    closed.stop().await;

    let app = spawn_with(|c| c.metrics_token = Some(TOKEN.to_string())).await;
    for auth in [None, Some("wrong"), Some("metrics-test-token-7f3b")] {
        let mut req = app.client.get(format!("{}/metrics", app.base));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(!r.text().await.unwrap().contains("duluan_http"));
    }

    let before = scrape(&app).await;
    let route = [("route", "/healthz"), ("status", "200")];
    let health_before = value(&before, "duluan_http_requests_total", &route);
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    }
    // A page with an id in its path counts under its template; an unknown path as unmatched.
    app.get("/surveys/987654/results").await;
    app.get("/no/such/page/123").await;
    let after = scrape(&app).await;
    assert!(value(&after, "duluan_http_requests_total", &route) >= health_before + 3.0);
    // A page with an id in its path counts under its template (a redirect to the login page
    // too); an unknown path as unmatched; no label holds the id.
    let results = [("route", "/surveys/{id}/results")];
    assert!(value(&after, "duluan_http_requests_total", &results) >= 1.0);
    assert!(
        value(
            &after,
            "duluan_http_requests_total",
            &[("route", "unmatched")]
        ) >= 1.0
    );
    assert!(
        after
            .iter()
            .filter(|s| s.name == "duluan_http_requests_total")
            .all(|s| !s.labels["route"].contains("987654")),
        "a path with an id became a label"
    );
    assert!(
        after
            .iter()
            .all(|s| s.name != "duluan_http_requests_total" || s.kind == "counter")
    );
    // The latency histogram of /healthz: cumulative buckets ending with +Inf, and a count.
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter(|s| {
            s.name == "duluan_http_request_duration_seconds_bucket"
                && s.labels.get("route").map(String::as_str) == Some("/healthz")
        })
        .map(|s| (s.labels["le"].parse::<f64>().unwrap(), s.value))
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() >= 10, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    let last = buckets.last().unwrap();
    assert!(last.0.is_infinite() && last.1 >= 3.0, "{last:?}");
    let count = value(
        &after,
        "duluan_http_request_duration_seconds_count",
        &[("route", "/healthz")],
    );
    assert_eq!(count, last.1);
    // Gauges read at the scrape.
    for name in [
        "duluan_mail_outbox_pending",
        "duluan_search_index_backlog",
        "duluan_db_pool_connections",
    ] {
        assert!(
            after.iter().any(|s| s.name == name && s.kind == "gauge"),
            "{name} missing"
        );
    }
    assert_eq!(value(&after, "duluan_up", &[]), 1.0);
    assert!(value(&after, "duluan_db_pool_connections", &[("state", "idle")]) >= 0.0);
    assert!(after.iter().any(|s| s.name == "duluan_db_pool_connections"
        && s.labels.get("state").map(String::as_str) == Some("in_use")));
    app.stop().await;
}

#[tokio::test]
async fn survey_submissions_are_counted() {
    if !parser_available() {
        return;
    }
    let app = spawn_with(|c| c.metrics_token = Some(TOKEN.to_string())).await;
    duluan::demo::load(&app.db).await.unwrap();
    let before = value(&scrape(&app).await, "duluan_survey_submissions_total", &[]);
    for age in 30..33 {
        let body = serde_json::json!({"id": uuid::Uuid::new_v4().to_string(), "complete": true,
                                      "answers": crate::surveys::demo_answers(age, "4")});
        let (status, _) = crate::surveys::submit(&app, crate::surveys::DEMO_KEY, body).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let after = value(&scrape(&app).await, "duluan_survey_submissions_total", &[]);
    assert!(after >= before + 3.0, "{before} → {after}");
    app.stop().await;
}

/// Every row of every table of the SQLite file at `path`, as text, by table (the search index
/// nodes' positions, which each indexer moves on its own schedule, left out).
fn tables(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'monitor_index_nodes' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = std::collections::BTreeMap::new();
    for t in names {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let keep: Vec<usize> = (0..stmt.column_count()).collect();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok(keep
                    .iter()
                    .map(|&i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

/// Interviews each of the four clients of the load submits.
const LOAD: u32 = 150;
/// Interviews of the whole load.
const TOTAL: usize = 4 * LOAD as usize;

#[tokio::test]
async fn a_backup_taken_under_load_restores_whole() {
    use duluan::ops::backup;
    // The public endpoint's rate limit would slow the load to 10 a second.
    let app = spawn_with(|c| c.survey_rate = 10_000.0).await;
    duluan::demo::load(&app.db).await.unwrap();
    let scratch = tempfile::tempdir().unwrap();
    if matches!(app.db, duluan::db::Db::Pg(_)) {
        // PostgreSQL is backed up with pg_dump: the command says so.
        let err = backup::backup(&app.db, &scratch.path().join("x.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
        eprintln!("skipped: backup and restore of the embedded database (PostgreSQL uses pg_dump)");
        return;
    }
    let live = app.data_dir().join(backup::DB_FILE);
    let before = tables(&live)["survey_responses"].len();
    // Load: four clients submitting interviews while the backup is taken.
    let mut load = Vec::new();
    for client in 0..4u32 {
        let app = app.other_client();
        load.push(tokio::spawn(async move {
            for k in 0..LOAD {
                let body = serde_json::json!({"id": uuid::Uuid::new_v4().to_string(), "complete": true,
                    "answers": crate::surveys::demo_answers(20 + (client * LOAD + k) % 60, "4")});
                let (status, _) = crate::surveys::submit(&app, crate::surveys::DEMO_KEY, body).await;
                assert_eq!(status, StatusCode::CREATED);
            }
        }));
    }
    // Once the load is under way (30 interviews in), the backup.
    loop {
        let n: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM survey_responses"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        if n as usize >= before + 30 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let first = scratch.path().join("under-load.db");
    let s = backup::backup(&app.db, &first).await.unwrap();
    assert!(s.tables > 50 && s.bytes > 0, "{s:?}");
    for l in load {
        l.await.unwrap();
    }
    let after = tables(&live);
    assert_eq!(after["survey_responses"].len(), before + TOTAL);

    // Restored into a new folder: whole (checked), and a snapshot of the live database — every
    // row it holds is in the live database, with some of the load's interviews and not others
    // taken in half.
    let restored_dir = tempfile::tempdir().unwrap();
    backup::restore(&first, restored_dir.path()).await.unwrap();
    let restored = tables(&restored_dir.path().join(backup::DB_FILE));
    assert_eq!(
        restored.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (t, rows) in &restored {
        let live_rows: std::collections::HashSet<&String> = after[t].iter().collect();
        for r in rows {
            assert!(
                live_rows.contains(r),
                "{t}: a restored row the live database never had: {r}"
            );
        }
    }
    let n = restored["survey_responses"].len();
    // Taken in the middle of the load.
    assert!(n < before + TOTAL, "the load was over before the backup");
    assert!(
        n >= before && n <= before + TOTAL,
        "{before} ≤ {n} ≤ {}",
        before + TOTAL
    );
    eprintln!(
        "backup under load: {} of the load's {TOTAL} interviews",
        n - before
    );

    // Once quiet, a second backup restores to exactly the live database, table by table.
    let second = scratch.path().join("quiet.db");
    backup::backup(&app.db, &second).await.unwrap();
    let restored_dir = tempfile::tempdir().unwrap();
    let s = backup::restore(&second, restored_dir.path()).await.unwrap();
    assert!(s.tables > 50);
    let restored = tables(&restored_dir.path().join(backup::DB_FILE));
    for (t, rows) in &after {
        assert_eq!(&restored[t], rows, "table {t} differs after restore");
    }
    // The search index was rebuilt in the restored folder.
    assert!(restored_dir.path().join("search-index").is_dir());

    // Refusals, each saying why, and nothing changed: an existing target, a damaged backup,
    // a folder a server holds.
    let err = backup::backup(&app.db, &second).await.unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let junk = scratch.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let err = backup::restore(&junk, restored_dir.path())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not an SQLite database") || err.to_string().contains("damaged"),
        "{err}"
    );
    let held = backup::lock_folder(restored_dir.path()).unwrap();
    let err = backup::restore(&second, restored_dir.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    drop(held);
    let unchanged = tables(&restored_dir.path().join(backup::DB_FILE));
    assert_eq!(
        unchanged["survey_responses"].len(),
        after["survey_responses"].len()
    );
    app.stop().await;
}

#[tokio::test]
async fn retention_deletes_what_is_past_its_time_and_says_how_much() {
    let app = spawn_with(|c| c.survey_rate = 10_000.0).await;
    duluan::demo::load(&app.db).await.unwrap();
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            duluan::with_db!(&db, |pool| sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(pool)
                .await
                .unwrap())
        }
    };
    let exec = |sql: String| {
        let db = app.db.clone();
        async move {
            duluan::with_db!(&db, |pool| sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .map(|_| ())
                .unwrap())
        }
    };
    // Two years ago: five monitored items (one labelled), the audit entries of the demo's
    // first user, and an unfinished interview.
    let now = chrono::Utc::now();
    let old = now - chrono::Duration::days(730);
    exec(format!(
        "UPDATE monitor_items SET occurred_at = {} WHERE id IN (SELECT id FROM monitor_items ORDER BY id LIMIT 5)",
        old.timestamp()
    ))
    .await;
    let items = count("SELECT COUNT(*) FROM monitor_items").await;
    let labels_on_old = count(
        "SELECT COUNT(*) FROM monitor_labels WHERE item_id IN (SELECT id FROM monitor_items ORDER BY id LIMIT 5)",
    )
    .await;
    let body = serde_json::json!({"id": uuid::Uuid::new_v4().to_string(), "complete": false,
                                  "answers": {"age": "40"}});
    let (status, _) = crate::surveys::submit(&app, crate::surveys::DEMO_KEY, body).await;
    assert_eq!(status, StatusCode::CREATED);
    let stamp = match &app.db {
        duluan::db::Db::Pg(_) => format!("'{}'", old.to_rfc3339()),
        _ => format!("'{}'", old.format("%Y-%m-%d %H:%M:%S%.f+00:00")),
    };
    exec(format!(
        "UPDATE survey_responses SET updated_at = {stamp} WHERE status = 'partial'"
    ))
    .await;
    let partials = count("SELECT COUNT(*) FROM survey_responses WHERE status = 'partial'").await;
    assert!(partials >= 1);
    // The audit log refuses updates: three old entries are written as they were then.
    for k in 0..3 {
        exec(format!(
            "INSERT INTO audit_log (at, user_id, username, action, object_type, object_id, unit_id, unit_path, ip, detail)
             VALUES ({stamp}, NULL, 'old', 'test.old', 'test', '{k}', NULL, '', '', '{{}}')"
        ))
        .await;
    }
    // …and deletes, outside the retention job.
    let refused = duluan::with_db!(&app.db, |pool| sqlx::query(
        "DELETE FROM audit_log WHERE action = 'test.old'"
    )
    .execute(pool)
    .await
    .is_err());
    assert!(refused, "the audit log let a delete through");
    let audit = count("SELECT COUNT(*) FROM audit_log").await;

    // The job with a year of audit, six months of items, ten days of unfinished responses.
    let data = tempfile::tempdir().unwrap();
    let mut config = duluan::config::Config::for_database(data.path().to_path_buf(), None);
    config.retain_monitoring_months = 6;
    config.retain_partial_days = 10;
    config.retain_audit_months = 12;
    let state = duluan::app::AppState::new(app.db.clone(), config);
    let purged = duluan::ops::retention::run(&state, now).await.unwrap();
    assert_eq!(purged.monitoring_items, 5);
    assert_eq!(purged.partial_responses as i64, partials);
    assert_eq!(purged.audit_entries, 3);
    assert_eq!(count("SELECT COUNT(*) FROM monitor_items").await, items - 5);
    assert_eq!(
        count("SELECT COUNT(*) FROM monitor_labels").await + labels_on_old
            - count("SELECT COUNT(*) FROM monitor_labels").await,
        labels_on_old
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM survey_responses WHERE status = 'partial'").await,
        0
    );
    // The run is audited with its counts, never contents.
    assert_eq!(count("SELECT COUNT(*) FROM audit_log").await, audit - 3 + 1);
    let detail: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT detail FROM audit_log WHERE action = 'retention.purge'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["monitoring_items"], 5);
    assert_eq!(detail["audit_entries"], 3);
    // Nothing left to delete: nothing done, nothing recorded.
    let again = duluan::ops::retention::run(&state, now).await.unwrap();
    assert_eq!(again, Default::default());
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.purge'").await,
        1
    );

    // The inventory: for the platform administrator only, with this deployment's periods.
    app.login_demo("viewer").await;
    assert_eq!(
        app.get("/admin/data-inventory").await.status,
        StatusCode::FORBIDDEN
    );
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let page = admin.get("/admin/data-inventory").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Danh mục dữ liệu cá nhân");
    page.assert_contains("collaborator_identities");
    page.assert_contains("survey_contacts");
    let csv = admin.get("/admin/data-inventory.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 15);
    assert!(rows.iter().any(|r| r[1].contains("survey_response_files")));
    assert!(rows.iter().any(|r| r[1].contains("orientation_recipients")));
    assert!(rows.iter().any(|r| r[1].contains("hotspot_task_comments")));
    assert!(rows.iter().any(|r| r[1].contains("audit_log")));
    app.stop().await;
}

#[tokio::test]
async fn a_job_runs_on_one_node_and_moves_when_its_node_stops() {
    // Two nodes on the same database (PostgreSQL in CI's second run).
    let app = spawn_app().await;
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node = |dir: &std::path::Path| {
        duluan::app::AppState::new(
            app.db.clone(),
            duluan::config::Config::for_database(dir.to_path_buf(), None),
        )
    };
    let (a, b) = (node(da.path()), node(db_.path()));
    assert_ne!(a.node, b.node);
    let period = std::time::Duration::from_secs(60);
    use duluan::ops::lease::hold;
    // Racing every tick: exactly one node runs the job, and it keeps it.
    let mut winners = Vec::new();
    for _ in 0..20 {
        let (x, y) = tokio::join!(hold(&a, "test_job", period), hold(&b, "test_job", period));
        assert!(x ^ y, "both or neither node ran the job: {x} {y}");
        winners.push(x);
    }
    assert!(winners.iter().all(|w| *w == winners[0]), "{winners:?}");
    let (holder, other) = if winners[0] { (&a, &b) } else { (&b, &a) };
    // Another job is independent.
    assert!(hold(other, "other_job", period).await);
    assert!(!hold(holder, "other_job", period).await);
    // The holder stops: the other node takes the job at its next tick.
    duluan::ops::lease::release_all(holder).await;
    assert!(hold(other, "test_job", period).await);
    assert!(!hold(holder, "test_job", period).await);
    // A holder that died without releasing: the job moves once its lease has expired.
    duluan::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE job_leases SET until = 0"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    assert!(hold(holder, "test_job", period).await);
    assert!(!hold(other, "test_job", period).await);
    app.stop().await;
}
