//! The satisfaction index through the real server, on the demo's satisfaction survey: the
//! unweighted index equals the mean of the respondents' scores computed here from the stored
//! answers (with its t interval), units are compared with the rest, the index is followed across
//! the two waves, and a questionnaire without satisfaction dimensions says it has no index.

use reqwest::StatusCode;

use super::demo_survey_id;
use crate::helpers::spawn_demo;

const DIMS: [&[&str]; 4] = [
    &["tc_thong_tin", "tc_noi_tiep"],
    &["tt_don_gian", "tt_phi"],
    &["cc_thai_do", "cc_huong_dan"],
    &["kq_dung_han", "kq_chinh_xac"],
];

#[tokio::test]
async fn the_index_equals_the_mean_of_scores_and_units_and_waves_are_compared() {
    let app = spawn_demo().await;
    let id: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'hai-long-dvc' AND wave = 2"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let records: Vec<String> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap());
    // Scores by hand: per dimension the share of items answered 4 or 5, then their mean.
    let scores: Vec<f64> = records
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(r).unwrap();
            let dims: Vec<f64> = DIMS
                .iter()
                .map(|items| {
                    let yes = items
                        .iter()
                        .filter(|q| matches!(v[**q].as_str(), Some("4" | "5")))
                        .count();
                    100.0 * yes as f64 / items.len() as f64
                })
                .collect();
            dims.iter().sum::<f64>() / 4.0
        })
        .collect();
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = sd / n.sqrt();
    let t = duluan_stats::dist::qt(0.975, n - 1.0);
    let expected = format!("{mean:.1} ({:.1}–{:.1})", mean - t * se, mean + t * se);

    app.login_demo("viewer").await;
    let page = app
        .get(&format!("/surveys/{id}/results/index?weighted=0"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(&format!(
        "Chỉ số hài lòng: {expected} điểm (trên 720 người trả lời)."
    ));
    // Four dimensions, the place that handled the case by default, both waves.
    for d in [
        "A. Tiếp cận dịch vụ",
        "B. Thủ tục hành chính",
        "C. Công chức giải quyết",
        "D. Kết quả giải quyết",
    ] {
        page.assert_contains(d);
    }
    page.assert_contains("data-unit=\"Trung tâm phục vụ hành chính công\"");
    // The demo's centre serves better than the rest by design of its answers: a real difference.
    let at = page
        .body
        .find("data-unit=\"Trung tâm phục vụ hành chính công\"")
        .unwrap();
    let row = &page.body[at..at + page.body[at..].find("</tr>").unwrap()];
    assert!(
        row.contains("data-real=\"true\"") && row.contains("+"),
        "{row}"
    );
    let at = page.body.find("id=\"index-waves\"").unwrap();
    let waves = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    assert!(
        waves.contains("Đợt 1") && waves.contains("Đợt 2") && waves.contains("Δ"),
        "{waves}"
    );
    assert!(waves.contains("<svg"));

    // Weighted by default, and different from the unweighted figure.
    let weighted = app.get(&format!("/surveys/{id}/results/index")).await;
    weighted.assert_contains("Có gia quyền");
    assert!(!weighted.body.contains(&expected));

    // The opinion poll has no satisfaction dimensions.
    let poll = demo_survey_id(&app).await;
    let page = app.get(&format!("/surveys/{poll}/results/index")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"no-index\"");
}

#[tokio::test]
async fn open_answers_become_themes_with_examples_only_for_readers_of_interviews() {
    let app = spawn_demo().await;
    let id: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'hai-long-dvc' AND wave = 2"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    app.login_demo("viewer").await;
    let page = app.get(&format!("/surveys/{id}/results")).await;
    let at = page
        .body
        .find("id=\"open-gop_y\"")
        .expect("an open-answer card");
    let card = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    assert!(
        card.contains("Cụm từ nổi bật") && card.contains("results-themes"),
        "{card}"
    );
    assert!(card.contains("đất đai"), "{card}");
    // No answer's own words for a viewer.
    assert!(!card.contains("sv-examples"), "{card}");
    let analyst = app.other_client();
    analyst.login_demo("analyst").await;
    let page = analyst.get(&format!("/surveys/{id}/results")).await;
    let at = page.body.find("id=\"open-gop_y\"").unwrap();
    let card = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    assert!(card.contains("sv-examples"), "{card}");
}

#[tokio::test]
async fn a_new_survey_can_start_from_the_satisfaction_template() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let unit = app.unit_id("92").await.to_string();
    let page = app.get("/surveys").await;
    page.assert_contains("Mẫu khảo sát sự hài lòng với dịch vụ hành chính công");
    let form = [
        ("unit_id", unit.as_str()),
        ("title", "Hài lòng quý I"),
        ("purpose", "other"),
        ("wave", "1"),
        ("anonymous", "1"),
        ("template", "sipas"),
    ];
    let page = app.post("/surveys", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i64 = page
        .location()
        .strip_prefix("/surveys/")
        .unwrap()
        .parse()
        .unwrap();
    let stored: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    let f = duluan_forms::Form::from_json(&stored).unwrap();
    assert_eq!(f.title, "Hài lòng quý I");
    assert_eq!(
        duluan::surveys::results::model::index::dimensions(&f, "vi")
            .unwrap()
            .len(),
        4
    );
    // An unknown template is refused and nothing is created.
    let before: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM surveys"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let mut bad = form;
    bad[5] = ("template", "nope");
    assert_eq!(
        app.post("/surveys", &bad).await.status,
        StatusCode::BAD_REQUEST
    );
    let after: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM surveys"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(before, after);
}
