//! The map widget of location questions in headless Chromium at phone size (390×844): a
//! respondent places a point and draws a shape by tapping the coordinate grid (no outside
//! tiles), removes a point, and the answers stored are what the widget wrote in the fields.

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;

use super::create_survey;
use crate::browser::{browser, screenshot};
use crate::helpers::spawn_demo;

/// Taps the map at a fraction of its drawing's width and height (from the top left corner; the
/// drawing is 300 units square).
async fn tap(c: &Client, fx: f64, fy: f64) {
    c.execute(
        "const s = document.querySelector('.sv-geo-map'); const m = s.getScreenCTM();
         s.dispatchEvent(new MouseEvent('click', {bubbles: true,
           clientX: m.a * 300 * arguments[0] + m.e, clientY: m.d * 300 * arguments[1] + m.f}));",
        vec![json!(fx), json!(fy)],
    )
    .await
    .unwrap();
}

async fn value(c: &Client, name: &str) -> String {
    c.find(Locator::Css(&format!("input[name='{name}']")))
        .await
        .expect(name)
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn press(c: &Client, class: &str) {
    c.find(Locator::Css(&format!("button.{class}")))
        .await
        .expect(class)
        .click()
        .await
        .unwrap();
}

/// The points of a `lat lon alt acc;…` answer.
fn points(v: &str) -> Vec<(f64, f64)> {
    v.split(';')
        .map(|p| {
            let f: Vec<f64> = p.split_whitespace().map(|x| x.parse().unwrap()).collect();
            (f[0], f[1])
        })
        .collect()
}

/// Within a screen pixel or so (a synthetic click lands on a whole pixel).
fn near(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.1 && (a.1 - b.1).abs() < 0.1
}

/// Waits until the page shows the map (a new page replaced the old one).
async fn map_with(c: &Client, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(main) = c.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
            && text.contains(needle)
            && c.find(Locator::Css(".sv-geo-map")).await.is_ok()
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no map with {needle}: {}", c.source().await.unwrap());
}

#[tokio::test]
async fn a_respondent_places_a_point_and_draws_a_shape_on_the_map_widget() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let survey = create_survey(&app, "92", "Khảo sát vị trí ngập", true).await;
    let question = |name: &str, kind, label: &str| {
        duluan_forms::Item::Question(duluan_forms::Question {
            name: name.into(),
            kind,
            label: duluan_forms::Text::plain(label),
            required: Some("yes".into()),
            ..Default::default()
        })
    };
    let form = duluan_forms::Form {
        id: "vi_tri_ngap".into(),
        title: "Khảo sát vị trí ngập".into(),
        items: vec![
            question(
                "spot",
                duluan_forms::QuestionType::Geopoint,
                "Điểm ngập gần nhà ông/bà",
            ),
            question(
                "area",
                duluan_forms::QuestionType::Geoshape,
                "Vùng thường bị ngập",
            ),
        ],
        ..Default::default()
    };
    let xlsx = duluan_forms::xlsform::export_xlsx(&form).unwrap();
    let page = app
        .upload(&format!("/surveys/{survey}/import"), "vi_tri.xlsx", xlsx)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{survey}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let key: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());

    let c = &b.client;
    c.goto(&format!("{}/s/{key}", app.base)).await.unwrap();
    let text = map_with(c, "Điểm ngập gần nhà").await;
    assert!(text.contains("Chưa có điểm nào"), "{text}");
    assert!(text.contains("Vị trí của tôi"), "{text}");
    // Its one script comes from the server itself, on the pages that need it.
    let html = c.source().await.unwrap();
    assert!(
        html.contains(r#"<script src="/surveys/assets/geo.js" defer"#),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    super::browser::fits_the_phone(c).await;
    // The view starts on the country (16°N 106°E, 16° of latitude across): a tap a quarter from
    // the top right places the point 4° north and 4°/cos(16°) east of the centre.
    tap(c, 0.75, 0.25).await;
    let v = value(c, "a.spot").await;
    let p = points(&v);
    assert_eq!(p.len(), 1, "{v}");
    let east = 106.0 + 4.0 / 16f64.to_radians().cos();
    assert!(near(p[0], (20.0, east)), "{v}");
    let first = p[0];
    // A second tap replaces the point; zooming in around it halves the distance of a tap.
    press(c, "sv-geo-zoom-in").await;
    tap(c, 0.5, 0.75).await;
    let v = value(c, "a.spot").await;
    let p = points(&v);
    assert_eq!(p.len(), 1, "{v}");
    // The view is centred on the first point now, 8° across: a quarter down is 2° south.
    assert!(near(p[0], (first.0 - 2.0, first.1)), "{v}");
    screenshot(c, "survey-geo-point-phone").await;
    c.find(Locator::Css("button.sv-next"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // A shape: three taps, closed by the widget; one removed and tapped again.
    map_with(c, "Vùng thường bị ngập").await;
    tap(c, 0.25, 0.25).await;
    tap(c, 0.75, 0.25).await;
    tap(c, 0.6, 0.8).await;
    let v = value(c, "a.area").await;
    let p = points(&v);
    assert_eq!(p.len(), 4, "{v}");
    assert_eq!(p[0], p[3], "the shape is closed: {v}");
    press(c, "sv-geo-undo").await;
    let v = value(c, "a.area").await;
    assert_eq!(points(&v).len(), 2, "{v}");
    tap(c, 0.5, 0.5).await;
    let v = value(c, "a.area").await;
    let area = points(&v);
    assert_eq!(area.len(), 4, "{v}");
    assert_eq!(area[0], area[3]);
    screenshot(c, "survey-geo-shape-phone").await;
    c.find(Locator::Css("button.sv-next"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        let n: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
        )
        .bind(survey)
        .fetch_one(pool)
        .await
        .unwrap());
        if n == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let data: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let spot = points(data["spot"].as_str().unwrap());
    assert!(near(spot[0], (first.0 - 2.0, first.1)), "{data}");
    let stored = points(data["area"].as_str().unwrap());
    assert_eq!(stored, area, "{data}");
    app.stop().await;
}
