//! The results page through the real server: shares with logit intervals and means with t
//! intervals equal to the formulas computed here by hand, small cells suppressed with their
//! complement so that they cannot be worked out from the others, the weighted view of a survey
//! fielded from a sample, and the page closed to roles without `ViewSurveyResults`.

use reqwest::StatusCode;
use serde_json::json;

use super::{DEMO_KEY, demo_survey_id};
use crate::helpers::spawn_demo;

/// The cell of the line `label` in the question `name`: `(estimate, interval)`.
pub(super) fn line(body: &str, name: &str, label: &str) -> (String, String) {
    let q = body
        .find(&format!("id=\"q-{name}\""))
        .unwrap_or_else(|| panic!("no question {name}"));
    let section = &body[q..q + body[q..].find("</section>").unwrap()];
    let at = section
        .find(&format!("data-line=\"{label}\""))
        .unwrap_or_else(|| panic!("no line {label} in {name}"));
    let row = &section[at..at + section[at..].find("</tr>").unwrap()];
    let cell = |attr: &str| {
        row.find(attr).map_or(String::new(), |i| {
            let j = row[i..].find('>').unwrap() + i + 1;
            row[j..j + row[j..].find('<').unwrap()].trim().to_string()
        })
    };
    (cell("data-estimate"), cell("data-interval"))
}

fn qt_975_29() -> f64 {
    2.045_229_642_132_703
}

/// 30 interviews into the demo link survey: 12 men, 15 women, 3 "other"; ages 20 … 49. Men
/// satisfied ("4", 8 of them) or very satisfied ("5", i = 0, 3, 6, 9); women very satisfied
/// ("5", even i: 8 of them) or neutral ("3", odd i: 7); "other" satisfied.
pub(super) async fn submit_thirty(app: &crate::helpers::TestApp) {
    for i in 0..30u32 {
        let gender = if i < 12 {
            "1"
        } else if i < 27 {
            "2"
        } else {
            "3"
        };
        // Men satisfied ("4", 8 of them) or very satisfied ("5", i = 0, 3, 6, 9); women very
        // satisfied ("5", even i: 8 of them) or neutral ("3", odd i: 7); "other" satisfied.
        let satisfaction = match (gender, i % 2) {
            ("1", _) if i % 3 == 0 => "5",
            ("2", 0) => "5",
            ("2", _) => "3",
            _ => "4",
        };
        let body = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "complete": true,
            "answers": {"age": (20 + i).to_string(), "gender": gender, "uses_online": "2",
                        "satisfaction": satisfaction, "comment": ""},
        });
        let r = app
            .client
            .post(format!("{}/s/{DEMO_KEY}/submissions", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
    }
}

