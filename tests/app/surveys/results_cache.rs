//! The results' cache of interviews through the real server: after a change, only the changed
//! interviews are read into those held — a new one shows up, an edited one shows its new
//! answers — and the figures are those of a full read to the last digit (the CSV at full
//! precision from a cold cache); a deleted response or a release that reweights the cases is
//! caught and every interview read again.

use reqwest::StatusCode;
use serde_json::json;

use super::results::{line, submit_thirty};
use super::{DEMO_KEY, demo_survey_id};
use crate::helpers::{TestApp, spawn_demo};

/// The figures at full precision.
async fn figures(app: &TestApp, survey: i64) -> String {
    let csv = app
        .get(&format!("/surveys/{survey}/results.csv?precision=full"))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    csv.body
}

/// The figures from every interview read again.
async fn cold_figures(app: &TestApp, survey: i64) -> String {
    app.state().results_cache.clear();
    figures(app, survey).await
}

/// Reads of every interview, and refreshes with the changed ones, so far.
fn reads(app: &TestApp) -> (u64, u64) {
    app.state().results_cache.reads()
}

async fn submit(app: &TestApp, answers: serde_json::Value) {
    let r = app
        .client
        .post(format!("{}/s/{DEMO_KEY}/submissions", app.base))
        .json(
            &json!({"id": uuid::Uuid::new_v4().to_string(), "complete": true, "answers": answers}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// The id of the response whose data holds `needle`.
async fn response_with(app: &TestApp, needle: &str) -> String {
    duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE data LIKE $1"
    )
    .bind(format!("%{needle}%"))
    .fetch_one(pool)
    .await
    .unwrap())
}

#[tokio::test]
async fn new_edited_and_deleted_interviews_give_the_figures_of_a_full_read() {
    let app = spawn_demo().await;
    let survey = demo_survey_id(&app).await;
    // Interviews of the days before (anonymous: stamped with their day), then today's.
    let version: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT MAX(id) FROM survey_versions WHERE survey_id = $1 AND published_at IS NOT NULL"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    let now = chrono::Utc::now();
    let earlier: Vec<(String, String, chrono::DateTime<chrono::Utc>)> = (0..40u32)
        .map(|i| {
            let (gender, satisfaction) =
                (["1", "2"][i as usize % 2], ["2", "4", "5"][i as usize % 3]);
            let answers = json!({"age": (60 + i).to_string(), "gender": gender, "uses_online": "2",
                                 "satisfaction": satisfaction, "comment": ""});
            let at = now - chrono::TimeDelta::days(i64::from(1 + i % 4));
            (uuid::Uuid::new_v4().to_string(), answers.to_string(), at)
        })
        .collect();
    duluan::surveys::store::insert_anonymous_completes(
        &app.db,
        survey,
        version,
        duluan::surveys::model::CollectionMode::Web,
        &earlier,
    )
    .await
    .unwrap();
    submit_thirty(&app).await;
    app.login_demo("designer").await;
    let path = format!("/surveys/{survey}/results");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let total: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    page.assert_contains(&format!("Tính trên {total} phiếu hoàn thành."));
    let first = figures(&app, survey).await;
    assert_eq!(reads(&app), (1, 0), "read once while nothing changes");

    // A new interview: read alone into those held.
    submit(
        &app,
        json!({"age": "120", "gender": "3", "uses_online": "2", "satisfaction": "1", "comment": ""}),
    )
    .await;
    let page = app.get(&path).await;
    page.assert_contains(&format!("Tính trên {} phiếu hoàn thành.", total + 1));
    assert_eq!(reads(&app), (1, 1));
    let refreshed = figures(&app, survey).await;
    assert_ne!(refreshed, first);
    assert_eq!(refreshed, cold_figures(&app, survey).await);
    assert_eq!(reads(&app), (2, 1));

    // An interview of days ago edited in the responses browser: its new answer is counted.
    let mean = |body: &str| line(body, "age", "Trung bình").0.parse::<f64>().unwrap();
    let before = mean(&app.get(&path).await.body);
    let old = response_with(&app, "\"age\":\"99\"").await;
    let edit = app
        .post(
            &format!("/surveys/{survey}/responses/{old}"),
            &[("a.age", "15")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    let page = app.get(&path).await;
    page.assert_contains(&format!("Tính trên {} phiếu hoàn thành.", total + 1));
    let after = mean(&page.body);
    let expected = before - 84.0 / (total + 1) as f64;
    assert!((after - expected).abs() < 0.011, "{after} ≠ {expected}");
    assert_eq!(reads(&app), (2, 2));
    let edited = figures(&app, survey).await;
    assert_eq!(edited, cold_figures(&app, survey).await);
    assert_eq!(reads(&app), (3, 2));

    // Another new one and another edit at once, refreshed together.
    submit(
        &app,
        json!({"age": "30", "gender": "1", "uses_online": "2", "satisfaction": "4", "comment": ""}),
    )
    .await;
    let other = response_with(&app, "\"age\":\"61\"").await;
    let edit = app
        .post(
            &format!("/surveys/{survey}/responses/{other}"),
            &[("a.satisfaction", "5")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    let both = figures(&app, survey).await;
    assert_eq!(reads(&app), (3, 3));
    assert_eq!(both, cold_figures(&app, survey).await);

    // A deleted response: those held number one too many, so every interview is read again.
    let figures_before = figures(&app, survey).await;
    let gone = response_with(&app, "\"age\":\"70\"").await;
    let page = app
        .post(&format!("/surveys/{survey}/responses/{gone}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await;
    page.assert_contains(&format!("Tính trên {} phiếu hoàn thành.", total + 1));
    assert_eq!(
        reads(&app),
        (5, 3),
        "the refresh was refused, all read again"
    );
    let deleted = figures(&app, survey).await;
    assert_ne!(deleted, figures_before);
    assert_eq!(deleted, cold_figures(&app, survey).await);
    app.stop().await;
}

#[tokio::test]
async fn a_release_that_reweights_the_cases_reads_every_interview_again() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let household: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let sample: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT MAX(id) FROM survey_samples WHERE survey_id = $1"
    )
    .bind(household)
    .fetch_one(pool)
    .await
    .unwrap());
    let before = figures(&app, household).await;
    assert_eq!(reads(&app), (1, 0));
    let weight: f64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, f64>(
        "SELECT SUM(k.weight) FROM survey_responses r JOIN survey_cases k ON k.id = r.case_id
         WHERE r.survey_id = $1 AND r.status = 'complete'"
    )
    .bind(household)
    .fetch_one(pool)
    .await
    .unwrap());
    // The second batch released: the released cases' weights shrink; no response changes.
    let page = app
        .post(
            &format!("/surveys/{household}/fieldwork/samples/{sample}/release"),
            &[("batch", "2"), ("mode", "auto")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let reweighted: f64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, f64>(
        "SELECT SUM(k.weight) FROM survey_responses r JOIN survey_cases k ON k.id = r.case_id
         WHERE r.survey_id = $1 AND r.status = 'complete'"
    )
    .bind(household)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(reweighted < weight, "{reweighted} < {weight}");
    let after = figures(&app, household).await;
    assert_eq!(
        reads(&app),
        (2, 0),
        "the refresh was refused, all read again"
    );
    assert_eq!(after, cold_figures(&app, household).await);
    assert_ne!(after, before);
    app.stop().await;
}
