//! The OpenRosa benchmark: 1,000 devices at once, each sending 10 interviews with a photo
//! (a 24 KiB JPEG) to a `duluan serve --demo` process on SQLite, as ODK Collect does: multipart
//! with `xml_submission_file`, and a resend of the same instance whenever no 201 came back. A
//! third of the way the server is killed with SIGKILL and started again on the same data; the
//! devices keep resending. Checked after: exactly one response, one instance record and one
//! photo per instance sent (no loss, no duplicate). Timed: interviews stored per second and the
//! latency of the requests answered (p50, p99); reference in the same run: the HEAD request
//! (device authentication and nothing else) under the same load. Results:
//! `docs/benchmarks/openrosa.md`.

use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use duluan_forms::{Answer, Engine, Item, Question, QuestionType, Record, Text};
use reqwest::StatusCode;

use super::env_usize;
use super::fieldwork_email_kill::{ready, serve_with};
use crate::helpers::TestApp;
use crate::surveys::create_survey;

fn serve(dir: &std::path::Path, port: u16) -> Child {
    serve_with(dir, port, &["--survey-rate", "0"])
}

/// The demo questionnaire with a photo question.
fn form_with_photo() -> duluan_forms::Form {
    let mut form = duluan::surveys::demo_form();
    form.items.push(Item::Question(Question {
        name: "photo".into(),
        kind: QuestionType::Image,
        label: Text::plain("Ảnh chụp quang cảnh (không chụp người)"),
        parameters: Some("max-pixels=1024".into()),
        ..Default::default()
    }));
    form
}

