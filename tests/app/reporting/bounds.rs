//! Bounded inputs: every query parameter a viewer can type that sizes work (period ranges, page
//! numbers, ids) is checked before any work, and a bad one is a 400 whose message says what and
//! the limit — never a 500, never a long computation, never a silent substitute.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

/// Asserts a quick 400 page that shows `message`.
async fn refused(app: &TestApp, path: &str, message: &str) {
    let started = Instant::now();
    let page = app.get(path).await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "{path}: {}",
        page.body
    );
    page.assert_contains(message);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{path} took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ranges_pages_and_numbers_out_of_bounds_are_a_clear_400() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;

    // Completeness over 200 years: refused with the limit, at once.
    refused(
        &app,
        "/reporting/completeness?type=1&from=2000-01&to=2199-12",
        "Khoảng thời gian dài nhất là 120 tháng (10 năm)",
    )
    .await;
    refused(
        &app,
        "/reporting/completeness?type=1&from=2026-05&to=2025-01",
        "Tháng bắt đầu phải trước hoặc trùng tháng kết thúc.",
    )
    .await;
    refused(
        &app,
        "/reporting/completeness?type=1&from=1826-01&to=2026-01",
        "Tháng phải có dạng NNNN-TT",
    )
    .await;
    // Negative and overflowing numbers.
    for path in [
        "/reporting/completeness?type=-1",
        "/reporting/completeness?type=99999999999999999999",
        "/reporting/completeness?unit=0",
        "/reporting/synthesis?topic=-4",
        "/collaborators/coverage?unit=18446744073709551616",
    ] {
        refused(&app, path, "phải là một số nguyên dương").await;
    }
    for path in [
        "/reporting/synthesis?page=-1",
        "/reporting/synthesis?page=99999999999999999999",
        "/monitoring/search?q=ngap&page=0",
        "/monitoring/search?q=ngap&page=1001",
        "/monitoring/search?q=ngap&page=abc",
    ] {
        refused(&app, path, "Số trang phải là một số nguyên từ 1 đến 1.000.").await;
    }
    let admin = app.other_client();
    admin.login_demo("admin").await;
    refused(
        &admin,
        "/admin/audit?page=-2",
        "Số trang phải là một số nguyên từ 1 đến 1.000.",
    )
    .await;
    // A page number that overflowed the offset computation (a 500 before).
    let survey = crate::surveys::demo_survey_id(&app).await;
    refused(
        &app,
        &format!("/surveys/{survey}/responses?page=9223372036854775807"),
        "Số trang phải là một số nguyên từ 1 đến 1.000.",
    )
    .await;

    // In English too, and the valid forms still work.
    let en = app.other_client();
    en.login_demo("analyst").await;
    en.post("/lang", &[("lang", "en"), ("back", "/")]).await;
    let page = en
        .get("/reporting/completeness?type=1&from=2000-01&to=2199-12")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("The longest range is 120 months (10 years)");
    let ok = app
        .get("/reporting/completeness?type=1&from=2017-01&to=2026-12")
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ok = app.get("/reporting/completeness").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ok = app.get("/monitoring/search?q=ngap&page=2").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}
