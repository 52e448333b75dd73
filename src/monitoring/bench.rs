//! `duluan bench-monitoring`: the monitoring benchmarks of issue 8, on a fresh embedded database
//! in a temporary folder, through the real server.
//!
//! 1. Ingest: items through `POST /api/monitoring/items` (batches of 500, several concurrent
//!    clients) until every item is in the search index; reference in the same run: the same rows
//!    inserted straight into SQLite by the store (no HTTP, no checks, no index).
//! 2. Alert latency at 1,000,000 items a day: a day of items across the city's units and topics
//!    (plus a week of history at the same volume for the baselines) is stored, a surge arrives
//!    through the API, and one detection run is timed; the latency is the run time plus the
//!    scheduler's 30 s period. One clustering run is timed too.
//!
//! Search latency over 1,000,000 items is measured by `duluan-search`'s own benchmark
//! (`crates/search/examples/bench.rs`).

use std::time::Instant;

use crate::app::AppState;
use crate::monitoring::store::{self, NewItem};

/// Options of the benchmark.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// Items sent through the ingest API.
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    /// Concurrent API clients.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Items stored for the alert run (one day's volume).
    #[arg(long, default_value_t = 1_000_000)]
    pub day_items: usize,
    /// Days of history before that day, at the same volume (the baselines need at least 3).
    #[arg(long, default_value_t = 7)]
    pub history_days: usize,
}

const WORDS: &[&str] = &[
    "người dân",
    "phản ánh",
    "giá điện",
    "tăng cao",
    "ngập úng",
    "kéo dài",
    "đường sá",
    "xuống cấp",
    "bồi thường",
    "giải phóng mặt bằng",
    "học phí",
    "bệnh viện",
    "quá tải",
    "lừa đảo",
    "qua mạng",
    "sạt lở",
    "bờ sông",
    "rác thải",
    "ô nhiễm",
    "việc làm",
    "thu nhập",
    "chợ",
    "giá cả",
    "lo lắng",
    "đồng tình",
    "kiến nghị",
    "chính quyền",
    "sớm",
    "giải quyết",
    "an toàn",
    "giao thông",
];

