//! The respondent journey in headless Chromium at phone size (390×844): the demo survey answered
//! through its anonymous link (validation beside the question, skip logic, a calculation in the
//! stored record) and through a one-time token (a used token gets a clear page).

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{DEMO_KEY, demo_survey_id};
use crate::browser::{browser, screenshot};
use crate::helpers::spawn_demo;

async fn fill(c: &Client, name: &str, value: &str) {
    let e = c
        .find(Locator::Css(&format!("input[name='{name}']")))
        .await
        .expect(name);
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn choose(c: &Client, name: &str, value: &str) {
    c.find(Locator::Css(&format!(
        "input[name='{name}'][value='{value}']"
    )))
    .await
    .expect(name)
    .click()
    .await
    .unwrap();
}

/// Clicks "next" and waits for the next page to replace this one.
async fn next(c: &Client) {
    let old = c.find(Locator::Css("main")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("button.sv-next"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if old.text().await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn main_text(c: &Client) -> String {
    c.wait()
        .for_element(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The page does not scroll sideways at the phone's width.
pub(super) async fn fits_the_phone(c: &Client) {
    let ok = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ok, json!(true), "the page scrolls sideways on a phone");
}

#[tokio::test]
async fn a_respondent_answers_on_a_phone_by_link_and_by_token() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    c.goto(&format!("{}/s/{DEMO_KEY}", app.base)).await.unwrap();
    assert!(main_text(c).await.contains("Ông/bà bao nhiêu tuổi?"));
    fits_the_phone(c).await;
    screenshot(c, "survey-first-page-phone").await;
    // Validation as in ODK: the constraint message beside the question.
    fill(c, "a.age", "12").await;
    next(c).await;
    let text = main_text(c).await;
    assert!(text.contains("Tuổi phải từ 15 đến 120"), "{text}");
    screenshot(c, "survey-validation-phone").await;
    fill(c, "a.age", "34").await;
    choose(c, "a.gender", "2").await;
    next(c).await;
    assert!(main_text(c).await.contains("dịch vụ công trực tuyến"));
    // Skip logic: "no" skips the services question.
    choose(c, "a.uses_online", "2").await;
    next(c).await;
    let text = main_text(c).await;
    assert!(text.contains("Mức độ hài lòng"), "{text}");
    assert!(!text.contains("những dịch vụ nào"));
    choose(c, "a.satisfaction", "4").await;
    next(c).await;
    assert!(main_text(c).await.contains("Ý kiến khác"));
    fill(c, "a.comment", "Cần thêm điểm hỗ trợ").await;
    next(c).await;
    assert!(main_text(c).await.contains("Cảm ơn ông/bà!"));
    screenshot(c, "survey-thanks-phone").await;
    let data: String = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT data FROM survey_responses WHERE status = 'complete' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["adult"], "1");
    assert_eq!(data["comment"], "Cần thêm điểm hỗ trợ");
    assert!(data.get("services").is_none());

    // A one-time token, created by the designer.
    app.login_demo("designer").await;
    let id = demo_survey_id(&app).await;
    let page = app
        .post(&format!("/surveys/{id}/tokens"), &[("count", "1")])
        .await;
    let i = page.body.find("href=\"/t/").unwrap();
    let link = page.body[i + 6..].split('"').next().unwrap().to_string();
    c.goto(&format!("{}{link}", app.base)).await.unwrap();
    fill(c, "a.age", "58").await;
    choose(c, "a.gender", "1").await;
    next(c).await;
    choose(c, "a.uses_online", "1").await;
    next(c).await;
    // Required: the services question must be answered.
    next(c).await;
    assert!(c.find(Locator::Css(".sv-q-error")).await.is_ok());
    c.find(Locator::Css("input[name='a.services'][value='land']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    next(c).await;
    choose(c, "a.satisfaction", "5").await;
    next(c).await;
    next(c).await;
    assert!(main_text(c).await.contains("Cảm ơn ông/bà!"));
    c.goto(&format!("{}{link}", app.base)).await.unwrap();
    assert!(main_text(c).await.contains("Mã này đã được dùng"));
    screenshot(c, "survey-token-used-phone").await;
    // In English.
    c.goto(&format!("{}/s/{DEMO_KEY}", app.base)).await.unwrap();
    c.find(Locator::Css("button[name=lang]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//*[contains(text(), 'How old are you?')]"))
        .await
        .unwrap();
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_leader_reads_the_results_and_a_crosstab_on_a_phone_and_a_desktop() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    let household: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    crate::browser::log_in(c, &app.base, "viewer").await;
    c.goto(&format!("{}/surveys/{household}", app.base))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("results-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("weighted")).await.unwrap();
    let text = main_text(c).await;
    assert!(text.contains("Tính trên 14 phiếu hoàn thành."), "{text}");
    assert!(text.contains("Mức độ hài lòng"), "{text}");
    fits_the_phone(c).await;
    screenshot(c, "results-phone").await;
    // A crosstab chosen in the form.
    c.find(Locator::Css("select#row"))
        .await
        .unwrap()
        .select_by_value("gender")
        .await
        .unwrap();
    c.find(Locator::Css("select#col"))
        .await
        .unwrap()
        .select_by_value("uses_online")
        .await
        .unwrap();
    c.find(Locator::Css("#crosstab button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = c
        .wait()
        .for_element(Locator::Id("crosstab-table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains("Nam") && table.contains("Nữ"), "{table}");
    c.wait()
        .for_element(Locator::Id("crosstab-test"))
        .await
        .unwrap();
    fits_the_phone(c).await;
    screenshot(c, "results-crosstab-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    screenshot(c, "results-crosstab-desktop").await;
    app.stop().await;
}

#[tokio::test]
async fn a_viewer_reads_weighted_results_with_charts_and_compares_waves_on_a_phone_and_a_desktop() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    let wave2: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'hai-long-dvc' AND wave = 2"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    crate::browser::log_in(c, &app.base, "viewer").await;
    c.goto(&format!("{}/surveys/{wave2}", app.base))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("results-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note = c
        .wait()
        .for_element(Locator::Id("weighted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(note.contains("hiệu chỉnh theo số liệu dân số"), "{note}");
    // A chart per question and the stacked Likert chart, drawn as SVG in the page.
    let charts = c
        .find_all(Locator::Css("figure.sv-chart svg"))
        .await
        .unwrap();
    assert!(charts.len() >= 15, "{} charts", charts.len());
    c.find(Locator::Css("#likert svg")).await.unwrap();
    fits_the_phone(c).await;
    c.execute(
        "document.getElementById('q-hai_long_chung').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(c, "results-weighted-phone").await;
    // The diagnostics of the weighting, opened.
    c.find(Locator::Css("#weighting-details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let margins = c
        .wait()
        .for_element(Locator::Id("diag-margins"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(margins.contains("1.330.000"), "{margins}");
    fits_the_phone(c).await;
    // The waves.
    c.find(Locator::Id("waves-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let kenh = c
        .wait()
        .for_element(Locator::Id("w-kenh"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(kenh.contains("Δ") && kenh.contains('✱'), "{kenh}");
    c.find(Locator::Css("#w-kenh figure.sv-chart svg"))
        .await
        .unwrap();
    fits_the_phone(c).await;
    let into_view = |id: &'static str| async move {
        c.execute(
            &format!("document.getElementById('{id}').scrollIntoView()"),
            vec![],
        )
        .await
        .unwrap();
    };
    into_view("w-kenh").await;
    screenshot(c, "waves-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    into_view("w-kenh").await;
    screenshot(c, "waves-desktop").await;
    c.goto(&format!("{}/surveys/{wave2}/results", app.base))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("likert")).await.unwrap();
    into_view("likert").await;
    screenshot(c, "results-likert-desktop").await;
    app.stop().await;
}
