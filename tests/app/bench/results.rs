//! Benchmark of the survey results: `DULUAN_BENCH_RESULTS_ROWS` (100,000) anonymous interviews ×
//! 60 questions (3 weighting questions, 39 five-point scales, 8 multiple choices of 4 options,
//! 10 numbers) raked to two population tables (sex × age group, area), through HTTP on the test
//! harness: the results page weighted, first with every interview read, then while nothing
//! changes and first after one new interview (only today's interviews read into those held; the
//! targets: under 1 s), a crosstab (under 200 ms extra),
//! a cut by domain, and the process's peak resident memory while they run (under 300 MB). The
//! reference in the same run is the same page unweighted (what the raking and its variance
//! adjustment cost) and the read of the interviews alone (`?by=` on nothing is the same page, so
//! the read is timed as the page of a 1-question survey over the same rows' JSON size).
//! Results are recorded in `docs/benchmarks/results.md`.

use std::time::Instant;

use serde_json::json;

use super::{env_usize, peak_rss_mib, reset_peak_rss};
use crate::helpers::{TestApp, spawn_demo};

/// Days the interviews were collected over, today included.
const FIELDWORK_DAYS: usize = 30;

fn form() -> duluan_forms::Form {
    let label = |vi: String, en: String| json!({"Tiếng Việt (vi)": vi, "English (en)": en});
    let mut items = vec![
        json!({"kind": "question", "name": "sex", "type": "select_one sex", "label": label("Giới tính".into(), "Sex".into())}),
        json!({"kind": "question", "name": "age", "type": "select_one age", "label": label("Nhóm tuổi".into(), "Age".into())}),
        json!({"kind": "question", "name": "area", "type": "select_one area", "label": label("Khu vực".into(), "Area".into())}),
    ];
    for i in 3..42 {
        items.push(json!({"kind": "question", "name": format!("q{i}"), "type": "select_one scale", "appearance": "likert",
                          "label": label(format!("Câu {i}"), format!("Question {i}"))}));
    }
    for i in 42..50 {
        items.push(
            json!({"kind": "question", "name": format!("q{i}"), "type": "select_multiple opts",
                          "label": label(format!("Chọn {i}"), format!("Pick {i}"))}),
        );
    }
    for i in 50..60 {
        items.push(
            json!({"kind": "question", "name": format!("q{i}"), "type": "integer",
                          "label": label(format!("Số {i}"), format!("Number {i}"))}),
        );
    }
    let list = |name: &str, n: usize| {
        let choices: Vec<_> = (1..=n)
            .map(|c| json!({"name": c.to_string(), "label": label(format!("Mức {c}"), format!("Level {c}"))}))
            .collect();
        json!({"name": name, "choices": choices})
    };
    let f = json!({"id": "bench_results", "version": "1", "title": "Bench", "items": items,
                   "choices": [list("sex", 2), list("age", 4), list("area", 2), list("scale", 5), list("opts", 4)]});
    duluan_forms::Form::from_json(&f.to_string()).unwrap()
}

fn record(k: &mut u64) -> String {
    let mut next = |m: u64| {
        *k = k
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*k >> 33) % m
    };
    let mut a = serde_json::Map::new();
    a.insert("sex".into(), json!((1 + next(2)).to_string()));
    a.insert("age".into(), json!((1 + next(4)).to_string()));
    a.insert("area".into(), json!((1 + next(2)).to_string()));
    for i in 3..42 {
        a.insert(format!("q{i}"), json!((1 + next(5)).to_string()));
    }
    for i in 42..50 {
        let picks: Vec<String> = (1..=4)
            .filter(|_| next(2) == 1)
            .map(|c| c.to_string())
            .collect();
        if !picks.is_empty() {
            a.insert(format!("q{i}"), json!(picks.join(" ")));
        }
    }
    for i in 50..60 {
        a.insert(format!("q{i}"), json!((18 + next(70)).to_string()));
    }
    serde_json::Value::Object(a).to_string()
}

