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
