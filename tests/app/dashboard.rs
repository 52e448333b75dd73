//! The leaders' dashboard (issue 17): a viewer's home page shows, for the viewer's scope, open
//! alerts, the month's leading streams by breadth with the change from last month, last month's
//! completeness, surveys in the field with a key figure, and the latest issued documents, each
//! tile linking to its source; the tiles refresh through htmx; the PDF export carries them.
//! A browser journey keeps screenshots at phone and desktop size.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{browser, log_in, screenshot};
use crate::documents::{id_from, merge_erosion};
use crate::helpers::{TestApp, spawn_demo};
use crate::reporting::this_month;

/// The analyst drafts and sends the month's report; the leader approves it.
async fn issue_month_report(app: &TestApp) -> i64 {
    app.login_demo("analyst").await;
    merge_erosion(app).await;
    let city = app.unit_id("92").await.to_string();
    let created = app
        .post(
            "/documents",
            &[
                ("kind", "synthesis"),
                ("unit", &city),
                ("period", &this_month()),
            ],
        )
        .await;
    let id = id_from(created.location());
    assert_eq!(
        app.post(&format!("/documents/{id}/submit"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    assert_eq!(
        leader
            .post(&format!("/documents/{id}/approve"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    id
}

#[tokio::test]
async fn a_leaders_home_is_the_dashboard_of_the_citys_opinion() {
    let app = spawn_demo().await;
    let doc = issue_month_report(&app).await;
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    let home = leader.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for tile in [
        "tile-alerts",
        "tile-streams",
        "tile-completeness",
        "tile-surveys",
        "tile-documents",
        "tile-overdue",
    ] {
        home.assert_contains(&format!("id=\"{tile}\""));
    }
    // The merged stream leads, three units, new this month; its link opens the synthesis.
    home.assert_contains("Sạt lở bờ sông");
    home.assert_contains(&format!(
        "/reporting/synthesis?period={}&amp;topic=",
        this_month()
    ));
    let streams = home.body.split("id=\"tile-streams\"").nth(1).unwrap();
    let streams = streams.split("</section>").next().unwrap();
    assert!(
        streams.contains("<td class=\"num\">3</td><td class=\"num\">mới</td>"),
        "{streams}"
    );
    // Open alerts: the number is the monitoring context's own count of alerts not closed.
    let city = app.unit_id("92").await;
    let now = chrono::Utc::now().timestamp();
    let digest = duluan::monitoring::digest(
        &app.db,
        duluan::web::i18n::Tr(duluan::web::i18n::Lang::Vi),
        city,
        now - 30 * 86_400,
        now + 1,
    )
    .await
    .unwrap();
    let open = digest
        .alerts
        .iter()
        .filter(|a| a.status != duluan::monitoring::model::AlertStatus::Closed)
        .count();
    home.assert_contains(&format!("{open} cảnh báo tăng đột biến chưa đóng"));
    // Surveys in the field with their completed interviews.
    let surveys = home.body.split("id=\"tile-surveys\"").nth(1).unwrap();
    let surveys = surveys.split("</section>").next().unwrap();
    let sid: i64 = surveys
        .split("href=\"/surveys/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .expect("a survey in the field");
    let n = duluan::surveys::complete_count(&app.db, sid).await.unwrap();
    assert!(
        surveys.contains(&format!("{n} phiếu hoàn thành")),
        "{surveys}"
    );
    // The issued report.
    home.assert_contains(&format!("href=\"/documents/{doc}\""));
    // The demo's flooding hot spot has tasks past their day: their tile.
    home.assert_contains("id=\"tile-overdue\"");
    home.assert_contains("Nhiệm vụ điểm nóng quá hạn");
    // The refresh returns the tiles alone.
    let tiles = leader.get(&format!("/dashboard/tiles?unit={city}")).await;
    assert_eq!(tiles.status, StatusCode::OK);
    assert!(tiles.body.contains("id=\"tile-streams\"") && !tiles.body.contains("<nav"));
    // Exported as a PDF with the same figures.
    let r = leader
        .client
        .get(format!("{}/dashboard.pdf?unit={city}", leader.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains("Sạt lở bờ sông") && text.contains(&format!("{n} phiếu hoàn thành")),
            "{text}"
        );
    } else {
        eprintln!("skipped: pdftotext not found (Debian poppler-utils)");
    }
    // Scope: a unit outside the reader's grants is refused; a collaborator has no dashboard.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter
            .get(&format!("/dashboard?unit={city}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let ward = reporter.get("/dashboard").await;
    assert_eq!(ward.status, StatusCode::OK);
    assert!(
        !ward.body.contains("id=\"tile-alerts\""),
        "a reporter does not read monitoring"
    );
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert_eq!(ctv.get("/dashboard").await.status, StatusCode::FORBIDDEN);
    // Everyone else keeps the home page of the contexts.
    app.get("/")
        .await
        .assert_contains("Chào mừng đến với duluan");
}

#[tokio::test]
async fn the_leader_reads_the_dashboard_on_a_phone_and_a_desktop() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let doc = issue_month_report(&app).await;
    let c = &b.client;
    log_in(c, &app.base, "viewer").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    c.wait()
        .for_element(Locator::Id("tile-streams"))
        .await
        .unwrap();
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true), "the dashboard fits a phone's width");
    screenshot(c, "dashboard-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    screenshot(c, "dashboard-desktop").await;
    // From the tile to the issued document, shown as it was issued.
    c.find(Locator::Css(&format!(
        "#tile-documents a[href='/documents/{doc}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Id("sha-pdf")).await.unwrap();
    let status = c
        .find(Locator::Id("doc-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "Đã ban hành");
    screenshot(c, "document-desktop").await;
    c.set_window_size(390, 844).await.unwrap();
    screenshot(c, "document-phone").await;
}