/// A JPEG-shaped file of 24 KiB (the server checks the first bytes; it never decodes).
fn photo(seed: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..24 * 1024 - 4).map(|i| ((i * 31 + seed * 7) % 251) as u8));
    b
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test]
#[ignore = "benchmark: run on demand"]
async fn a_thousand_devices_send_through_a_kill_9() {
    let devices = env_usize("DULUAN_BENCH_OPENROSA_DEVICES", 1000);
    let each = env_usize("DULUAN_BENCH_OPENROSA_EACH", 10);
    let total = devices * each;
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

    // A survey with a photo question, published; an interviewer's device.
    app.login_demo("designer").await;
    let survey = create_survey(&app, "92", "Khảo sát có ảnh", true).await;
    let xlsx = duluan_forms::xlsform::export_xlsx(&form_with_photo()).unwrap();
    let page = app
        .upload(&format!("/surveys/{survey}/import"), "anh.xlsx", xlsx)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{survey}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // The form as stored (the import gives it the survey's own form id).
    let json = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1 AND published_at IS NOT NULL"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let engine = Engine::from_form(&duluan_forms::Form::from_json(&json).unwrap()).unwrap();
    let c = app.other_client();
    let hash = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT password_hash FROM users WHERE username = 'interviewer'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let unit = app.unit_id("92").await;
    duluan::accounts::create_user_with_hash(
        &app.db,
        "dtv_bench",
        "ĐTV bench",
        &hash,
        duluan::accounts::model::Role::Interviewer,
        unit,
    )
    .await
    .unwrap();
    c.login("dtv_bench", duluan::accounts::demo::DEMO_PASSWORD)
        .await;
    let page = c.post("/openrosa/devices", &[("label", "bench")]).await;
    let start = page
        .body
        .find("id=\"server-url\" readonly value=\"")
        .unwrap()
        + 32;
    let end = start + page.body[start..].find('"').unwrap();
    let device_base = page.body[start..end].to_string();

    // The instances, written before the clock starts.
    let instances: Arc<Vec<(String, String, Vec<u8>)>> = Arc::new(
        (0..total)
            .map(|k| {
                let mut r = Record::new();
                for (q, v) in [
                    ("age", (18 + k % 60).to_string()),
                    ("gender", ["1", "2"][k % 2].to_string()),
                    ("uses_online", "2".to_string()),
                    ("satisfaction", ((k % 5) + 1).to_string()),
                    ("photo", format!("{k}.jpg")),
                ] {
                    r.insert(q.into(), Answer::Value(v));
                }
                let id = format!("uuid:bench-{k:06}");
                let xml = duluan_forms::xform::write_instance_from(
                    engine.form(),
                    &duluan_forms::xform::Instance {
                        form_id: format!("duluan_{survey}"),
                        version: Some(engine.form().form.version.clone()),
                        instance_id: id.clone(),
                        deprecated_id: None,
                        case: None,
                        record: r,
                        files: Vec::new(),
                    },
                );
                (format!("{k}.jpg"), xml, photo(k))
            })
            .collect(),
    );

    let stored = Arc::new(AtomicUsize::new(0));
    let resends = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::with_capacity(total)));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for dv in 0..devices {
        let (instances, stored, resends, latencies, url) = (
            instances.clone(),
            stored.clone(),
            resends.clone(),
            latencies.clone(),
            format!("{device_base}/submission"),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap();
            for k in (dv * each)..(dv * each + each) {
                let (name, xml, bytes) = &instances[k];
                loop {
                    let form = reqwest::multipart::Form::new()
                        .part(
                            "xml_submission_file",
                            reqwest::multipart::Part::bytes(xml.as_bytes().to_vec())
                                .file_name("submission.xml")
                                .mime_str("text/xml")
                                .unwrap(),
                        )
                        .part(
                            name.clone(),
                            reqwest::multipart::Part::bytes(bytes.clone())
                                .file_name(name.clone())
                                .mime_str("image/jpeg")
                                .unwrap(),
                        );
                    let sent = Instant::now();
                    match client
                        .post(&url)
                        .header("X-OpenRosa-Version", "1.0")
                        .multipart(form)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            latencies
                                .lock()
                                .unwrap()
                                .push(sent.elapsed().as_secs_f64() * 1000.0);
                            stored.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Ok(r) => {
                            let s = r.status();
                            assert!(
                                s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS,
                                "refused: {s} {}",
                                r.text().await.unwrap_or_default()
                            );
                        }
                        Err(_) => {}
                    }
                    // As Collect: the form stays on the device and is sent again.
                    resends.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }));
    }
    // A reference under the same load: HEAD, which authenticates the device and nothing else.
    let head_client = reqwest::Client::new();
    let mut heads = Vec::new();
    while stored.load(Ordering::Relaxed) < total / 3 {
        let sent = Instant::now();
        if head_client
            .head(format!("{device_base}/submission"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::NO_CONTENT)
        {
            heads.push(sent.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "too slow before the kill"
        );
    }
    let before_kill = t.elapsed().as_secs_f64();
    let stored_at_kill = stored.load(Ordering::Relaxed);
    let mut before: Vec<f64> = latencies.lock().unwrap().clone();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let mut child = serve(dir.path(), port);
    ready(&base).await;
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = t.elapsed().as_secs_f64();
    child.kill().unwrap();
    child.wait().unwrap();

    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            duluan::with_db!(&db, |pool| sqlx::query_scalar::<_, i64>(sql)
                .bind(survey)
                .fetch_one(pool)
                .await
                .unwrap())
        }
    };
    let responses =
        count("SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND mode = 'offline'")
            .await;
    let records = count("SELECT COUNT(*) FROM survey_instances WHERE survey_id = $1").await;
    let photos = count("SELECT COUNT(*) FROM survey_response_files f JOIN survey_responses r ON r.id = f.response_id WHERE r.survey_id = $1").await;
    assert_eq!(responses, total as i64, "one response per instance");
    assert_eq!(records, total as i64, "one instance record per instance");
    assert_eq!(photos, total as i64, "one photo per instance");

    before.sort_by(f64::total_cmp);
    heads.sort_by(f64::total_cmp);
    let mut all = latencies.lock().unwrap().clone();
    all.sort_by(f64::total_cmp);
    println!(
        "OpenRosa ({} build, SQLite): {devices} devices × {each} interviews with a 24 KiB photo; \
         before the kill: {stored_at_kill} stored in {before_kill:.1} s ({:.0}/s), latency p50 \
         {:.0} ms, p99 {:.0} ms; HEAD under the same load p50 {:.1} ms, p99 {:.1} ms; killed \
         with SIGKILL and restarted; all {total} stored in {elapsed:.1} s ({:.0}/s overall), \
         {} resends; latency over the run p50 {:.0} ms, p99 {:.0} ms; responses {responses}, \
         instance records {records}, photos {photos}: no loss, no duplicate",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        stored_at_kill as f64 / before_kill,
        percentile(&before, 0.5),
        percentile(&before, 0.99),
        percentile(&heads, 0.5),
        percentile(&heads, 0.99),
        total as f64 / elapsed,
        resends.load(Ordering::Relaxed),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
    );
}
