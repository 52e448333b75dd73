//! The demo journey of issue 6 in a real headless Chromium at phone size: the ward's reporter puts
//! the collaborator's stream into the monthly report and submits it; the centre merges the same
//! stream from three communes into one city stream and opens the printable draft; the centre
//! returns one report with a comment, accepts another, and sees on the coverage page which strata
//! lack collaborators. (The collaborator's phone entry is in `reporting.rs`, the reminder through
//! a real SMTP server in `reminders.rs`.)

use fantoccini::{Client, Locator};

use crate::browser::{browser, log_in as login, screenshot};
use crate::helpers::spawn_demo;

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reporter_submits_and_the_centre_merges_on_a_phone() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    login(c, &app.base, "reporter").await;
    c.goto(&format!("{}/reporting/reports", app.base))
        .await
        .unwrap();
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let period = c.find(Locator::Id("period")).await.unwrap();
    period.clear().await.unwrap();
    period.send_keys(&month).await.unwrap();
    c.find(Locator::Id("open-report"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("submit-report"))
        .await
        .unwrap();
    c.find(Locator::Id("general_mood"))
        .await
        .unwrap()
        .send_keys("Tình hình tư tưởng của Nhân dân ổn định.")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=stream]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    screenshot(c, "reporting-report-phone").await;
    c.find(Locator::Id("submit-report"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("div.flash"))
        .await
        .unwrap();
    assert_eq!(text(c, "#report-status").await, "Đã gửi");
    assert!(text(c, "main").await.contains("ùn tắc giao thông"));

    c.find(Locator::Css("header.top form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("username")).await.unwrap();
    login(c, &app.base, "analyst").await;
    c.goto(&format!("{}/reporting/synthesis", app.base))
        .await
        .unwrap();
    let section = "//section[h2[normalize-space()='Sạt lở bờ sông']]";
    let boxes = c
        .find_all(Locator::XPath(&format!("{section}//input[@name='stream']")))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 3);
    for b in boxes {
        b.click().await.unwrap();
    }
    c.find(Locator::XPath(&format!(
        "{section}//button[contains(@class,'merge')]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("article.city"))
        .await
        .unwrap();
    assert_eq!(text(c, "article.city .breadth").await, "3 đơn vị phản ánh");
    screenshot(c, "reporting-synthesis-phone").await;
    c.goto(&format!(
        "{}/reporting/synthesis/draft?period={month}",
        app.base
    ))
    .await
    .unwrap();
    assert!(text(c, "main").await.contains("sạt lở bờ sông kéo dài"));
    screenshot(c, "reporting-draft-phone").await;
    // And the completeness of the month counts the new report: 7 of 103.
    c.goto(&format!(
        "{}/reporting/completeness?type=1&from={month}&to={month}",
        app.base
    ))
    .await
    .unwrap();
    assert_eq!(text(c, "#submitted").await, "7");
    assert_eq!(text(c, "#expected").await, "103");
}

#[tokio::test]
async fn the_centre_returns_one_report_accepts_another_and_sees_the_gaps_on_a_phone() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    login(c, &app.base, "analyst").await;
    // The reports waiting for review: the demo's six of this month.
    c.goto(&format!("{}/reporting/reports", app.base))
        .await
        .unwrap();
    let first_table = "(//table)[1]//tbody/tr";
    let rows = c.find_all(Locator::XPath(first_table)).await.unwrap();
    assert_eq!(rows.len(), 6);
    let link = |i: usize| format!("({first_table})[{i}]//a");
    let returned_url = c
        .find(Locator::XPath(&link(1)))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.find(Locator::XPath(&link(1)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("return-report"))
        .await
        .unwrap();
    c.find(Locator::Id("return-comment"))
        .await
        .unwrap()
        .send_keys("Đề nghị bổ sung nguyên nhân và dự báo của luồng sạt lở.")
        .await
        .unwrap();
    c.find(Locator::Id("return-report"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("div.flash"))
        .await
        .unwrap();
    assert_eq!(text(c, "#report-status").await, "Trả lại");
    assert!(
        text(c, "main")
            .await
            .contains("Đề nghị bổ sung nguyên nhân")
    );
    screenshot(c, "reporting-returned-phone").await;
    // The next one is accepted.
    c.goto(&format!("{}/reporting/reports", app.base))
        .await
        .unwrap();
    assert_eq!(
        c.find_all(Locator::XPath(first_table)).await.unwrap().len(),
        5
    );
    c.find(Locator::XPath(&link(1)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("accept-report"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("div.flash"))
        .await
        .unwrap();
    assert_eq!(text(c, "#report-status").await, "Đã tiếp nhận");
    assert_ne!(c.current_url().await.unwrap().path(), returned_url.as_str());
    // The coverage page shows which strata lack collaborators city-wide.
    c.goto(&format!("{}/collaborators/coverage", app.base))
        .await
        .unwrap();
    let main = text(c, "main").await;
    assert!(main.contains("chỉ tiêu chưa đạt"), "{main}");
    for stratum in ["Công nhân, người lao động", "Chức sắc, tín đồ tôn giáo"] {
        assert!(main.contains(stratum), "{stratum} in {main}");
    }
    assert!(main.contains("thiếu 3 (có 0)"), "{main}");
    screenshot(c, "collaborators-coverage-phone").await;
}
