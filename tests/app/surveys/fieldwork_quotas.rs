//! Quotas through the real server: a quota on frame strata spreads its total over the frame,
//! counts the interviews completed in the console, closes a full stratum (its cases leave the
//! telephone queue) and frees them when the quota goes; a quota on a question screens out by the
//! anonymous link and in the console (AAPOR 4.80), with the quota's own message; a recount
//! rebuilds lost counts; bad input changes nothing.

use reqwest::StatusCode;

use super::DEMO_KEY;
use super::fieldwork_phone::{interviewer, next_case, phone_survey_from, scalar, text};
use crate::helpers::{Page, TestApp, spawn_demo};

/// Six households in two wards (strata), three each, all with a telephone number.
fn two_wards() -> String {
    let mut s = String::from("id,stratum,phone,age_group\n");
    for i in 1..=6 {
        let ward = if i <= 3 { "P1" } else { "P2" };
        let age = if i % 2 == 0 { "18-39" } else { "40+" };
        s.push_str(&format!("h{i},{ward},0903 111 {i:03},{age}\n"));
    }
    s
}

/// Answers the whole demo questionnaire in the console with this gender; the last page's reply.
async fn interview(c: &TestApp, case: i64, gender: &str) -> Page {
    let path = format!("/interviewer/cases/{case}/answers");
    let steps: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "35"),
            ("a.gender", gender),
        ],
        vec![
            ("page", "uses_online"),
            ("nav", "next"),
            ("a.uses_online", "2"),
        ],
        vec![
            ("page", "satisfaction"),
            ("nav", "next"),
            ("a.satisfaction", "4"),
        ],
        vec![("page", "comment"), ("nav", "next"), ("a.comment", "")],
    ];
    let mut last = None;
    for fields in steps {
        let page = c.post(&path, &fields).await;
        if page.status == StatusCode::SEE_OTHER {
            return page;
        }
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        last = Some(page);
    }
    last.unwrap()
}

async fn quota_id(app: &TestApp, survey: i64) -> i64 {
    scalar(
        app,
        "SELECT MAX(id) FROM survey_quotas WHERE survey_id = $1",
        survey,
    )
    .await
}

async fn stratum_of(app: &TestApp, case: i64) -> String {
    text(
        app,
        "SELECT f.stratum FROM survey_cases k JOIN survey_frame_rows f ON f.id = k.frame_row_id WHERE k.id = $1",
        case,
    )
    .await
}

/// The `(completed, state)` shown for the cell `label` of the quota table in `body`.
fn cell(body: &str, label: &str) -> (String, String) {
    let at = body
        .find(&format!("data-cell=\"{label}\""))
        .unwrap_or_else(|| panic!("no cell {label}"));
    let row = &body[at..at + body[at..].find("</tr>").unwrap()];
    let grab = |attr: &str| {
        let i = row.find(attr).unwrap() + attr.len();
        let j = row[i..].find('>').unwrap() + i + 1;
        row[j..j + row[j..].find('<').unwrap()].trim().to_string()
    };
    (grab("data-filled"), grab("data-state"))
}

