//! The e-mail fieldwork benchmark: a frame of 100,000 households with addresses imported, drawn
//! whole and released by e-mail through the real server; the invitations queued by the job, which
//! is cut off mid-way (its task aborted, as a crash would: the transaction in flight is rolled
//! back) and run again, then every case checked to hold exactly one invitation, one token and
//! one event; finally a share of the outbox delivered to a local SMTP sink (aiosmtpd) to time
//! delivery. The reference is the pace the administrator sets (mails per minute): the job must
//! queue far faster than any pace, and delivery bounds what a pace may ask.
//! Results: `docs/benchmarks/fieldwork.md`.

use std::time::Instant;

use chrono::Utc;
use duluan::surveys::fieldwork::email::send_invitations;
use duluan::with_db;
use reqwest::StatusCode;

use super::env_usize;
use crate::helpers::{TestApp, spawn_demo};
use crate::smtp::{SmtpServer as Smtp, configure_mail};
use crate::surveys::demo_survey_id;

pub(super) async fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// A frame of `n` households with addresses (one in five in English) imported through `fw`
/// (`/surveys/{id}/fieldwork`), drawn whole and released by e-mail; the seconds it took.
pub(super) async fn email_frame_released(app: &TestApp, fw: &str, n: usize) -> f64 {
    let mut csv = String::from("id,stratum,email,lang\n");
    for i in 0..n {
        let lang = if i % 5 == 0 { "en" } else { "vi" };
        csv.push_str(&format!("h{i},A,ho{i}@example.vn,{lang}\n"));
    }
    let t = Instant::now();
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("khung.csv");
    let form = reqwest::multipart::Form::new()
        .text("name", "Khung thư điện tử")
        .part("file", part);
    let page = TestApp::read(
        app.client
            .post(format!("{}{fw}/frames", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frame = count(app, "SELECT MAX(id) FROM survey_frames")
        .await
        .to_string();
    let nn = n.to_string();
    let page = app
        .post(
            &format!("{fw}/samples"),
            &[
                ("frame", &frame),
                ("method", "srs"),
                ("n", &nn),
                ("seed", "1"),
                ("replicates", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sample = count(app, "SELECT MAX(id) FROM survey_samples").await;
    let page = app
        .post(
            &format!("{fw}/samples/{sample}/release"),
            &[("batch", "1"), ("mode", "email")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    t.elapsed().as_secs_f64()
}

#[tokio::test]
#[ignore = "benchmark: run on demand"]
async fn invitations_queued_restarted_and_delivered() {
    let n = env_usize("DULUAN_BENCH_EMAIL_CASES", 100_000);
    let deliver = env_usize("DULUAN_BENCH_EMAIL_DELIVER", 2_000);
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let survey = demo_survey_id(&app).await;
    let base = format!("/surveys/{survey}/fieldwork");

    let setup = email_frame_released(&app, &base, n).await;
    let page = app
        .post(&format!("{base}/email/sending"), &[("sending", "on")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A pace above the whole frame, so that one run may queue everything.
    with_db!(&app.db, |pool| sqlx::query(
        "UPDATE survey_email_settings SET pace = $1"
    )
    .bind(n as i64 * 2)
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());

    // The job, cut off once a third is queued, then run again to the end.
    let t = Instant::now();
    let db = app.db.clone();
    let now = Utc::now();
    let job = tokio::spawn(async move { send_invitations(&db, now).await });
    let outbox = "SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE 'survey-mail:%'";
    while count(&app, outbox).await < n as i64 / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    job.abort();
    let _ = job.await;
    let cut = count(&app, outbox).await;
    let second = send_invitations(&app.db, now + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let queue_secs = t.elapsed().as_secs_f64();
    assert_eq!(cut + second.invited as i64, n as i64);
    assert_eq!(count(&app, outbox).await, n as i64);
    let invited = &format!(
        "SELECT COUNT(DISTINCT case_id) FROM survey_case_events WHERE kind = 'invited' AND case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})"
    );
    assert_eq!(count(&app, invited).await, n as i64);
    let events = &format!(
        "SELECT COUNT(*) FROM survey_case_events WHERE kind = 'invited' AND case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})"
    );
    assert_eq!(count(&app, events).await, n as i64);
    let tokens = &format!(
        "SELECT COUNT(*) FROM survey_case_tokens WHERE case_id IN (SELECT id FROM survey_cases WHERE survey_id = {survey})"
    );
    assert_eq!(count(&app, tokens).await, n as i64);
    assert_eq!(
        send_invitations(&app.db, now + chrono::Duration::minutes(2))
            .await
            .unwrap()
            .invited,
        0
    );

    // Delivery of a share of the outbox to the SMTP sink.
    let mut delivered = 0;
    let mut deliver_secs = f64::NAN;
    if let Some(smtp) = Smtp::start().await {
        configure_mail(&app, smtp.port).await;
        let t = Instant::now();
        while delivered < deliver {
            let s = duluan::mail::send_due(&app.db).await.unwrap();
            assert_eq!(s.failed, 0);
            delivered += s.sent;
        }
        deliver_secs = t.elapsed().as_secs_f64();
        assert!(smtp.received().len() >= deliver.min(50).min(delivered));
    }
    println!(
        "fieldwork e-mail on {}: {n} cases imported, drawn and released in {setup:.1} s; \
         {n} invitations queued in {queue_secs:.1} s ({:.0}/s, {:.0}/min) with a cut after {cut}, \
         exactly one each; {delivered} delivered in {deliver_secs:.1} s ({:.0}/min)",
        if app.db.backend() == "postgres" {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        n as f64 / queue_secs,
        n as f64 / queue_secs * 60.0,
        delivered as f64 / deliver_secs * 60.0,
    );
}
