//! Telephone fieldwork through the real server: 20 interviewers asking for a case at once get
//! 20 different cases; due appointments come first; outcomes set AAPOR telephone codes and the
//! maximum attempts end a case; a questionnaire completed through the console gives a complete
//! response in mode phone and the case 1.1; moving web cases to the telephone queue keeps their
//! history; an interviewer of another unit sees nothing; and the console in headless Chromium
//! at phone size.

use duluan::accounts::model::Role;
use duluan::with_db;
use reqwest::StatusCode;

use super::demo_survey_id;
use crate::helpers::{TestApp, spawn_demo};

/// `n` households, every one with a telephone number.
fn frame_csv(n: usize) -> String {
    let mut s = String::from("id,stratum,phone\n");
    for i in 1..=n {
        s.push_str(&format!("h{i:03},A,0902 555 {i:03}\n"));
    }
    s
}

pub(super) async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap())
}

pub(super) async fn text(app: &TestApp, sql: &str, id: i64) -> String {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// The demo survey (unit 92) with `n` telephone households sampled and released in `mode`, and
/// calling rules that allow calls at any hour with no retry delay; `app` is logged in as the
/// designer. Returns the survey id.
async fn phone_survey(app: &TestApp, n: usize, mode: &str, max_attempts: &str) -> i64 {
    phone_survey_from(app, &frame_csv(n), n, mode, max_attempts).await
}

/// As [`phone_survey`], from the frame `csv`, sampling `n` of its rows.
pub(super) async fn phone_survey_from(
    app: &TestApp,
    csv: &str,
    n: usize,
    mode: &str,
    max_attempts: &str,
) -> i64 {
    app.login_demo("designer").await;
    let survey = demo_survey_id(app).await;
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("khung.csv");
    let form = reqwest::multipart::Form::new()
        .text("name", "Hộ có điện thoại")
        .part("file", part);
    let page = TestApp::read(
        app.client
            .post(format!("{}/surveys/{survey}/fieldwork/frames", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frame = scalar(
        app,
        "SELECT MAX(id) FROM survey_frames WHERE survey_id = $1",
        survey,
    )
    .await;
    let (fid, ns) = (frame.to_string(), n.to_string());
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/samples"),
            &[
                ("frame", fid.as_str()),
                ("method", "srs"),
                ("n", ns.as_str()),
                ("seed", "7"),
                ("replicates", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sample = scalar(
        app,
        "SELECT MAX(id) FROM survey_samples WHERE survey_id = $1",
        survey,
    )
    .await;
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/samples/{sample}/release"),
            &[("batch", "1"), ("mode", mode)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/settings"),
            &[
                ("max_attempts", max_attempts),
                ("hours_from", "0"),
                ("hours_to", "24"),
                ("retry_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    survey
}

/// A new interviewer at the unit `code`, logged in on its own client.
pub(super) async fn interviewer(app: &TestApp, name: &str, code: &str) -> TestApp {
    let hash = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT password_hash FROM users WHERE username = 'interviewer'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let unit = app.unit_id(code).await;
    duluan::accounts::create_user_with_hash(
        &app.db,
        name,
        &format!("ĐTV {name}"),
        &hash,
        Role::Interviewer,
        unit,
    )
    .await
    .unwrap();
    let c = app.other_client();
    c.login(name, duluan::accounts::demo::DEMO_PASSWORD).await;
    c
}

/// Asks for the next case of `survey`; returns its id, or `None` with the console's note.
pub(super) async fn next_case(c: &TestApp, survey: i64) -> Result<i64, String> {
    let page = c
        .post(&format!("/interviewer/surveys/{survey}/next"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location().to_string();
    match to.strip_prefix("/interviewer/cases/") {
        Some(id) => Ok(id.parse().unwrap()),
        None => Err(to),
    }
}

pub(super) async fn outcome(
    c: &TestApp,
    case: i64,
    outcome: &str,
    appointment: &str,
) -> crate::helpers::Page {
    c.post(
        &format!("/interviewer/cases/{case}/outcome"),
        &[
            ("outcome", outcome),
            ("appointment", appointment),
            ("note", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn twenty_interviewers_asking_at_once_get_twenty_different_cases() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 30, "phone", "5").await;
    let mut clients = Vec::new();
    for i in 0..20 {
        clients.push(interviewer(&app, &format!("dtv{i:02}"), "92").await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for c in &clients {
        let (client, url) = (
            c.client.clone(),
            format!("{}/interviewer/surveys/{survey}/next", c.base),
        );
        tasks.spawn(async move {
            let r = client.post(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            let to = r.headers()["location"].to_str().unwrap().to_string();
            to.strip_prefix("/interviewer/cases/")
                .unwrap_or_else(|| panic!("no case: {to}"))
                .parse::<i64>()
                .unwrap()
        });
    }
    let mut ids: Vec<i64> = tasks.join_all().await;
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "a case was given twice: {ids:?}");
    let claimed = scalar(
        &app,
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND assigned_to IS NOT NULL",
        survey,
    )
    .await;
    assert_eq!(claimed, 20);
    // Asking again gives each the case they hold.
    assert_eq!(next_case(&clients[3], survey).await.unwrap(), {
        let mine = clients[3].get("/interviewer").await;
        let i = mine.body.find("/interviewer/cases/").unwrap();
        mine.body[i + 19..]
            .split('"')
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    });
    let console = clients[0].get("/interviewer").await;
    console.assert_contains("30 trường hợp đang chờ, 20 đang được gọi");
    app.stop().await;
}

#[tokio::test]
async fn appointments_come_first_outcomes_set_telephone_codes_and_attempts_run_out() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 4, "phone", "2").await;
    let c = interviewer(&app, "dtv_a", "92").await;
    let disp = "SELECT disposition FROM survey_cases WHERE id = $1";

    // The first case: the number is shown and its reading audited.
    let a = next_case(&c, survey).await.unwrap();
    let page = c.get(&format!("/interviewer/cases/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("0902 555");
    page.assert_contains("Ông/bà bao nhiêu tuổi?");
    let reads = "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.contact_read' AND object_id = CAST($1 AS TEXT)";
    let reads_a = scalar(&app, reads, a).await;
    assert!(reads_a >= 1);
    // An appointment already due: the same case comes back first, before untried ones.
    let due = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let page = outcome(&c, a, "appointment", &due).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(text(&app, disp, a).await, "2.21");
    assert_eq!(next_case(&c, survey).await.unwrap(), a);
    // No answer: second attempt of two, the case is final.
    outcome(&c, a, "no_answer", "").await;
    assert_eq!(text(&app, disp, a).await, "3.13");
    assert_eq!(
        scalar(&app, "SELECT attempts FROM survey_cases WHERE id = $1", a).await,
        2
    );
    let finals = "SELECT COUNT(*) FROM survey_case_events WHERE case_id = $1 AND kind = 'final'";
    assert_eq!(scalar(&app, finals, a).await, 1);

    // An appointment in the future keeps a case out of the queue until then.
    let b = next_case(&c, survey).await.unwrap();
    assert_ne!(b, a);
    let later = (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    outcome(&c, b, "appointment", &later).await;
    // An appointment without its time is refused.
    let d = next_case(&c, survey).await.unwrap();
    assert!(d != a && d != b);
    assert_eq!(
        outcome(&c, d, "appointment", "").await.status,
        StatusCode::BAD_REQUEST
    );
    // Each outcome sets its AAPOR telephone code. Fewest attempts first: busy on d, then the
    // untried case x comes before d.
    assert_eq!(
        outcome(&c, d, "busy", "").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(text(&app, disp, d).await, "3.12");
    let x = next_case(&c, survey).await.unwrap();
    assert!(x != a && x != b && x != d);
    outcome(&c, x, "machine", "").await;
    assert_eq!(text(&app, disp, x).await, "3.14");
    // Both tried once: the oldest last attempt first.
    assert_eq!(next_case(&c, survey).await.unwrap(), d);
    outcome(&c, d, "refusal", "").await;
    assert_eq!(text(&app, disp, d).await, "2.11");
    assert_eq!(next_case(&c, survey).await.unwrap(), x);
    outcome(&c, x, "wrong_number", "").await;
    assert_eq!(text(&app, disp, x).await, "4.30");
    // Recording for a case one does not hold is refused.
    assert_eq!(
        outcome(&c, a, "refusal", "").await.status,
        StatusCode::CONFLICT
    );
    // Only b (appointment later) is left, so the queue is empty now.
    assert_eq!(
        next_case(&c, survey).await.unwrap_err(),
        "/interviewer?note=empty"
    );

    // The monitor counts the telephone codes in the AAPOR rates.
    let monitor = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(monitor.status, StatusCode::OK);
    monitor.assert_contains("4.30");
    // The supervisor sees activity by interviewer display name, cases by attempts, no number.
    let page = app.get(&format!("/surveys/{survey}/fieldwork/phone")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("ĐTV dtv_a");
    assert!(!page.body.contains("0902 555"));
    // Bad settings are refused with the reason.
    let bad = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/settings"),
            &[
                ("max_attempts", "3"),
                ("hours_from", "20"),
                ("hours_to", "8"),
                ("retry_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("giờ bắt đầu trước giờ kết thúc");
    app.stop().await;
}

#[tokio::test]
async fn an_interview_broken_off_by_a_lapsed_claim_goes_back_to_the_queue_with_its_answers() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 1, "phone", "5").await;
    let c1 = interviewer(&app, "dtv_lapse1", "92").await;
    let c2 = interviewer(&app, "dtv_lapse2", "92").await;
    let case = next_case(&c1, survey).await.unwrap();
    let page = c1
        .post(
            &format!("/interviewer/cases/{case}/answers"),
            &[
                ("page", "about"),
                ("nav", "next"),
                ("a.age", "52"),
                ("a.gender", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The interview runs: the case keeps its disposition (a partial is final in the queue).
    let disp = "SELECT disposition FROM survey_cases WHERE id = $1";
    assert_eq!(text(&app, disp, case).await, "3.19");
    // The interviewer leaves without an outcome; the claim lapses.
    duluan::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE survey_cases SET claim_expires_at = $1 WHERE id = $2"
    )
    .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
    .bind(case)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    // Another interviewer gets the case, on the page the first one reached.
    assert_eq!(next_case(&c2, survey).await.unwrap(), case);
    let page = c2.get(&format!("/interviewer/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("dịch vụ công trực tuyến");
    app.stop().await;
}

#[tokio::test]
async fn a_stuck_claim_is_released_or_given_to_another_interviewer() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 2, "phone", "5").await;
    let c1 = interviewer(&app, "dtv_1", "92").await;
    let c2 = interviewer(&app, "dtv_2", "92").await;
    let a = next_case(&c1, survey).await.unwrap();
    let b = next_case(&c2, survey).await.unwrap();
    assert_ne!(a, b);
    let page = app.get(&format!("/surveys/{survey}/fieldwork/phone")).await;
    page.assert_contains("ĐTV dtv_1");
    // Release c1's claim: c1 can no longer record on it, and it is back in the queue.
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/cases/{a}/claim"),
            &[("user", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        c1.get(&format!("/interviewer/cases/{a}")).await.status,
        StatusCode::CONFLICT
    );
    // Give it to c2 (after c2 is done with b).
    outcome(&c2, b, "refusal", "").await;
    let uid = scalar(
        &app,
        "SELECT id FROM users WHERE username = 'dtv_2' AND id > $1",
        0,
    )
    .await;
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/cases/{a}/claim"),
            &[("user", uid.to_string().as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(next_case(&c2, survey).await.unwrap(), a);
    // Someone who is not an interviewer of the survey cannot be given a case.
    let designer = scalar(
        &app,
        "SELECT id FROM users WHERE username = 'designer' AND id > $1",
        0,
    )
    .await;
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/cases/{a}/claim"),
            &[("user", designer.to_string().as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn an_interviewer_completes_the_questionnaire_through_the_console() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 3, "phone", "5").await;
    let c = interviewer(&app, "dtv_q", "92").await;
    let case = next_case(&c, survey).await.unwrap();
    let path = format!("/interviewer/cases/{case}/answers");
    let page = c
        .post(
            &path,
            &[
                ("page", "about"),
                ("nav", "next"),
                ("a.age", "41"),
                ("a.gender", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("dịch vụ công trực tuyến");
    // The response is a partial in mode phone linked to the case.
    let mode = "SELECT mode FROM survey_responses WHERE case_id = $1";
    assert_eq!(text(&app, mode, case).await, "phone");
    for fields in [
        vec![
            ("page", "uses_online"),
            ("nav", "next"),
            ("a.uses_online", "2"),
        ],
        vec![
            ("page", "satisfaction"),
            ("nav", "next"),
            ("a.satisfaction", "5"),
        ],
    ] {
        let page = c.post(&path, &fields).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let page = c
        .post(
            &path,
            &[("page", "comment"), ("nav", "next"), ("a.comment", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/interviewer?note=done");
    let status = "SELECT status FROM survey_responses WHERE case_id = $1";
    assert_eq!(text(&app, status, case).await, "complete");
    assert_eq!(text(&app, mode, case).await, "phone");
    assert_eq!(
        text(
            &app,
            "SELECT disposition FROM survey_cases WHERE id = $1",
            case
        )
        .await,
        "1.1"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT attempts FROM survey_cases WHERE id = $1",
            case
        )
        .await,
        1
    );
    let data = text(
        &app,
        "SELECT data FROM survey_responses WHERE case_id = $1",
        case,
    )
    .await;
    assert!(data.contains("\"age\":\"41\""), "{data}");
    // The supervisor's activity counts the complete.
    let page = app.get(&format!("/surveys/{survey}/fieldwork/phone")).await;
    let row = page.body.find("ĐTV dtv_q").unwrap();
    let tail = &page.body[row..row + 200];
    assert!(tail.matches("sv-num\">1<").count() == 2, "{tail}");
    app.stop().await;
}

#[tokio::test]
async fn moving_web_cases_to_the_telephone_queue_keeps_their_history() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 5, "web", "5").await;
    let ids: Vec<i64> = with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "SELECT id FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL ORDER BY id"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert_eq!(ids.len(), 5);
    let c = interviewer(&app, "dtv_m", "92").await;
    assert!(next_case(&c, survey).await.is_err());
    // Two selected cases first, then all the others.
    let two = format!("{}, {}", ids[0], ids[1]);
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/switch"),
            &[("cases", two.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đã chuyển 2 trường hợp sang gọi điện.");
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/phone/switch"),
            &[("all", "1")],
        )
        .await;
    page.assert_contains("Đã chuyển 3 trường hợp sang gọi điện.");
    let phone = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND mode = 'phone'";
    assert_eq!(scalar(&app, phone, survey).await, 5);
    let kinds: Vec<(String, String)> = with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT kind, mode FROM survey_case_events WHERE case_id = $1 ORDER BY at, id"
    )
    .bind(ids[0])
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(
        kinds,
        [
            ("released".to_string(), "web".to_string()),
            ("mode".to_string(), "phone".to_string())
        ]
    );
    let history = app
        .get(&format!("/surveys/{survey}/fieldwork/cases/{}", ids[0]))
        .await;
    history.assert_contains("Chuyển hình thức");
    assert!(next_case(&c, survey).await.is_ok());
    app.stop().await;
}

#[tokio::test]
async fn an_interviewer_of_another_unit_sees_nothing() {
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 3, "phone", "5").await;
    let mine = interviewer(&app, "dtv_here", "92").await;
    let case = next_case(&mine, survey).await.unwrap();
    let other_unit: String = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT code FROM units WHERE id NOT IN (SELECT descendant_id FROM unit_closure
           WHERE ancestor_id = (SELECT id FROM units WHERE code = '92'))
           AND id NOT IN (SELECT ancestor_id FROM unit_closure
           WHERE descendant_id = (SELECT id FROM units WHERE code = '92')) ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let other = interviewer(&app, "dtv_there", &other_unit).await;
    let console = other.get("/interviewer").await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(!console.body.contains("queue-"), "{}", console.body);
    assert_eq!(
        other
            .post(&format!("/interviewer/surveys/{survey}/next"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = other.get(&format!("/interviewer/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("0902 555"));
    // A designer is no interviewer: the console is refused.
    assert_eq!(app.get("/interviewer").await.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn an_interviewer_works_a_case_on_a_phone() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::browser().await else {
        return;
    };
    let app = spawn_demo().await;
    let survey = phone_survey(&app, 2, "phone", "5").await;
    let _ = interviewer(&app, "dtv_web", "92").await;
    let c = &b.client;
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    let field = |n: &'static str| Locator::Css(n);
    c.find(field("input[name='username']"))
        .await
        .unwrap()
        .send_keys("dtv_web")
        .await
        .unwrap();
    c.find(field("input[name='password']"))
        .await
        .unwrap()
        .send_keys(duluan::accounts::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    c.find(field("main form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if !c.current_url().await.unwrap().path().starts_with("/login") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    c.goto(&format!("{}/interviewer", app.base)).await.unwrap();
    let next_button = format!("#queue-{survey} button.sv-next");
    c.wait()
        .for_element(Locator::Css(&next_button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let number = c.wait().for_element(field("#phone")).await.unwrap();
    assert!(number.text().await.unwrap().starts_with("0902 555"));
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::json!(true),
        "the console scrolls sideways"
    );
    crate::browser::screenshot(c, "phone-console-case").await;
    c.find(field("select#outcome"))
        .await
        .unwrap()
        .select_by_value("busy")
        .await
        .unwrap();
    c.find(field("#save-outcome"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note = c.wait().for_element(field("#console-note")).await.unwrap();
    assert!(note.text().await.unwrap().contains("Đã ghi kết quả"));
    let busy = scalar(
        &app,
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND disposition = '3.12'",
        survey,
    )
    .await;
    assert_eq!(busy, 1);
    b.client.clone().close().await.unwrap();
    app.stop().await;
}