#[tokio::test]
async fn a_frame_quota_closes_a_full_ward_and_its_cases_leave_the_queue() {
    let app = spawn_demo().await;
    let survey = phone_survey_from(&app, &two_wards(), 6, "phone", "5").await;
    let path = format!("/surveys/{survey}/fieldwork/quotas");
    // The page offers the question and the frame columns.
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("value=\"q:gender\"");
    page.assert_contains("value=\"f:stratum\"");
    page.assert_contains("value=\"f:age_group\"");

    // Bad input: no dimension, a dimension twice, an unknown one, a question crossed with a frame
    // column on this anonymous survey, a total that is no number. Nothing is saved.
    for (fields, expect) in [
        (
            vec![("name", "Q"), ("action", "close")],
            "ít nhất một chiều",
        ),
        (
            vec![
                ("name", "Q"),
                ("dim1", "f:stratum"),
                ("dim2", "f:stratum"),
                ("action", "close"),
            ],
            "được chọn hai lần",
        ),
        (
            vec![("name", "Q"), ("dim1", "q:nope"), ("action", "close")],
            "“q:nope” không có",
        ),
        (
            vec![
                ("name", "Q"),
                ("dim1", "f:stratum"),
                ("dim2", "q:gender"),
                ("action", "close"),
            ],
            "ẩn danh",
        ),
        (
            vec![
                ("name", "Q"),
                ("dim1", "f:stratum"),
                ("action", "close"),
                ("total", "mười"),
            ],
            "Tổng chỉ tiêu",
        ),
        (
            vec![("name", " "), ("dim1", "f:stratum"), ("action", "close")],
            "đặt tên",
        ),
    ] {
        let page = app.post(&path, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        page.assert_contains(expect);
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM survey_quotas WHERE survey_id = $1",
            survey
        )
        .await,
        0
    );

    // Two completes spread over the frame's wards: one each.
    let page = app
        .post(
            &path,
            &[
                ("name", "Theo phường"),
                ("dim1", "f:stratum"),
                ("action", "close"),
                ("total", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let q = quota_id(&app, survey).await;
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(SUM(target) AS BIGINT) FROM survey_quota_cells WHERE quota_id = $1",
            q
        )
        .await,
        2
    );
    let page = app.get(&path).await;
    assert_eq!(cell(&page.body, "P1"), ("0".into(), "Còn nhận".into()));

    // A complete in the console fills its ward: the ward's other cases are held.
    let c = interviewer(&app, "dtv_quota", "92").await;
    let first = next_case(&c, survey).await.unwrap();
    let page = interview(&c, first, "1").await;
    assert_eq!(page.location(), "/interviewer?note=done");
    let full = stratum_of(&app, first).await;
    let other = if full == "P1" { "P2" } else { "P1" };
    let page = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(cell(&page.body, &full), ("1".into(), "Đã đủ".into()));
    assert_eq!(cell(&page.body, other), ("0".into(), "Còn nhận".into()));
    page.assert_contains("2 trường hợp đang tạm dừng");
    // Every case the queue gives now is of the other ward.
    let mut given = vec![];
    while let Ok(case) = next_case(&c, survey).await {
        given.push(stratum_of(&app, case).await);
        let page = super::fieldwork_phone::outcome(&c, case, "refusal", "").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    assert_eq!(given, vec![other.to_string(); 3]);

    // A bad target names its cell and changes nothing.
    let page = app
        .post(
            &format!("{path}/{q}"),
            &[
                ("action", "close"),
                ("message", ""),
                ("t0", "3"),
                ("t1", "-2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Chỉ tiêu của ô “P2” không hợp lệ: “-2”");
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(SUM(target) AS BIGINT) FROM survey_quota_cells WHERE quota_id = $1",
            q
        )
        .await,
        2
    );
    // Raising the target opens the ward again: its cases come back to the queue.
    let page = app
        .post(
            &format!("{path}/{q}"),
            &[
                ("action", "close"),
                ("message", ""),
                ("t0", "2"),
                ("t1", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let held = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND quota_held <> 0";
    assert_eq!(scalar(&app, held, survey).await, 0);
    let back = next_case(&c, survey).await.unwrap();
    assert_eq!(stratum_of(&app, back).await, full);
    let page = super::fieldwork_phone::outcome(&c, back, "no_answer", "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Back to one: full again, held again; deleting the quota frees them.
    let page = app
        .post(
            &format!("{path}/{q}"),
            &[
                ("action", "close"),
                ("message", ""),
                ("t0", "1"),
                ("t1", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar(&app, held, survey).await, 2);
    let page = app.post(&format!("{path}/{q}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar(&app, held, survey).await, 0);
    let audit = "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'survey.quota_%' AND object_id = CAST($1 AS TEXT)";
    assert_eq!(scalar(&app, audit, survey).await, 4);
    app.stop().await;
}

#[tokio::test]
async fn a_question_quota_screens_out_by_link_and_in_the_console() {
    let app = spawn_demo().await;
    let survey = phone_survey_from(&app, &two_wards(), 6, "phone", "5").await;
    let path = format!("/surveys/{survey}/fieldwork/quotas");
    let page = app
        .post(
            &path,
            &[
                ("name", "Giới tính"),
                ("dim1", "q:gender"),
                ("action", "screen_out"),
                ("message", "Cảm ơn ông/bà, nhóm này đã đủ người trả lời."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let q = quota_id(&app, survey).await;
    // Nam 1, Nữ 0 (closed from the start), Khác 5.
    let page = app
        .post(
            &format!("{path}/{q}"),
            &[
                ("action", "screen_out"),
                ("message", "Cảm ơn ông/bà, nhóm này đã đủ người trả lời."),
                ("t0", "1"),
                ("t1", "0"),
                ("t2", "5"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // By the anonymous link: a woman is stopped with the quota's message, nothing completes.
    let r = app.other_client();
    let link = format!("/s/{DEMO_KEY}");
    let page = r
        .post(
            &link,
            &[
                ("page", "about"),
                ("nav", "next"),
                ("a.age", "30"),
                ("a.gender", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("nhóm này đã đủ người trả lời");
    let complete =
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'";
    let before = scalar(&app, complete, survey).await;

    // In the console: a man completes, the next man is screened out (4.80), the case page shows
    // the cell full.
    let c = interviewer(&app, "dtv_gioi", "92").await;
    let first = next_case(&c, survey).await.unwrap();
    assert_eq!(
        interview(&c, first, "1").await.location(),
        "/interviewer?note=done"
    );
    assert_eq!(scalar(&app, complete, survey).await, before + 1);
    let second = next_case(&c, survey).await.unwrap();
    let page = c.get(&format!("/interviewer/cases/{second}")).await;
    assert!(
        page.body.contains("data-cell=\"Nam\"") && page.body.contains("Nam: 1/1"),
        "{}",
        page.body
    );
    let page = interview(&c, second, "1").await;
    assert_eq!(page.location(), "/interviewer?note=quota");
    let disp = "SELECT disposition FROM survey_cases WHERE id = $1";
    assert_eq!(text(&app, disp, second).await, "4.80");
    let event = "SELECT note FROM survey_case_events WHERE case_id = $1 AND outcome = 'quota_full'";
    assert_eq!(text(&app, event, second).await, "Giới tính");
    // Not counted, and the case left the queue.
    assert_eq!(scalar(&app, complete, survey).await, before + 1);
    let third = next_case(&c, survey).await.unwrap();
    assert_ne!(third, second);
    // A woman in the console is stopped too; someone "other" completes.
    assert_eq!(
        interview(&c, third, "2").await.location(),
        "/interviewer?note=quota"
    );
    let fourth = next_case(&c, survey).await.unwrap();
    assert_eq!(
        interview(&c, fourth, "3").await.location(),
        "/interviewer?note=done"
    );

    // The monitor counts 1 / 0 / 1 and shows the screened-out cases as 4.80.
    let page = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(cell(&page.body, "Nam"), ("1".into(), "Đã đủ".into()));
    assert_eq!(cell(&page.body, "Nữ"), ("0".into(), "Đã đủ".into()));
    assert_eq!(cell(&page.body, "Khác"), ("1".into(), "Còn nhận".into()));
    page.assert_contains("4.80");
    // Counts lost (a crash between a completion and its count) come back with a recount.
    let zero = "UPDATE survey_quota_cells SET filled = 0 WHERE quota_id = $1";
    duluan::with_db!(&app.db, |pool| sqlx::query(zero)
        .bind(q)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    let page = app.get(&path).await;
    assert_eq!(cell(&page.body, "Nam"), ("1".into(), "Đã đủ".into()));
    assert_eq!(cell(&page.body, "Khác"), ("1".into(), "Còn nhận".into()));
    app.stop().await;
}
