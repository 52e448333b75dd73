//! Fieldwork by e-mail through the real server and a real SMTP server on loopback (Debian
//! `python3-aiosmtpd`, with a handler that refuses `bounce@…` with 550): a batch released by
//! e-mail is invited in each respondent's language with a personal link that completes the case
//! (1.1); reminders after N and M days go only to non-responders; repeated runs send nothing
//! more (one mail per case and kind); an opt-out stops mail and sets a refusal; a refused address
//! becomes a bounced case (3.30); template mistakes are named in a 422 that saves nothing.
//! Without aiosmtpd the test is skipped with a message, unless `DULUAN_TEST_SMTP` is set (CI).

use chrono::Utc;
use duluan::surveys::fieldwork::email::send_invitations;
use duluan::with_db;
use reqwest::StatusCode;

use super::demo_survey_id;
use crate::helpers::{TestApp, spawn_demo};
use crate::smtp::{SmtpServer as Smtp, configure_mail};

async fn scalar(app: &TestApp, sql: &str, bind: i64) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(bind)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn disposition(app: &TestApp, email: &str) -> String {
    with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT k.disposition FROM survey_cases k JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id WHERE c.email = $1"
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
    })
}

/// The path (`/t/…` or `/u/…`) of the first link with that prefix in a body.
fn link(body: &str, prefix: &str) -> String {
    let i = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {body}"));
    body[i..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// Delivers the outbox and returns the messages received that were not `seen` before.
type Received = (String, String, String);
async fn deliver(app: &TestApp, smtp: &Smtp, seen: &mut Vec<Received>) -> Vec<Received> {
    duluan::mail::send_due(&app.db).await.unwrap();
    let fresh: Vec<Received> = smtp
        .received()
        .into_iter()
        .filter(|m| !seen.contains(m))
        .collect();
    seen.extend(fresh.iter().cloned());
    fresh
}

/// One respondent answers the demo questionnaire to the end through a link.
async fn complete(r: &TestApp, t: &str) {
    r.get(t).await.assert_contains("Ông/bà bao nhiêu tuổi?");
    let steps: [&[(&str, &str)]; 5] = [
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "44"),
            ("a.gender", "2"),
        ],
        &[
            ("page", "uses_online"),
            ("nav", "next"),
            ("a.uses_online", "1"),
        ],
        &[("page", "services"), ("nav", "next"), ("a.services", "tax")],
        &[
            ("page", "satisfaction"),
            ("nav", "next"),
            ("a.satisfaction", "4"),
        ],
        &[("page", "comment"), ("nav", "next")],
    ];
    let mut last = None;
    for s in steps {
        last = Some(r.post(t, s).await);
    }
    last.unwrap().assert_contains("Cảm ơn ông/bà!");
}

