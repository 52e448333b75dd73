//! Health, static assets, security headers, error pages, the not-built contexts, concurrent
//! writers.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_demo};

#[tokio::test]
async fn healthz_answers_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    app.db.close().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn assets_are_served_from_the_binary_with_security_headers() {
    let app = spawn_app().await;
    let js = app.get("/assets/htmx.min.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("htmx"));
    let css = app.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let login = app.get("/login").await;
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(login.headers["x-frame-options"], "DENY");
    assert_eq!(login.headers["x-content-type-options"], "nosniff");
    // Nothing is loaded from outside.
    assert!(
        !login.body.contains("http://") && !login.body.contains("https://"),
        "{}",
        login.body
    );
}

#[tokio::test]
async fn pages_are_vietnamese_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let page = app.get("/login").await;
    assert!(page.body.contains("<html lang=\"vi\">"));
    page.assert_contains("Đăng nhập");
    let switched = app
        .post("/lang", &[("lang", "en"), ("back", "/login")])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), "/login");
    let page = app.get("/login").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    page.assert_contains("Log in");
    // An outside address is never a redirect target.
    let evil = app
        .post("/lang", &[("lang", "vi"), ("back", "//evil.example/")])
        .await;
    assert_eq!(evil.location(), "/");
}

#[tokio::test]
async fn unknown_pages_get_a_translated_404_page() {
    let app = spawn_demo().await;
    app.login_demo("viewer").await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_contains("Không tìm thấy");
    let page = app.get("/orgs/999999").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = app.get("/orgs/not-a-number").await;
    assert!(page.status.is_client_error());
}

#[tokio::test]
async fn navigation_shows_every_context_and_unbuilt_ones_say_so() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for label in [
        "Tổ chức",
        "Cộng tác viên",
        "Báo cáo dư luận",
        "Giao ban, định hướng",
        "Tập huấn",
        "Điều tra, thăm dò",
        "Theo dõi thông tin",
        "Điểm nóng",
        "Văn bản báo cáo",
        "Tổng quan lãnh đạo",
    ] {
        home.assert_contains(label);
    }
    // Every context is built now; none says it is not.
    for path in [
        "/documents",
        "/dashboard",
        "/hotspots",
        "/briefings",
        "/training",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("Phần này chưa được xây dựng."),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_server_stops_gracefully() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let base = app.base.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
}

#[tokio::test]
async fn an_english_browser_still_gets_vietnamese_until_the_user_chooses() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/login", app.base))
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"vi\">"));
}

/// A transaction that reads and then writes, while another connection writes in between, must
/// wait for the other writer, not fail with "database is locked" (on SQLite, a deferred
/// transaction that already read cannot wait for the write lock; CI once failed on this).
#[tokio::test]
async fn a_transaction_that_reads_then_writes_waits_for_another_writer() {
    let app = spawn_app().await;
    let db = app.db.clone();
    duluan::with_db!(&db, |pool| sqlx::query(
        "CREATE TABLE lock_probe (n INTEGER NOT NULL)"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let first = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.begin().await?;
            duluan::with_conn!(&mut tx, |conn| {
                let _: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lock_probe")
                    .fetch_one(&mut *conn)
                    .await?;
                tokio::time::sleep(Duration::from_millis(300)).await;
                sqlx::query("INSERT INTO lock_probe (n) VALUES (1)")
                    .execute(&mut *conn)
                    .await?;
            });
            tx.commit().await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second: Result<(), sqlx::Error> = async {
        let mut tx = db.begin().await?;
        duluan::with_conn!(&mut tx, |conn| {
            sqlx::query("INSERT INTO lock_probe (n) VALUES (2)")
                .execute(&mut *conn)
                .await?;
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        tx.commit().await
    }
    .await;
    second.expect("the second writer commits");
    first
        .await
        .unwrap()
        .expect("the first writer waits and commits");
    let (n,): (i64,) = duluan::with_db!(&db, |pool| sqlx::query_as(
        "SELECT COUNT(*) FROM lock_probe"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(n, 2);
}
