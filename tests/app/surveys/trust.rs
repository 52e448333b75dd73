//! Security classes of the surveys context and of every CSV export (issue 13): corrections
//! audited without answer values, abandoned anonymous responses purged, anonymity locked once a
//! response exists, one response per token under concurrent requests, spreadsheet formula
//! injection neutralised in CSV (and never a formula in XLSX), and rate limits keyed on the
//! client's real address only.

use reqwest::StatusCode;
use serde_json::json;

use super::{DEMO_KEY, all_text, create_survey, demo_answers, demo_survey_id, submit};
use crate::helpers::{TestApp, spawn_demo, spawn_with};

/// A questionnaire of one page: a number that may be negative, and a text.
fn flat_form(title: &str) -> Vec<u8> {
    let form = duluan_forms::Form::from_json(
        &json!({
            "id": "trust", "version": "1", "title": title,
            "default_language": "Tiếng Việt (vi)",
            "items": [
                {"kind": "group", "name": "all", "appearance": "field-list",
                 "label": {"Tiếng Việt (vi)": "Tất cả"},
                 "items": [
                    {"kind": "question", "name": "n", "type": "integer",
                     "label": {"Tiếng Việt (vi)": "Số"}},
                    {"kind": "question", "name": "t", "type": "text",
                     "label": {"Tiếng Việt (vi)": "@SUM(1;2)"}}
                 ]}
            ],
            "choices": []
        })
        .to_string(),
    )
    .unwrap();
    duluan_forms::xlsform::export_xlsx(&form).unwrap()
}

/// A published, open survey with [`flat_form`] at unit 92, created by the logged-in designer;
/// returns its id and public key.
async fn flat_survey(app: &TestApp, anonymous: bool) -> (i64, String) {
    let id = create_survey(app, "92", "Một trang", anonymous).await;
    let page = app
        .upload(
            &format!("/surveys/{id}/import"),
            "flat.xlsx",
            flat_form("Một trang"),
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let key: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    (id, key)
}

/// One-time token links of survey `id` (as the logged-in designer).
async fn tokens(app: &TestApp, id: i64, n: usize) -> Vec<String> {
    let page = app
        .post(
            &format!("/surveys/{id}/tokens"),
            &[("count", &n.to_string()), ("mode", "web")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
        .match_indices("href=\"/t/")
        .map(|(i, _)| page.body[i + 6..].split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn corrections_are_audited_without_answer_values() {
    let app = spawn_demo().await;
    let mut answers = demo_answers(37, "4");
    answers["comment"] = json!("Ý kiến riêng số 4711");
    let (s, _) = submit(
        &app,
        DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": answers}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    app.login_demo("designer").await;
    let id = demo_survey_id(&app).await;
    let rid: String = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE survey_id = (SELECT id FROM surveys WHERE public_key = 'demo-chuyen-doi-so')"
    )
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let page = app
        .post(
            &format!("/surveys/{id}/responses/{rid}"),
            &[("a.comment", "Ý kiến đã sửa số 4712"), ("a.age", "38")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let detail: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'survey.response.update'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    // Which answers changed, by whom and when: yes; their values: nowhere in the audit log.
    assert!(
        detail.contains("comment") && detail.contains("age"),
        "{detail}"
    );
    for (column, value) in all_text(&app.db).await {
        if column.starts_with("audit_log") {
            for secret in ["4711", "4712", "37", "38"] {
                assert!(
                    !value.contains(&format!("\"{secret}")) && !value.contains("Ý kiến"),
                    "{column} keeps an answer: {value}"
                );
            }
        }
    }
}

#[tokio::test]
async fn abandoned_anonymous_responses_are_purged_and_anonymity_is_locked() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let demo = demo_survey_id(&app).await;
    // An anonymous link response and a token response left half-way, and a half-way response
    // of a survey that is not anonymous.
    let r = app.other_client();
    r.post(
        &format!("/s/{DEMO_KEY}"),
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "34"),
            ("a.gender", "2"),
        ],
    )
    .await;
    let token = tokens(&app, demo, 1).await.remove(0);
    r.post(
        &token,
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "51"),
            ("a.gender", "1"),
        ],
    )
    .await;
    let (named, _) = flat_survey(&app, false).await;
    let named_token = tokens(&app, named, 1).await.remove(0);
    r.post(&named_token, &[("page", "x"), ("nav", "next")])
        .await;
    let partials = |survey: i64| {
        let db = app.db.clone();
        async move {
            duluan::with_db!(&db, |pool| sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'partial'"
            )
            .bind(survey)
            .fetch_one(pool)
            .await
            .unwrap())
        }
    };
    assert_eq!(partials(demo).await, 2);
    assert_eq!(partials(named).await, 1);

    // Anonymity cannot be switched off while any response exists, even an unfinished one.
    let edit = [
        ("title", "Thăm dò không còn ẩn danh"),
        ("purpose", "before"),
        ("wave", "1"),
    ];
    let page = app.post(&format!("/surveys/{demo}/edit"), &edit).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    page.assert_contains("không thể thay đổi chế độ ẩn danh");
    let anonymous: bool = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT anonymous FROM surveys WHERE id = $1"
    )
    .bind(demo)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(anonymous);
    // Nor switched on under responses that were collected with links.
    let mut on = edit.to_vec();
    on.push(("anonymous", "1"));
    let page = app.post(&format!("/surveys/{named}/edit"), &on).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);

    // Recent: kept. Untouched for longer than the setting: deleted, anonymous surveys only.
    let now = chrono::Utc::now();
    let purge = duluan::surveys::jobs::purge_abandoned;
    assert_eq!(purge(&app.db, now, 7).await.unwrap(), 0);
    assert_eq!(
        purge(&app.db, now + chrono::Duration::days(8), 7)
            .await
            .unwrap(),
        2
    );
    assert_eq!(partials(demo).await, 0);
    assert_eq!(partials(named).await, 1);
    // The token starts again from the first page; the device's cookie finds nothing.
    r.get(&token)
        .await
        .assert_contains("Ông/bà bao nhiêu tuổi?");
    let page = r.get(&format!("/s/{DEMO_KEY}")).await;
    assert!(!page.body.contains("value=\"34\""));
    // With no response left, anonymity may change again.
    let page = app.post(&format!("/surveys/{demo}/edit"), &edit).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// Many requests at once on one fresh token of a one-page questionnaire, each of which would
