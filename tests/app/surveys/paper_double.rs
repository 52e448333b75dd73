//! Double entry of keyed fields through the real server: a sheet read with two fields to key
//! (age, comment) under the survey's double-entry setting; two different verifiers key each
//! field blind; agreeing entries resolve it, differing ones wait for a third verifier who
//! adjudicates; the same verifier twice is refused with a clear message; the sheet lands with
//! the agreed and adjudicated values; the disagreement report counts them. The settings form
//! refuses bad days with a message naming the field.

use duluan::with_db;
use reqwest::StatusCode;

use super::paper_support::*;
use crate::helpers::TestApp;

/// A printed sheet of `survey` as if its pages were all read with clean ticks, age and comment
/// left to key: returns the sheet and its two items (fixture: the reading itself is proved by
/// `paper.rs`).
pub(super) async fn keyed_sheet(app: &TestApp, survey: i64) -> (i64, i64, i64) {
    let answers = r#"{"gender":"2","uses_online":"2","satisfaction":"4"}"#;
    let (sheet, items) = sheet_to_key(app, survey, answers, &["age", "comment"]).await;
    (sheet, items[0], items[1])
}

/// A new printed sheet of `survey` as if every page were read: `answers` (JSON) read, one item
/// to key for each of `questions`; returns the sheet and its items in that order.
pub(super) async fn sheet_to_key(
    app: &TestApp,
    survey: i64,
    answers: &str,
    questions: &[&str],
) -> (i64, Vec<i64>) {
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sheet = scalar(
        app,
        "SELECT MAX(id) FROM paper_sheets WHERE survey_id = $1",
        survey,
    )
    .await;
    let layout: duluan_paper::Layout = serde_json::from_str(
        &text(
            app,
            "SELECT layout FROM paper_layouts WHERE survey_id = $1",
            survey,
        )
        .await,
    )
    .unwrap();
    let pages: Vec<u32> = (1..=layout.pages.len() as u32).collect();
    let pages = serde_json::to_string(&pages).unwrap();
    let mut items = vec![];
    with_db!(&app.db, |pool| {
        sqlx::query("UPDATE paper_sheets SET status = 'verifying', answers = $1, pages_read = $2 WHERE id = $3")
            .bind(answers)
            .bind(&pages)
            .bind(sheet)
            .execute(pool)
            .await
            .unwrap();
        for q in questions {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO paper_items (sheet_id, page_id, question, kind, read_as, crop, value, message, resolved_by, resolved_at)
                 VALUES ($1, NULL, $2, 'key', '', NULL, NULL, '', NULL, NULL) RETURNING id",
            )
            .bind(sheet)
            .bind(*q)
            .fetch_one(pool)
            .await
            .unwrap();
            items.push(id);
        }
    });
    (sheet, items)
}

async fn logged_in(app: &TestApp, role: &str) -> TestApp {
    let c = app.other_client();
    c.login_demo(role).await;
    c
}

