//! Login, logout, session expiry, CSRF refusal, password change.

use reqwest::StatusCode;

use crate::helpers::{spawn_demo, spawn_with};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_back() {
    let app = spawn_demo().await;
    let page = app.get("/orgs?q=a").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=/orgs%3Fq%3Da");
    let login = app
        .post(
            "/login",
            &[
                ("username", "admin"),
                ("password", "duluan-demo"),
                ("next", "/orgs?q=a"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location(), "/orgs?q=a");
    let cookie = login.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(app.get("/orgs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_clear_message() {
    let app = spawn_demo().await;
    let page = app
        .post(
            "/login",
            &[("username", "admin"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    page.assert_contains("Tên đăng nhập hoặc mật khẩu không đúng.");
    let page = app
        .post(
            "/login",
            &[("username", "nobody"), ("password", "duluan-demo")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_demo().await;
    app.login_demo("viewer").await;
    let cookie_session = app.get("/").await;
    assert_eq!(cookie_session.status, StatusCode::OK);
    let out = app.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = spawn_with(|c| c.session_idle_minutes = 0).await;
    duluan::demo::load(&app.db).await.unwrap();
    app.login_demo("viewer").await;
    let page = app.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "an expired session must not be accepted"
    );
    // The stale cookie is removed.
    let cleared = page
        .headers
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(cleared.unwrap_or_default().contains("Max-Age=0"));
}

#[tokio::test]
async fn sessions_end_after_their_maximum_age() {
    let app = spawn_with(|c| c.session_max_hours = 0).await;
    duluan::demo::load(&app.db).await.unwrap();
    app.login_demo("viewer").await;
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let city = app.unit_id("92").await;
    let url = format!("{}/orgs/{city}/new", app.base);
    let form = [("name", "Ấp giả mạo"), ("kind", "hamlet")];
    let evil_origin = app
        .client
        .post(&url)
        .header("Origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_origin.status(), StatusCode::FORBIDDEN);
    assert!(evil_origin.text().await.unwrap().contains("CSRF"));
    let cross_site = app
        .client
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    // The same form from the same origin is accepted.
    let same = app
        .client
        .post(&url)
        .header("Origin", app.base.clone())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
    let names: Vec<String> = duluan::orgs::store::list_children(&app.db, city)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.unit.name)
        .collect();
    assert_eq!(names.iter().filter(|n| *n == "Ấp giả mạo").count(), 1);
}

#[tokio::test]
async fn a_user_changes_their_password() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let other = app.other_client();
    other.login_demo("reporter").await;
    let bad = app
        .post(
            "/account/password",
            &[("current", "nope"), ("new", "short"), ("confirm", "other")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Mật khẩu hiện tại không đúng.");
    bad.assert_contains("ít nhất 8 ký tự");
    bad.assert_contains("không khớp");
    let ok = app
        .post(
            "/account/password",
            &[
                ("current", "duluan-demo"),
                ("new", "mật-khẩu-mới-2026"),
                ("confirm", "mật-khẩu-mới-2026"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    ok.assert_contains("Đã đổi mật khẩu.");
    // The other session ended; this one goes on.
    assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let fresh = app.other_client();
    let old = fresh
        .post(
            "/login",
            &[("username", "reporter"), ("password", "duluan-demo")],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    fresh.login("reporter", "mật-khẩu-mới-2026").await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_login_for_a_while() {
    let app = spawn_demo().await;
    for _ in 0..10 {
        let page = app
            .post("/login", &[("username", "viewer"), ("password", "guess")])
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a clear message.
    let page = app
        .post(
            "/login",
            &[("username", "viewer"), ("password", "duluan-demo")],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    page.assert_contains("Đăng nhập sai quá nhiều lần.");
    // Other users are not affected.
    app.login_demo("analyst").await;
}
