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
