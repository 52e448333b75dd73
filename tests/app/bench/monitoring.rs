//! The monitoring benchmark (issue 8), through the real server:
//!
//! 1. Ingest: `DULUAN_BENCH_ITEMS` items through `POST /api/monitoring/items` (batches of 500,
//!    `DULUAN_BENCH_API_CLIENTS` concurrent clients) until every item is in the search index;
//!    reference in the same run: the same rows inserted by the store into a second fresh
//!    database of the same backend (no HTTP, no checks, no index).
//! 2. Alert latency at `DULUAN_BENCH_DAY_ITEMS` items a day: a day of items across the city's
//!    units and topics (plus `DULUAN_BENCH_HISTORY_DAYS` days of history at the same volume for
//!    the baselines) is stored, a surge arrives through the API, and one detection run is timed;
//!    the latency is the run time plus the scheduler's 30 s period. One clustering run is timed
//!    too.
//!
//! Search latency over 1,000,000 items is measured by `duluan-search`'s own benchmark
//! (`crates/search/examples/bench.rs`). Results: `docs/benchmarks/monitoring.md`.

use std::time::Instant;

use duluan::monitoring::store::{self, NewItem};

use super::{env_usize, peak_rss_mib, reset_peak_rss};
use crate::helpers::{database_only, spawn_demo};

/// Sizes of the run (environment variables, see `bench/mod.rs`).
#[derive(Clone, Copy)]
struct Args {
    items: usize,
    clients: usize,
    day_items: usize,
    history_days: usize,
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
    let s = super::words_text(WORDS, 14, i as u64 * 2_654_435_761 + 12_345);
    if i.is_multiple_of(3) {
        duluan_vitext::chars::fold(&s)
    } else {
        s
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn ingest_and_alerts() {
    let args = Args {
        items: env_usize("DULUAN_BENCH_ITEMS", 100_000),
        clients: env_usize("DULUAN_BENCH_API_CLIENTS", 4).max(1),
        day_items: env_usize("DULUAN_BENCH_DAY_ITEMS", 1_000_000),
        history_days: env_usize("DULUAN_BENCH_HISTORY_DAYS", 7),
    };
    reset_peak_rss();
    let app = spawn_demo().await;
    let db = app.db.clone();
    println!("backend: {}", db.backend());
    let codes = duluan::orgs::map_codes(&db).await.unwrap();
    let city = codes["92"];
    let wards: Vec<(String, i64)> = codes
        .iter()
        .filter(|(c, _)| c.len() == 5 && c.starts_with("31"))
        .map(|(c, id)| (c.clone(), *id))
        .collect();
    let base = app.base.clone();
    let (token, hash) = duluan::monitoring::model::new_token();
    let now = chrono::Utc::now().timestamp();
    let source = store::insert_source(
        &db,
        &store::NewSource {
            name: "bench",
            unit_id: city,
            token_hash: Some(&hash),
            token_hint: "…",
            ..store::NewSource::of(duluan::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await
    .unwrap();
    let before = store::count_items(&db).await.unwrap();
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
        latencies.extend(t.await.unwrap());
    }
    let stored = started.elapsed().as_secs_f64();
    app.wait_indexed().await;
    let indexed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    let after = store::count_items(&db).await.unwrap();
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
    // Reference: the same rows straight into a fresh database by the store (no server on it).
    let reference = database_only().await;
    let ref_db = reference.db.clone();
    duluan::demo::load(&ref_db).await.unwrap();
    let ref_codes = duluan::orgs::map_codes(&ref_db).await.unwrap();
    let ref_source = store::insert_source(
        &ref_db,
        &store::NewSource {
            name: "ref",
            unit_id: ref_codes["92"],
            ..store::NewSource::of(duluan::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await
    .unwrap();
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
                quality: duluan::monitoring::model::Quality::Good,
                ..Default::default()
            })
            .collect();
        store::insert_items(&ref_db, ref_source, None, &rows, now)
            .await
            .unwrap();
        k = end;
    }
    let raw = t.elapsed().as_secs_f64();
    println!(
        "reference, raw batched inserts of the same rows by the store ({}): {:.0} items/s; API with indexing / raw = {:.2}",
        ref_db.backend(),
        args.items as f64 / raw,
        (args.items as f64 / indexed) / (args.items as f64 / raw)
    );
    drop(reference);

    println!("== alert latency at {} items a day", args.day_items);
    let state = app.state().clone();
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
                    quality: duluan::monitoring::model::Quality::Good,
                    src_topic: Some(topics[i % topics.len()].to_string()),
                    skip_index: true,
                    ..Default::default()
                }
            })
            .collect();
        store::insert_items(&db, source, None, &rows, now)
            .await
            .unwrap();
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
        .await
        .unwrap();
    assert!(resp.status().is_success(), "surge refused");
    let t = Instant::now();
    let raised = duluan::monitoring::alerts::run(&state, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    let run_s = t.elapsed().as_secs_f64();
    println!(
        "one detection run: {run_s:.2} s, {raised} alert(s) raised; item ingested → alert raised {:.2} s, worst case with the 30 s schedule {:.1} s",
        ingested.elapsed().as_secs_f64(),
        30.0 + run_s
    );
    let t = Instant::now();
    duluan::monitoring::streams::run(&state, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    println!(
        "one clustering run (emerging streams, in its own task): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    println!(
        "peak memory of the process (server and benchmark): {:.0} MiB",
        peak_rss_mib()
    );
}