/// complete it: exactly one response, on both backends, anonymous or not.
#[tokio::test]
async fn one_token_gives_one_response_under_concurrent_requests() {
    let app = spawn_with(|c| c.survey_rate = 0.0).await;
    duluan::demo::load(&app.db).await.unwrap();
    app.login_demo("designer").await;
    for anonymous in [true, false] {
        let (id, _) = flat_survey(&app, anonymous).await;
        let token = tokens(&app, id, 1).await.remove(0);
        let page = app.other_client().get(&token).await;
        let page_id = page
            .body
            .split("name=\"page\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page id in the form")
            .to_string();
        let mut set = tokio::task::JoinSet::new();
        for k in 0..24 {
            let (client, url, page_id) = (
                reqwest::Client::new(),
                format!("{}{token}", app.base),
                page_id.clone(),
            );
            set.spawn(async move {
                let n = k.to_string();
                let r = client
                    .post(url)
                    .form(&[("page", page_id.as_str()), ("nav", "next"), ("a.n", &n)])
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            });
        }
        let answers = set.join_all().await;
        assert!(
            answers.iter().all(|(s, _)| *s == StatusCode::OK),
            "{answers:?}"
        );
        let thanks = answers
            .iter()
            .filter(|(_, b)| b.contains("Cảm ơn ông/bà!"))
            .count();
        assert_eq!(thanks, 1, "anonymous {anonymous}: {thanks} thank-you pages");
        let (complete, all): (i64, i64) = duluan::with_db!(&app.db, |pool| {
            sqlx::query_as(
            "SELECT SUM(CASE WHEN status = 'complete' THEN 1 ELSE 0 END), COUNT(*) FROM survey_responses WHERE survey_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
        });
        assert_eq!((complete, all), (1, 1), "anonymous {anonymous}");
        let disposition: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
            "SELECT disposition FROM survey_cases WHERE survey_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(disposition, "1.1");
        app.other_client()
            .get(&token)
            .await
            .assert_contains("Mã này đã được dùng");
    }
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn csv_exports_neutralise_formulas_and_keep_numbers() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let (id, key) = flat_survey(&app, true).await;
    for (n, t) in [
        ("-3", "=HYPERLINK(\"http://example.com\";\"x\")"),
        ("7", "+84 912 345 678"),
        ("12", "Bình thường"),
    ] {
        let (s, b) = submit(
            &app,
            &key,
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"n": n, "t": t}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let csv =
        String::from_utf8(download(&app, &format!("/surveys/{id}/export/responses.csv")).await)
            .unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let mut numbers: Vec<&str> = rows.iter().map(|r| r[col("n")].as_str()).collect();
    numbers.sort();
    // Numbers stay numbers, negative ones included.
    assert_eq!(numbers, ["-3", "12", "7"]);
    let mut texts: Vec<&str> = rows.iter().map(|r| r[col("t")].as_str()).collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            "'+84 912 345 678",
            "'=HYPERLINK(\"http://example.com\";\"x\")",
            "Bình thường"
        ]
    );
    // The codebook's labels too.
    let codebook =
        String::from_utf8(download(&app, &format!("/surveys/{id}/export/codebook.csv")).await)
            .unwrap();
    assert!(codebook.contains("'@SUM(1;2)"), "{codebook}");
    assert!(!codebook.contains(",@SUM"), "{codebook}");
    // XLSX: the text is a string cell, never a formula; the number a number.
    let xlsx = download(&app, &format!("/surveys/{id}/export/responses.xlsx")).await;
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let formulas = wb.worksheet_formula("Sheet1").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "the sheet holds formulas"
    );
    let sheet = wb.worksheet_range("Sheet1").unwrap();
    let cells: Vec<&calamine::Data> = sheet.used_cells().map(|(_, _, c)| c).collect();
    assert!(
        cells
            .iter()
            .any(|c| matches!(c, calamine::Data::String(s) if s.starts_with("=HYPERLINK")))
    );
    assert!(
        cells
            .iter()
            .any(|c| matches!(c, calamine::Data::Float(x) if *x == -3.0))
    );
}

