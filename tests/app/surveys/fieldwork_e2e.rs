//! Fieldwork end to end through the real server and a real SMTP server on loopback, on the
//! backend the suite runs on (SQLite, or PostgreSQL with `DULUAN_TEST_POSTGRES_URL`): a frame
//! with a blank stratum is refused whole; a stratified sample of an imported frame of two wards is
//! released, e-mail where there is an address and telephone otherwise; a quota closes one ward
//! after its first complete; e-mail respondents answer or opt out by the links they received, and
//! one whose ward is full is screened out (4.80); an interviewer completes a telephone case in the
//! console, is never given a case of a full ward, and the complete closes the other ward; and the
//! monitor's rates equal the AAPOR
//! formulas computed here from the cases' dispositions. (The console at phone size in a real
//! browser: `fieldwork_phone::an_interviewer_works_a_case_on_a_phone`.)

use std::collections::BTreeMap;

use chrono::Utc;
use duluan::surveys::fieldwork::email::send_invitations;
use duluan::with_db;
use reqwest::StatusCode;

use super::demo_survey_id;
use super::fieldwork::upload_frame;
use super::fieldwork_phone::{interviewer, next_case, scalar, text};
use crate::helpers::{Page, TestApp, spawn_demo};
use crate::smtp::{SmtpServer, configure_mail};

/// Sixteen households, eight per ward; even ones have an e-mail address, all a telephone.
fn frame() -> String {
    let mut s = String::from("id,stratum,email,phone\n");
    for i in 1..=16 {
        let ward = if i <= 8 { "P1" } else { "P2" };
        let email = if i % 2 == 0 {
            format!("ho{i:02}@example.vn")
        } else {
            String::new()
        };
        s.push_str(&format!("h{i:02},{ward},{email},0904 222 {i:03}\n"));
    }
    s
}

/// The path of the first link with `prefix` in a mail body.
fn link(body: &str, prefix: &str) -> String {
    let i = body.find(prefix).unwrap_or_else(|| panic!("no {prefix}"));
    body[i..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// Answers the demo questionnaire to the end, through a link or the console `path`.
async fn answer_all(c: &TestApp, path: &str, gender: &str) -> Page {
    let mut last = None;
    for fields in [
        vec![
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "47"),
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
            ("a.satisfaction", "3"),
        ],
        vec![("page", "comment"), ("nav", "next"), ("a.comment", "")],
    ] {
        let page = c.post(path, &fields).await;
        if page.status == StatusCode::SEE_OTHER {
            return page;
        }
        last = Some(page);
    }
    last.unwrap()
}

async fn ward_of(app: &TestApp, case: i64) -> String {
    text(
        app,
        "SELECT f.stratum FROM survey_cases k JOIN survey_frame_rows f ON f.id = k.frame_row_id WHERE k.id = $1",
        case,
    )
    .await
}

/// The e-mail page's form: reminders after 3 and 7 days, `pace` mails a minute, links to
/// `base_url`, and the same plain-text templates for every kind and language.
pub(crate) fn schedule_fields(base_url: &str, pace: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("reminder_days".into(), "3".into()),
        ("last_reminder_days".into(), "7".into()),
        ("pace".into(), pace.into()),
        ("base_url".into(), base_url.into()),
    ];
    for kind in ["invite", "reminder", "last"] {
        for lang in ["vi", "en"] {
            fields.push((
                format!("{kind}_{lang}_subject"),
                "Khảo sát: {survey}".into(),
            ));
            fields.push((
                format!("{kind}_{lang}_text"),
                "Mời trả lời: {link}\nKhông nhận thư nữa: {unsubscribe}\n".into(),
            ));
            fields.push((format!("{kind}_{lang}_html"), String::new()));
        }
    }
    fields
}

/// The value of `rate` in the last column (all modes) of the monitor's rates table.
fn rate(body: &str, rate: &str) -> String {
    let at = body
        .find(&format!("<th scope=\"row\">{rate}</th>"))
        .unwrap_or_else(|| panic!("no row {rate}"));
    let row = &body[at..body[at..].find("</tr>").unwrap() + at];
    let last = row.rfind("\">").unwrap();
    row[last + 2..row[last..].find("</td>").unwrap() + last].to_string()
}

