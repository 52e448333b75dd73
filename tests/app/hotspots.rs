//! Hot spots (issue 18): the demo's flooding surge alert opens a hot spot in one click, the
//! analyst attaches opinion streams and a survey figure, instantiates the flooding scenario a
//! week and a half back, and the tasks reach two wards (in the app) and the People's Committee;
//! a partner with an address hears of its task by e-mail (a real SMTP server); the overdue ones show on the hot spot, the ward's task list and the leader's
//! dashboard; the ward's reporter moves a task and comments without reading the city's hot spot.
//! Then the refusals, restriction to named members, and the role × route matrix.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

/// The id in a `/hotspots/{id}…` location.
fn hotspot_id(location: &str) -> i64 {
    location
        .trim_start_matches("/hotspots/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no hot spot id in {location:?}"))
}

/// Every `/hotspots/tasks/{id}` linked from a page, in order, each once.
fn task_ids(body: &str) -> Vec<i64> {
    let mut out = vec![];
    for part in body.split("href=\"/hotspots/tasks/").skip(1) {
        if let Some(id) = part.split('"').next().and_then(|s| s.parse().ok())
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// The demo's hot spot (the only one at first).
async fn demo_hotspot(app: &TestApp) -> i64 {
    let page = app.get("/hotspots").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
        .split("href=\"/hotspots/")
        .filter_map(|s| s.split('"').next())
        .find_map(|s| s.parse::<i64>().ok())
        .expect("the demo's hot spot is listed")
}

/// The first survey the analyst sees.
async fn demo_survey(app: &TestApp) -> i64 {
    let page = app.get("/surveys").await;
    page.body
        .split("href=\"/surveys/")
        .filter_map(|s| s.split(['"', '/']).next())
        .find_map(|s| s.parse::<i64>().ok())
        .expect("a survey on the surveys page")
}

#[tokio::test]
async fn a_flooding_alert_becomes_a_hot_spot_whose_scenario_tasks_reach_two_wards_and_a_partner() {
    let smtp = crate::smtp::SmtpServer::start().await;
    let app = spawn_demo().await;
    if let Some(s) = &smtp {
        crate::smtp::configure_mail(&app, s.port).await;
    }
    let city = app.unit_id("92").await;
    let ninh_kieu = app.unit_id("31135").await;
    app.login_demo("analyst").await;

    // The surge alert (flooding in Ninh Kiều) offers the one-click hot spot.
    let run = app.post("/monitoring/alerts/run", &[]).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    let units = duluan::orgs::subtree_ids(&app.db, &[city]).await.unwrap();
    let alerts = duluan::monitoring::store::list_alerts(&app.db, &units, None, 10)
        .await
        .unwrap();
    let alert = alerts
        .iter()
        .find(|a| a.unit_id == ninh_kieu)
        .expect("the demo's surge raises an alert in Ninh Kiều");
    let page = app.get(&format!("/monitoring/alerts/{}", alert.id)).await;
    page.assert_contains("id=\"hotspot-from\"");
    page.assert_contains(&format!("value=\"alert:{}\"", alert.id));
    let opened = app
        .post(
            "/hotspots/from",
            &[
                ("source", &format!("alert:{}", alert.id)),
                ("hotspot", "new"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let id = hotspot_id(opened.location());
    let page = app.get(opened.location()).await;
    page.assert_contains("Đã mở điểm nóng.");
    page.assert_contains("Tín hiệu");
    page.assert_contains(&format!("href=\"/monitoring/alerts/{}\"", alert.id));
    page.assert_contains("Cảnh báo:");
    // Kept by the city (the analyst's unit), its area the ward of the alert.
    page.assert_contains("Phường Ninh Kiều");
    // The alert's page now names the hot spot it is evidence of.
    let page = app.get(&format!("/monitoring/alerts/{}", alert.id)).await;
    page.assert_contains("id=\"hotspot-citing\"");
    page.assert_contains(&format!("href=\"/hotspots/{id}\""));
    // The same alert again joins nothing twice.
    let again = app
        .post(
            "/hotspots/from",
            &[
                ("source", &format!("alert:{}", alert.id)),
                ("hotspot", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(again.location(), format!("/hotspots/{id}?ok=already"));

    // Two opinion streams and a survey figure, by the address of their pages.
    let streams = duluan::reporting::store::list_streams_of_units(&app.db, &units, "", 10)
        .await
        .unwrap();
    assert!(streams.len() >= 2, "the demo has streams");
    for s in &streams[..2] {
        let page = app
            .post(
                &format!("/hotspots/{id}/evidence"),
                &[
                    (
                        "address",
                        &format!("https://duluan.example.vn/reporting/streams/{}", s.id),
                    ),
                    ("note", "Luồng ý kiến của phường"),
                ],
            )
            .await;
        assert_eq!(
            page.location(),
            format!("/hotspots/{id}?ok=attached"),
            "{}",
            page.body
        );
    }
    let survey = demo_survey(&app).await;
    let page = app
        .post(
            &format!("/hotspots/{id}/evidence"),
            &[(
                "address",
                &format!("/surveys/{survey}/results#q-hai_long_chung"),
            )],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=attached"),
        "{}",
        page.body
    );
    // A file attached to the ward's report (minutes of a meeting), by the address of its download.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let ward = app.unit_id("31135").await;
    let month = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m")
        .to_string();
    let opened = reporter
        .post(
            "/reporting/reports/open",
            &[("assignment", &format!("1:{ward}")), ("period", &month)],
        )
        .await;
    let report = opened.location().split('?').next().unwrap().to_string();
    let up = reporter
        .upload(
            &format!("{report}/attachments"),
            "Biên bản họp dân khu vực 3.pdf",
            b"%PDF-1.4\n% bien ban\n".to_vec(),
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let listed = reporter.get(&report).await;
    let at = listed.body.find("/reporting/attachments/").expect("listed");
    let attachment: String = listed.body[at..].split('"').next().unwrap().to_string();
    let page = app
        .post(
            &format!("/hotspots/{id}/evidence"),
            &[("address", &format!("https://duluan.example.vn{attachment}"))],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=attached"),
        "{}",
        page.body
    );
    let page = app.get(&format!("/hotspots/{id}")).await;
    page.assert_contains("Tệp đính kèm báo cáo");
    page.assert_contains("Biên bản họp dân khu vực 3.pdf");
    page.assert_contains(&format!("href=\"{attachment}\""));
    page.assert_contains("Số liệu khảo sát");
    page.assert_contains("(n = ");
    page.assert_contains("%");
    page.assert_contains(&format!("href=\"/reporting/streams/{}\"", streams[0].id));
    page.assert_contains("Luồng ý kiến của phường");

    // Areas, topic and severity, then verified and responding.
    let environment = duluan::reporting::topics(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key == "environment")
        .unwrap()
        .id;
    let page = app
        .post(
            &format!("/hotspots/{id}/edit"),
            &[
                ("title", "Ngập úng sau triều cường tại Ninh Kiều, Cái Khế"),
                ("topic", &environment.to_string()),
                ("severity", "high"),
                ("summary", "Nước ngập sâu, chậm rút."),
                ("areas", "31135, 31120"),
                ("members", ""),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=saved"),
        "{}",
        page.body
    );
    for (stage, reason) in [
        ("verifying", "Hai phường xác minh với tổ dân phố"),
        ("responding", "Xác nhận ngập sâu tại nhiều điểm"),
    ] {
        let page = app
            .post(
                &format!("/hotspots/{id}/stage"),
                &[("stage", stage), ("reason", reason)],
            )
            .await;
        assert_eq!(
            page.location(),
            format!("/hotspots/{id}?ok=moved"),
            "{}",
            page.body
        );
    }

    // The flooding scenario, started ten days ago: one task per area for the area steps, one
    // for the People's Committee, the centre's own.
    let page = app.get(&format!("/hotspots/{id}")).await;
    let scenario: i64 = page
        .body
        .split("<option value=\"")
        .filter_map(|s| s.split_once("\">"))
        .find(|(_, rest)| rest.starts_with("Ngập úng diện rộng"))
        .and_then(|(v, _)| v.parse().ok())
        .expect("the flooding scenario is offered");
    let start = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    let page = app
        .post(
            &format!("/hotspots/{id}/scenario"),
            &[("scenario", &scenario.to_string()), ("start", &start)],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=tasks"),
        "{}",
        page.body
    );
    let page = app.get(&format!("/hotspots/{id}")).await;
    let tasks = page.body.split("id=\"tasks\"").nth(1).unwrap();
    let tasks = tasks.split("</table>").next().unwrap();
    assert_eq!(task_ids(tasks).len(), 7, "{tasks}");
    for who in [
        "Phường Ninh Kiều",
        "Phường Cái Khế",
        "Ủy ban nhân dân thành phố",
    ] {
        assert!(tasks.contains(who), "{who} in {tasks}");
    }
    // Due 1, 2 and 3 days after a start ten days ago: past (four tasks); day 10 is today (not
    // yet late) and day 14 ahead.
    page.assert_contains("id=\"overdue-count\"");
    page.assert_contains("4 quá hạn");
    page.assert_contains("Áp dụng kịch bản");
    page.assert_contains("Chuyển từ Đang xác minh sang Đang xử lý");

    // The situation report prints the same.
    let report = app.get(&format!("/hotspots/{id}/report")).await;
    report.assert_contains("Báo cáo tình hình điểm nóng: Ngập úng sau triều cường");
    report.assert_contains("Đang xử lý");
    report.assert_contains("Ủy ban nhân dân thành phố");

    // The leader's dashboard shows the overdue tasks.
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    let tiles = leader.get(&format!("/dashboard/tiles?unit={city}")).await;
    tiles.assert_contains("id=\"tile-overdue\"");
    tiles.assert_contains("Xác minh tình hình ngập tại địa bàn");

    // A partner with an address hears of its task by e-mail (the demo's partners have none).
    let page = app
        .post(
            "/hotspots/partners",
            &[
                ("unit", &city.to_string()),
                ("name", "Công ty Cấp thoát nước thành phố"),
                ("email", "capthoatnuoc@example.vn"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/hotspots/scenarios?ok=partner");
    let page = app.get(&format!("/hotspots/{id}")).await;
    let partner: i64 = page
        .body
        .split("<option value=\"")
        .filter_map(|s| s.split_once("\">"))
        .find(|(_, rest)| rest.starts_with("Công ty Cấp thoát nước"))
        .and_then(|(v, _)| v.parse().ok())
        .expect("the new partner is offered");
    let page = app
        .post(
            &format!("/hotspots/{id}/tasks"),
            &[
                ("title", "Nạo vét cống thoát nước đường 30 Tháng 4"),
                ("detail", "Ưu tiên các điểm ngập sâu."),
                ("partner", &partner.to_string()),
                ("unit", ""),
                ("due", &start),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=task"),
        "{}",
        page.body
    );
    if let Some(s) = &smtp {
        duluan::mail::send_due(&app.db).await.unwrap();
        let mails: Vec<_> = s
            .received()
            .into_iter()
            .filter(|(to, _, _)| to.contains("capthoatnuoc@example.vn"))
            .collect();
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert!(
            mails[0].1.contains("Nhiệm vụ mới: Nạo vét cống thoát nước"),
            "{mails:?}"
        );
        assert!(mails[0].2.contains("Ngập úng sau triều cường"), "{mails:?}");
        assert!(
            mails[0].2.contains("Ưu tiên các điểm ngập sâu."),
            "{mails:?}"
        );
        assert!(mails[0].2.contains("/hotspots/tasks/"), "{mails:?}");
        // Sent once: a second run sends nothing more.
        duluan::mail::send_due(&app.db).await.unwrap();
        assert_eq!(
            s.received()
                .into_iter()
                .filter(|(to, _, _)| to.contains("capthoatnuoc@example.vn"))
                .count(),
            1
        );
    }

    // The ward's reporter: a notice in the app, the ward's tasks, not the city's hot spot.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let home = reporter.get("/hotspots").await;
    home.assert_contains("id=\"unread\"");
    home.assert_contains("Nhiệm vụ mới: Xác minh tình hình ngập tại địa bàn");
    let list = reporter.get("/hotspots/tasks").await;
    list.assert_contains("Ngập úng sau triều cường");
    let mine = task_ids(&list.body);
    assert!(!mine.is_empty());
    let hidden = reporter.get(&format!("/hotspots/{id}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // Every task listed for the reporter is Ninh Kiều's (Cái Khế's are not theirs).
    for t in &mine {
        let page = reporter.get(&format!("/hotspots/tasks/{t}")).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("Phường Ninh Kiều");
    }
    let cai_khe_task = task_ids(tasks)
        .into_iter()
        .find(|t| !mine.contains(t))
        .unwrap();
    let page = reporter
        .get(&format!("/hotspots/tasks/{cai_khe_task}"))
        .await;
    assert!(
        page.status == StatusCode::NOT_FOUND || page.body.contains("Ủy ban nhân dân"),
        "{}",
        page.status
    );
    let task = mine[0];
    let page = reporter
        .post(
            &format!("/hotspots/tasks/{task}/status"),
            &[("status", "done"), ("comment", "Đã xác minh 12 điểm ngập.")],
        )
        .await;
    assert_eq!(page.location(), format!("/hotspots/tasks/{task}?ok=status"));
    let page = reporter.get(&format!("/hotspots/tasks/{task}")).await;
    page.assert_contains("Đã xong");
    page.assert_contains("Đã xác minh 12 điểm ngập.");
    let read = reporter.post("/hotspots/notices/read", &[]).await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    assert!(
        !reporter
            .get("/hotspots")
            .await
            .body
            .contains("id=\"unread\"")
    );
    // The centre sees the change on the hot spot's timeline.
    let page = app.get(&format!("/hotspots/{id}")).await;
    page.assert_contains("Cập nhật nhiệm vụ");
    // Four overdue, one done by the ward, one added by hand due ten days ago.
    page.assert_contains("4 quá hạn");
}

#[tokio::test]
async fn moves_evidence_tasks_and_restriction_refuse_what_they_must() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let id = demo_hotspot(&app).await;
    // A move says why, and goes somewhere else.
    let page = app
        .post(
            &format!("/hotspots/{id}/stage"),
            &[("stage", "stabilised"), ("reason", "  ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("Hãy ghi lý do chuyển giai đoạn.");
    let page = app
        .post(
            &format!("/hotspots/{id}/stage"),
            &[("stage", "responding"), ("reason", "x")],
        )
        .await;
    page.assert_contains("Điểm nóng đang ở giai đoạn này rồi.");
    let page = app
        .post(
            &format!("/hotspots/{id}/stage"),
            &[("stage", "boiling"), ("reason", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Evidence comes from duluan's pages that the analyst may read.
    for (address, message) in [
        (
            "https://example.com/admin/users/1",
            "không phải trang cảnh báo",
        ),
        ("/reporting/streams/999999", "Không tìm thấy trang này"),
        ("/reporting/attachments/999999", "Không tìm thấy trang này"),
        ("/surveys/1/results#q-khong_co", "Không tìm thấy trang này"),
    ] {
        let page = app
            .post(&format!("/hotspots/{id}/evidence"), &[("address", address)])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{address}");
        page.assert_contains(message);
    }
    // A task names one unit under the hot spot's, or one partner, with a real day.
    for (unit, due) in [
        ("01", "2026-12-31"),
        ("31135", "31/12/2026"),
        ("", "2026-12-31"),
    ] {
        let page = app
            .post(
                &format!("/hotspots/{id}/tasks"),
                &[("title", "Việc thử"), ("unit", unit), ("due", due)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{unit} {due}");
    }
    // Nothing of those was stored: the timeline has the demo's entries only.
    let page = app.get(&format!("/hotspots/{id}")).await;
    assert!(!page.body.contains("Việc thử"));

    // Restricted to the analyst: the city's leader no longer sees it, anywhere.
    let page = app
        .post(
            &format!("/hotspots/{id}/edit"),
            &[
                ("title", "Ngập úng (hạn chế)"),
                ("severity", "critical"),
                ("areas", "31135"),
                ("restricted", "1"),
                ("members", "analyst"),
            ],
        )
        .await;
    assert_eq!(
        page.location(),
        format!("/hotspots/{id}?ok=saved"),
        "{}",
        page.body
    );
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    assert_eq!(
        leader.get(&format!("/hotspots/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        leader.get(&format!("/hotspots/{id}/report")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !leader
            .get("/hotspots")
            .await
            .body
            .contains("Ngập úng (hạn chế)")
    );
    let city = app.unit_id("92").await;
    let tiles = leader.get(&format!("/dashboard/tiles?unit={city}")).await;
    assert!(!tiles.body.contains("Ngập úng (hạn chế)"));
    // The ward still works its task, without the hot spot's title.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let list = reporter.get("/hotspots/tasks").await;
    assert!(!task_ids(&list.body).is_empty());
    assert!(!list.body.contains("Ngập úng (hạn chế)"));
    // An unknown member is named as such.
    let page = app
        .post(
            &format!("/hotspots/{id}/edit"),
            &[
                ("title", "Ngập úng"),
                ("severity", "high"),
                ("restricted", "1"),
                ("members", "analyst, khong_co_ai"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("Có tên đăng nhập không tìm thấy");
    // The timeline kept who restricted it; the audit log has every change.
    let page = app.get(&format!("/hotspots/{id}")).await;
    page.assert_contains("Sửa thông tin");
    app.refuse_audit_of("hotspot.note").await;
    let page = app
        .post(&format!("/hotspots/{id}/note"), &[("note", "Ghi chú thử")])
        .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !app.get(&format!("/hotspots/{id}"))
            .await
            .body
            .contains("Ghi chú thử")
    );
}

#[tokio::test]
async fn scenarios_and_partners_are_kept_by_the_centre() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let page = app.get("/hotspots/scenarios").await;
    for title in [
        "Ngập úng diện rộng",
        "Khiếu kiện đông người",
        "Giá cả tăng cao",
        "tôn giáo, dân tộc",
        "Tranh chấp lao động",
        "thông tin sai lệch",
    ] {
        page.assert_contains(title);
    }
    page.assert_contains("Công an thành phố");
    let made = app
        .post(
            "/hotspots/scenarios",
            &[
                ("unit", &city.to_string()),
                ("title", "Sự cố môi trường"),
                ("description", "Cá chết hàng loạt trên sông."),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let sid: i64 = made
        .location()
        .trim_start_matches("/hotspots/scenarios/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let step = app
        .post(
            &format!("/hotspots/scenarios/{sid}/steps"),
            &[
                ("title", "Lấy mẫu nước"),
                ("agency", "areas"),
                ("days", "1"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(
        step.location(),
        format!("/hotspots/scenarios/{sid}?ok=step")
    );
    // A partner step names a partner; days stay within a year.
    for form in [
        [("title", "Họp báo"), ("agency", "partner"), ("days", "1")],
        [("title", "Họp báo"), ("agency", "owner"), ("days", "400")],
        [("title", ""), ("agency", "owner"), ("days", "1")],
    ] {
        let page = app
            .post(&format!("/hotspots/scenarios/{sid}/steps"), &form)
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{form:?}");
    }
    let page = app.get(&format!("/hotspots/scenarios/{sid}")).await;
    page.assert_contains("Lấy mẫu nước");
    page.assert_contains("Từng địa bàn");
    assert!(!page.body.contains("Họp báo"));
    // Partners: a name once per unit, a real address.
    let dup = app
        .post(
            "/hotspots/partners",
            &[
                ("unit", &city.to_string()),
                ("name", "Công an thành phố"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = app
        .post(
            "/hotspots/partners",
            &[
                ("unit", &city.to_string()),
                ("name", "Sở Tài nguyên và Môi trường"),
                ("email", "không phải địa chỉ"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Địa chỉ thư điện tử không hợp lệ.");
}

/// `(path, method)` → status for each demo role: admin, analyst, designer, interviewer,
/// verifier, viewer at the city; reporter, ctv at Ninh Kiều.
#[tokio::test]
async fn every_role_reaches_only_its_hot_spot_pages() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let id = demo_hotspot(&app).await;
    let page = app.get(&format!("/hotspots/{id}")).await;
    let tasks = task_ids(&page.body);
    // A task of Ninh Kiều and one of the city itself (the centre's own step).
    let mut nk_task = None;
    let mut city_task = None;
    for t in &tasks {
        let p = app.get(&format!("/hotspots/tasks/{t}")).await;
        if p.body.contains("id=\"assignee\">Phường Ninh Kiều") {
            nk_task = Some(*t);
        }
        if p.body.contains("id=\"assignee\">Thành phố Cần Thơ") {
            city_task = Some(*t);
        }
    }
    let nk_task = nk_task.expect("a Ninh Kiều task");
    let city_task = city_task.expect("a task of the city");
    let scenario = app
        .get("/hotspots/scenarios")
        .await
        .body
        .split("href=\"/hotspots/scenarios/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap();
    const OK: u16 = 200;
    const SEE: u16 = 303;
    const NO: u16 = 403;
    const NF: u16 = 404;
    let roles = [
        "admin",
        "analyst",
        "designer",
        "interviewer",
        "verifier",
        "viewer",
        "reporter",
        "ctv",
    ];
    let matrix: Vec<(String, &str, [u16; 8])> = vec![
        ("/hotspots".into(), "GET", [OK, OK, NO, NO, NO, OK, OK, NO]),
        (
            format!("/hotspots/{id}"),
            "GET",
            [OK, OK, NF, NF, NF, OK, NF, NF],
        ),
        (
            format!("/hotspots/{id}/report"),
            "GET",
            [OK, OK, NF, NF, NF, OK, NF, NF],
        ),
        (
            "/hotspots/tasks".into(),
            "GET",
            [OK, OK, NO, NO, NO, OK, OK, NO],
        ),
        (
            format!("/hotspots/tasks/{nk_task}"),
            "GET",
            [OK, OK, NF, NF, NF, OK, OK, NF],
        ),
        (
            format!("/hotspots/tasks/{city_task}"),
            "GET",
            [OK, OK, NF, NF, NF, OK, NF, NF],
        ),
        (
            "/hotspots/scenarios".into(),
            "GET",
            [NO, OK, NO, NO, NO, NO, NO, NO],
        ),
        (
            format!("/hotspots/scenarios/{scenario}"),
            "GET",
            [NO, OK, NO, NO, NO, NO, NO, NO],
        ),
        (
            format!("/hotspots/{id}/note"),
            "POST",
            [NO, SEE, NF, NF, NF, NO, NF, NF],
        ),
        (
            format!("/hotspots/tasks/{nk_task}/comment"),
            "POST",
            [NO, SEE, NF, NF, NF, NO, SEE, NF],
        ),
        (
            format!("/hotspots/tasks/{city_task}/comment"),
            "POST",
            [NO, SEE, NF, NF, NF, NO, NF, NF],
        ),
        (
            "/hotspots/from".into(),
            "POST",
            [NO, NF, NO, NO, NO, NO, NO, NO],
        ),
    ];
    for (i, role) in roles.iter().enumerate() {
        let client = app.other_client();
        client.login_demo(role).await;
        for (path, method, expected) in &matrix {
            let status = if *method == "GET" {
                client.get(path).await.status.as_u16()
            } else {
                client
                    .post(
                        path,
                        &[
                            ("note", "Ghi chú"),
                            ("body", "Ý kiến"),
                            ("source", "alert:999999"),
                        ],
                    )
                    .await
                    .status
                    .as_u16()
            };
            assert_eq!(status, expected[i], "{role} {method} {path}");
        }
    }
}

/// Every write route of hot spots, briefings, training and plans, posted empty by each demo role:
/// those without the right are refused (403, or 404 where the object is not theirs to see) before
/// anything is read from the form; those with it get the form's 400 (or the action's 404/409).
#[tokio::test]
async fn every_write_route_refuses_the_roles_without_its_right() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let h = demo_hotspot(&app).await;
    let page = app.get(&format!("/hotspots/{h}")).await;
    let mut nk_task = None;
    for t in task_ids(&page.body) {
        let p = app.get(&format!("/hotspots/tasks/{t}")).await;
        if p.body.contains("id=\"assignee\">Phường Ninh Kiều") {
            nk_task = Some(t);
        }
    }
    let t = nk_task.expect("a Ninh Kiều task");
    let s = app
        .get("/hotspots/scenarios")
        .await
        .body
        .split("href=\"/hotspots/scenarios/")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .and_then(|x| x.parse::<i64>().ok())
        .unwrap();
    // The demo's held briefing (the next month's, scheduled, comes first in the list).
    let b = app
        .get("/briefings/sessions")
        .await
        .body
        .split("href=\"/briefings/sessions/")
        .skip(1)
        .find(|x| {
            x.split("</li>")
                .next()
                .unwrap_or("")
                .contains("status-held")
        })
        .and_then(|x| x.split('"').next())
        .and_then(|x| x.parse::<i64>().ok())
        .expect("the demo's held briefing");
    let ward = app.unit_id("31135").await;
    let year = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y")
        .to_string();
    const A: u16 = 400;
    const F: u16 = 403;
    const N: u16 = 404;
    const C: u16 = 409;
    const S: u16 = 303;
    let manage_h = [F, A, N, N, N, F, N, N];
    let centre_only = [F, A, F, F, F, F, F, F];
    // admin, analyst, designer, interviewer, verifier, viewer (city); reporter, ctv (ward).
    let routes: Vec<(String, [u16; 8])> = vec![
        ("/hotspots".into(), centre_only),
        ("/hotspots/from".into(), centre_only),
        (format!("/hotspots/{h}/stage"), manage_h),
        (format!("/hotspots/{h}/edit"), manage_h),
        (format!("/hotspots/{h}/evidence"), manage_h),
        (format!("/hotspots/{h}/note"), manage_h),
        (format!("/hotspots/{h}/scenario"), manage_h),
        (format!("/hotspots/{h}/tasks"), manage_h),
        (
            format!("/hotspots/{h}/evidence/999999/remove"),
            [F, N, N, N, N, F, N, N],
        ),
        (
            format!("/hotspots/tasks/{t}/status"),
            [F, A, N, N, N, F, A, N],
        ),
        ("/hotspots/scenarios".into(), centre_only),
        (format!("/hotspots/scenarios/{s}/steps"), centre_only),
        ("/hotspots/partners".into(), centre_only),
        ("/hotspots/notices/read".into(), [S; 8]),
        ("/briefings/orientation".into(), centre_only),
        ("/briefings/sessions".into(), [A, A, F, F, F, F, A, F]),
        (
            format!("/briefings/sessions/{b}/reply"),
            [F, F, N, N, N, F, N, N],
        ),
        (
            format!("/briefings/sessions/{b}/streams"),
            [A, A, N, N, N, F, N, N],
        ),
        (
            // On a held session: a correction of who attended (here, to nobody).
            format!("/briefings/sessions/{b}/held"),
            [S, S, N, N, N, F, N, N],
        ),
        (
            format!("/briefings/sessions/{b}/cancel"),
            [C, C, N, N, N, F, N, N],
        ),
        ("/training".into(), [A, A, F, F, F, F, A, F]),
        (
            format!("/plans/{ward}/{year}/items"),
            [A, A, N, N, N, F, A, N],
        ),
        (
            format!("/plans/{ward}/{year}/items/999999/remove"),
            [N, N, N, N, N, F, N, N],
        ),
        (
            format!("/plans/{ward}/{year}/items/999999/tick"),
            [N, N, N, N, N, F, N, N],
        ),
    ];
    let roles = [
        "admin",
        "analyst",
        "designer",
        "interviewer",
        "verifier",
        "viewer",
        "reporter",
        "ctv",
    ];
    for (i, role) in roles.iter().enumerate() {
        let client = app.other_client();
        client.login_demo(role).await;
        for (path, expected) in &routes {
            let status = client.post(path, &[]).await.status.as_u16();
            assert_eq!(status, expected[i], "{role} POST {path}");
        }
    }
}

#[tokio::test]
async fn a_hot_spots_situation_becomes_a_quick_report_document() {
    let app = spawn_demo().await;
    let city = app.unit_id("92").await;
    let ward = app.unit_id("31135").await;
    app.login_demo("analyst").await;
    let h = demo_hotspot(&app).await;
    let page = app.get(&format!("/hotspots/{h}")).await;
    page.assert_contains("id=\"report-document\"");
    let made = app
        .post(
            "/documents",
            &[
                ("kind", "quick"),
                ("unit", &city.to_string()),
                ("hotspot", &h.to_string()),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let doc = app.get(made.location()).await;
    doc.assert_contains("Báo cáo nhanh tình hình điểm nóng: Ngập úng kéo dài");
    doc.assert_contains("CÁC NHIỆM VỤ PHỐI HỢP");
    doc.assert_contains("Ủy ban nhân dân thành phố");
    doc.assert_contains("Quá hạn");
    doc.assert_contains("Đang xử lý");
    // Only for the hot spot's own unit, and only for its readers.
    let wrong = app
        .post(
            "/documents",
            &[
                ("kind", "quick"),
                ("unit", &ward.to_string()),
                ("hotspot", &h.to_string()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let page = app
        .post(
            &format!("/hotspots/{h}/edit"),
            &[
                ("title", "Ngập úng (hạn chế)"),
                ("severity", "high"),
                ("restricted", "1"),
                ("members", "analyst"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    duluan::accounts::create_user(
        &app.db,
        "analyst2",
        "Chuyên viên thứ hai",
        "duluan-demo",
        duluan::accounts::model::Role::Analyst,
        city,
    )
    .await
    .unwrap();
    let other = app.other_client();
    other.login("analyst2", "duluan-demo").await;
    let refused = other
        .post(
            "/documents",
            &[
                ("kind", "quick"),
                ("unit", &city.to_string()),
                ("hotspot", &h.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}