#[tokio::test]
async fn the_units_csv_export_neutralises_formulas() {
    let app = spawn_demo().await;
    duluan::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE units SET name = '=1+2', note = '@cmd' WHERE code = '92'"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    app.login_demo("admin").await;
    let csv = String::from_utf8(download(&app, "/orgs/export.csv").await).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let row: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .find(|r| r[0] == "92")
        .expect("the city in the export");
    assert_eq!(row[1], "'=1+2");
    assert_eq!(row[6], "'@cmd");
    // The export re-imports as it was: the quote is read back, not stored.
    let again = app
        .upload("/orgs/import", "units.csv", csv.into_bytes())
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let city = duluan::orgs::find_unit(&app.db, app.unit_id("92").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((city.name.as_str(), city.note.as_str()), ("=1+2", "@cmd"));
}

/// Spends the burst of the client that `send` represents; returns how many requests it took.
async fn exhaust(send: impl Fn() -> reqwest::RequestBuilder) -> usize {
    for k in 1..=200 {
        if send().send().await.unwrap().status() == StatusCode::TOO_MANY_REQUESTS {
            return k;
        }
    }
    panic!("never limited");
}

#[tokio::test]
async fn rate_limits_ignore_forwarded_for_and_host_unless_a_proxy_is_trusted() {
    let app = spawn_with(|c| c.survey_rate = 0.1).await;
    duluan::demo::load(&app.db).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/s/{DEMO_KEY}", app.base);
    exhaust(|| client.get(&url)).await;
    // Another Host, or a made-up X-Forwarded-For: still the same client, still limited.
    let r = client
        .get(&url)
        .header("host", "another-name.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = client
        .get(&url)
        .header("x-forwarded-for", "198.51.100.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = client
        .post(format!("{url}/submissions"))
        .header("x-forwarded-for", "198.51.100.10")
        .json(&json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(30, "4")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_client_cannot_lock_out_another() {
    let app = spawn_with(|c| {
        c.survey_rate = 0.1;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    duluan::demo::load(&app.db).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/s/{DEMO_KEY}", app.base);
    // The flooding client behind the proxy, even prepending other addresses of its own.
    exhaust(|| {
        client
            .get(&url)
            .header("x-forwarded-for", "203.0.113.1, 198.51.100.1")
    })
    .await;
    let r = client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.77, 198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client of the same proxy answers the same survey.
    let r = client
        .get(&url)
        .header("x-forwarded-for", "198.51.100.2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client
        .post(format!("{url}/submissions"))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(30, "4")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}
