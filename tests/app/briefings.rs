//! Orientation information (issue 18): the centre sends a message about the flooding hot spot to
//! its network; a collaborator reads it on a phone (a real browser at 390×844), a reporter on
//! the web and by e-mail (a real SMTP server); the centre sees who has read it, by unit, and who
//! has not; the hot spot's page shows it with its receipts. Then the refusals and who may open
//! what.

use fantoccini::Locator;
use reqwest::StatusCode;

use crate::browser::{browser, log_in, screenshot};
use crate::helpers::{TestApp, spawn_demo};

/// The id in a `/briefings/orientation/{id}…` location.
fn message_id(location: &str) -> i64 {
    location
        .trim_start_matches("/briefings/orientation/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no message id in {location:?}"))
}

/// The demo's hot spot id.
async fn demo_hotspot(app: &TestApp) -> i64 {
    duluan::hotspots::demo_hotspot(&app.db)
        .await
        .unwrap()
        .expect("the demo has a hot spot")
}

#[tokio::test]
async fn an_orientation_message_reaches_the_network_and_its_receipts_come_back() {
    let smtp = crate::smtp::SmtpServer::start().await;
    let app = spawn_demo().await;
    if let Some(s) = &smtp {
        crate::smtp::configure_mail(&app, s.port).await;
    }
    let city = app.unit_id("92").await;
    let hotspot = demo_hotspot(&app).await;
    // The reporter gives an address to hear by e-mail too.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let saved = reporter
        .post("/account/email", &[("email", "baocao.ninhkieu@example.vn")])
        .await;
    assert!(saved.status.is_redirection() || saved.status.is_success());

    app.login_demo("analyst").await;
    // From the hot spot's page.
    let page = app.get(&format!("/hotspots/{hotspot}")).await;
    page.assert_contains(&format!("/briefings/orientation?hotspot={hotspot}"));
    let form = app
        .get(&format!("/briefings/orientation?hotspot={hotspot}"))
        .await;
    form.assert_contains(&format!("<option value=\"{hotspot}\" selected>"));
    let sent = app
        .post(
            "/briefings/orientation",
            &[
                ("unit", &city.to_string()),
                ("audience", "network"),
                ("title", "Định hướng về việc bơm tiêu úng"),
                (
                    "body",
                    "Thành phố bơm tiêu úng tại các điểm ngập sâu từ hôm nay.",
                ),
                ("key_facts", "12 tổ bơm hoạt động\n\nĐường dây nóng 24/24"),
                ("talking_points", "Không chia sẻ tin chưa kiểm chứng."),
                ("hotspot", &hotspot.to_string()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id = message_id(sent.location());
    let page = app.get(sent.location()).await;
    page.assert_contains("Đã gửi thông tin định hướng.");
    // The collaborator and the reporter of Ninh Kiều: nobody has read it.
    page.assert_contains("0/2 người đã đọc");
    page.assert_contains("Cộng tác viên phường Ninh Kiều");
    page.assert_contains("Người báo cáo phường Ninh Kiều");
    page.assert_contains("<li>12 tổ bơm hoạt động</li>");

    // The reporter hears by e-mail and reads it on the web.
    if let Some(s) = &smtp {
        duluan::mail::send_due(&app.db).await.unwrap();
        let mails: Vec<_> = s
            .received()
            .into_iter()
            .filter(|(to, _, _)| to.contains("baocao.ninhkieu@example.vn"))
            .collect();
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert!(mails[0].1.contains("Định hướng về việc bơm tiêu úng"));
        assert!(
            mails[0]
                .2
                .contains(&format!("{}/briefings/orientation/{id}", app.base))
        );
    }
    let home = reporter.get("/briefings").await;
    home.assert_contains("id=\"unread\"");
    home.assert_contains(&format!("href=\"/briefings/orientation/{id}\""));
    let read = reporter.get(&format!("/briefings/orientation/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    read.assert_contains("Không chia sẻ tin chưa kiểm chứng.");
    // A recipient does not see the receipts.
    assert!(!read.body.contains("id=\"receipts\""));
    let page = app.get(&format!("/briefings/orientation/{id}")).await;
    page.assert_contains("1/2 người đã đọc");

    // The collaborator reads it on a phone.
    if let Some(b) = browser().await {
        let c = &b.client;
        log_in(c, &app.base, "ctv").await;
        c.goto(&format!("{}/briefings", app.base)).await.unwrap();
        c.wait().for_element(Locator::Css("#unread")).await.unwrap();
        screenshot(c, "orientation-list-phone").await;
        c.find(Locator::LinkText("Định hướng về việc bơm tiêu úng"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Css("#points")).await.unwrap();
        let fits = c
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(fits, serde_json::json!(true));
        screenshot(c, "orientation-message-phone").await;
        let page = app.get(&format!("/briefings/orientation/{id}")).await;
        page.assert_contains("2/2 người đã đọc");
        assert!(!page.body.contains("id=\"unread-people\""));
    } else {
        let ctv = app.other_client();
        ctv.login_demo("ctv").await;
        assert_eq!(
            ctv.get(&format!("/briefings/orientation/{id}"))
                .await
                .status,
            StatusCode::OK
        );
        app.get(&format!("/briefings/orientation/{id}"))
            .await
            .assert_contains("2/2 người đã đọc");
    }
    // Reading again changes nothing.
    reporter.get(&format!("/briefings/orientation/{id}")).await;
    app.get(&format!("/briefings/orientation/{id}"))
        .await
        .assert_contains("2/2 người đã đọc");
    // The hot spot's page shows the message with its receipts; the centre's list too.
    let page = app.get(&format!("/hotspots/{hotspot}")).await;
    page.assert_contains("Định hướng về việc bơm tiêu úng");
    page.assert_contains("2/2 người đã đọc");
    app.get("/briefings")
        .await
        .assert_contains("2/2 người đã đọc");
}

#[tokio::test]
async fn sending_refuses_what_it_must_and_only_recipients_and_senders_open_a_message() {
    let app = spawn_demo().await;
    let city = app.unit_id("92").await;
    app.login_demo("analyst").await;
    // Empty fields: the form again with what was typed, nothing sent.
    let page = app
        .post(
            "/briefings/orientation",
            &[
                ("unit", &city.to_string()),
                ("audience", "collaborators"),
                ("title", ""),
                ("body", ""),
                ("key_facts", "Giữ nguyên dòng này"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("Tiêu đề không được để trống.");
    page.assert_contains("Nội dung không được để trống.");
    page.assert_contains("Giữ nguyên dòng này");
    let page = app
        .post(
            "/briefings/orientation",
            &[
                ("unit", &city.to_string()),
                ("audience", "everyone"),
                ("title", "Tiêu đề"),
                ("body", "Nội dung"),
                ("hotspot", "999999"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("Hãy chọn đối tượng nhận.");
    page.assert_contains("Không tìm thấy điểm nóng này");
    // A unit with nobody of the audience.
    let cai_khe = app.unit_id("31120").await;
    let page = app
        .post(
            "/briefings/orientation",
            &[
                ("unit", &cai_khe.to_string()),
                ("audience", "collaborators"),
                ("title", "Tiêu đề"),
                ("body", "Nội dung"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("chưa có ai thuộc đối tượng này");
    // The demo's message only (nothing above was sent).
    let home = app.get("/briefings").await;
    assert_eq!(
        home.body.matches("href=\"/briefings/orientation/").count(),
        1
    );
    // An audit entry refused leaves nothing sent.
    app.refuse_audit_of("orientation.send").await;
    let page = app
        .post(
            "/briefings/orientation",
            &[
                ("unit", &city.to_string()),
                ("audience", "collaborators"),
                ("title", "Không được lưu"),
                ("body", "Nội dung"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert!(!ctv.get("/briefings").await.body.contains("Không được lưu"));

    // Who opens the demo's message: its recipients (the collaborator) and the city's senders.
    let id: i64 = ctv
        .get("/briefings")
        .await
        .body
        .split("href=\"/briefings/orientation/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the collaborator received the demo's message");
    for (role, expected, sends) in [
        ("admin", StatusCode::NOT_FOUND, false),
        ("analyst", StatusCode::OK, true),
        ("designer", StatusCode::NOT_FOUND, false),
        ("interviewer", StatusCode::NOT_FOUND, false),
        ("verifier", StatusCode::NOT_FOUND, false),
        ("viewer", StatusCode::NOT_FOUND, false),
        ("reporter", StatusCode::NOT_FOUND, false),
        ("ctv", StatusCode::OK, false),
    ] {
        let client = app.other_client();
        client.login_demo(role).await;
        assert_eq!(
            client
                .get(&format!("/briefings/orientation/{id}"))
                .await
                .status,
            expected,
            "{role}"
        );
        assert_eq!(
            client.get("/briefings").await.status,
            StatusCode::OK,
            "{role}"
        );
        let form = client.get("/briefings/orientation").await.status;
        assert_eq!(
            form,
            if sends {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{role}"
        );
        let post = client
            .post(
                "/briefings/orientation",
                &[
                    ("unit", &city.to_string()),
                    ("audience", "collaborators"),
                    ("title", "x"),
                    ("body", "y"),
                ],
            )
            .await
            .status;
        if !sends {
            assert_eq!(post, StatusCode::FORBIDDEN, "{role}");
        }
    }
}

/// The id in a `/briefings/sessions/{id}…` location.
fn session_id(location: &str) -> i64 {
    location
        .trim_start_matches("/briefings/sessions/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no session id in {location:?}"))
}

#[tokio::test]
async fn a_ward_briefing_is_answered_held_and_its_opinions_become_streams() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    // In a few minutes, Vietnam time, every month (held today, once it has begun: the test waits
    // past Vietnam's midnight when it runs just before it, so that the day stays the same).
    let vn_now = || chrono::Utc::now() + chrono::Duration::hours(7);
    if vn_now().format("%H%M").to_string().as_str() >= "2350" {
        tokio::time::sleep(std::time::Duration::from_secs(11 * 60)).await;
    }
    let soon = (vn_now() + chrono::Duration::minutes(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let bad = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban tháng"),
                ("starts", &soon),
                ("place", ""),
                ("link", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Đường dẫn phải bắt đầu bằng https://");
    bad.assert_contains("value=\"Giao ban tháng\"");
    let made = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban cộng tác viên tháng 12"),
                ("starts", &soon),
                ("place", "Hội trường UBND phường Ninh Kiều"),
                ("link", ""),
                ("agenda", "1. Tình hình ngập úng\n2. Ý kiến về giá điện"),
                ("monthly", "1"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = session_id(made.location());
    let page = reporter.get(made.location()).await;
    page.assert_contains("Đã lên lịch và gửi thư mời.");
    // The ward's collaborator (an account) and its reporter are invited.
    page.assert_contains("0 tham dự · 0 xin vắng · 2 chưa trả lời");

    // The collaborator replies.
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    let list = ctv.get("/briefings/sessions").await;
    list.assert_contains(&format!("href=\"/briefings/sessions/{id}\""));
    list.assert_contains("Chưa trả lời");
    let replied = ctv
        .post(
            &format!("/briefings/sessions/{id}/reply"),
            &[("reply", "attend")],
        )
        .await;
    assert_eq!(
        replied.location(),
        format!("/briefings/sessions/{id}?ok=replied")
    );
    ctv.get(&format!("/briefings/sessions/{id}"))
        .await
        .assert_contains("id=\"reply-now\">Tham dự");
    // An invitee does not keep the attendance.
    let refused = ctv
        .post(
            &format!("/briefings/sessions/{id}/held"),
            &[("minutes", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    reporter
        .get(&format!("/briefings/sessions/{id}"))
        .await
        .assert_contains("1 tham dự · 0 xin vắng · 1 chưa trả lời");

    // Held: two collaborators ticked by their codes, minutes.
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    let codes: Vec<String> = page
        .body
        .split("name=\"attendee\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert!(codes.len() >= 2, "{codes:?}");
    let unknown = reporter
        .post(
            &format!("/briefings/sessions/{id}/held"),
            &[("attendee", &codes[0]), ("attendees", "CTV-KHONGCO")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    unknown.assert_contains("CTV-KHONGCO");
    let held = reporter
        .post(
            &format!("/briefings/sessions/{id}/held"),
            &[
                ("attendee", &codes[0]),
                ("attendee", &codes[1]),
                ("attendees", ""),
                ("minutes", "Hội nghị nghe báo cáo tình hình ngập úng."),
            ],
        )
        .await;
    assert_eq!(
        held.location(),
        format!("/briefings/sessions/{id}?ok=held"),
        "{}",
        held.body
    );
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    page.assert_contains("2 cộng tác viên có mặt.");
    page.assert_contains("Hội nghị nghe báo cáo tình hình ngập úng.");
    // Held again: a correction of who attended, audited as such.
    let fixed = reporter
        .post(
            &format!("/briefings/sessions/{id}/held"),
            &[("attendee", &codes[0]), ("minutes", "x")],
        )
        .await;
    assert_eq!(
        fixed.location(),
        format!("/briefings/sessions/{id}?ok=attendance")
    );
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    page.assert_contains("1 cộng tác viên có mặt.");
    // The minutes have their own form: a correction leaves them.
    page.assert_contains("Hội nghị nghe báo cáo tình hình ngập úng.");

    // Two opinions raised become the ward's streams of the month; personal data is caught.
    let environment = duluan::reporting::topics(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key == "environment")
        .unwrap()
        .id
        .to_string();
    let prices = duluan::reporting::topics(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key == "economy_prices")
        .unwrap()
        .id
        .to_string();
    let pii = reporter
        .post(
            &format!("/briefings/sessions/{id}/streams"),
            &[
                ("topic", &environment),
                (
                    "summary",
                    "Ông Nguyễn Văn An, số 0912345678, phản ánh cống bị tắc.",
                ),
                ("direction", "worried"),
            ],
        )
        .await;
    assert_eq!(pii.status, StatusCode::BAD_REQUEST, "{}", pii.body);
    pii.assert_contains("có thể chứa thông tin cá nhân");
    pii.assert_contains("name=\"confirm_pii\"");
    for (topic, summary, direction) in [
        (
            &environment,
            "Người dân lo ngại ngập úng kéo dài khi triều cường lên cao vào cuối tháng.",
            "worried",
        ),
        (
            &prices,
            "Nhiều hộ băn khoăn về giá điện sinh hoạt tăng trong mùa nắng nóng.",
            "uneasy",
        ),
    ] {
        let raised = reporter
            .post(
                &format!("/briefings/sessions/{id}/streams"),
                &[
                    ("topic", topic),
                    ("summary", summary),
                    ("direction", direction),
                ],
            )
            .await;
        assert_eq!(
            raised.location(),
            format!("/briefings/sessions/{id}?ok=stream"),
            "{}",
            raised.body
        );
    }
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    let raised = page.body.split("id=\"raised-streams\"").nth(1).unwrap();
    let raised = raised.split("</ul>").next().unwrap();
    let streams: Vec<i64> = raised
        .split("href=\"/reporting/streams/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(streams.len(), 2, "{raised}");
    for s in &streams {
        let stream = duluan::reporting::store::find_stream(&app.db, *s)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stream.unit_id, ward);
        let page = reporter.get(&format!("/reporting/streams/{s}")).await;
        assert_eq!(page.status, StatusCode::OK);
    }

    // The next month's session, once.
    let next = reporter
        .post(&format!("/briefings/sessions/{id}/next"), &[])
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER);
    let next_id = session_id(next.location());
    let page = reporter.get(next.location()).await;
    page.assert_contains("Giao ban cộng tác viên tháng 12");
    page.assert_contains("0 tham dự · 0 xin vắng · 2 chưa trả lời");
    assert_ne!(next_id, id);
    let twice = reporter
        .post(&format!("/briefings/sessions/{id}/next"), &[])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    // Cancelled, it takes no reply.
    let cancelled = reporter
        .post(&format!("/briefings/sessions/{next_id}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let late = ctv
        .post(
            &format!("/briefings/sessions/{next_id}/reply"),
            &[("reply", "excused")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);

    // Who reads it: the ward's keepers and the city's report readers; nobody else.
    for (role, expected) in [
        ("admin", StatusCode::OK),
        ("analyst", StatusCode::OK),
        ("viewer", StatusCode::OK),
        ("designer", StatusCode::NOT_FOUND),
        ("interviewer", StatusCode::NOT_FOUND),
        ("verifier", StatusCode::NOT_FOUND),
    ] {
        let client = app.other_client();
        client.login_demo(role).await;
        assert_eq!(
            client
                .get(&format!("/briefings/sessions/{id}"))
                .await
                .status,
            expected,
            "{role}"
        );
        let minutes = client
            .post(
                &format!("/briefings/sessions/{id}/minutes"),
                &[("minutes", "Sửa")],
            )
            .await
            .status;
        let allowed = matches!(role, "admin" | "analyst");
        assert_eq!(
            minutes,
            if allowed {
                StatusCode::SEE_OTHER
            } else if expected == StatusCode::OK {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            },
            "{role}"
        );
    }
    // A collaborator does not schedule.
    let refused = ctv
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban"),
                ("starts", &soon),
                ("place", "Nhà văn hóa"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_reporter_takes_a_briefings_attendance_on_a_phone() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let start = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let made = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban khu vực 1"),
                ("starts", &start),
                ("place", "Nhà văn hóa khu vực 1"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let path = made.location().split('?').next().unwrap().to_string();
    let c = &b.client;
    log_in(c, &app.base, "reporter").await;
    c.goto(&format!("{}{path}", app.base)).await.unwrap();
    let boxes = c
        .find_all(Locator::Css("input[name=attendee]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 3);
    for cb in &boxes[..2] {
        cb.click().await.unwrap();
    }
    c.find(Locator::Id("he-minutes"))
        .await
        .unwrap()
        .send_keys("Hai cộng tác viên dự, một người vắng.")
        .await
        .unwrap();
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true));
    screenshot(c, "briefing-attendance-phone").await;
    c.find(Locator::Id("record-held"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#held")).await.unwrap();
    let page = reporter.get(&path).await;
    page.assert_contains("2 cộng tác viên có mặt.");
    page.assert_contains("Hai cộng tác viên dự, một người vắng.");
}

/// Runs statements written the same for both backends (literal values only).
async fn run_sql(db: &duluan::db::Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        duluan::db::Db::Sqlite(pool) => {
            sqlx::raw_sql(sql).execute(pool).await.unwrap();
        }
        duluan::db::Db::Pg(pool) => {
            sqlx::raw_sql(sql).execute(pool).await.unwrap();
        }
    }
}

#[tokio::test]
async fn attendance_records_kept_before_sessions_become_held_sessions() {
    let app = crate::helpers::unmigrated_database().await;
    let db = &app.db;
    db.migrate_until(54).await.unwrap();
    // Two records of a ward kept the old way (one with two attendees) and one already held as a
    // session: the first two become sessions, the third is not doubled.
    run_sql(
        db,
        "INSERT INTO units (id, code, name, name_folded, kind, parent_id, created_at, updated_at)
            VALUES (900001, '99901', 'Phường Thử', 'phuong thu', 'ward', NULL,
                    '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');
         INSERT INTO collaborators (id, pseudonym, unit_id, status, created_at, updated_at)
            VALUES (900011, 'CTV-AAAA0001', 900001, 'active', '2026-01-01T00:00:00+00:00',
                    '2026-01-01T00:00:00+00:00'),
                   (900012, 'CTV-AAAA0002', 900001, 'active', '2026-01-01T00:00:00+00:00',
                    '2026-01-01T00:00:00+00:00');
         INSERT INTO collaborator_briefings (id, unit_id, held_on, period, topic, created_by,
                created_at)
            VALUES (900021, 900001, '2026-03-05', '2026-03', 'Giao ban tháng 3', NULL,
                    '2026-03-05T12:00:00+00:00'),
                   (900022, 900001, '2026-04-02', '2026-04', 'Giao ban tháng 4', NULL,
                    '2026-04-02T12:00:00+00:00'),
                   (900023, 900001, '2026-05-07', '2026-05', 'Giao ban tháng 5', NULL,
                    '2026-05-07T12:00:00+00:00');
         INSERT INTO collaborator_briefing_attendance (briefing_id, collaborator_id)
            VALUES (900021, 900011), (900021, 900012), (900022, 900011), (900023, 900012);
         INSERT INTO briefing_sessions (id, unit_id, title, starts_at, place, link, agenda,
                monthly, status, minutes, collaborator_briefing_id, previous_id, created_by,
                created_at, updated_at)
            VALUES (900031, 900001, 'Giao ban tháng 5', '2026-05-07T12:00:00+00:00', 'Hội trường',
                    '', '', FALSE, 'held', 'Biên bản', 900023, NULL, NULL,
                    '2026-05-01T00:00:00+00:00', '2026-05-07T12:00:00+00:00');",
    )
    .await;
    db.migrate().await.unwrap();
    use duluan::briefings::store::sessions;
    let march = sessions::find_by_record(db, 900021)
        .await
        .unwrap()
        .expect("the March record is a session");
    let april = sessions::find_by_record(db, 900022)
        .await
        .unwrap()
        .expect("the April record is a session");
    assert_eq!(
        sessions::find_by_record(db, 900023).await.unwrap(),
        Some(900031)
    );
    let s = sessions::find_session(db, march).await.unwrap().unwrap();
    assert_eq!(s.title, "Giao ban tháng 3");
    assert_eq!(s.unit_id, 900001);
    assert_eq!(s.status.key(), "held");
    assert!(!s.monthly);
    // Its day is kept (the hour, never recorded, is 08:00 in Vietnam).
    assert_eq!(
        duluan::kit::time::show(s.starts_at),
        duluan::kit::time::show(
            chrono::DateTime::parse_from_rfc3339("2026-03-05T08:00:00+07:00")
                .unwrap()
                .with_timezone(&chrono::Utc)
        )
    );
    let sessions_of_ward = sessions::list_sessions(db, &[900001]).await.unwrap();
    assert_eq!(sessions_of_ward.len(), 3);
    assert_eq!(
        sessions_of_ward.iter().map(|s| s.id).collect::<Vec<_>>()[1..],
        [april, march]
    );
    // Their attendance stays the collaborators' ledger, linked.
    assert_eq!(
        duluan::collaborators::briefings::attendee_pseudonyms(db, 900021)
            .await
            .unwrap(),
        ["CTV-AAAA0001", "CTV-AAAA0002"]
    );
}

#[tokio::test]
async fn a_collaborator_without_an_account_replies_by_their_link() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    reporter
        .post("/account/email", &[("email", "baocao.ninhkieu@example.vn")])
        .await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(7) + chrono::Duration::days(1))
        .format("%Y-%m-%dT19:30")
        .to_string();
    let made = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban về chợ tạm"),
                ("starts", &tomorrow),
                ("place", "Nhà văn hóa khu vực 3"),
                ("agenda", "Ý kiến về việc dời chợ tạm"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = session_id(made.location());
    // Nguyễn Thị Mai has no account but an e-mail address in her identity: she is invited by
    // e-mail, and the page names her by her code only.
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    page.assert_contains("id=\"guest-counts\">0 tham dự · 0 xin vắng · 1 chưa trả lời");
    assert!(!page.body.contains("Nguyễn Thị Mai"));
    assert!(!page.body.contains("mai.nguyen@example.org"));
    let mails = duluan::mail::store::list_by_key_prefix(&app.db, &format!("briefings.guest:{id}:"))
        .await
        .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].recipient, "mai.nguyen@example.org");
    // The link is absolute: the address the reporter's browser used.
    let prefix = format!("{}/briefings/reply/", app.base);
    let token = mails[0]
        .body
        .split(&prefix)
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("a reply link")
        .to_string();
    // Her account-holding neighbours' invitations link to the session page, absolute too.
    let staff =
        duluan::mail::store::list_by_key_prefix(&app.db, &format!("briefings.invitation:{id}:"))
            .await
            .unwrap();
    assert!(!staff.is_empty());
    assert!(
        staff[0]
            .body
            .contains(&format!("{}/briefings/sessions/{id}", app.base))
    );

    // Without logging in, the link shows the session and takes the reply.
    let guest = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: String| {
        let guest = guest.clone();
        async move { TestApp::read(guest.get(path).send().await.unwrap()).await }
    };
    let link = format!("{prefix}{token}");
    let shown = get(link.clone()).await;
    assert_eq!(shown.status, StatusCode::OK);
    shown.assert_contains("Giao ban về chợ tạm");
    shown.assert_contains("Nhà văn hóa khu vực 3");
    shown.assert_contains("id=\"guest-reply\">Chưa trả lời");
    // It shows nobody else.
    assert!(!shown.body.contains("Người báo cáo"));
    let post = |reply: &'static str| {
        let guest = guest.clone();
        let link = link.clone();
        async move {
            TestApp::read(
                guest
                    .post(link)
                    .form(&[("reply", reply)])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(post("pending").await.status, StatusCode::BAD_REQUEST);
    let replied = post("attend").await;
    assert_eq!(replied.status, StatusCode::OK, "{}", replied.body);
    replied.assert_contains("Đã ghi trả lời của bạn.");
    replied.assert_contains("id=\"guest-reply\">Tham dự");
    let page = reporter.get(&format!("/briefings/sessions/{id}")).await;
    page.assert_contains("id=\"guest-counts\">1 tham dự · 0 xin vắng · 0 chưa trả lời");
    // Her code is ticked in advance on the attendance form.
    let code = duluan::collaborators::contacts_within(&app.db, ward)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .pseudonym;
    page.assert_contains(&format!("value=\"{code}\" checked"));
    // On her phone she changes her mind: excused.
    if let Some(b) = browser().await {
        let c = &b.client;
        c.goto(&link).await.unwrap();
        c.find(Locator::Id("reply-excused"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("guest-flash"))
            .await
            .unwrap();
        let now = c
            .find(Locator::Id("guest-reply"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(now, "Xin vắng");
        screenshot(c, "briefings-guest-reply-phone").await;
        reporter
            .get(&format!("/briefings/sessions/{id}"))
            .await
            .assert_contains("id=\"guest-counts\">0 tham dự · 1 xin vắng · 0 chưa trả lời");
    }
    // Unknown or malformed links find nothing.
    assert_eq!(
        get(format!("{prefix}AAAAAAAAAAAAAAAAAAAAAA")).await.status,
        StatusCode::NOT_FOUND
    );
    let odd = get(format!("{prefix}..%2F..%2Fetc")).await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
    odd.assert_contains("Không tìm thấy thư mời");
    // Once cancelled, the link no longer takes a reply.
    let cancelled = reporter
        .post(&format!("/briefings/sessions/{id}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let late = post("excused").await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    late.assert_contains("không còn ở trạng thái đã lên lịch");
    // The reply is audited, without her name.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    admin.assert_audited("briefing.guest_reply").await;

    // A session already held, recorded after the fact, invites nobody; an old record's address
    // leads to its session.
    let before = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::days(3))
        .format("%Y-%m-%dT08:00")
        .to_string();
    let recorded = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban đột xuất"),
                ("starts", &before),
                ("place", "Trụ sở"),
            ],
        )
        .await;
    let past = session_id(recorded.location());
    assert!(recorded.location().ends_with("?ok=recorded"));
    assert!(
        duluan::mail::store::list_by_key_prefix(&app.db, &format!("briefings.guest:{past}:"))
            .await
            .unwrap()
            .is_empty()
    );
    reporter
        .get(recorded.location())
        .await
        .assert_contains("0 tham dự · 0 xin vắng · 0 chưa trả lời");
    let held = reporter
        .post(
            &format!("/briefings/sessions/{past}/held"),
            &[("attendees", code.as_str()), ("minutes", "")],
        )
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let record = duluan::briefings::store::sessions::find_session(&app.db, past)
        .await
        .unwrap()
        .unwrap()
        .collaborator_briefing_id
        .unwrap();
    let old = reporter
        .get(&format!("/collaborators/briefings/{record}"))
        .await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.location(), format!("/briefings/sessions/{past}"));
}
