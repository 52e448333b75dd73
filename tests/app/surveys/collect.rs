//! Web collection: the anonymous link page by page (skip logic, required and constraint errors
//! beside the question, save and resume on the same device), the privacy of a complete
//! anonymous response (checked by reading every table), one-time tokens (one response per
//! token, a used token gets a clear page), durable JSON submissions (retry, replay, invalid,
//! malformed, oversized), rate limits, and the responses browser with audited corrections.

use reqwest::StatusCode;
use serde_json::json;

use super::{DEMO_KEY, all_text, assert_not_in_file, demo_answers, demo_survey_id, submit};
use crate::helpers::{TestApp, spawn_demo};

fn respondent(app: &TestApp) -> TestApp {
    app.other_client()
}

/// Unfinished JSON submissions stored beside the response under test, so that deleting its
/// in-progress row leaves a hole in a page still in use, where its bytes would stay readable
/// without `secure_delete` (a row alone on its page is simply overwritten by the next one).
async fn other_rows(app: &TestApp) {
    for age in ["41", "42", "43"] {
        let (status, _) = submit(
            app,
            DEMO_KEY,
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"age": age}, "complete": false}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn an_anonymous_respondent_answers_page_by_page_and_leaves_no_trace() {
    let app = spawn_demo().await;
    let r = respondent(&app);
    let path = format!("/s/{DEMO_KEY}");
    let page = r.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Ông/bà bao nhiêu tuổi?");
    page.assert_contains("Trang 1/");
    // Nothing loaded from outside, no tracking.
    assert!(!page.body.contains("http://") && !page.body.contains("https://"));
    assert!(!page.body.contains("<script"));
    // Too young, and the gender missing: both errors beside their questions.
    let page = r
        .post(
            &path,
            &[("page", "about"), ("nav", "next"), ("a.age", "12")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Tuổi phải từ 15 đến 120");
    page.assert_contains("sv-q-error");
    assert!(
        page.body.matches("role=\"alert\"").count() >= 2,
        "{}",
        page.body
    );
    let device_secret = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find_map(|c| c.strip_prefix("duluan_resume="))
        .and_then(|c| c.split(';').next())
        .expect("a resume cookie")
        .to_string();
    let device_hash = duluan::surveys::model::hash_secret(&device_secret);
    // Valid: on to the next page.
    let page = r
        .post(
            &path,
            &[
                ("page", "about"),
                ("nav", "next"),
                ("a.age", "34"),
                ("a.gender", "2"),
            ],
        )
        .await;
    page.assert_contains("dịch vụ công trực tuyến");
    // Resume on the same device: the same page comes back with the answers kept.
    let page = r.get(&path).await;
    page.assert_contains("dịch vụ công trực tuyến");
    let page = r
        .post(&path, &[("page", "uses_online"), ("nav", "prev")])
        .await;
    page.assert_contains("value=\"34\"");
    // Another device starts afresh.
    let other = respondent(&app);
    other
        .get(&path)
        .await
        .assert_contains("Ông/bà bao nhiêu tuổi?");
    // Skip logic: "no" skips the services question.
    r.post(
        &path,
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "34"),
            ("a.gender", "2"),
        ],
    )
    .await;
    let page = r
        .post(
            &path,
            &[
                ("page", "uses_online"),
                ("nav", "next"),
                ("a.uses_online", "2"),
            ],
        )
        .await;
    page.assert_contains("Mức độ hài lòng");
    assert!(!page.body.contains("Ông/bà đã dùng những dịch vụ nào?"));
    // Save for later.
    let page = r
        .post(
            &path,
            &[
                ("page", "satisfaction"),
                ("nav", "save"),
                ("a.satisfaction", "4"),
            ],
        )
        .await;
    page.assert_contains("Đã lưu");
    let partial: i64 = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_responses WHERE status = 'partial' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    assert_eq!(partial, 1);
    other_rows(&app).await;
    let page = r
        .post(
            &path,
            &[
                ("page", "satisfaction"),
                ("nav", "next"),
                ("a.satisfaction", "4"),
            ],
        )
        .await;
    page.assert_contains("Ý kiến khác");
    let page = r
        .post(
            &path,
            &[
                ("page", "comment"),
                ("nav", "next"),
                ("a.comment", "Thủ tục còn rườm rà"),
            ],
        )
        .await;
    page.assert_contains("Cảm ơn ông/bà!");
    // The stored response: complete, computed values included, non-relevant values absent,
    // no link to a device, times kept to the day only.
    let (data, case_id, resume, started): (
        String,
        Option<i64>,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
    ) = duluan::with_db!(&app.db, |pool| {
        sqlx::query_as(
            "SELECT data, case_id, resume_hash, started_at FROM survey_responses WHERE status = 'complete' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["age"], "34");
    assert_eq!(data["adult"], "1");
    assert_eq!(data["comment"], "Thủ tục còn rườm rà");
    assert!(data.get("services").is_none());
    assert_eq!(case_id, None);
    assert_eq!(resume, None);
    assert_eq!(started.time(), chrono::NaiveTime::MIN);
    // The in-progress row, which held the device's resume hash, was deleted: no copy of it is
    // left in the database file's free pages either (SQLite `secure_delete`).
    for (column, value) in all_text(&app.db).await {
        assert!(
            !value.contains(&device_hash),
            "{column} keeps the resume hash"
        );
    }
    assert_not_in_file(&app, &device_hash).await;
    // Looking through every table: no client address anywhere in survey data, and the
    // device's resume secret is nowhere.
    let cookie_secret = {
        let p = respondent(&app);
        let page = p
            .post(
                &path,
                &[
                    ("page", "about"),
                    ("nav", "next"),
                    ("a.age", "40"),
                    ("a.gender", "1"),
                ],
            )
            .await;
        let c = page
            .headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        c.split(';')
            .next()
            .unwrap()
            .trim_start_matches("duluan_resume=")
            .to_string()
    };
    for (column, value) in all_text(&app.db).await {
        if column.starts_with("survey") {
            assert!(!value.contains("127.0.0.1"), "{column} keeps an address");
        }
        assert!(
            !value.contains(&cookie_secret),
            "{column} keeps the resume secret"
        );
    }
    // Completing again from the same device starts a new response: the old one is unreachable.
    let page = r.get(&path).await;
    page.assert_contains("Ông/bà bao nhiêu tuổi?");
    assert!(!page.body.contains("value=\"34\""));
}

#[tokio::test]
async fn one_time_tokens_give_one_response_each_and_keep_no_link_when_anonymous() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = demo_survey_id(&app).await;
    let page = app
        .post(
            &format!("/surveys/{id}/tokens"),
            &[("count", "2"), ("mode", "web")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let links: Vec<String> = page
        .body
        .match_indices("href=\"/t/")
        .map(|(i, _)| page.body[i + 6..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(links.len(), 2, "{}", page.body);
    // Only hashes are stored.
    let token = links[0].trim_start_matches("/t/").to_string();
    for (column, value) in all_text(&app.db).await {
        assert!(!value.contains(&token), "{column} keeps a token");
    }
    let r = app.other_client();
    let t = &links[0];
    r.get(t).await.assert_contains("Ông/bà bao nhiêu tuổi?");
    r.post(
        t,
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "51"),
            ("a.gender", "1"),
        ],
    )
    .await;
    // Partial: the case says so (AAPOR 1.2) and resumes from any device with the token.
    let other_device = app.other_client();
    other_device
        .get(t)
        .await
        .assert_contains("dịch vụ công trực tuyến");
    let disp: Vec<String> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT disposition FROM survey_cases WHERE survey_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(disp, vec!["1.2", "3.19"]);
    // Staff cannot see the unfinished response of an anonymous survey: not in the list, not
    // by its id (its answers would pair it with the complete one later).
    let partial_id: String = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE case_id IS NOT NULL AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    other_rows(&app).await;
    let list = app.get(&format!("/surveys/{id}/responses")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(&partial_id[..8]), "{}", list.body);
    assert_eq!(
        app.get(&format!("/surveys/{id}/responses/{partial_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    r.post(
        t,
        &[
            ("page", "uses_online"),
            ("nav", "next"),
            ("a.uses_online", "1"),
        ],
    )
    .await;
    // Required: the services question cannot be skipped.
    let page = r.post(t, &[("page", "services"), ("nav", "next")]).await;
    page.assert_contains("sv-q-error");
    r.post(
        t,
        &[
            ("page", "services"),
            ("nav", "next"),
            ("a.services", "tax"),
            ("a.services", "land"),
        ],
    )
    .await;
    r.post(
        t,
        &[
            ("page", "satisfaction"),
            ("nav", "next"),
            ("a.satisfaction", "98"),
        ],
    )
    .await;
    let page = r.post(t, &[("page", "comment"), ("nav", "next")]).await;
    page.assert_contains("Cảm ơn ông/bà!");
    // Used: a clear page, not an error, on every device.
    let page = other_device.get(t).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Mã này đã được dùng");
    let page = other_device
        .post(t, &[("page", "comment"), ("nav", "next")])
        .await;
    page.assert_contains("Mã này đã được dùng");
    // An unknown token.
    let page = r.get("/t/khong-phai-ma").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_contains("Không tìm thấy mã");
    // Anonymous survey: the complete response has no case link.
    let (data, case_id): (String, Option<i64>) = duluan::with_db!(&app.db, |pool| {
        sqlx::query_as(
        "SELECT data, case_id FROM survey_responses WHERE status = 'complete' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    assert_eq!(case_id, None);
    assert!(data.contains("tax land"), "{data}");
    // Unlinkable: the complete response has an id of its own, the in-progress id is nowhere in
    // the database (audit log included), the case and the response keep only the day, and the
    // list shows only the day.
    let (complete_id, started, completed): (
        String,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
    ) = duluan::with_db!(&app.db, |pool| {
        sqlx::query_as(
        "SELECT id, started_at, completed_at FROM survey_responses WHERE status = 'complete' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    assert_ne!(complete_id, partial_id);
    assert_eq!(started.time(), chrono::NaiveTime::MIN);
    assert_eq!(completed.time(), chrono::NaiveTime::MIN);
    for (column, value) in all_text(&app.db).await {
        assert!(
            !value.contains(&partial_id),
            "{column} keeps the in-progress id"
        );
    }
    let case_times: Vec<chrono::DateTime<chrono::Utc>> = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
            "SELECT updated_at FROM survey_cases WHERE disposition = '1.1' AND survey_id = $1",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
    });
    assert_eq!(case_times.len(), 1);
    assert_eq!(case_times[0].time(), chrono::NaiveTime::MIN);
    let list = app.get(&format!("/surveys/{id}/responses")).await;
    list.assert_contains(&complete_id[..8]);
    let today = chrono::Utc::now().format("%d/%m/%Y").to_string();
    assert!(
        !list.body.contains(&format!("{today} ")),
        "the list shows a time finer than the day:\n{}",
        list.body
    );
    // PostgreSQL: the case row does not carry the transaction id of the anonymous response's
    // insert.
    if let duluan::db::Db::Pg(pool) = &app.db {
        let shared: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM survey_cases c JOIN survey_responses r ON c.xmin = r.xmin
             WHERE r.survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(
            shared, 0,
            "a case and a response were written by one transaction"
        );
    }
    // No copy of the deleted in-progress row in the file's free space (SQLite `secure_delete`;
    // PostgreSQL keeps a dead row version until vacuum, see docs/security.md).
    assert_not_in_file(&app, &partial_id).await;
    let disp: Vec<String> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT disposition FROM survey_cases WHERE survey_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(disp, vec!["1.1", "3.19"]);
    // A token opens nothing else: not the staff pages, not another survey.
    assert_eq!(
        r.get(&format!("/surveys/{id}")).await.status,
        StatusCode::SEE_OTHER
    );
}

/// Submissions sent at the same moment land in one batch of the SQLite writer: retries and
/// replays of an id within the batch are told apart as across batches.
#[tokio::test]
async fn concurrent_retries_and_replays_are_told_apart() {
    let app = spawn_demo().await;
    let same = uuid::Uuid::new_v4().to_string();
    let clash = uuid::Uuid::new_v4().to_string();
    let mut bodies = Vec::new();
    for k in 0..10u32 {
        bodies.push((
            "same",
            json!({"id": same, "answers": demo_answers(40, "4")}),
        ));
        bodies.push((
            "clash",
            json!({"id": clash, "answers": demo_answers(20 + k, "4")}),
        ));
        bodies.push((
            "fresh",
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(50, "3")}),
        ));
    }
    let mut set = tokio::task::JoinSet::new();
    for (kind, body) in bodies {
        let (client, url) = (
            app.client.clone(),
            format!("{}/s/{DEMO_KEY}/submissions", app.base),
        );
        set.spawn(async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            (kind, r.status(), r.text().await.unwrap())
        });
    }
    let answers = set.join_all().await;
    let count = |kind: &str, status: StatusCode| {
        answers
            .iter()
            .filter(|(k, s, _)| *k == kind && *s == status)
            .count()
    };
    assert_eq!(count("same", StatusCode::CREATED), 1, "{answers:?}");
    assert_eq!(count("same", StatusCode::OK), 9, "{answers:?}");
    assert_eq!(count("clash", StatusCode::CREATED), 1, "{answers:?}");
    assert_eq!(count("clash", StatusCode::CONFLICT), 9, "{answers:?}");
    assert_eq!(count("fresh", StatusCode::CREATED), 10, "{answers:?}");
    // Twelve rows, with times that read back as times.
    let rows: Vec<(
        String,
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    )> = duluan::with_db!(&app.db, |pool| {
        sqlx::query_as(
        "SELECT id, started_at, completed_at FROM survey_responses WHERE status = 'complete' AND survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|(_, s, c)| Some(*s) == *c));
}

#[tokio::test]
async fn submissions_are_stored_once_and_bad_ones_refused_with_a_reason() {
    let app = spawn_demo().await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, body) = submit(
        &app,
        DEMO_KEY,
        json!({"id": id, "answers": demo_answers(30, "5")}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A retry: acknowledged again, not duplicated.
    let (status, body) = submit(
        &app,
        DEMO_KEY,
        json!({"id": id, "answers": demo_answers(30, "5")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["retry"], true);
    // A replay of the id with other answers: refused, nothing overwritten.
    let (status, body) = submit(
        &app,
        DEMO_KEY,
        json!({"id": id, "answers": demo_answers(31, "5")}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "surveys-submit-replay");
    // Invalid answers: refused with the question and the reason.
    let (status, body) = submit(
        &app,
        DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(7, "5")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["issues"][0]["question"], "age");
    assert!(
        body["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("15")
    );
    // A partial submission is kept as partial.
    let (status, _) = submit(
        &app,
        DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"age": "44"}, "complete": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Malformed, without a proper id, oversized, unknown survey.
    let r = app
        .client
        .post(format!("{}/s/{DEMO_KEY}/submissions", app.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (status, body) = submit(&app, DEMO_KEY, json!({"id": "42", "answers": {}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "surveys-submit-bad-id");
    let big = json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"comment": "x".repeat(300_000)}});
    let (status, _) = submit(&app, DEMO_KEY, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = submit(
        &app,
        "no-such-survey",
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let counts: Vec<(String, i64)> = duluan::with_db!(&app.db, |pool| {
        sqlx::query_as(
        "SELECT status, COUNT(*) FROM survey_responses WHERE survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so') GROUP BY status ORDER BY status"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert_eq!(
        counts,
        vec![("complete".to_string(), 1), ("partial".to_string(), 1)]
    );
    // A closed survey accepts nothing.
    app.login_demo("designer").await;
    let sid = demo_survey_id(&app).await;
    app.post(&format!("/surveys/{sid}/status"), &[("status", "closed")])
        .await;
    let (status, _) = submit(
        &app,
        DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(30, "5")}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let page = app.other_client().get(&format!("/s/{DEMO_KEY}")).await;
    page.assert_contains("không nhận phiếu");
}

#[tokio::test]
async fn public_endpoints_are_rate_limited() {
    let app = spawn_demo().await;
    let r = app.other_client();
    let mut limited = 0;
    for _ in 0..90 {
        if r.get(&format!("/s/{DEMO_KEY}")).await.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(limited > 0, "no request was limited");
}

#[tokio::test]
async fn the_public_rate_comes_from_the_configuration() {
    // `--survey-rate 0` (or `DULUAN_SURVEY_RATE=0`) turns the limit off.
    let app = crate::helpers::spawn_with(|c| c.survey_rate = 0.0).await;
    duluan::demo::load(&app.db).await.unwrap();
    let r = app.other_client();
    for _ in 0..90 {
        assert_ne!(
            r.get(&format!("/s/{DEMO_KEY}")).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    // A low rate limits sooner than the default would.
    let app = crate::helpers::spawn_with(|c| c.survey_rate = 0.5).await;
    duluan::demo::load(&app.db).await.unwrap();
    let r = app.other_client();
    let mut limited = 0;
    for _ in 0..70 {
        if r.get(&format!("/s/{DEMO_KEY}")).await.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(limited >= 5, "only {limited} requests were limited");
}

#[tokio::test]
async fn staff_browse_filter_correct_and_delete_responses_with_audit() {
    let app = spawn_demo().await;
    for (age, sat) in [(30, "5"), (45, "2"), (60, "98")] {
        let (s, _) = submit(
            &app,
            DEMO_KEY,
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(age, sat)}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    submit(&app, DEMO_KEY, json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"age": "20"}, "complete": false})).await;
    app.login_demo("designer").await;
    let id = demo_survey_id(&app).await;
    let page = app.get(&format!("/surveys/{id}/responses")).await;
    assert_eq!(page.status, StatusCode::OK);
    // An anonymous survey: the unfinished response is counted per day but not listed.
    page.assert_contains("3 phiếu");
    page.assert_contains("anonymous-note");
    let today = chrono::Utc::now().date_naive().to_string();
    page.assert_contains(&today);
    page.assert_contains("Thành phố Cần Thơ");
    let page = app
        .get(&format!("/surveys/{id}/responses?status=partial"))
        .await;
    page.assert_contains("3 phiếu");
    let page = app
        .get(&format!(
            "/surveys/{id}/responses?status=complete&from={today}&to={today}"
        ))
        .await;
    page.assert_contains("3 phiếu");
    let page = app
        .get(&format!("/surveys/{id}/responses?from=hôm-qua"))
        .await;
    page.assert_contains("Ngày không hợp lệ");
    let rid: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE data LIKE '%\"age\":\"45\"%'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let page = app.get(&format!("/surveys/{id}/responses/{rid}")).await;
    page.assert_contains("Không hài lòng");
    // An invalid correction is refused beside the answer; nothing saved.
    let page = app
        .post(
            &format!("/surveys/{id}/responses/{rid}"),
            &[("a.age", "200")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Tuổi phải từ 15 đến 120");
    let page = app
        .post(
            &format!("/surveys/{id}/responses/{rid}"),
            &[("a.age", "46")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let data: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT data FROM survey_responses WHERE id = $1"
    )
    .bind(&rid)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(data.contains("\"age\":\"46\""), "{data}");
    let page = app
        .post(&format!("/surveys/{id}/responses/{rid}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/surveys/{id}/responses/{rid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let actions: Vec<String> = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_id = $1 ORDER BY id"
    )
    .bind(&rid)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(
        actions,
        vec![
            "survey.response.view",
            "survey.response.update",
            "survey.response.delete"
        ]
    );
}