fn text(i: usize) -> String {
    let mut s = String::new();
    let mut x = i as u64 * 2_654_435_761 + 12_345;
    for _ in 0..14 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
    }
    if i.is_multiple_of(3) {
        duluan_vitext::chars::fold(&s)
    } else {
        s
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs the benchmark and prints its figures.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let config = crate::config::Config::for_database(dir.clone(), None);
    let db = crate::app::prepare(&config).await?;
    crate::demo::load(&db).await?;
    let codes = crate::orgs::map_codes(&db).await?;
    let city = codes["92"];
    let wards: Vec<(String, i64)> = codes
        .iter()
        .filter(|(c, _)| c.len() == 5 && c.starts_with("31"))
        .map(|(c, id)| (c.clone(), *id))
        .collect();
    let running = crate::app::spawn(config.clone(), db.clone()).await?;
    let base = format!("http://{}", running.addr);
    let (token, hash) = crate::monitoring::model::new_token();
    let now = chrono::Utc::now().timestamp();
    let source = store::insert_source(
        &db,
        &store::NewSource {
            name: "bench",
            unit_id: city,
            token_hash: Some(&hash),
            token_hint: "…",
            ..store::NewSource::of(crate::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await?;
    let (before, _) = store::count_items(&db).await?;
    println!(
        "== ingest through the API, {} items, {} clients",
        args.items, args.clients
    );
    let client = reqwest::Client::new();
    let started = Instant::now();
    let per_client = args.items.div_ceil(args.clients);
    let mut tasks = vec![];
    for c in 0..args.clients {
        let client = client.clone();
        let base = base.clone();
        let token = token.clone();
        let wards = wards.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = vec![];
            let from = c * per_client;
            let to = ((c + 1) * per_client).min(args.items);
            let mut i = from;
            while i < to {
                let end = (i + 500).min(to);
                let items: Vec<serde_json::Value> = (i..end)
                    .map(|k| {
                        serde_json::json!({
                            "id": format!("b{k}"),
                            "text": text(k),
                            "area": wards[k % wards.len()].0,
                            // A month back: outside the window of the alert run below.
                            "time": now - 30 * 86_400 - (k as i64 % 86_400),
                        })
                    })
                    .collect();
                let t = Instant::now();
                let resp = client
                    .post(format!("{base}/api/monitoring/items"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "items": items }))
                    .send()
                    .await
                    .expect("request");
                assert!(
                    resp.status().is_success(),
                    "{}",
                    resp.text().await.unwrap_or_default()
                );
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                i = end;
            }
            latencies
        }));
    }
    let mut latencies = vec![];
    for t in tasks {
        latencies.extend(t.await?);
    }
    let stored = started.elapsed().as_secs_f64();
    loop {
        let (_, pending) = store::count_items(&db).await?;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let indexed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    let (after, _) = store::count_items(&db).await?;
    assert_eq!((after - before) as usize, args.items);
    println!(
        "stored: {:.1} s ({:.0} items/s); stored and indexed: {:.1} s ({:.0} items/s)",
        stored,
        args.items as f64 / stored,
        indexed,
        args.items as f64 / indexed
    );
    println!(
        "batch of 500: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms",
        p(0.5),
        p(0.95),
        p(0.99)
    );
    // Reference: the same rows straight into SQLite.
    let ref_dir = tempfile_dir()?;
    let ref_db = crate::db::Db::open_in_dir(&ref_dir).await?;
    ref_db.migrate().await?;
    crate::demo::load(&ref_db).await?;
    let ref_source = store::insert_source(
        &ref_db,
        &store::NewSource {
            name: "ref",
            unit_id: city,
            ..store::NewSource::of(crate::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await?;
    let ref_codes = crate::orgs::map_codes(&ref_db).await?;
    let t = Instant::now();
    let mut k = 0;
    while k < args.items {
        let end = (k + 500).min(args.items);
        let rows: Vec<NewItem> = (k..end)
            .map(|i| NewItem {
                external_id: format!("b{i}"),
                unit_id: ref_codes[&wards[i % wards.len()].0],
                occurred_at: now - 30 * 86_400 - (i as i64 % 86_400),
                lang: "vi".into(),
                body: text(i),
                quality: crate::monitoring::model::Quality::Good,
                ..Default::default()
            })
            .collect();
        store::insert_items(&ref_db, ref_source, None, &rows, now).await?;
        k = end;
    }
    let raw = t.elapsed().as_secs_f64();
    println!(
        "reference, raw batched SQLite inserts of the same rows: {:.0} items/s; API with indexing / raw = {:.2}",
        args.items as f64 / raw,
        (args.items as f64 / indexed) / (args.items as f64 / raw)
    );
    ref_db.close().await;
    let _ = std::fs::remove_dir_all(&ref_dir);

    println!("== alert latency at {} items a day", args.day_items);
    let state: AppState = running.state.clone();
    let topics = [
        "environment",
        "economy_prices",
        "traffic_order",
        "health",
        "land",
        "education",
    ];
    let t = Instant::now();
    let mut k = 0;
    // Days of history and the last day, all at the same volume, spread evenly over time: every
    // series has the same count in the same hour of each day, so only the surge is a spike.
    let total = args.day_items * (args.history_days + 1);
    while k < total {
        let end = (k + 5000).min(total);
        let rows: Vec<NewItem> = (k..end)
            .map(|i| {
                let age = (i as i64 * 86_400) / args.day_items.max(1) as i64;
                NewItem {
                    external_id: format!("d{i}"),
                    unit_id: wards[i % wards.len()].1,
                    occurred_at: now - age - 60,
                    lang: "vi".into(),
                    body: text(i),
                    quality: crate::monitoring::model::Quality::Good,
                    src_topic: Some(topics[i % topics.len()].to_string()),
                    skip_index: true,
                    ..Default::default()
                }
            })
            .collect();
        store::insert_items(&db, source, None, &rows, now).await?;
        k = end;
    }
    println!(
        "stored {total} items ({} days of history) in {:.1} s",
        args.history_days,
        t.elapsed().as_secs_f64()
    );
    // The surge: 60 items about flooding in one ward, through the API.
    let ward = &wards[0].0;
    let items: Vec<serde_json::Value> = (0..60)
        .map(|i| serde_json::json!({"id": format!("surge{i}"), "text": format!("Nước ngập sâu, ngập úng kéo dài ở khu vực {i}"), "area": ward, "topic": "environment"}))
        .collect();
    let ingested = Instant::now();
    let resp = client
        .post(format!("{base}/api/monitoring/items"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "items": items }))
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "surge refused");
    let t = Instant::now();
    let raised = crate::monitoring::alerts::run(&state, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let run_s = t.elapsed().as_secs_f64();
    println!(
        "one detection run: {run_s:.2} s, {raised} alert(s) raised; item ingested → alert raised {:.2} s, worst case with the 30 s schedule {:.1} s",
        ingested.elapsed().as_secs_f64(),
        30.0 + run_s
    );
    let t = Instant::now();
    crate::monitoring::streams::run(&state, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    println!(
        "one clustering run (emerging streams, in its own task): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    println!("peak memory of the process: {:.0} MiB", rss_mib());
    running.stop().await;
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("duluan-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
