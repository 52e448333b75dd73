//! Stored statuses and kinds are read into enums at the store: a value no version of duluan
//! writes is an error (a logged 500), never silently read as some other state.

use duluan::with_db;
use reqwest::StatusCode;

use crate::helpers::spawn_demo;
use crate::surveys::{DEMO_KEY, demo_survey_id};

#[tokio::test]
async fn an_unknown_survey_status_is_an_error_not_a_closed_survey() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = demo_survey_id(&app).await;
    let page = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // A filter typed into the address is checked against the statuses, not compared raw.
    let page = app
        .get(&format!("/surveys/{id}/responses?status=finished"))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);

    with_db!(&app.db, |pool| sqlx::query(
        "UPDATE surveys SET status = 'archived' WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());

    // Older code read any unknown status as "closed" and showed the survey as closed.
    let page = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
    assert!(!page.body.contains("archived"), "internals are not shown");
    // The respondent's link does not say "closed" either.
    let page = app.get(&format!("/s/{DEMO_KEY}")).await;
    assert_eq!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_grant_with_an_unknown_role_is_an_error_not_a_missing_grant() {
    let app = spawn_demo().await;
    app.login_demo("viewer").await;
    assert_eq!(app.get("/reporting").await.status, StatusCode::OK);
    // A role no version writes: older code skipped the grant silently, so the user kept a
    // session with fewer rights and nobody saw the damaged row.
    with_db!(&app.db, |pool| {
        sqlx::query(
        "UPDATE grants SET role = 'superuser' WHERE user_id = (SELECT id FROM users WHERE username = 'viewer')"
    )
    .execute(pool)
    .await
    .unwrap()
    .rows_affected()
    });
    let page = app.get("/reporting").await;
    assert_eq!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
    assert!(!page.body.contains("superuser"), "internals are not shown");
}
