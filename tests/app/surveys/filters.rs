//! Filters and domains of the results page through the real server: a completion period keeps
//! only the interviews completed within it (page, CSV and links alike), a bad day or period is
//! refused with a message that says why; a survey fielded from a sample is cut by its frame's
//! strata and attributes and shows each choice's estimated number in the population, which adds
//! up to the sum of the design weights read here from the database; the waves of a series link
//! to each other.

use reqwest::StatusCode;

use super::demo_survey_id;
use super::results::{line, submit_thirty};
use crate::helpers::spawn_demo;

/// The CSV of the figures at `query`: `(question, line, n, estimate, total)` of every shown line.
async fn csv_lines(
    app: &crate::helpers::TestApp,
    survey: i64,
    query: &str,
) -> Vec<(String, String, usize, f64, Option<f64>)> {
    let page = app
        .get(&format!("/surveys/{survey}/results.csv{query}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    csv::Reader::from_reader(page.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[9] == "0")
        .map(|r| {
            (
                r[0].to_string(),
                r[3].to_string(),
                r[4].parse().unwrap(),
                r[5].parse().unwrap(),
                r[11].parse().ok(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_period_keeps_the_interviews_completed_within_it() {
    let app = spawn_demo().await;
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    // The ten first interviews (all men, ages 20–29) were completed on 15 January.
    let ids: Vec<String> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT id FROM survey_responses WHERE survey_id = $1 AND status = 'complete'
         AND data LIKE '%\"age\":\"2_\"%'"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(ids.len(), 10);
    let january = chrono::DateTime::parse_from_rfc3339("2026-01-15T03:00:00Z")
        .unwrap()
        .to_utc();
    for id in &ids {
        duluan::with_db!(&app.db, |pool| sqlx::query(
            "UPDATE survey_responses SET completed_at = $1 WHERE id = $2"
        )
        .bind(january)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    }
    app.login_demo("viewer").await;
    let base = format!("/surveys/{survey}/results");
    let page = app.get(&base).await;
    page.assert_contains("30");
    assert!(!page.body.contains("id=\"period-note\""));

    let q = "?from=2026-01-01&to=2026-01-31";
    let page = app.get(&format!("{base}{q}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"period-note\"");
    page.assert_contains("01/01/2026");
    page.assert_contains("31/01/2026");
    // Ten interviews, all men: a share of 100 % with the exact interval.
    assert_eq!(line(&page.body, "gender", "Nam").0, "100.0");
    // The links keep the period.
    page.assert_contains(&format!(
        "href=\"/surveys/{survey}/results.csv?from=2026-01-01&#38;to=2026-01-31\""
    ));
    let lines = csv_lines(&app, survey, q).await;
    let age = lines
        .iter()
        .find(|l| l.0 == "age" && l.1 == "mean")
        .unwrap();
    assert_eq!(age.2, 10);
    assert!((age.3 - 24.5).abs() < 1e-12, "{age:?}");
    // From a day on: the other twenty.
    let lines = csv_lines(&app, survey, "?from=2026-02-01").await;
    let age = lines
        .iter()
        .find(|l| l.0 == "age" && l.1 == "mean")
        .unwrap();
    assert_eq!(age.2, 20);
    assert!((age.3 - 39.5).abs() < 1e-12, "{age:?}");
    // Until a day before any: nothing to show.
    let page = app.get(&format!("{base}?to=2025-12-31")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"no-results\"");

    // A day that is not one, a period that ends before it starts: refused, saying why.
    let page = app.get(&format!("{base}?from=2026-02-30")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("năm-tháng-ngày");
    let page = app
        .get(&format!("{base}?from=2026-03-01&to=2026-02-01"))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("ngày bắt đầu ở sau ngày kết thúc");
    let page = app
        .get(&format!("/surveys/{survey}/results.csv?to=x"))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn a_sample_is_cut_by_its_frame_and_estimates_numbers_in_the_population() {
    let app = spawn_demo().await;
    let household: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    // The population the design weights stand for: the sum of the weights of the completed
    // interviews' cases.
    let weights: f64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, f64>(
        "SELECT SUM(k.weight) FROM survey_responses r JOIN survey_cases k ON k.id = r.case_id
         WHERE r.survey_id = $1 AND r.status = 'complete'"
    )
    .bind(household)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(weights > 0.0);
    app.login_demo("viewer").await;
    let base = format!("/surveys/{household}/results");
    let page = app.get(&base).await;
    page.assert_contains("Ước tính số người");
    page.assert_contains("data-total");
    // The frame's strata and its age groups are offered as domains.
    page.assert_contains("<option value=\"@stratum\"");
    page.assert_contains("<option value=\"@frame:nhom_tuoi\"");
    // Every choice of gender (answered by all) adds up to the population, shown or not: the
    // CSV publishes the shown ones; their totals and their shares agree.
    let lines = csv_lines(&app, household, "").await;
    let gender: Vec<_> = lines.iter().filter(|l| l.0 == "gender").collect();
    assert!(!gender.is_empty());
    for l in &gender {
        let t = l.4.expect("a number in the population");
        assert!((t / weights - l.3).abs() < 1e-6, "{l:?} of {weights}");
    }
    if gender.len() == 3 {
        let sum: f64 = gender.iter().map(|l| l.4.unwrap()).sum();
        assert!((sum - weights).abs() < 1e-6 * weights, "{sum} {weights}");
    }
    // Unweighted, the interviews stand for nobody: no numbers in the population.
    let page = app.get(&format!("{base}?weighted=0")).await;
    assert!(!page.body.contains("data-total"));
    assert!(
        csv_lines(&app, household, "?weighted=0")
            .await
            .iter()
            .all(|l| l.4.is_none())
    );

    // Cut by the frame's age groups: one column per group, with its n.
    let page = app.get(&format!("{base}?by=@frame:nhom_tuoi")).await;
    assert_eq!(page.status, StatusCode::OK);
    for group in ["18-29", "30-44", "45-59", "60+"] {
        page.assert_contains(&format!("<th>{group} <span class=\"muted\">n = "));
    }
    // Cut by stratum.
    let page = app.get(&format!("{base}?by=@stratum")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("class=\"results-by\"");
    // A frame column the frame does not have is named like an unknown question.
    let page = app.get(&format!("{base}?by=@frame:ho_ten")).await;
    page.assert_contains("id=\"results-error\"");
    app.stop().await;
}

#[tokio::test]
async fn the_waves_of_a_series_link_to_each_other() {
    let app = spawn_demo().await;
    let waves: Vec<i64> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = $1 ORDER BY wave"
    )
    .bind(duluan::surveys::results::demo::SERIES)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(waves.len(), 2);
    app.login_demo("viewer").await;
    let page = app.get(&format!("/surveys/{}/results", waves[1])).await;
    page.assert_contains("id=\"wave-filter\"");
    page.assert_contains(&format!("href=\"/surveys/{}/results\"", waves[0]));
    page.assert_contains("aria-current=\"page\"");
    // A survey alone in its series shows no wave links.
    let household: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let page = app.get(&format!("/surveys/{household}/results")).await;
    assert!(!page.body.contains("id=\"wave-filter\""));
    app.stop().await;
}
