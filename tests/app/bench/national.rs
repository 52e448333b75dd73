//! National scale on one node, to show where it breaks: the national list (34 provinces, 3,321
//! communes), `DULUAN_BENCH_NATIONAL_COLLABORATORS` collaborators (100,000) spread over the
//! communes, and `DULUAN_BENCH_NATIONAL_ITEMS` monitored items (10,000,000) over a year, stored
//! in batches of 5,000 by the store (with their change-log entries) while the server's own
//! indexer follows the log. Printed per million items: the storing rate, how far the index is
//! behind, the process's memory. Then, over the full store, through HTTP as a platform-wide
//! analyst and as a province's analyst: search (several queries, p50/p95), the monitoring
//! overview, the collaborators list and coverage, one spike-detection run; the database's and
//! the index's sizes. Reference in the same run: a primary-key `SELECT` of one item and a
//! `COUNT(*)` of the items table.
//!
//! Results: `docs/benchmarks/national.md`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::{env_usize, peak_rss_mib, reset_peak_rss, status_mib, words_text};
use crate::helpers::spawn_app;
use duluan::monitoring::store::{self, NewItem};
use duluan::with_db;

const PASSWORD: &str = "mat-khau-dai-du-2026";

/// Words of the generated items (a small vocabulary of public complaints, with marks).
const WORDS: &[&str] = &[
    "người",
    "dân",
    "phản",
    "ánh",
    "ngập",
    "úng",
    "đường",
    "giá",
    "điện",
    "nước",
    "sinh",
    "hoạt",
    "rác",
    "thải",
    "ô",
    "nhiễm",
    "tiếng",
    "ồn",
    "trật",
    "tự",
    "giao",
    "thông",
    "học",
    "phí",
    "bệnh",
    "viện",
    "đất",
    "đai",
    "giải",
    "phóng",
    "mặt",
    "bằng",
    "công",
    "trình",
    "chậm",
    "tiến",
    "độ",
    "cây",
    "xanh",
    "gãy",
    "đổ",
    "chợ",
    "lấn",
    "chiếm",
    "vỉa",
    "hè",
    "lừa",
    "đảo",
    "trực",
    "tuyến",
    "mạng",
    "xã",
    "hội",
    "việc",
    "làm",
    "lương",
    "hưu",
    "bảo",
    "hiểm",
    "y",
    "tế",
    "thủ",
    "tục",
    "hành",
    "chính",
    "cấp",
    "sổ",
    "đỏ",
    "dịch",
    "vụ",
    "công",
    "cộng",
];

fn text(i: usize) -> String {
    words_text(WORDS, 16, i as u64 * 2_654_435_761 + 97)
}

fn folder_mib(path: &std::path::Path) -> f64 {
    let mut total = 0u64;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                total += (folder_mib(&e.path()) * 1_048_576.0) as u64;
            } else {
                total += meta.len();
            }
        }
    }
    total as f64 / 1_048_576.0
}

