//! The reporting benchmark: completeness for the whole country (3,321 commune-level units × 24
//! months) and the synthesis page with 10,000 streams in a month, both timed through the real
//! server (SQLite, or PostgreSQL with `DULUAN_TEST_POSTGRES_URL`), against a one-query aggregate
//! and loading the month's streams as the references. Results: `docs/benchmarks/reporting.md`.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, Utc};
use reqwest::StatusCode;

use duluan::reporting::model::StreamInput;
use duluan::reporting::store::{self, BulkReport};

use crate::helpers::spawn_app;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test]
#[ignore = "benchmark: run on demand"]
async fn completeness_and_synthesis() {
    let app = spawn_app().await;
    let db = &app.db;
    let now = Utc::now();
    // The country: a root over the 34 provinces and their 3,321 commune-level units.
    let mut csv = String::from("code,name,type,parent_code\nVN,Việt Nam,city,\n");
    for (i, line) in duluan::demo::NATIONAL_UNITS_CSV.lines().enumerate().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let kind = match cells[2] {
            "tỉnh" => "province",
            "thành phố trung ương" => "city",
            "phường" => "ward",
            "đặc khu" => "special_zone",
            _ => "commune",
        };
        let parent = if cells[3].is_empty() { "VN" } else { cells[3] };
        csv.push_str(&format!("{},{},{},{}\n", cells[0], cells[1], kind, parent));
        let _ = i;
    }
    let kinds = duluan::orgs::store::list_kinds(db).await.unwrap();
    let rows =
        duluan::orgs::model::parse_units_csv(csv.as_bytes(), &kinds, &HashMap::new()).unwrap();
    duluan::orgs::actions::import_units_unaudited(db, &rows)
        .await
        .unwrap();
    let root = duluan::orgs::resolve_unit_ref(db, "VN")
        .await
        .unwrap()
        .unwrap();
    let all = duluan::orgs::store::list_rollup(db, root, now.date_naive())
        .await
        .unwrap();
    let communes: Vec<i64> = all
        .iter()
        .filter(|u| matches!(u.kind.as_str(), "ward" | "commune" | "special_zone"))
        .map(|u| u.id)
        .collect();
    assert_eq!(communes.len(), 3321);
    duluan::accounts::create_user(
        db,
        "bench",
        "Bench",
        "benchmark-pass",
        duluan::accounts::model::Role::Analyst,
        root,
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let type_id = store::insert_type(
        &mut tx,
        &store::NewType {
            kind: duluan::reporting::model::ReportKind::Monthly,
            name: "Báo cáo tháng",
            instructions: "",
            due_day: 15,
            lock_after_days: 10,
            due_hours: 24,
            deadline: None,
            owner_unit_id: root,
        },
        &communes,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // 24 months, 90 % sent, three quarters of those on time.
    let months = duluan::reporting::model::Period::months_between("2024-11", "2026-10");
    assert_eq!(months.len(), 24);
    let started = Instant::now();
    let mut n = 0usize;
    for m in &months {
        let due = duluan::reporting::model::end_of_day(
            duluan::reporting::model::parse_month(m).unwrap() + Duration::days(45),
        );
        let batch: Vec<BulkReport> = communes
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 10 != 0)
            .map(|(i, u)| BulkReport {
                unit_id: *u,
                period: m.clone(),
                status: duluan::reporting::model::Status::Accepted,
                due_at: due,
                submitted_at: Some(if i % 4 == 0 {
                    due + Duration::days(2)
                } else {
                    due - Duration::days(3)
                }),
            })
            .collect();
        n += batch.len();
        let mut tx = db.begin().await.unwrap();
        store::insert_reports_bulk(&mut tx, type_id, &batch, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    eprintln!(
        "loaded {n} reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A month with 10,000 streams in submitted reports.
    let period = "2026-10";
    let monthly_ids: Vec<(i64, i64)> = {
        let rows = store::list_completeness_rows(db, type_id, period, period)
            .await
            .unwrap();
        rows.into_iter().map(|r| (r.0, r.4)).collect()
    };
    let topics = store::list_topics(db).await.unwrap();
    let streams: Vec<(StreamInput, Option<i64>)> = (0..10_000)
        .map(|i| {
            let (unit, report) = monthly_ids[i % monthly_ids.len()];
            (
                StreamInput {
                    client_id: format!("bench-{i}"),
                    unit_id: unit,
                    period: period.into(),
                    topic_id: topics[i % topics.len()].id,
                    summary: format!(
                        "Người dân quan tâm vấn đề số {} tại địa phương, mong được giải quyết.",
                        i % 500
                    ),
                    scope: ["local", "domestic", "international"][i % 3].into(),
                    breadth: "some".into(),
                    direction: duluan::reporting::model::Direction::Uneasy,
                    intensity: "medium".into(),
                    strata: String::new(),
                    areas: String::new(),
                    causes: String::new(),
                    forecast: String::new(),
                    recommendation: String::new(),
                    evidence: String::new(),
                },
                Some(report),
            )
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    store::insert_streams_bulk(&mut tx, &streams, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A database in service has been vacuumed and analysed by autovacuum; right after a bulk load
    // PostgreSQL has neither statistics nor a visibility map (no index-only scans) yet.
    if let duluan::db::Db::Pg(pool) = db {
        for table in ["reports", "streams", "units", "unit_closure"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {table}")))
                .execute(pool)
                .await
                .unwrap();
        }
    }

    app.login("bench", "benchmark-pass").await;
    let url = format!("/reporting/completeness?type={type_id}&from=2024-11&to=2026-10&unit={root}");
    let first = app.get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    first.assert_contains("<strong id=\"expected\">79704</strong>");
    // The page's counts agree with the one-query reference.
    let (sent, on_time) = store::count_completeness(db, type_id, "2024-11", "2026-10")
        .await
        .unwrap();
    first.assert_contains(&format!("<strong id=\"submitted\">{sent}</strong>"));
    first.assert_contains(&format!("<strong id=\"on-time\">{on_time}</strong>"));
    let mut page_ms = vec![];
    let mut ref_ms = vec![];
    for _ in 0..7 {
        let t = Instant::now();
        let p = app.get(&url).await;
        page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.status, StatusCode::OK);
        let t = Instant::now();
        let (sent, _) = store::count_completeness(db, type_id, "2024-11", "2026-10")
            .await
            .unwrap();
        ref_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(sent as usize, n);
    }
    // Where the page's time goes: the subtree from the organisation tree, the report rows.
    let t = Instant::now();
    let subtree = duluan::orgs::store::list_rollup(db, root, now.date_naive())
        .await
        .unwrap();
    let rollup_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let senders = store::list_period_senders(db, type_id, "2024-11", "2026-10")
        .await
        .unwrap();
    let rows_ms = t.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "  of which: subtree of {} units {rollup_ms:.1} ms, senders of {} periods in one query aggregated per period {rows_ms:.1} ms",
        subtree.len(),
        senders.len()
    );
    let (p, r) = (median(page_ms), median(ref_ms));
    eprintln!(
        "completeness page, {} backend, 3,321 units x 24 months: {p:.1} ms (reference one-query count {r:.1} ms, ratio {:.1})",
        db.backend(),
        p / r
    );
    let url = format!("/reporting/synthesis?period={period}");
    let first = app.get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    first.assert_contains("10000 luồng ý kiến");
    let mut syn_ms = vec![];
    let mut list_ms = vec![];
    for _ in 0..5 {
        let t = Instant::now();
        let p = app.get(&url).await;
        syn_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.status, StatusCode::OK);
        let t = Instant::now();
        let s = store::list_period_streams(db, period).await.unwrap();
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(s.len(), 10_000);
    }
    let (p, r) = (median(syn_ms), median(list_ms));
    eprintln!(
        "synthesis page, {} backend, 10,000 streams: {p:.1} ms, {} bytes (reference: loading the streams {r:.1} ms, ratio {:.1})",
        db.backend(),
        first.body.len(),
        p / r
    );
    // One topic opened (about 526 streams, the first page of 100 unmerged ones).
    let url = format!(
        "/reporting/synthesis?period={period}&topic={}",
        topics[0].id
    );
    let first = app.get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    first.assert_contains("Trang 1/");
    let mut topic_ms = vec![];
    for _ in 0..5 {
        let t = Instant::now();
        let p = app.get(&url).await;
        topic_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.status, StatusCode::OK);
    }
    eprintln!(
        "synthesis page of one topic, {} backend: {:.1} ms, {} bytes",
        db.backend(),
        median(topic_ms),
        first.body.len()
    );
}