#[tokio::test]
async fn keyed_fields_are_keyed_twice_blind_and_differences_adjudicated() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let (sheet, age, comment) = keyed_sheet(&app, survey).await;

    // The setting, on the survey's paper page; bad days are refused naming the field.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/settings"),
            &[("double_entry", "on"), ("retention_days", "-1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Số ngày giữ ảnh cắt phải là số nguyên từ 0 đến 3650");
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/settings"),
            &[("double_entry", "on"), ("retention_days", "30")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(&format!("/surveys/{survey}/paper")).await;
    page.assert_contains("name=\"double_entry\" value=\"on\" checked");
    page.assert_contains("value=\"30\"");

    // First verifier: the first entry of each field.
    let first = logged_in(&app, "verifier").await;
    let page = first.get(&format!("/surveys/{survey}/paper/verify")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Nhập lần thứ nhất");
    page.assert_contains(&format!("/paper/items/{age}\""));
    for (item, value) in [(age, "45"), (comment, "Cần hướng dẫn thêm")] {
        let page = first
            .post(
                &format!("/surveys/{survey}/paper/items/{item}"),
                &[("value", value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    // Nothing resolved yet; the same verifier is not offered the fields again, and keying one
    // a second time is refused with a clear message.
    let open = "SELECT COUNT(*) FROM paper_items WHERE sheet_id = $1 AND resolved_at IS NULL";
    assert_eq!(scalar(&app, open, sheet).await, 2);
    let page = first.get(&format!("/surveys/{survey}/paper/verify")).await;
    page.assert_contains("id=\"queue-empty\"");
    let page = first
        .post(
            &format!("/surveys/{survey}/paper/items/{age}"),
            &[("value", "45")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    page.assert_contains("lần nhập thứ hai phải do một người kiểm tra khác thực hiện");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM paper_entries WHERE item_id = $1",
            age
        )
        .await,
        1
    );

    // Second verifier: blind (the first value is not on the page), agrees on age (after
    // trimming), differs on the comment.
    let second = logged_in(&app, "designer").await;
    let page = second.get(&format!("/surveys/{survey}/paper/verify")).await;
    page.assert_contains("Nhập lần thứ hai");
    assert!(!page.body.contains("id=\"entries\""), "{}", page.body);
    assert!(!page.body.contains("«45»"), "{}", page.body);
    let page = second
        .post(
            &format!("/surveys/{survey}/paper/items/{age}"),
            &[("value", " 45 ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = second.get(&format!("/surveys/{survey}/paper/verify")).await;
    assert!(
        !page.body.contains("Cần hướng dẫn thêm"),
        "blind: {}",
        page.body
    );
    let page = second
        .post(
            &format!("/surveys/{survey}/paper/items/{comment}"),
            &[("value", "Can huong dan them")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, open, sheet).await, 1);
    assert_eq!(counts(&app, survey).await.0, 0, "not landed: one differs");
    // Neither keyer adjudicates.
    for c in [&first, &second] {
        let page = c
            .post(
                &format!("/surveys/{survey}/paper/items/{comment}"),
                &[("value", "x")],
            )
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        page.assert_contains("phải do một người kiểm tra thứ ba thực hiện");
    }

    // A third verifier sees both values and chooses one (keyboard: numbered, access keys).
    let third = logged_in(&app, "analyst").await;
    let page = third.get(&format!("/surveys/{survey}/paper/verify")).await;
    page.assert_contains("Hai lần nhập khác nhau");
    page.assert_contains("«Cần hướng dẫn thêm»");
    page.assert_contains("«Can huong dan them»");
    page.assert_contains("accesskey=\"2\"");
    let page = third
        .post(
            &format!("/surveys/{survey}/paper/items/{comment}"),
            &[("choice", "Cần hướng dẫn thêm"), ("value", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Landed with the agreed and the chosen values.
    assert_eq!(counts(&app, survey).await.0, 1);
    let data = text(
        &app,
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND mode = 'paper'",
        survey,
    )
    .await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["age"], "45", "{data}");
    assert_eq!(data["comment"], "Cần hướng dẫn thêm", "{data}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.paper_entry' AND $1 > 0",
            1
        )
        .await,
        3
    );

    // The report: one pair, two fields compared, one agreement, one disagreement.
    let page = third.get(&format!("/surveys/{survey}/paper/entries")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let pairs = page
        .body
        .split("id=\"pairs\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_default();
    assert!(
        pairs.contains("<td class=\"sv-num\">2</td><td class=\"sv-num\">1</td><td class=\"sv-num\">1</td><td class=\"sv-num\">50.0%</td>"),
        "{pairs}"
    );
    assert_eq!(pairs.matches("<tr>").count(), 2, "{pairs}");
    let list = page
        .body
        .split("id=\"disagreements\"")
        .nth(1)
        .unwrap_or_default();
    assert!(list.contains("«Can huong dan them»"), "{list}");
    assert_eq!(list.matches("«Cần hướng dẫn thêm»").count(), 2, "{list}");
    assert!(!list.contains("«45»"), "{list}");
}

#[tokio::test]
async fn without_double_entry_one_verifier_keys_a_field() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let (_, age, comment) = keyed_sheet(&app, survey).await;
    let v = logged_in(&app, "verifier").await;
    let page = v.get(&format!("/surveys/{survey}/paper/verify")).await;
    assert!(!page.body.contains("id=\"stage\""), "{}", page.body);
    for (item, value) in [(age, "45"), (comment, "")] {
        let page = v
            .post(
                &format!("/surveys/{survey}/paper/items/{item}"),
                &[("value", value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    assert_eq!(counts(&app, survey).await.0, 1);
    let page = v.get(&format!("/surveys/{survey}/paper/entries")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"double-off\"");
    page.assert_contains("id=\"report-empty\"");
}

#[tokio::test]
async fn the_crops_of_landed_sheets_go_after_the_surveys_days() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let (landed, age, comment) = keyed_sheet(&app, survey).await;
    let (waiting, _, _) = keyed_sheet(&app, survey).await;
    with_db!(&app.db, |pool| {
        sqlx::query("UPDATE paper_items SET crop = $1")
            .bind(b"\x89PNG crop".to_vec())
            .execute(pool)
            .await
            .unwrap();
    });
    let v = logged_in(&app, "verifier").await;
    for (item, value) in [(age, "45"), (comment, "")] {
        let page = v
            .post(
                &format!("/surveys/{survey}/paper/items/{item}"),
                &[("value", value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    assert_eq!(
        text(
            &app,
            "SELECT status FROM paper_sheets WHERE id = $1",
            landed
        )
        .await,
        "landed"
    );
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/settings"),
            &[("retention_days", "30")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let crops = "SELECT COUNT(*) FROM paper_items WHERE sheet_id = $1 AND crop IS NOT NULL";
    let data = tempfile::tempdir().unwrap();
    let config = duluan::config::Config::for_database(data.path().to_path_buf(), None);
    let state = duluan::app::AppState::new(app.db.clone(), config);
    let now = chrono::Utc::now();
    // Before the 30 days: kept.
    let purged = duluan::ops::retention::run(&state, now + chrono::Duration::days(29))
        .await
        .unwrap();
    assert_eq!(purged.paper_crops, 0);
    assert_eq!(scalar(&app, crops, landed).await, 2);
    // With 0 days (keep): kept, however late.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/settings"),
            &[("retention_days", "0")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let purged = duluan::ops::retention::run(&state, now + chrono::Duration::days(4000))
        .await
        .unwrap();
    assert_eq!(purged.paper_crops, 0);
    // After 30 days: the landed sheet's crops go, the waiting sheet's stay, the answers stay.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/settings"),
            &[("retention_days", "30")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let purged = duluan::ops::retention::run(&state, now + chrono::Duration::days(31))
        .await
        .unwrap();
    assert_eq!(purged.paper_crops, 2);
    assert_eq!(scalar(&app, crops, landed).await, 0);
    assert_eq!(scalar(&app, crops, waiting).await, 2);
    assert_eq!(counts(&app, survey).await.0, 1);
    let page = v
        .get(&format!("/surveys/{survey}/paper/items/{age}/crop"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // Landed items keep their values.
    let data = text(
        &app,
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND mode = 'paper'",
        survey,
    )
    .await;
    assert!(data.contains("45"), "{data}");
}