#[tokio::test]
async fn shares_and_means_equal_the_formulas_and_small_cells_cannot_be_recovered() {
    let app = spawn_demo().await;
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    let path = format!("/surveys/{survey}/results");

    // An interviewer may not read results.
    let c = app.other_client();
    c.login_demo("interviewer").await;
    assert_eq!(c.get(&path).await.status, StatusCode::FORBIDDEN);

    app.login_demo("viewer").await;
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Tính trên 30 phiếu hoàn thành.");
    page.assert_contains("id=\"unweighted\"");

    // Women: p = 0.5, se = sqrt(p(1-p)/(n-1)), logit interval with t(29).
    let p: f64 = 0.5;
    let se = (p * (1.0 - p) / 29.0).sqrt();
    let half = qt_975_29() * se / (p * (1.0 - p));
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let logit = (p / (1.0 - p)).ln();
    let f = |x: f64| format!("{:.1}", x * 100.0);
    assert_eq!(
        line(&page.body, "gender", "Nữ"),
        (
            "50.0".to_string(),
            format!("{}–{}", f(expit(logit - half)), f(expit(logit + half)))
        )
    );
    // "Other" rests on 3 respondents: hidden, and with it the smallest other cell (men), so that
    // neither is 100 % minus the rest.
    assert_eq!(line(&page.body, "gender", "Khác").0, "ẩn");
    assert_eq!(line(&page.body, "gender", "Nam").0, "ẩn");
    let at = page.body.find("id=\"q-gender\"").unwrap();
    let gender = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    // The figures as written (the chart's drawing coordinates left out).
    let gender = match (gender.find("<svg"), gender.find("</svg>")) {
        (Some(a), Some(b)) => format!("{}{}", &gender[..a], &gender[b..]),
        _ => gender.to_string(),
    };
    assert!(
        !gender.contains("40.0") && !gender.contains("10.0"),
        "a hidden share leaks"
    );

    // Age: mean 34.5, se = sd / sqrt(n), t(29) interval.
    let ages: Vec<f64> = (20..50).map(f64::from).collect();
    let mean = ages.iter().sum::<f64>() / 30.0;
    let sd = (ages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 29.0).sqrt();
    let se = sd / 30f64.sqrt();
    let (lo, hi) = (mean - qt_975_29() * se, mean + qt_975_29() * se);
    assert_eq!(
        line(&page.body, "age", "Trung bình"),
        ("34.50".to_string(), format!("{lo:.2}–{hi:.2}"))
    );
    // Median (R's qrule "math": the smallest age with at least half at or below it): 34.
    assert_eq!(line(&page.body, "age", "Trung vị").0, "34.00");

    // One empty choice beside a full one: the empty cell is small, and the full one goes with it
    // (it would be 100 % minus 0).
    assert_eq!(line(&page.body, "uses_online", "Có").0, "ẩn");
    assert_eq!(line(&page.body, "uses_online", "Chưa").0, "ẩn");

    // The figures as CSV: the same cells hidden, flagged and empty.
    let csv = app.get(&format!("/surveys/{survey}/results.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let hidden: Vec<&str> = csv
        .body
        .lines()
        .filter(|l| l.starts_with("gender,"))
        .collect();
    assert_eq!(hidden.len(), 3, "{}", csv.body);
    for l in &hidden {
        let cells: Vec<&str> = l.split(',').collect();
        let suppressed = cells[9] == "1";
        assert_eq!(suppressed, !l.contains(",Nữ,"), "{l}");
        if suppressed {
            assert!(cells[4..9].iter().all(|c| c.is_empty()), "{l}");
        }
    }
    assert!(
        hidden
            .iter()
            .all(|l| !l.contains("0.400000") && !l.contains("0.100000")),
        "a hidden share leaks into the export"
    );

    // A crosstab: row percentages with their intervals, the test in plain words, a row resting
    // on fewer than 5 respondents hidden whole.
    let page = app
        .get(&format!("{path}?row=gender&col=satisfaction"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("trên 30 phiếu trả lời cả hai câu");
    let row = |label: &str| {
        let at = page.body.find(&format!("data-row=\"{label}\"")).unwrap();
        page.body[at..at + page.body[at..].find("</tr>").unwrap()].to_string()
    };
    // Women "very satisfied": 8 of 15 in a domain of a 30-interview sample:
    // se = sqrt(p(1-p)/n_d × n/(n-1)), logit interval with t on the domain's degrees of freedom
    // (its 15 interviews minus one, as R's `degf` of a subset design): qt(0.975, 14).
    let p: f64 = 8.0 / 15.0;
    let se = (p * (1.0 - p) / 15.0 * 30.0 / 29.0).sqrt();
    let half = 2.144_786_687_916_925 * se / (p * (1.0 - p));
    let logit = (p / (1.0 - p)).ln();
    let expected = format!(
        "{} ({}–{})",
        f(p),
        f(expit(logit - half)),
        f(expit(logit + half))
    );
    assert!(
        row("Nữ").contains(&expected),
        "{expected} not in {}",
        row("Nữ")
    );
    assert!(!row("Khác").contains('%') && row("Khác").matches("ẩn").count() == 6);
    // Men: 8 of 12 "satisfied" shown; their 4 "very satisfied" are a small cell, hidden with
    // the empty ones.
    assert!(row("Nam").contains("66.7 ("), "{}", row("Nam"));
    assert_eq!(row("Nam").matches("ẩn").count(), 5, "{}", row("Nam"));
    page.assert_contains("Kiểm định Rao-Scott: F =");
    page.assert_contains("hai câu hỏi có liên hệ với nhau");
    // Column percentages: of the 12 very satisfied, 8 are women (66.7 %); the column says n.
    let page = app
        .get(&format!("{path}?row=gender&col=satisfaction&pct=col"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Tỷ lệ theo cột (%)");
    page.assert_contains("n = 12");
    let at = page.body.find("data-row=\"Nữ\"").unwrap();
    let women = &page.body[at..at + page.body[at..].find("</tr>").unwrap()];
    assert!(women.contains("66.7 ("), "{women}");
    // The 7 neutral answers are all women's: 100 % with the exact interval of 7 in 7.
    let edge = 0.025f64.powf(1.0 / 7.0);
    assert!(
        women.contains(&format!("100.0 ({}–100.0)", f(edge))),
        "{women}"
    );
    // A question that is not a single choice is named.
    let page = app.get(&format!("{path}?row=age&col=gender")).await;
    page.assert_contains("“age” không phải là câu hỏi một lựa chọn");

    // The household survey was fielded from a stratified sample: weighted by default, with the
    // unweighted view one click away.
    let household: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let page = app.get(&format!("/surveys/{household}/results")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("id=\"weighted\"");
    page.assert_contains("Tính trên 14 phiếu hoàn thành.");
    let page = app
        .get(&format!("/surveys/{household}/results?weighted=0"))
        .await;
    page.assert_contains("id=\"unweighted\"");
    app.stop().await;
}

#[tokio::test]
async fn charts_download_as_svg_and_png_and_keep_hidden_cells_hidden() {
    let app = spawn_demo().await;
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    app.login_demo("viewer").await;
    // A viewer reads figures but not interviews: no link to the row-level data and R script.
    let page = app.get(&format!("/surveys/{survey}/results")).await;
    assert!(!page.body.contains("id=\"results-r\""));
    page.assert_contains("Tính trên 30 phiếu hoàn thành.");
    // The interviews are kept between pages only while they do not change: one more counts.
    let body = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "complete": true,
        "answers": {"age": "40", "gender": "2", "uses_online": "2", "satisfaction": "5", "comment": ""},
    });
    let r = app
        .client
        .post(format!("{}/s/{DEMO_KEY}/submissions", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = app.get(&format!("/surveys/{survey}/results")).await;
    page.assert_contains("Tính trên 31 phiếu hoàn thành.");
    let analyst = app.other_client();
    analyst.login_demo("analyst").await;
    let page = analyst.get(&format!("/surveys/{survey}/results")).await;
    page.assert_contains("id=\"results-r\"");
    let svg = app
        .get(&format!("/surveys/{survey}/results/charts/gender.svg"))
        .await;
    assert_eq!(svg.status, StatusCode::OK, "{}", svg.body);
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(
        svg.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("duluan-{survey}-gender.svg"))
    );
    assert!(svg.body.starts_with("<svg") && svg.body.contains("Nữ"));
    // Women's 16 of 31 (51.6 %) is drawn; men's 12 (38.7 %) and "other"'s 3 (9.7 %) are hidden
    // on the page, so in the chart too.
    assert!(svg.body.contains("51,6"), "{}", svg.body);
    assert!(!svg.body.contains("38,7") && !svg.body.contains("9,7"));
    let png = app
        .client
        .get(format!(
            "{}/surveys/{survey}/results/charts/satisfaction.png",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    // 360 units wide drawn at twice the size.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 720);
    // Not a question, not a chart format, not a reader of results.
    for path in [
        "/results/charts/nope.svg",
        "/results/charts/gender.gif",
        "/results/waves/charts/nope.png",
    ] {
        assert_eq!(
            app.get(&format!("/surveys/{survey}{path}")).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let c = app.other_client();
    c.login_demo("interviewer").await;
    assert_eq!(
        c.get(&format!("/surveys/{survey}/results/charts/gender.svg"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_deployment_may_raise_the_smallest_published_cell() {
    let app = crate::helpers::spawn_with(|c| c.results_min_cell = 10).await;
    duluan::demo::load(&app.db).await.unwrap();
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    app.login_demo("viewer").await;
    let page = app.get(&format!("/surveys/{survey}/results")).await;
    page.assert_contains("dưới 10 người trả lời bị ẩn");
    // Satisfaction: 12 very satisfied and 11 satisfied are shown; the 7 neutral are now a small
    // cell, and the smallest other (the 0 of a choice nobody took) goes with them anyway.
    assert_eq!(line(&page.body, "satisfaction", "Bình thường").0, "ẩn");
    assert_ne!(line(&page.body, "satisfaction", "Rất hài lòng").0, "ẩn");
    // With the default of 5, the 7 neutral answers are shown.
    let app5 = spawn_demo().await;
    submit_thirty(&app5).await;
    app5.login_demo("viewer").await;
    let page = app5
        .get(&format!("/surveys/{}/results", demo_survey_id(&app5).await))
        .await;
    assert_ne!(line(&page.body, "satisfaction", "Bình thường").0, "ẩn");
}