/// Times `n` GETs of each path; prints p50 and p95 of each.
async fn time_pages(app: &crate::helpers::TestApp, who: &str, paths: &[String], n: usize) {
    for path in paths {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let page = app.get(path).await;
            samples.push(t.elapsed());
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        }
        samples.sort();
        let q = |p: f64| samples[((n as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
        println!(
            "  {who} GET {path}: p50 {:.0} ms, p95 {:.0} ms",
            q(0.5),
            q(0.95)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn national_scale_on_one_node() {
    let items = env_usize("DULUAN_BENCH_NATIONAL_ITEMS", 10_000_000);
    let collaborators = env_usize("DULUAN_BENCH_NATIONAL_COLLABORATORS", 100_000);
    reset_peak_rss();
    let app = spawn_app().await;
    let db = app.db.clone();
    println!(
        "backend: {}; {items} items, {collaborators} collaborators",
        db.backend()
    );

    // The national list.
    let t = Instant::now();
    let kinds = duluan::orgs::list_kinds(&db).await.unwrap();
    let stored = duluan::orgs::map_codes(&db).await.unwrap();
    let rows = duluan::orgs::model::parse_units_csv(
        duluan::demo::NATIONAL_UNITS_CSV.as_bytes(),
        &kinds,
        &stored,
    )
    .unwrap();
    let summary = duluan::orgs::actions::import_units_unaudited(&db, &rows)
        .await
        .unwrap();
    let codes = duluan::orgs::map_codes(&db).await.unwrap();
    let mut communes: Vec<(String, i64)> = codes
        .iter()
        .filter(|(c, _)| c.len() == 5)
        .map(|(c, id)| (c.clone(), *id))
        .collect();
    communes.sort();
    let provinces = codes.keys().filter(|c| c.len() == 2).count();
    println!(
        "national list: {} units ({provinces} provinces, {} communes) in {:.1} s",
        summary.created,
        communes.len(),
        t.elapsed().as_secs_f64()
    );

    // Collaborators, 10,000 per transaction.
    let t = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let mut k = 0;
    while k < collaborators {
        let end = (k + 10_000).min(collaborators);
        let batch: Vec<duluan::collaborators::model::CollaboratorInput> = (k..end)
            .map(|i| duluan::collaborators::model::CollaboratorInput {
                unit_id: communes[i % communes.len()].1,
                full_name: format!("Cộng tác viên {i}"),
                phone: format!("09{i:08}"),
                email: String::new(),
                consent_date: Some(today),
                term_from: Some(today),
                term_to: None,
                attributes: Default::default(),
            })
            .collect();
        let mut tx = db.begin().await.unwrap();
        duluan::collaborators::store::insert_collaborators(&mut tx, &batch, chrono::Utc::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        k = end;
    }
    println!(
        "{collaborators} collaborators stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Users: an analyst of the whole platform and one of a province (Hà Nội, 01).
    let national = duluan::accounts::create_user(
        &db,
        "phantich.quocgia",
        "Phân tích quốc gia",
        PASSWORD,
        duluan::accounts::model::Role::Analyst,
        codes["01"],
    )
    .await
    .unwrap();
    let system = duluan::audit::Actor {
        user_id: None,
        username: "bench".into(),
        ip: String::new(),
    };
    duluan::accounts::set_platform_wide(&db, &system, national, true)
        .await
        .unwrap();
    duluan::accounts::create_user(
        &db,
        "phantich.hanoi",
        "Phân tích Hà Nội",
        PASSWORD,
        duluan::accounts::model::Role::Analyst,
        codes["01"],
    )
    .await
    .unwrap();

    // Items: a year, 5,000 per transaction, while the server's indexer follows the log.
    let now = chrono::Utc::now().timestamp();
    let source = store::insert_source(
        &db,
        &store::NewSource {
            name: "bench",
            unit_id: codes["01"],
            ..store::NewSource::of(duluan::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await
    .unwrap();
    let topics = [
        "environment",
        "economy_prices",
        "traffic_order",
        "health",
        "land",
        "education",
    ];
    println!("== storing {items} items (5,000 per transaction), the indexer following");
    let started = Instant::now();
    let mut window = Instant::now();
    let mut k = 0;
    while k < items {
        let end = (k + 5000).min(items);
        let rows: Vec<NewItem> = (k..end)
            .map(|i| NewItem {
                external_id: format!("n{i}"),
                unit_id: communes[(i * 7919) % communes.len()].1,
                occurred_at: now - ((i as i64 * 31_536_000) / items as i64) - 60,
                lang: "vi".into(),
                body: text(i),
                quality: duluan::monitoring::model::Quality::Good,
                src_topic: Some(topics[i % topics.len()].to_string()),
                ..Default::default()
            })
            .collect();
        store::insert_items(&db, source, None, &rows, now)
            .await
            .unwrap();
        k = end;
        if k % 1_000_000 == 0 || k == items {
            let (last, _) = store::index_head(&db).await.unwrap();
            let position = store::index_nodes(&db)
                .await
                .unwrap()
                .iter()
                .map(|n| n.1)
                .max()
                .unwrap_or(0);
            let done = if k % 1_000_000 == 0 {
                1_000_000
            } else {
                k % 1_000_000
            };
            println!(
                "  {k:>10} stored: {:.0} items/s over the last {done}; index behind by {} entries; resident {:.0} MiB",
                done as f64 / window.elapsed().as_secs_f64(),
                last - position,
                status_mib("self", "VmRSS"),
            );
            window = Instant::now();
        }
    }
    let stored_s = started.elapsed().as_secs_f64();
    println!(
        "stored {items} items in {stored_s:.0} s ({:.0} items/s)",
        items as f64 / stored_s
    );
    let t = Instant::now();
    app.wait_indexed_within(Duration::from_secs(4 * 3600)).await;
    println!(
        "index caught up {:.0} s after the last item ({:.0} s from the first item: {:.0} items/s stored and indexed)",
        t.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        items as f64 / started.elapsed().as_secs_f64()
    );

    // Reference: one item by primary key, and a count of the table.
    let mut samples = vec![];
    for i in 0..200i64 {
        let t = Instant::now();
        store::find_item(&db, 1 + (i * 49_999) % items as i64)
            .await
            .unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "reference: one item by primary key p50 {:.2} ms",
        samples[100].as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let n: i64 = with_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitor_items"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    println!(
        "reference: COUNT(*) of {n} items {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    // Pages through HTTP.
    let whole = app.other_client();
    whole.login("phantich.quocgia", PASSWORD).await;
    let hanoi = app.other_client();
    hanoi.login("phantich.hanoi", PASSWORD).await;
    let searches: Vec<String> = [
        "q=ngap+ung",
        "q=%22gia+dien%22",
        "q=rac+thai+o+nhiem",
        "q=l%E1%BB%ABa+%C4%91%E1%BA%A3o",
        "q=cay+xanh&sort=newest",
        "q=hoc+phi+-benh",
    ]
    .iter()
    .map(|q| format!("/monitoring/search?{q}"))
    .collect();
    println!("== search over {items} items");
    time_pages(&whole, "national analyst", &searches, 20).await;
    time_pages(&hanoi, "Hà Nội analyst", &searches, 20).await;
    println!("== other pages");
    let pages = vec![
        "/monitoring".to_string(),
        "/collaborators".to_string(),
        "/collaborators/coverage".to_string(),
    ];
    time_pages(&whole, "national analyst", &pages, 5).await;
    time_pages(&hanoi, "Hà Nội analyst", &pages, 5).await;
    let t = Instant::now();
    let raised = duluan::monitoring::alerts::run(app.state(), chrono::Utc::now().timestamp())
        .await
        .unwrap();
    println!(
        "one spike-detection run: {:.1} s ({raised} alerts)",
        t.elapsed().as_secs_f64()
    );
    let data = app.data_dir();
    let database_mib = match &db {
        duluan::db::Db::Pg(pool) => {
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(pool)
                .await
                .unwrap();
            bytes as f64 / 1_048_576.0
        }
        _ => folder_mib(data) - folder_mib(&data.join("search-index")),
    };
    println!(
        "sizes: database {database_mib:.0} MiB, search index {:.0} MiB",
        folder_mib(&data.join("search-index"))
    );
    println!(
        "memory of the process (server and benchmark): resident {:.0} MiB, peak {:.0} MiB",
        status_mib("self", "VmRSS"),
        peak_rss_mib()
    );
}