#[tokio::test]
async fn a_stratified_sample_is_fielded_by_email_and_phone_under_a_quota() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let app = spawn_demo().await;
    configure_mail(&app, smtp.port).await;
    app.login_demo("designer").await;
    let survey = demo_survey_id(&app).await;
    let base = format!("/surveys/{survey}/fieldwork");

    // A blank stratum is named by row and column, and nothing is stored.
    let bad = upload_frame(
        &app,
        survey,
        "Hộ hai phường",
        "id,stratum,phone\nh1,P1,0904 222 001\nh2,,0904 222 002\n",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Dòng 3, cột stratum: Tầng (stratum) bị trống");
    let frames = "SELECT COUNT(*) FROM survey_frames WHERE survey_id = $1";
    assert_eq!(scalar(&app, frames, survey).await, 0);

    // The frame, a stratified sample of 8 (4 per ward), released by e-mail or telephone.
    let page = upload_frame(&app, survey, "Hộ hai phường", &frame()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let fid = scalar(
        &app,
        "SELECT MAX(id) FROM survey_frames WHERE survey_id = $1",
        survey,
    )
    .await
    .to_string();
    let page = app
        .post(
            &format!("{base}/samples"),
            &[
                ("frame", fid.as_str()),
                ("method", "stratified"),
                ("n", "8"),
                ("allocation", "proportional"),
                ("seed", "11"),
                ("replicates", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sample = scalar(
        &app,
        "SELECT MAX(id) FROM survey_samples WHERE survey_id = $1",
        survey,
    )
    .await;
    let page = app
        .post(
            &format!("{base}/samples/{sample}/release"),
            &[("batch", "1"), ("mode", "auto")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let by_mode = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL AND mode = 'email'";
    let emailed = scalar(&app, by_mode, survey).await;
    let phoned = scalar(&app, &by_mode.replace("'email'", "'phone'"), survey).await;
    assert_eq!(emailed + phoned, 8);
    assert!(
        emailed >= 2 && phoned >= 2,
        "{emailed} by e-mail, {phoned} by phone"
    );

    // A quota on the wards: one complete closes a ward.
    let page = app
        .post(
            &format!("{base}/quotas"),
            &[
                ("name", "Mỗi phường một phiếu"),
                ("dim1", "f:stratum"),
                ("action", "close"),
                ("total", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // E-mail: the schedule, sending on, invitations delivered through the SMTP server.
    let fields = schedule_fields(&app.base, "600");
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = app.post(&format!("{base}/email"), &refs).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(&format!("{base}/email/sending"), &[("sending", "on")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let now = Utc::now();
    assert_eq!(
        send_invitations(&app.db, now).await.unwrap().invited,
        emailed as usize
    );
    duluan::mail::send_due(&app.db).await.unwrap();
    let mails = smtp.received();
    assert_eq!(mails.len(), emailed as usize, "{mails:?}");
    // The case of each mail, by its recipient.
    let case_of = |to: &str| {
        let to = to.to_string();
        let app = &app;
        async move {
            with_db!(&app.db, |pool| {
                sqlx::query_scalar::<_, i64>(
                "SELECT k.id FROM survey_cases k JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id
                 WHERE k.survey_id = $1 AND c.email = $2"
            )
            .bind(survey)
            .bind(&to)
            .fetch_one(pool)
            .await
            .unwrap()
            })
        }
    };

    // The mails by ward (in address order, whatever order the mailbox lists them in); the
    // ward with more e-mail cases is the one the first respondent fills.
    let mut by_ward: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    let mut mails = mails;
    mails.sort();
    for m in &mails {
        let case = case_of(&m.0).await;
        by_ward
            .entry(ward_of(&app, case).await)
            .or_default()
            .push((case, m.2.clone()));
    }
    let (full, other) =
        if by_ward.get("P1").map_or(0, Vec::len) >= by_ward.get("P2").map_or(0, Vec::len) {
            ("P1", "P2")
        } else {
            ("P2", "P1")
        };
    let (Some(in_full), Some(in_other)) = (by_ward.get(full), by_ward.get(other)) else {
        panic!("the sample has no e-mail case in one ward: change the seed");
    };
    assert!(in_full.len() >= 2, "{by_ward:?}");

    // The first e-mail respondent answers by the link: their ward is now full.
    let (first_case, first_body) = &in_full[0];
    let first_case = *first_case;
    let r = app.other_client();
    let t = link(first_body, "/t/");
    answer_all(&r, &t, "1")
        .await
        .assert_contains("Cảm ơn ông/bà!");
    let disp = "SELECT disposition FROM survey_cases WHERE id = $1";
    assert_eq!(text(&app, disp, first_case).await, "1.1");
    let held = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND quota_held <> 0";
    assert_eq!(
        scalar(&app, held, survey).await,
        3,
        "the full ward's other three cases are held"
    );

    // Another e-mail respondent of the full ward opens their link: screened out (4.80). One of
    // the other ward opts out (a refusal).
    let (screened, body) = &in_full[1];
    let page = app.other_client().get(&link(body, "/t/")).await;
    page.assert_contains("đã đủ số lượng cần thiết");
    let (opted_out, body) = &in_other[0];
    let page = app.other_client().post(&link(body, "/u/"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let (screened, opted_out) = (*screened, *opted_out);
    assert_eq!(text(&app, disp, screened).await, "4.80");
    assert_eq!(text(&app, disp, opted_out).await, "2.11");

    // The interviewer is given only cases of the open ward, and completes them.
    let settings = [
        ("max_attempts", "5"),
        ("hours_from", "0"),
        ("hours_to", "24"),
        ("retry_minutes", "0"),
    ];
    let page = app.post(&format!("{base}/phone/settings"), &settings).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let c = interviewer(&app, "dtv_e2e", "92").await;
    let mut called = vec![];
    while let Ok(case) = next_case(&c, survey).await {
        assert_eq!(
            ward_of(&app, case).await,
            other,
            "a case of the full ward was given"
        );
        let page = answer_all(&c, &format!("/interviewer/cases/{case}/answers"), "2").await;
        called.push((case, page.location().to_string()));
    }
    // The first telephone complete fills the other ward too: its remaining cases are held and
    // the queue is empty.
    assert_eq!(called.len(), 1, "{called:?}");
    assert_eq!(called[0].1, "/interviewer?note=done");
    assert_eq!(text(&app, disp, called[0].0).await, "1.1");

    // The monitor: both wards full, and every rate equal to the AAPOR formula over the cases.
    let monitor = app.get(&base).await;
    assert_eq!(monitor.status, StatusCode::OK);
    assert_eq!(monitor.body.matches("<td data-state>Đã đủ</td>").count(), 2);
    let rows: Vec<(String, i64)> = with_db!(&app.db, |pool| {
        sqlx::query_as::<_, (String, i64)>(
        "SELECT disposition, COUNT(*) FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL
         GROUP BY disposition"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    let counts: BTreeMap<String, f64> = rows.into_iter().map(|(d, n)| (d, n as f64)).collect();
    let sum = |f: &dyn Fn(&str) -> bool| {
        counts
            .iter()
            .filter(|(d, _)| f(d))
            .map(|(_, n)| n)
            .sum::<f64>()
    };
    let i = sum(&|d| d == "1.1");
    let p = sum(&|d| d == "1.2");
    let r = sum(&|d| d.starts_with("2.1"));
    let nc = sum(&|d| d.starts_with("2.2"));
    let o = sum(&|d| d.starts_with('2') && !d.starts_with("2.1") && !d.starts_with("2.2"));
    let u = sum(&|d| d.starts_with('3'));
    assert!(i >= 2.0 && counts.contains_key("4.80"), "{counts:?}");
    let all = i + p + r + nc + o + u;
    let pct = |x: f64| format!("{:.1}", x * 100.0);
    assert_eq!(rate(&monitor.body, "RR1"), pct(i / all));
    assert_eq!(rate(&monitor.body, "RR2"), pct((i + p) / all));
    assert_eq!(rate(&monitor.body, "COOP1"), pct(i / (i + p + r + o)));
    assert_eq!(rate(&monitor.body, "REF1"), pct(r / all));
    assert_eq!(rate(&monitor.body, "CON1"), pct((i + p + r + o) / all));
    app.stop().await;
}
