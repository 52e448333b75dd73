//! The documents benchmark: the month's synthesis of the demo city (103 communes and wards) with
//! 2,000 opinion streams merged into 200 city streams, drafted from the data through HTTP and
//! rendered to PDF and DOCX; the reference, in the same run, is the HTML draft page of the
//! synthesis (`/reporting/synthesis/draft`) over the same streams. Target: both files in under
//! 3 s. Results: `docs/benchmarks/documents.md`.

use std::time::Instant;

use chrono::Utc;
use reqwest::StatusCode;

use duluan::reporting::model::{Direction, StreamInput};
use duluan::reporting::store::{self, BulkReport};

use crate::documents::id_from;
use crate::helpers::spawn_demo;
use crate::reporting::this_month;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test]
#[ignore = "benchmark: run on demand"]
async fn synthesis_of_2000_streams_to_pdf_and_docx() {
    let app = spawn_demo().await;
    let db = &app.db;
    let now = Utc::now();
    let period = this_month();
    let city = app.unit_id("92").await;
    let types = store::list_types(db).await.unwrap();
    let monthly = types
        .iter()
        .find(|t| t.kind == duluan::reporting::model::ReportKind::Monthly)
        .unwrap()
        .id;
    // Every assigned unit without a report this month submits one.
    let have: std::collections::HashSet<i64> =
        store::list_completeness_rows(db, monthly, &period, &period)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.0)
            .collect();
    let missing: Vec<BulkReport> = store::list_type_units(db, monthly)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| !have.contains(u))
        .map(|u| BulkReport {
            unit_id: u,
            period: period.clone(),
            status: duluan::reporting::model::Status::Submitted,
            due_at: now + chrono::Duration::days(20),
            submitted_at: Some(now),
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    store::insert_reports_bulk(&mut tx, monthly, &missing, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let reports: Vec<(i64, i64)> = store::list_completeness_rows(db, monthly, &period, &period)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.0, r.4))
        .collect();
    assert_eq!(reports.len(), 103);
    let topics = store::list_topics(db).await.unwrap();
    let n = 2000;
    let streams: Vec<(StreamInput, Option<i64>)> = (0..n)
        .map(|i| {
            let (unit, report) = reports[i % reports.len()];
            (
                StreamInput {
                    client_id: format!("bench-doc-{i}"),
                    unit_id: unit,
                    period: period.clone(),
                    topic_id: topics[(i / 10) % topics.len()].id,
                    summary: format!(
                        "Người dân phản ánh vấn đề số {} của địa phương, mong các cấp sớm xem xét, giải quyết dứt điểm.",
                        i / 10
                    ),
                    scope: ["local", "domestic", "international"][(i / 10) % 3].into(),
                    breadth: "some".into(),
                    direction: Direction::ALL[(i / 10) % Direction::ALL.len()],
                    intensity: "medium".into(),
                    strata: String::new(),
                    areas: String::new(),
                    causes: "Chậm giải quyết ở cơ sở.".into(),
                    forecast: "Dư luận còn tiếp diễn.".into(),
                    recommendation: "Chỉ đạo các ngành liên quan rà soát, trả lời người dân.".into(),
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
    // Ten streams of each issue merged into one city stream: 200 city streams.
    let all: Vec<_> = store::list_period_streams(db, &period)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.summary.contains("vấn đề số"))
        .collect();
    assert_eq!(all.len(), n);
    let mut tx = db.begin().await.unwrap();
    for group in all.chunks(10) {
        let ids: Vec<i64> = group.iter().map(|s| s.id).collect();
        store::merge_streams(&mut tx, None, &group[0], &ids, city, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    app.login_demo("analyst").await;
    let draft_url = format!("/reporting/synthesis/draft?period={period}");
    let mut html_ms = vec![];
    let mut generate_ms = vec![];
    let mut pdf_ms = vec![];
    let mut docx_ms = vec![];
    let mut sizes = (0, 0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        let page = app.get(&draft_url).await;
        html_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.status, StatusCode::OK);
        let t = Instant::now();
        let created = app
            .post(
                "/documents",
                &[
                    ("kind", "synthesis"),
                    ("unit", &city.to_string()),
                    ("period", &period),
                ],
            )
            .await;
        generate_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let id = id_from(created.location());
        for (file, out) in [("pdf", &mut pdf_ms), ("docx", &mut docx_ms)] {
            let t = Instant::now();
            let r = app
                .client
                .get(format!("{}/documents/{id}/file.{file}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let bytes = r.bytes().await.unwrap();
            out.push(t.elapsed().as_secs_f64() * 1000.0);
            if file == "pdf" {
                sizes.1 = bytes.len();
            } else {
                sizes.2 = bytes.len();
            }
        }
        sizes.0 = app
            .get(&format!("/documents/{id}"))
            .await
            .body
            .matches("doc-block")
            .count();
    }
    let (h, g, p, d) = (
        median(html_ms),
        median(generate_ms),
        median(pdf_ms),
        median(docx_ms),
    );
    eprintln!(
        "documents, {} backend, 103 units, {n} streams in 200 city streams: draft from the data {g:.0} ms ({} blocks); PDF {p:.0} ms ({} KiB); DOCX {d:.0} ms ({} KiB); PDF + DOCX {:.0} ms (target 3000); reference HTML draft page {h:.0} ms",
        db.backend(),
        sizes.0,
        sizes.1 / 1024,
        sizes.2 / 1024,
        p + d
    );
}
