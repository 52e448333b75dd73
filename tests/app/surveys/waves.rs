//! Waves compared through the real server, on the demo's satisfaction survey (two closed waves
//! of 640 and 720 interviews, each raked to the city's population tables): the change of a share
//! from one wave to the next equals the two-independent-samples formula computed here from the
//! counts (unweighted view: se = √(p(1−p)/(n−1)) per wave, normal quantile), a real change is
//! marked, and a share the weighting fixes to the population shows no change to test.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

fn signed(x: f64) -> String {
    let v = x * 100.0;
    if v >= 0.0 {
        format!("+{v:.1}")
    } else {
        format!("−{:.1}", -v)
    }
}

#[tokio::test]
async fn a_change_between_waves_equals_the_formula_and_real_changes_are_marked() {
    let app = spawn_demo().await;
    let ids: Vec<i64> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'hai-long-dvc' ORDER BY wave"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(ids.len(), 2);
    app.login_demo("viewer").await;

    // Online submissions ("kenh" = 2) in each wave, from the figures' CSV (unweighted).
    let mut counts = vec![];
    for id in &ids {
        let csv = app
            .get(&format!("/surveys/{id}/results.csv?weighted=0"))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        let line = csv
            .body
            .lines()
            .find(|l| l.starts_with("kenh,") && l.contains(",Trực tuyến,"))
            .unwrap()
            .to_string();
        counts.push(line.split(',').nth(4).unwrap().parse::<f64>().unwrap());
    }
    let (n1, n2) = (640.0, 720.0);
    let (p1, p2) = (counts[0] / n1, counts[1] / n2);
    let se = (p1 * (1.0 - p1) / (n1 - 1.0) + p2 * (1.0 - p2) / (n2 - 1.0)).sqrt();
    let z = 1.959_963_984_540_054;
    let d = p2 - p1;
    let expected = format!(
        "Δ {} ({}; {})",
        signed(d),
        signed(d - z * se),
        signed(d + z * se)
    );

    let page = app
        .get(&format!("/surveys/{}/results/waves?weighted=0", ids[1]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đợt 1 (Thăm dò thường kỳ)");
    let at = page.body.find("id=\"w-kenh\"").unwrap();
    let section = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    let row_at = section.find("data-line=\"Trực tuyến\"").unwrap();
    let row = &section[row_at..row_at + section[row_at..].find("</tr>").unwrap()];
    assert!(row.contains(&expected), "{expected} not in {row}");
    // Online use grew from about a fifth to about a third: a real change.
    assert!(d > 0.08, "{d}");
    assert!(row.contains("data-significant=\"true\""), "{row}");

    // Weighted: sex is raked to the population in both waves, so it does not change and has no
    // sampling error: no change is offered for it.
    let page = app.get(&format!("/surveys/{}/results/waves", ids[1])).await;
    let at = page.body.find("id=\"w-gioi_tinh\"").unwrap();
    let section = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    assert!(section.contains("49.4"), "{section}");
    assert!(!section.contains("data-change"), "{section}");

    // An interviewer may not compare waves.
    let c = app.other_client();
    c.login_demo("interviewer").await;
    assert_eq!(
        c.get(&format!("/surveys/{}/results/waves", ids[1]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A second wave that interviews the same households again (their cases, so the same frame
/// members): the change is then computed for a panel, and in the unweighted view its interval
/// equals the paired formula computed here from the households' two answers (the mean of the
/// differences ± z · sd / √n).
#[tokio::test]
async fn a_panel_of_the_same_households_is_compared_as_pairs() {
    use duluan::surveys::model::{SurveyInput, SurveyStatus};
    use duluan::surveys::store as sstore;
    let app = spawn_demo().await;
    let (first, unit): (i64, i64) = duluan::with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT id, unit_id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let form: String = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1 AND published_at IS NOT NULL"
    )
    .bind(first)
    .fetch_one(pool)
    .await
    .unwrap()
    });
    // Wave 2, published, open.
    let now = chrono::Utc::now();
    let input = SurveyInput::parse("Hộ gia đình — đợt 2", "after", "2", "", "", false).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let second = sstore::insert_survey(&mut tx, unit, &input, "ho-gia-dinh-dvc", &form, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let version = sstore::list_versions(&app.db, second).await.unwrap()[0].id;
    let mut tx = app.db.begin().await.unwrap();
    sstore::publish_version(&mut tx, version, &form, now)
        .await
        .unwrap();
    sstore::update_survey_status(&mut tx, second, SurveyStatus::Open, None, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Every household of wave 1 answers again: a case of wave 2 for the same frame member,
    // with the same design weight; two of those who used online services (the first two of the
    // frame) no longer do.
    duluan::with_db!(&app.db, |pool| sqlx::query(
        "INSERT INTO survey_cases (survey_id, mode, unit_id, disposition, created_at, updated_at,
                                   frame_row_id, weight)
         SELECT $1, k.mode, k.unit_id, k.disposition, k.created_at, k.updated_at, k.frame_row_id,
                k.weight
         FROM survey_responses r JOIN survey_cases k ON k.id = r.case_id
         WHERE r.survey_id = $2 AND r.status = 'complete'"
    )
    .bind(second)
    .bind(first)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    duluan::with_db!(&app.db, |pool| {
        sqlx::query(
        "INSERT INTO survey_responses (id, survey_id, version_id, case_id, mode, status, page, data,
                                       digest, unit_id, started_at, updated_at, completed_at)
         SELECT r.id || '-2', $1, $2, k2.id, r.mode, r.status, r.page,
                CASE WHEN k1.frame_row_id IN (
                         SELECT k0.frame_row_id FROM survey_responses r0
                         JOIN survey_cases k0 ON k0.id = r0.case_id
                         WHERE r0.survey_id = $3 AND r0.status = 'complete'
                           AND r0.data LIKE '%\"uses_online\":\"1\"%'
                         ORDER BY k0.frame_row_id LIMIT 2)
                     THEN REPLACE(r.data, '\"uses_online\":\"1\"', '\"uses_online\":\"2\"')
                     ELSE r.data END,
                r.digest, r.unit_id, r.started_at, r.updated_at, r.completed_at
         FROM survey_responses r
         JOIN survey_cases k1 ON k1.id = r.case_id
         JOIN survey_cases k2 ON k2.frame_row_id = k1.frame_row_id AND k2.survey_id = $1
         WHERE r.survey_id = $3 AND r.status = 'complete'"
    )
    .bind(second)
    .bind(version)
    .bind(first)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap()
    });

    // The paired formula from the households' answers.
    let rows: Vec<(i64, i64, String)> = duluan::with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT r.survey_id, k.frame_row_id, r.data FROM survey_responses r
         JOIN survey_cases k ON k.id = r.case_id
         WHERE r.survey_id IN ($1, $2) AND r.status = 'complete'"
    )
    .bind(first)
    .bind(second)
    .fetch_all(pool)
    .await
    .unwrap());
    let online = |data: &str| {
        let v: serde_json::Value = serde_json::from_str(data).unwrap();
        f64::from(u8::from(v["uses_online"] == "1"))
    };
    let mut pairs: std::collections::BTreeMap<i64, [f64; 2]> = Default::default();
    for (survey, case, data) in &rows {
        pairs.entry(*case).or_default()[usize::from(*survey == second)] = online(data);
    }
    let n = pairs.len() as f64;
    assert!(n >= 10.0, "{n}");
    let d: Vec<f64> = pairs.values().map(|p| p[1] - p[0]).collect();
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let z = 1.959_963_984_540_054;
    let se = sd / n.sqrt();
    let expected = format!(
        "Δ {} ({}; {})",
        signed(mean),
        signed(mean - z * se),
        signed(mean + z * se)
    );
    assert!(mean < 0.0, "{mean}");

    app.login_demo("viewer").await;
    let page = app
        .get(&format!("/surveys/{second}/results/waves?weighted=0"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(&format!("data-panel=\"{n}\""));
    page.assert_contains("mẫu lặp (panel)");
    let at = page.body.find("id=\"w-uses_online\"").unwrap();
    let section = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    let row_at = section.find("data-line=\"Có\"").unwrap();
    let row = &section[row_at..row_at + section[row_at..].find("</tr>").unwrap()];
    assert!(row.contains(&expected), "{expected} not in {row}");
    // The same change judged as two independent samples would be wider.
    let (p1, p2) = (
        pairs.values().map(|p| p[0]).sum::<f64>() / n,
        pairs.values().map(|p| p[1]).sum::<f64>() / n,
    );
    let independent = (p1 * (1.0 - p1) / (n - 1.0) + p2 * (1.0 - p2) / (n - 1.0)).sqrt();
    assert!(se < independent, "{se} {independent}");
    app.stop().await;
}
