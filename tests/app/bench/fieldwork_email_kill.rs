//! The e-mail fieldwork benchmark with a crash: a `duluan serve --demo` process on SQLite fields
//! 100,000 e-mail cases by its own background jobs — the invitation job at the administrator's
//! highest pace (10,000 a minute) and the mail sender — into a local SMTP sink (aiosmtpd); once a
//! third has reached the sink the process is killed with SIGKILL and started again on the same
//! data. The run then waits for every invitation and checks: each case has exactly one
//! invitation in the outbox, one `invited` event and one mailed token; the sink holds every
//! address, and any address received twice (a message sent but not yet marked sent when the
//! process died) carries the same Message-ID both times, so that mail clients show it once. Timed:
//! invitations reaching the sink per minute; reference in the same run: the pace asked.
//! Results: `docs/benchmarks/fieldwork.md`.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::env_usize;
use super::fieldwork_email::{count, email_frame_released};
use crate::helpers::TestApp;
use crate::smtp::{SmtpServer, configure_mail};
use crate::surveys::demo_survey_id;
use crate::surveys::fieldwork_e2e::schedule_fields;

/// A `duluan serve --demo` process on SQLite in `dir` at `port`, with `extra` arguments, its
/// output discarded (also the OpenRosa benchmark's server).
pub(super) fn serve_with(dir: &std::path::Path, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_duluan"))
        .args(["serve", "--demo"])
        .args(extra)
        .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .env_remove("DULUAN_DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("duluan serve starts")
}

fn serve(dir: &std::path::Path, port: u16) -> Child {
    serve_with(dir, port, &[])
}

/// Waits until the server at `base` answers `/healthz` (at most 3 minutes).
pub(super) async fn ready(base: &str) {
    let client = reqwest::Client::new();
    let start = Instant::now();
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Distinct households' addresses at the sink, and the deliveries to them in all (the demo's
/// own mail to its staff, alerts and reminders, is left out).
fn at_sink(smtp: &SmtpServer) -> (usize, usize, Vec<(String, String)>) {
    let all: Vec<(String, String)> = smtp
        .deliveries()
        .into_iter()
        .filter(|(r, _)| r.ends_with("@example.vn"))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (r, _) in &all {
        *seen.entry(r.as_str()).or_default() += 1;
    }
    (seen.len(), all.len(), all.clone())
}

#[tokio::test]
#[ignore = "benchmark: run on demand"]
async fn invitations_survive_kill_9_of_the_server() {
    let n = env_usize("DULUAN_BENCH_EMAIL_KILL_CASES", 100_000);
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(dir.path(), port);
    ready(&base).await;
    let db = duluan::db::Db::open_in_dir(dir.path()).await.unwrap();
    let app = TestApp::for_server(base.clone(), db);
    configure_mail(&app, smtp.port).await;
    app.login_demo("designer").await;
    let survey = demo_survey_id(&app).await;
    let fw = format!("/surveys/{survey}/fieldwork");

    // The frame, drawn whole and released by e-mail.
    let setup = email_frame_released(&app, &fw, n).await;

    // The schedule at the highest pace, sending on: from here the server's jobs do the work.
    let fields = schedule_fields(&base, "10000");
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = app.post(&format!("{fw}/email"), &refs).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(&format!("{fw}/email/sending"), &[("sending", "on")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let t = Instant::now();
    while at_sink(&smtp).0 < n / 3 {
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "too slow before the kill"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_at = t.elapsed().as_secs_f64();
    let (distinct_at_kill, _, _) = at_sink(&smtp);
    let outbox = "SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE 'survey-mail:%'";
    let queued_at_kill = count(&app, outbox).await;

    // Started again on the same data: it goes on where it stood.
    let mut child = serve(dir.path(), port);
    ready(&base).await;
    let restarted = Instant::now();
    while at_sink(&smtp).0 < n {
        assert!(
            restarted.elapsed() < Duration::from_secs(7200),
            "not all delivered"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let total = t.elapsed().as_secs_f64();
    // A little longer: nothing more may arrive.
    tokio::time::sleep(Duration::from_secs(40)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        count(&app, outbox).await,
        n as i64,
        "one invitation per case in the outbox"
    );
    let invited = &format!(
        "SELECT COUNT(*) FROM survey_case_events WHERE kind = 'invited' AND case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})"
    );
    assert_eq!(count(&app, invited).await, n as i64);
    let distinct = &format!(
        "SELECT COUNT(DISTINCT case_id) FROM survey_case_events WHERE kind = 'invited' AND case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})"
    );
    assert_eq!(count(&app, distinct).await, n as i64);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM survey_case_tokens WHERE case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})")).await,
        n as i64
    );
    let (addresses, deliveries, all) = at_sink(&smtp);
    assert_eq!(addresses, n);
    let mut ids: HashMap<&str, Vec<&str>> = HashMap::new();
    for (r, m) in &all {
        ids.entry(r.as_str()).or_default().push(m.as_str());
    }
    let twice: Vec<_> = ids.iter().filter(|(_, m)| m.len() > 1).collect();
    for (r, m) in &twice {
        assert!(
            m.iter().all(|x| *x == m[0]),
            "{r} got two different messages: {m:?}"
        );
    }
    println!(
        "fieldwork e-mail with kill -9 (SQLite, {} build): {n} cases imported, drawn and released in \
         {setup:.1} s; killed after {killed_at:.0} s with {distinct_at_kill} delivered and \
         {queued_at_kill} queued; all {n} delivered {total:.0} s after sending started \
         ({:.0}/min overall, pace asked 10000/min); {} deliveries for {n} addresses, {} address(es) \
         received twice with the same Message-ID",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        n as f64 / total * 60.0,
        deliveries,
        twice.len(),
    );
}
