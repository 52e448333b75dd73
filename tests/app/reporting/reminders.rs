//! Reminders by e-mail through a real SMTP server on loopback (Debian `python3-aiosmtpd`), the
//! administrator's mail page, retries shown when delivery fails, and idempotency across runs.
//! Without aiosmtpd the tests are skipped with a message, unless `DULUAN_TEST_SMTP` is set (CI).

use std::time::Duration;

use chrono::{Datelike, Utc};
use reqwest::StatusCode;

use crate::helpers::spawn_demo;
use crate::smtp::{SmtpServer, configure_mail};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_late_unit_is_reminded_through_a_real_smtp_server_once() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let app = spawn_demo().await;
    configure_mail(&app, smtp.port).await;
    app.login_demo("analyst").await;
    // Addresses: all or nothing, errors name the line.
    let bad = app
        .post(
            "/reporting/contacts",
            &[(
                "contacts",
                "31135,ubnd.ninhkieu@cantho.test\n99999,x@cantho.test\n31120,khong-phai-email",
            )],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Dòng 2: không có đơn vị mã 99999.");
    bad.assert_contains("Dòng 3: địa chỉ email không hợp lệ: khong-phai-email.");
    assert!(
        app.get("/reporting/contacts")
            .await
            .body
            .contains("</textarea>")
    );
    assert!(
        !app.get("/reporting/contacts")
            .await
            .body
            .contains("ubnd.ninhkieu")
    );
    let ok = app
        .post(
            "/reporting/contacts",
            &[(
                "contacts",
                "31135,ubnd.ninhkieu@cantho.test\n92,trungtam@cantho.test",
            )],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    // Two days before this month's due date (the 15th of next month, Vietnamese time).
    let today = Utc::now().date_naive();
    let next = if today.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(today.year() + 1, 1, 13).unwrap()
    } else {
        chrono::NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 13).unwrap()
    };
    let now = next.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let first = duluan::reporting::jobs::run_reminders(&app.db, now, 3)
        .await
        .unwrap();
    assert!(first.emails >= 1, "{first:?}");
    // 103 units assigned, 6 sent this month: 97 notified in the app (at least).
    assert!(first.notifications >= 97, "{first:?}");
    // Run again (a restart, a second node): nothing new.
    let again = duluan::reporting::jobs::run_reminders(&app.db, now, 3)
        .await
        .unwrap();
    assert_eq!(again, Default::default());
    let sent = duluan::mail::send_due(&app.db).await.unwrap();
    assert_eq!(sent.failed, 0);
    assert_eq!(sent.sent, first.emails);
    let mails = smtp.received();
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let reminder: Vec<_> = mails
        .iter()
        .filter(|(to, subject, _)| {
            to.contains("ubnd.ninhkieu@cantho.test")
                && subject == &format!("Nhắc nộp Báo cáo tình hình dư luận xã hội tháng kỳ {month}")
        })
        .collect();
    assert_eq!(reminder.len(), 1, "{mails:?}");
    assert!(
        reminder[0].2.contains("Kính gửi Phường Ninh Kiều"),
        "{}",
        reminder[0].2
    );
    assert!(reminder[0].2.contains("Hạn nộp: 15/"), "{}", reminder[0].2);
    // Nothing is sent twice.
    assert_eq!(duluan::mail::send_due(&app.db).await.unwrap().sent, 0);
    assert_eq!(smtp.received().len(), mails.len());
    // The ward's reporter sees the reminder in the app.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let home = reporter.get("/reporting").await;
    home.assert_contains("Nhắc nộp Báo cáo tình hình dư luận xã hội tháng");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_shown_to_the_administrator() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let app = spawn_demo().await;
    // A port where nothing listens.
    configure_mail(&app, free_port()).await;
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let bad = admin
        .post("/admin/mail/test", &[("to", "khong hop le")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Địa chỉ người nhận không hợp lệ.");
    let queued = admin
        .post("/admin/mail/test", &[("to", "kiemtra@cantho.test")])
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    let pass = duluan::mail::send_due(&app.db).await.unwrap();
    assert_eq!(pass.failed, 1);
    let page = admin.get("/admin/mail").await;
    page.assert_contains("Đang chờ: 1");
    page.assert_contains("kiemtra@cantho.test");
    page.assert_contains("SMTP:");
    // Not retried before its backoff time.
    assert_eq!(
        duluan::mail::send_due(&app.db).await.unwrap(),
        Default::default()
    );
    // The administrator fixes the port and retries: the background sender delivers it.
    configure_mail(&app, smtp.port).await;
    let id = duluan::mail::store::list_by_key_prefix(&app.db, "mail.test:")
        .await
        .unwrap()[0]
        .id;
    let retried = admin.post(&format!("/admin/mail/{id}/retry"), &[]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let dir = tempfile::tempdir().unwrap();
    let config = duluan::config::Config::for_database(dir.path().to_path_buf(), None);
    duluan::mail::spawn_workers(duluan::app::AppState::new(app.db.clone(), config));
    let mut got = vec![];
    for _ in 0..150 {
        got = smtp.received();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "Thư thử từ duluan");
    // Only the administrator at the top sees the mail page.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter.get("/admin/mail").await.status,
        StatusCode::FORBIDDEN
    );
    let page = admin.get("/admin/mail").await;
    page.assert_contains("đã gửi: 1");
    assert!(!page.body.contains("value=\"secret"));
}

#[tokio::test]
async fn reminders_and_the_summary_are_in_each_readers_language() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let app = spawn_demo().await;
    configure_mail(&app, smtp.port).await;
    app.login_demo("analyst").await;
    let bad = app
        .post(
            "/reporting/contacts",
            &[("contacts", "31135,ubnd.ninhkieu@cantho.test,fr")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Dòng 1: ngôn ngữ “fr” không được hỗ trợ (vi hoặc en).");
    // Ninh Kiều in Vietnamese (the default), another ward that has not sent and the centre in English.
    let today = Utc::now().date_naive();
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let sent = duluan::reporting::store::list_sent_units(&app.db, 1, &month)
        .await
        .unwrap();
    let ninh_kieu = app.unit_id("31135").await;
    let other = duluan::reporting::store::list_type_units(&app.db, 1)
        .await
        .unwrap()
        .into_iter()
        .find(|u| *u != ninh_kieu && !sent.contains(u))
        .unwrap();
    let code = duluan::orgs::store::find_unit(&app.db, other)
        .await
        .unwrap()
        .unwrap()
        .code
        .unwrap();
    let ok = app
        .post(
            "/reporting/contacts",
            &[(
                "contacts",
                &format!(
                    "31135,ubnd.ninhkieu@cantho.test\n{code},ubnd.caikhe@cantho.test,en\n92,trungtam@cantho.test,EN"
                ),
            )],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    app.get("/reporting/contacts")
        .await
        .assert_contains(&format!("{code},ubnd.caikhe@cantho.test,en"));
    // Two days after this month's due date: late reminders and the centre's summary.
    let next = if today.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(today.year() + 1, 1, 17).unwrap()
    } else {
        chrono::NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 17).unwrap()
    };
    let now = next.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let run = duluan::reporting::jobs::run_reminders(&app.db, now, 3)
        .await
        .unwrap();
    // Three for the monthly report (more if the demo's ad-hoc request is also just past due).
    assert!(run.emails >= 3, "{run:?}");
    let sent = duluan::mail::send_due(&app.db).await.unwrap();
    assert_eq!((sent.sent, sent.failed), (run.emails, 0));
    let mails = smtp.received();
    let subject_to = |who: &str| {
        mails
            .iter()
            .find(|m| m.0.contains(who) && m.1.contains(&month))
            .unwrap_or_else(|| panic!("{who} in {mails:?}"))
            .clone()
    };
    let vi = subject_to("ubnd.ninhkieu");
    assert_eq!(
        vi.1,
        format!("Quá hạn: Báo cáo tình hình dư luận xã hội tháng kỳ {month}")
    );
    let en = subject_to("ubnd.caikhe");
    assert_eq!(
        en.1,
        format!("Overdue: Báo cáo tình hình dư luận xã hội tháng, period {month}")
    );
    let summary = subject_to("trungtam@");
    assert!(
        summary.1.starts_with("After the deadline: "),
        "{}",
        summary.1
    );
    assert!(summary.2.contains("Phường Ninh Kiều"), "{}", summary.2);
    // In the app, each reader sees the notification in their own language.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    reporter
        .get("/reporting")
        .await
        .assert_contains("Quá hạn: Báo cáo tình hình dư luận xã hội tháng");
    let switched = reporter
        .post("/lang", &[("lang", "en"), ("back", "/reporting")])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    reporter
        .get("/reporting")
        .await
        .assert_contains("Overdue: Báo cáo tình hình dư luận xã hội tháng, period");
    let page = app.get("/reporting").await;
    page.assert_contains("Tổng hợp sau hạn: Báo cáo tình hình dư luận xã hội tháng");
}