async fn timed(app: &TestApp, path: &str, runs: usize) -> f64 {
    let mut times = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        let page = app.get(path).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.status, reqwest::StatusCode::OK, "{path}");
        assert!(!page.body.contains("id=\"results-error\""), "{path}");
        assert!(!page.body.contains("id=\"weighting-error\""), "{path}");
    }
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn results_page_of_100000_interviews() {
    let rows = env_usize("DULUAN_BENCH_RESULTS_ROWS", 100_000);
    let app = spawn_demo().await;
    let db = &app.db;
    let unit = duluan::orgs::resolve_unit_ref(db, "92")
        .await
        .unwrap()
        .unwrap();
    let form = form();
    let input =
        duluan::surveys::model::SurveyInput::parse("Bench", "other", "1", "", "", true).unwrap();
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.unwrap();
    let survey =
        duluan::surveys::store::insert_survey(&mut tx, unit, &input, "bench", &form.to_json(), now)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let version = duluan::surveys::store::list_versions(db, survey)
        .await
        .unwrap()[0]
        .id;
    let mut published = form.clone();
    published.published = true;
    let mut tx = db.begin().await.unwrap();
    duluan::surveys::store::publish_version(&mut tx, version, &published.to_json(), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let t = Instant::now();
    let mut k = 7u64;
    // Fieldwork over the last 30 days, today's interviews among them (an anonymous survey's
    // interviews are stamped with their day); random ids, as the collection paths give.
    for chunk in (0..rows).collect::<Vec<_>>().chunks(10_000) {
        let batch: Vec<(String, String, chrono::DateTime<chrono::Utc>)> = chunk
            .iter()
            .map(|&i| {
                let day = chrono::TimeDelta::days((i % FIELDWORK_DAYS) as i64);
                (uuid::Uuid::new_v4().to_string(), record(&mut k), now - day)
            })
            .collect();
        duluan::surveys::store::insert_anonymous_completes(
            db,
            survey,
            version,
            duluan::surveys::model::CollectionMode::Web,
            &batch,
        )
        .await
        .unwrap();
    }
    println!(
        "generated {rows} interviews × 60 questions in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    app.login_demo("designer").await;
    for (name, text) in [
        (
            "sex × age",
            "sex,age,dan_so\n1,1,150\n1,2,250\n1,3,200\n1,4,100\n2,1,150\n2,2,250\n2,3,250\n2,4,150\n",
        ),
        ("area", "area,dan_so\n1,600\n2,900\n"),
    ] {
        let f = reqwest::multipart::Form::new()
            .text("name", name.to_string())
            .text("text", text.to_string());
        let r = app
            .client
            .post(format!("{}/surveys/{survey}/weighting/tables", app.base))
            .multipart(f)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    }
    let base = format!("/surveys/{survey}/results");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before the pages: {}", load.trim());
    // Cold: the first view reads the questionnaire into the engine cache and the interviews
    // into the results cache (what a view after any change costs).
    let cold = timed(&app, &base, 1).await;
    reset_peak_rss();
    let before = peak_rss_mib();
    let weighted = timed(&app, &base, 3).await;
    // One new interview: the first view reads the interviews changed today into those held.
    let mut one_new = vec![];
    for _ in 0..3 {
        let new = [(uuid::Uuid::new_v4().to_string(), record(&mut k), now)];
        duluan::surveys::store::insert_anonymous_completes(
            db,
            survey,
            version,
            duluan::surveys::model::CollectionMode::Web,
            &new,
        )
        .await
        .unwrap();
        one_new.push(timed(&app, &base, 1).await);
    }
    one_new.sort_by(f64::total_cmp);
    let one_new = one_new[1];
    let (full_reads, refreshes) = app.state().results_cache.reads();
    assert_eq!((full_reads, refreshes), (1, 3), "refreshed, not read again");
    let crosstab = timed(&app, &format!("{base}?row=q3&col=sex"), 3).await;
    let by = timed(&app, &format!("{base}?by=area"), 3).await;
    let peak = peak_rss_mib();
    let unweighted = timed(&app, &format!("{base}?weighted=0"), 3).await;
    // Where the time goes, outside HTTP: the read of the stored interviews alone (the reference),
    // their parse into columns, the raking, and the figures.
    let t = Instant::now();
    let records: Vec<String> = duluan::with_db!(db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND status = 'complete' ORDER BY id"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    let read = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut data = duluan::surveys::results::model::Data::default();
    for r in &records {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r).unwrap();
        data.push(
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))),
            None,
            None,
            survey,
        );
    }
    let data = data.finish();
    let parse = t.elapsed().as_secs_f64() * 1000.0;
    drop(records);
    let engine = duluan::surveys::engine_for(&published.to_json()).unwrap();
    let settings = duluan::surveys::results::model::Settings {
        weighted: true,
        k: 5,
        level: 0.95,
        method: duluan_stats::CipropMethod::Logit,
        totals: false,
    };
    let t = Instant::now();
    let design = duluan::surveys::results::model::design(&data, false).unwrap();
    let cell = |v: &[&str], n| (v.iter().map(|x| x.to_string()).collect::<Vec<_>>(), n);
    let spec = duluan::surveys::results::model::weighting::Spec {
        method: duluan::surveys::results::model::weighting::Method::Rake,
        tables: vec![duluan::surveys::results::model::weighting::PopTable {
            id: 0,
            name: "a".into(),
            variables: vec!["area".into()],
            cells: vec![cell(&["1"], 600.0), cell(&["2"], 900.0)],
        }],
        trim: None,
    };
    let (raked, _) =
        duluan::surveys::results::model::weighting::apply(&design, &data, &spec).unwrap();
    let rake = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let figures = duluan::surveys::results::model::compute(
        engine.form(),
        &data,
        &raked,
        settings,
        "vi",
        None,
    )
    .unwrap();
    let compute = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(figures.len(), 60);
    println!(
        "outside HTTP: read {read:.0} ms (reference), parse into columns {parse:.0} ms, rake to one table {rake:.0} ms, figures of 60 questions {compute:.0} ms"
    );
    println!("results page, raked, first view (every interview read): {cold:.0} ms");
    println!(
        "results page, raked, first view after one new interview (median of 3): {one_new:.0} ms (target < 1000 ms)"
    );
    println!("results page, raked (median of 3): {weighted:.0} ms (target < 1000 ms)");
    println!(
        "with a crosstab q3 × sex: {crosstab:.0} ms, {:.0} ms more (target < 200 ms)",
        crosstab - weighted
    );
    println!("cut by area (2 domains): {by:.0} ms");
    println!("reference, the same page unweighted: {unweighted:.0} ms");
    println!(
        "peak resident memory of the process while the weighted pages ran: {peak:.0} MiB (it was {before:.0} MiB when reset; target < 300 MB)"
    );
    app.stop().await;
}
