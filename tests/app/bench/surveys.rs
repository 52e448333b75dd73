//! Benchmarks of the surveys context, on SQLite:
//!
//! - `bench_submissions_over_http`: `DULUAN_BENCH_HTTP_CLIENTS` (1,000) concurrent clients post
//!   JSON submissions to a `duluan serve --demo` process for `DULUAN_BENCH_SECONDS` (10 s), in a
//!   closed loop, then paced; throughput and p50/p99 latency, against the raw SQLite
//!   batched-insert rate of `DULUAN_BENCH_RAW_ROWS` (100,000) of the same rows in the same run
//!   (printed as a ratio).
//! - `bench_exports`: `DULUAN_BENCH_EXPORT_ROWS` (1,000,000) complete responses × 100 variables
//!   exported to CSV, `.sav` and `.dta` (time and peak resident memory of the export alone).
//!
//! Results are recorded in `docs/benchmarks/surveys.md`.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use duluan::db::Db;
use duluan::with_db;
use serde_json::json;

use super::{env_usize, peak_rss_mib, reset_peak_rss};
use crate::surveys::{DEMO_KEY, demo_answers};

/// CPU seconds (user + system) used so far by process `pid` ("self" for this one).
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Where the server's log goes: the file `DULUAN_BENCH_SERVER_LOG` names (with
/// `DULUAN_BENCH_RUST_LOG=duluan=debug`, say, to see the writer's batches), else nowhere.
fn server_log() -> Stdio {
    match std::env::var("DULUAN_BENCH_SERVER_LOG") {
        Ok(path) => std::fs::File::create(path).unwrap().into(),
        Err(_) => Stdio::null(),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn bench_submissions_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_duluan"))
        .args([
            "serve",
            "--demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env_remove("DULUAN_DATABASE_URL")
        .env("DULUAN_SURVEY_RATE", "0")
        .env(
            "RUST_LOG",
            std::env::var("DULUAN_BENCH_RUST_LOG").unwrap_or_else(|_| "error".into()),
        )
        .stdout(Stdio::null())
        .stderr(server_log())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(2000)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let start = Instant::now();
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(start.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The demo's start-up jobs (OCR of the scanned letter, training the monitoring models,
    // clustering) run in the background: wait until the server is idle, so that the figures
    // are those of submissions.
    let server = child.id().to_string();
    let waited = Instant::now();
    let mut quiet = 0;
    while quiet < 5 && waited.elapsed() < Duration::from_secs(300) {
        let c = cpu_seconds(&server);
        tokio::time::sleep(Duration::from_secs(1)).await;
        if cpu_seconds(&server) - c < 0.03 {
            quiet += 1;
        } else {
            quiet = 0;
        }
    }
    println!(
        "server idle (5 quiet seconds) after {:.0} s; resident {} MiB (peak so far {} MiB)",
        waited.elapsed().as_secs_f64(),
        super::status_mib(&server, "VmRSS") as u64,
        super::status_mib(&server, "VmHWM") as u64,
    );
    let clients = env_usize("DULUAN_BENCH_HTTP_CLIENTS", 1000).max(1) as u32;
    let seconds = env_usize("DULUAN_BENCH_SECONDS", 10).max(1) as f64;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", load.trim());
    // Closed loop: every client posts again as soon as it has its answer (the most the server
    // takes; by Little's law the mean latency is then clients / throughput).
    let (s0, c0) = (cpu_seconds(&server), cpu_seconds("self"));
    let (n, elapsed, lat, errors) = load_run(&client, &base, clients, seconds, None).await;
    let (s1, c1) = (cpu_seconds(&server), cpu_seconds("self"));
    let http_rate = n as f64 / elapsed;
    let q = |p: f64| lat[((n as f64 * p) as usize).min(n.max(1) - 1)];
    println!(
        "HTTP closed loop: {n} durable submissions in {elapsed:.1} s = {http_rate:.0}/s with {clients} clients; p50 {:.1} ms, p99 {:.1} ms; errors {errors}",
        q(0.5),
        q(0.99),
    );
    println!(
        "  CPU: server {:.2} cores, load generator {:.2} cores ({:.0} µs of server CPU per submission)",
        (s1 - s0) / elapsed,
        (c1 - c0) / elapsed,
        (s1 - s0) * 1e6 / n.max(1) as f64
    );
    // Open loop: the same clients each post every 200 ms, an offered load of 5,000/s (with the
    // default 1,000 clients).
    let (s0, c0) = (cpu_seconds(&server), cpu_seconds("self"));
    let (n2, elapsed2, lat2, errors2) = load_run(
        &client,
        &base,
        clients,
        seconds,
        Some(Duration::from_millis(200)),
    )
    .await;
    let q2 = |p: f64| lat2[((n2 as f64 * p) as usize).min(n2.max(1) - 1)];
    println!(
        "HTTP paced at {}/s offered: {n2} in {elapsed2:.1} s = {:.0}/s with {clients} clients; p50 {:.1} ms, p99 {:.1} ms; errors {errors2}",
        clients * 5,
        n2 as f64 / elapsed2,
        q2(0.5),
        q2(0.99),
    );
    let (s1, c1) = (cpu_seconds(&server), cpu_seconds("self"));
    println!(
        "  CPU: server {:.2} cores, load generator {:.2} cores",
        (s1 - s0) / elapsed2,
        (c1 - c0) / elapsed2
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", load.trim());
    println!(
        "server memory after both runs: resident {} MiB, peak {} MiB",
        super::status_mib(&server, "VmRSS") as u64,
        super::status_mib(&server, "VmHWM") as u64,
    );
    child.kill().unwrap();
    child.wait().unwrap();

    // Reference: the same rows inserted straight into SQLite in batches of 1,000 per transaction.
    let ref_dir = tempfile::tempdir().unwrap();
    let db = Db::open_in_dir(ref_dir.path()).await.unwrap();
    db.migrate().await.unwrap();
    duluan::demo::load(&db).await.unwrap();
    let (survey_id, version_id): (i64, i64) = with_db!(&db, |pool| {
        sqlx::query_as(
        "SELECT s.id, v.id FROM surveys s JOIN survey_versions v ON v.survey_id = s.id WHERE s.public_key = $1"
    )
    .bind(DEMO_KEY)
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let rows = env_usize("DULUAN_BENCH_RAW_ROWS", 100_000).max(1024);
    let data = serde_json::to_string(&demo_answers(40, "4")).unwrap();
    let t = Instant::now();
    for batch in 0..rows / 1000 {
        let mut tx = pool.begin().await.unwrap();
        for i in 0..1000 {
            sqlx::query(
                "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
                 VALUES ($1, $2, $3, NULL, NULL, 'web', 'complete', '', $4, $5, NULL, $6, $6, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(format!("{batch}-{i}-{}", uuid::Uuid::new_v4()))
            .bind(survey_id)
            .bind(version_id)
            .bind(&data)
            .bind("digest")
            .bind(chrono::Utc::now())
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let per_row = (rows / 1000 * 1000) as f64 / t.elapsed().as_secs_f64();
    // The same rows with multi-row statements of 256 rows (as the server's writer does).
    let t = Instant::now();
    for batch in 0..rows / 1024 {
        let mut tx = pool.begin().await.unwrap();
        for part in 0..4 {
            let sql = format!(
                "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at) VALUES {} ON CONFLICT (id) DO NOTHING",
                vec![
                    "(?, ?, ?, NULL, NULL, 'web', 'complete', '', ?, 'digest', NULL, ?, ?, ?)";
                    256
                ]
                .join(",")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for i in 0..256 {
                let now = chrono::Utc::now();
                q = q
                    .bind(format!("m{batch}-{part}-{i}-{}", uuid::Uuid::new_v4()))
                    .bind(survey_id)
                    .bind(version_id)
                    .bind(&data)
                    .bind(now)
                    .bind(now)
                    .bind(now);
            }
            q.execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let multi_row = (rows / 1024 * 1024) as f64 / t.elapsed().as_secs_f64();
    let raw_rate = per_row.max(multi_row);
    println!(
        "raw SQLite batched inserts: {per_row:.0} rows/s one statement per row, {multi_row:.0} rows/s in statements of 256 rows (transactions of 1,000–1,024); HTTP/raw (best) ratio {:.3}",
        http_rate / raw_rate
    );
}

/// `clients` tasks posting complete demo submissions for `seconds`, each as soon as it has its
/// answer (`pace` none) or once per `pace` (staggered); returns (successes, elapsed seconds,
/// sorted latencies in ms, errors).
async fn load_run(
    client: &reqwest::Client,
    base: &str,
    clients: u32,
    seconds: f64,
    pace: Option<Duration>,
) -> (usize, f64, Vec<f64>, usize) {
    let latencies = Arc::new(Mutex::new(Vec::<(usize, f64)>::new()));
    let errors = Arc::new(Mutex::new(0usize));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..clients {
        let client = client.clone();
        let base = base.to_string();
        let latencies = latencies.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut i = 0u32;
            let mut tick = pace.map(|p| {
                let start = tokio::time::Instant::now() + p * k / clients;
                let mut t = tokio::time::interval_at(start, p);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            loop {
                if let Some(t) = tick.as_mut() {
                    t.tick().await;
                }
                if t0.elapsed().as_secs_f64() >= seconds {
                    break;
                }
                let body = json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(18 + (k + i) % 70, "4")});
                let t = Instant::now();
                match client.post(format!("{base}/s/{DEMO_KEY}/submissions")).json(&body).send().await {
                    Ok(r) if r.status().is_success() => mine.push((
                        (t - t0).as_secs_f64() as usize,
                        t.elapsed().as_secs_f64() * 1000.0,
                    )),
                    _ => *errors.lock().unwrap() += 1,
                }
                i += 1;
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let timed = latencies.lock().unwrap().clone();
    let mut lat: Vec<f64> = timed.iter().map(|(_, ms)| *ms).collect();
    lat.sort_by(f64::total_cmp);
    let n = lat.len();
    let errors = *errors.lock().unwrap();
    // p99 of the requests started in each second, to see whether the tail is spread or comes
    // from one moment.
    let mut by_second: Vec<Vec<f64>> = vec![Vec::new(); seconds.ceil() as usize + 1];
    let last = by_second.len() - 1;
    for (sec, ms) in timed {
        by_second[sec.min(last)].push(ms);
    }
    let per_second = by_second
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            format!(
                "{:.0}",
                v[((v.len() as f64 * 0.99) as usize).min(v.len() - 1)]
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "  p99 by second of start (ms): {per_second}; max {:.0} ms",
        lat.last().copied().unwrap_or(0.0)
    );
    (n, elapsed, lat, errors)
}

fn big_form() -> duluan_forms::Form {
    let mut items = Vec::new();
    for i in 0..100 {
        let q = match i % 5 {
            0 | 1 => {
                json!({"kind": "question", "name": format!("q{i}"), "type": "select_one agree",
                            "label": {"Tiếng Việt (vi)": format!("Câu {i}"), "English (en)": format!("Question {i}")}})
            }
            2 | 3 => json!({"kind": "question", "name": format!("q{i}"), "type": "integer",
                            "label": {"Tiếng Việt (vi)": format!("Số {i}"), "English (en)": format!("Number {i}")}}),
            _ => json!({"kind": "question", "name": format!("q{i}"), "type": "text",
                        "label": {"Tiếng Việt (vi)": format!("Ý kiến {i}"), "English (en)": format!("Comment {i}")}}),
        };
        items.push(q);
    }
    let choices: Vec<_> = (1..=5)
        .map(|c| json!({"name": c.to_string(), "label": {"Tiếng Việt (vi)": format!("Mức {c}"), "English (en)": format!("Level {c}")}}))
        .collect();
    let form = json!({"id": "bench", "version": "1", "title": "Bench", "items": items,
                      "choices": [{"name": "agree", "choices": choices}]});
    duluan_forms::Form::from_json(&form.to_string()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn bench_exports() {
    let rows = env_usize("DULUAN_BENCH_EXPORT_ROWS", 1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_in_dir(dir.path()).await.unwrap();
    db.migrate().await.unwrap();
    duluan::demo::load(&db).await.unwrap();
    let unit = duluan::orgs::resolve_unit_ref(&db, "92")
        .await
        .unwrap()
        .unwrap();
    let form = big_form();
    let input =
        duluan::surveys::model::SurveyInput::parse("Bench", "other", "1", "", "", true).unwrap();
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.unwrap();
    let survey =
        duluan::surveys::store::insert_survey(&mut tx, unit, &input, "bench", &form.to_json(), now)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let version = duluan::surveys::store::list_versions(&db, survey)
        .await
        .unwrap()[0]
        .id;
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    // Rows as the server stores them: a record's JSON with its keys in order (a `BTreeMap`).
    let mut names: Vec<String> = (0..100).map(|q| format!("q{q}")).collect();
    names.sort();
    let t = Instant::now();
    let mut k: u64 = 1;
    for batch in 0..rows.div_ceil(1000) {
        let mut tx = pool.begin().await.unwrap();
        for _ in 0..1000.min(rows - batch * 1000) {
            let mut record = String::with_capacity(2048);
            record.push('{');
            for (n, name) in names.iter().enumerate() {
                let q: usize = name[1..].parse().unwrap();
                k = k
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if n > 0 {
                    record.push(',');
                }
                use std::fmt::Write as _;
                match q % 5 {
                    0 | 1 => write!(record, "\"{name}\":\"{}\"", (k >> 33) % 5 + 1),
                    2 | 3 => write!(record, "\"{name}\":\"{}\"", (k >> 33) % 90 + 10),
                    _ => write!(record, "\"{name}\":\"ý kiến {}\"", (k >> 40) % 1000),
                }
                .unwrap();
            }
            record.push('}');
            sqlx::query(
                "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
                 VALUES ($1, $2, $3, NULL, NULL, 'web', 'complete', '', $4, '', NULL, $5, $5, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(survey)
            .bind(version)
            .bind(record)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!(
        "generated {rows} responses in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let engine = duluan::surveys::engine_for(&form.to_json()).unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before the exports: {}", load.trim());
    for file in [
        duluan::surveys::export::ExportFile::Responses,
        duluan::surveys::export::ExportFile::Sav,
        duluan::surveys::export::ExportFile::Dta,
    ] {
        let plan = duluan::surveys::export::plan(&engine, "vi");
        let columns = plan.vars.len();
        let job = duluan::surveys::export::ExportJob {
            survey_id: survey,
            file,
            plan,
            engine: engine.clone(),
            title: "Bench".into(),
            yes_no: ("Có chọn".into(), "Không chọn".into()),
            created: chrono::Utc::now(),
        };
        reset_peak_rss();
        let base_rss = peak_rss_mib();
        let t = Instant::now();
        // The same producer as the HTTP download, its chunks written to a file as they come.
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let path = dir.path().join("out");
        let writer = tokio::task::spawn_blocking({
            let path = path.clone();
            move || {
                use std::io::Write as _;
                let mut f = std::fs::File::create(path).unwrap();
                let mut bytes = 0usize;
                while let Some(chunk) = rx.blocking_recv() {
                    let chunk: axum::body::Bytes = Result::<_, std::io::Error>::unwrap(chunk);
                    bytes += chunk.len();
                    f.write_all(&chunk).unwrap();
                }
                bytes
            }
        });
        let written = duluan::surveys::export::produce(&db, &job, &tx)
            .await
            .unwrap();
        drop(tx);
        let size = writer.await.unwrap();
        assert_eq!(written as usize, rows);
        println!(
            "{file:?}: {rows} × {columns} columns in {:.1} s, {:.0} MB, peak RSS {:.0} MB (before {:.0} MB)",
            t.elapsed().as_secs_f64(),
            size as f64 / 1e6,
            peak_rss_mib(),
            base_rss
        );
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("load average after: {}", load.trim());
    }
}