#[tokio::test]
async fn invitations_reminders_opt_outs_and_bounces_go_through_a_real_smtp_server() {
    let Some(smtp) = Smtp::start().await else {
        return;
    };
    let app = spawn_demo().await;
    configure_mail(&app, smtp.port).await;
    app.login_demo("designer").await;
    let survey = demo_survey_id(&app).await;
    let base = format!("/surveys/{survey}/fieldwork");

    // Six households: two in English, one whose address the server refuses.
    let csv = "id,stratum,email,lang\n\
        h1,A,mot@example.vn,vi\n\
        h2,A,two@example.vn,en\n\
        h3,A,bounce@example.vn,vi\n\
        h4,A,bon@example.vn,\n\
        h5,A,nam@example.vn,vi\n\
        h6,A,six@example.vn,en\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("khung.csv");
    let form = reqwest::multipart::Form::new()
        .text("name", "Hộ có thư điện tử")
        .part("file", part);
    let page = TestApp::read(
        app.client
            .post(format!("{}{base}/frames", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frame = scalar(
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
                ("frame", &frame),
                ("method", "srs"),
                ("n", "6"),
                ("seed", "7"),
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
            &[("batch", "1"), ("mode", "email")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // The page, linked from the fieldwork tabs, shows the default templates and a preview.
    let page = app
        .get(&format!("{base}/email?preview=invite&lang=en"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Mời qua thư điện tử");
    page.assert_contains("Kính gửi ông/bà");
    page.assert_contains("Invitation to take part in a survey:");
    page.assert_contains("/t/VI-DU-MA-RIENG");
    app.get(&format!("{base}/cases"))
        .await
        .assert_contains(&format!("{base}/email"));

    // Template mistakes are named, and nothing is saved.
    let mut fields: Vec<(String, String)> = vec![
        ("reminder_days".into(), "3".into()),
        ("last_reminder_days".into(), "7".into()),
        ("pace".into(), "120".into()),
        ("base_url".into(), app.base.clone()),
    ];
    for kind in ["invite", "reminder", "last"] {
        for lang in ["vi", "en"] {
            let subject = match (kind, lang) {
                ("invite", "vi") => "Thư mời: {survey}",
                ("invite", "en") => "Invitation: {survey}",
                ("reminder", "vi") => "Nhắc lại: {survey}",
                ("reminder", "en") => "Reminder: {survey}",
                (_, "vi") => "Nhắc lần cuối: {survey}",
                _ => "Last reminder: {survey}",
            };
            fields.push((format!("{kind}_{lang}_subject"), subject.into()));
            fields.push((
                format!("{kind}_{lang}_text"),
                format!("{subject}\nLink: {{link}}\nOpt out: {{unsubscribe}}\n"),
            ));
            // The Vietnamese invitation also in HTML, with what must never reach a respondent.
            let html = if (kind, lang) == ("invite", "vi") {
                "<p onclick=\"steal()\">Kính mời ông/bà <a href=\"{link}\">trả lời phiếu {survey}</a>.</p>\
                 <script>steal()</script><a href=\"javascript:steal()\">x</a>"
            } else {
                ""
            };
            fields.push((format!("{kind}_{lang}_html"), html.into()));
        }
    }
    let post = |fields: Vec<(String, String)>| {
        let app = &app;
        let base = &base;
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post(&format!("{base}/email"), &refs).await
        }
    };
    let mut bad = fields.clone();
    bad[5].1 = "Xin chào {ho_ten}, {link}".into();
    bad[8].1 = "Không có đường dẫn".into();
    let page = post(bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Chưa lưu gì");
    page.assert_contains("Thư mời (tiếng Việt), Nội dung (văn bản): chỗ trống {ho_ten} không có");
    page.assert_contains("Thư mời (tiếng Anh), Nội dung (văn bản): thiếu chỗ trống {link}");
    let saved = "SELECT COUNT(*) FROM survey_email_templates WHERE survey_id = $1";
    assert_eq!(scalar(&app, saved, survey).await, 0);
    let page = post(fields.clone()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, saved, survey).await, 6);

    // Paused: nothing is queued.
    let now = Utc::now();
    let s = send_invitations(&app.db, now).await.unwrap();
    assert_eq!(s.invited, 0);
    let page = app
        .post(&format!("{base}/email/sending"), &[("sending", "on")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Invitations: one per case, in its language; a second run sends nothing more.
    let s = send_invitations(&app.db, now).await.unwrap();
    assert_eq!(s.invited, 6);
    assert_eq!(send_invitations(&app.db, now).await.unwrap().invited, 0);
    let mut seen = vec![];
    let mails = deliver(&app, &smtp, &mut seen).await;
    assert_eq!(mails.len(), 5, "{mails:?}");
    let by = |to: &str| {
        mails
            .iter()
            .find(|m| m.0.contains(to))
            .unwrap_or_else(|| panic!("no mail to {to}: {mails:?}"))
            .clone()
    };
    let title = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT title FROM surveys WHERE id = $1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(by("mot@").1, format!("Thư mời: {title}"));
    assert_eq!(by("two@").1, format!("Invitation: {title}"));
    // No language in the frame: Vietnamese.
    assert_eq!(by("bon@").1, format!("Thư mời: {title}"));
    assert!(by("mot@").2.contains(&format!("{}/t/", app.base)));
    // The Vietnamese invitation carries its HTML part beside the text, cleaned; the English one
    // is text only.
    let parts = smtp.received_parts();
    let html = |to: &str| parts.iter().find(|m| m.0.contains(to)).unwrap().3.clone();
    let mot = html("mot@");
    assert!(
        mot.contains(&format!("<a href=\"{}/t/", app.base)) && mot.contains(&title),
        "{mot}"
    );
    assert!(
        !mot.contains("script") && !mot.contains("onclick") && !mot.contains("javascript"),
        "{mot}"
    );
    assert_eq!(html("two@"), "");

    // The refused address becomes a bounced case at the next run.
    let s = send_invitations(&app.db, now).await.unwrap();
    assert_eq!(s.bounced, 1);
    assert_eq!(disposition(&app, "bounce@example.vn").await, "3.30");
    assert_eq!(send_invitations(&app.db, now).await.unwrap().bounced, 0);

    // Two answers through the link: complete (1.1) and started (1.2).
    let r = app.other_client();
    let two = link(&by("two@").2, "/t/");
    complete(&r, &two).await;
    assert_eq!(disposition(&app, "two@example.vn").await, "1.1");
    let r5 = app.other_client();
    let five = link(&by("nam@").2, "/t/");
    r5.post(
        &five,
        &[
            ("page", "about"),
            ("nav", "next"),
            ("a.age", "30"),
            ("a.gender", "1"),
        ],
    )
    .await;
    assert_eq!(disposition(&app, "nam@example.vn").await, "1.2");

    // An opt-out: a confirmation page, then a refusal and no more mail.
    let u = link(&by("bon@").2, "/u/");
    let page = r.get(&u).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Không nhận thêm thư về khảo sát này?");
    assert_eq!(disposition(&app, "bon@example.vn").await, "3.19");
    let page = r.post(&u, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("sẽ không nhận thêm thư nào");
    assert_eq!(disposition(&app, "bon@example.vn").await, "2.11");
    assert_eq!(
        r.get("/u/khong-phai-ma").await.status,
        StatusCode::NOT_FOUND
    );

    // The reminder after 3 days only to the two who have not answered, then nothing more.
    let later = now + chrono::Duration::days(2);
    assert_eq!(send_invitations(&app.db, later).await.unwrap().reminded, 0);
    let later = now + chrono::Duration::days(4);
    assert_eq!(send_invitations(&app.db, later).await.unwrap().reminded, 2);
    assert_eq!(send_invitations(&app.db, later).await.unwrap().reminded, 0);
    let mails = deliver(&app, &smtp, &mut seen).await;
    let mut to: Vec<String> = mails.iter().map(|m| m.0.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["mot@example.vn", "six@example.vn"], "{mails:?}");
    let six = mails.iter().find(|m| m.0.contains("six@")).unwrap();
    assert_eq!(six.1, format!("Reminder: {title}"));
    // The reminder's own link opens the same case.
    let r6 = app.other_client();
    r6.get(&link(&six.2, "/t/"))
        .await
        .assert_contains("Ông/bà bao nhiêu tuổi?");

    // The last reminder after 7 days, to the same two; then nothing more, ever.
    let last = now + chrono::Duration::days(8);
    assert_eq!(send_invitations(&app.db, last).await.unwrap().reminded, 2);
    let last = now + chrono::Duration::days(30);
    assert_eq!(
        send_invitations(&app.db, last).await.unwrap(),
        Default::default()
    );
    let mails = deliver(&app, &smtp, &mut seen).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails
            .iter()
            .all(|m| m.1.starts_with("Nhắc lần cuối") || m.1.starts_with("Last reminder"))
    );

    // Exactly one mail per case and kind in the outbox.
    let keys: Vec<String> = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT idempotency_key FROM mail_outbox WHERE idempotency_key LIKE 'survey-mail:%'"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(keys.len(), 6 + 2 + 2);
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());

    // The counts on the page.
    let page = app.get(&format!("{base}/email")).await;
    let count = |label: &str| {
        let i = page
            .body
            .find(&format!("<th scope=\"row\">{label}</th>"))
            .unwrap();
        let rest = &page.body[i..];
        let j = rest.find("<td class=\"num\">").unwrap() + 16;
        rest[j..rest[j..].find('<').unwrap() + j].to_string()
    };
    assert_eq!(count("Đã mời"), "6");
    assert_eq!(count("Đã nhắc"), "2");
    assert_eq!(count("Từ chối nhận thư"), "1");
    assert_eq!(count("Thư bị trả lại"), "1");
    assert_eq!(count("Đã trả lời xong"), "1");
}
