//! Training (issue 18): the demo's course at the city trained two of Ninh Kiều's three
//! collaborators two months ago; the coverage page counts who was trained within N months and who
//! never was, by unit and by attribute; a ward creates a course, enrols collaborators by code and
//! staff by login, records attendance and completion, and the coverage follows. A course's dated
//! sessions with attendance per session; the coverage window as the deployment's setting.
//! Refusals and who reaches what.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn day(d: i64) -> String {
    (today() + chrono::Duration::days(d))
        .format("%Y-%m-%d")
        .to_string()
}

fn shown(d: i64) -> String {
    (today() + chrono::Duration::days(d))
        .format("%d/%m/%Y")
        .to_string()
}

/// The ids that follow `marker` in a page, up to the next quote.
fn ids_after(body: &str, marker: &str) -> Vec<String> {
    body.split(marker)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The ids of the sessions listed on a course's page.
fn session_ids(body: &str) -> Vec<String> {
    ids_after(body, "<li class=\"card\" id=\"session-")
}

/// The demo's course (the first course of the list).
async fn demo_course(app: &crate::helpers::TestApp) -> String {
    app.get("/training")
        .await
        .body
        .split("href=\"/training/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.parse::<i64>().is_ok())
        .expect("the demo's course")
        .to_string()
}

#[tokio::test]
async fn a_course_is_run_and_the_networks_coverage_follows() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    app.login_demo("analyst").await;
    let list = app.get("/training").await;
    list.assert_contains("Kỹ năng nắm bắt và báo cáo dư luận xã hội");
    // Two of three trained within 12 months; the third never completed.
    let cov = app.get(&format!("/training/coverage?unit={ward}")).await;
    assert_eq!(cov.status, StatusCode::OK, "{}", cov.body);
    cov.assert_contains("2/3 cộng tác viên đã được tập huấn trong 12 tháng qua");
    cov.assert_contains("chưa từng");
    // Within one month, nobody (the course was two months ago).
    let cov = app
        .get(&format!(
            "/training/coverage?unit={ward}&months=1&by=gender"
        ))
        .await;
    cov.assert_contains("0/3 cộng tác viên đã được tập huấn trong 1 tháng qua");
    cov.assert_contains("Giới tính");
    let bad = app.get("/training/coverage?months=0").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Số tháng phải từ 1 đến 60.");

    // The ward's reporter runs a course.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let day = |d: i64| {
        (today() + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    let bad = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Tập huấn phường"),
                ("starts_on", &day(-3)),
                ("ends_on", &day(-5)),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Ngày kết thúc không được trước ngày bắt đầu.");
    bad.assert_contains("value=\"Tập huấn phường\"");
    let made = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Tập huấn phường: ghi luồng ý kiến"),
                ("trainer", "Cán bộ Trung tâm"),
                ("place", "Nhà văn hóa khu vực 1"),
                ("starts_on", &day(-3)),
                ("ends_on", &day(-2)),
                ("description", "Tài liệu: hướng dẫn ghi luồng ý kiến."),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let course = made.location().split('?').next().unwrap().to_string();
    let page = reporter.get(&course).await;
    let codes: Vec<String> = page
        .body
        .split("name=\"collaborator\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    // An unknown code and login are named; nothing enrolled.
    let bad = reporter
        .post(
            &format!("{course}/enrol"),
            &[
                ("collaborator", &codes[0]),
                ("collaborators", "CTV-KHONGCO"),
                ("staff", "khong_co_ai"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("CTV-KHONGCO");
    bad.assert_contains("Không có tài khoản khong_co_ai.");
    bad.assert_contains("0/0 đã hoàn thành");
    let ok = reporter
        .post(
            &format!("{course}/enrol"),
            &[
                ("collaborator", &codes[2]),
                ("collaborators", ""),
                ("staff", "ctv"),
            ],
        )
        .await;
    assert_eq!(
        ok.location(),
        format!("{course}?ok=enrolled"),
        "{}",
        ok.body
    );
    let page = reporter.get(&course).await;
    page.assert_contains("0/2 đã hoàn thành");
    page.assert_contains("Cộng tác viên phường Ninh Kiều");
    let ids: Vec<String> = page
        .body
        .split("name=\"completed-")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), 2);
    // A completion in the future is refused; nothing saved.
    let attended = format!("attended-{}", ids[0]);
    let completed = format!("completed-{}", ids[0]);
    let bad = reporter
        .post(
            &format!("{course}/record"),
            &[(&attended, "1"), (&completed, &day(3))],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Ngày hoàn thành");
    let saved = reporter
        .post(
            &format!("{course}/record"),
            &[(&attended, "1"), (&completed, &day(-2))],
        )
        .await;
    assert_eq!(
        saved.location(),
        format!("{course}?ok=recorded"),
        "{}",
        saved.body
    );
    reporter
        .get(&course)
        .await
        .assert_contains("1/2 đã hoàn thành");
    // The coverage within one month now counts the collaborator trained this week.
    let cov = reporter
        .get(&format!("/training/coverage?unit={ward}&months=1"))
        .await;
    cov.assert_contains("1/3 cộng tác viên đã được tập huấn trong 1 tháng qua");
    assert!(!cov.body.contains(&format!("<li>{} ", codes[2])));
}

#[tokio::test]
async fn every_role_reaches_only_its_training_pages() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let course = demo_course(&app).await;
    let page = app.get(&format!("/training/{course}")).await;
    let session = session_ids(&page.body)[0].clone();
    let ok = StatusCode::OK;
    let no = StatusCode::FORBIDDEN;
    let nf = StatusCode::NOT_FOUND;
    let bad = StatusCode::BAD_REQUEST;
    let see = StatusCode::SEE_OTHER;
    // (role, list, course, coverage, enrol, add a session, edit a session, remove a session,
    // attendance, the coverage setting); the writes that are allowed are sent invalid (400), but
    // for the removal, of a session made for it (303).
    for (role, list, show, coverage, enrol, add, edit, remove, attend, setting) in [
        ("admin", ok, ok, ok, bad, bad, bad, see, bad, bad),
        ("analyst", ok, ok, ok, bad, bad, bad, see, bad, bad),
        ("designer", no, nf, no, nf, nf, nf, nf, nf, no),
        ("interviewer", no, nf, no, nf, nf, nf, nf, nf, no),
        ("verifier", no, nf, no, nf, nf, nf, nf, nf, no),
        ("viewer", ok, ok, ok, no, no, no, no, no, no),
        ("reporter", ok, nf, ok, nf, nf, nf, nf, nf, no),
        ("ctv", no, nf, no, nf, nf, nf, nf, nf, no),
    ] {
        let client = app.other_client();
        client.login_demo(role).await;
        assert_eq!(client.get("/training").await.status, list, "{role} list");
        assert_eq!(
            client.get(&format!("/training/{course}")).await.status,
            show,
            "{role} course"
        );
        assert_eq!(
            client.get("/training/coverage").await.status,
            coverage,
            "{role} coverage"
        );
        assert_eq!(
            client
                .post(&format!("/training/{course}/enrol"), &[("staff", "")])
                .await
                .status,
            enrol,
            "{role} enrol"
        );
        assert_eq!(
            client
                .post(&format!("/training/{course}/sessions"), &[("topic", "")])
                .await
                .status,
            add,
            "{role} add a session"
        );
        assert_eq!(
            client
                .post(
                    &format!("/training/{course}/sessions/{session}"),
                    &[("topic", "")]
                )
                .await
                .status,
            edit,
            "{role} edit a session"
        );
        assert_eq!(
            client
                .post(
                    &format!("/training/{course}/sessions/{session}/attendance"),
                    &[("present", "999999")]
                )
                .await
                .status,
            attend,
            "{role} attendance"
        );
        // A session of the course's first day, made by the analyst for this role to remove.
        let first = page
            .body
            .split("name=\"held_on\" min=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let made = app
            .post(
                &format!("/training/{course}/sessions"),
                &[
                    ("held_on", &first),
                    ("topic", &format!("Buổi thêm cho {role}")),
                ],
            )
            .await;
        assert_eq!(made.status, see, "{}", made.body);
        let spare = session_ids(&app.get(&format!("/training/{course}")).await.body)
            .into_iter()
            .filter(|s| *s != session)
            .max_by_key(|s| s.parse::<i64>().unwrap())
            .unwrap();
        assert_eq!(
            client
                .post(&format!("/training/{course}/sessions/{spare}/remove"), &[])
                .await
                .status,
            remove,
            "{role} remove a session"
        );
        if remove != see {
            app.post(&format!("/training/{course}/sessions/{spare}/remove"), &[])
                .await;
        }
        assert_eq!(
            client
                .post("/training/coverage", &[("months", "0")])
                .await
                .status,
            setting,
            "{role} coverage setting"
        );
    }
}

#[tokio::test]
async fn a_courses_materials_are_kept_checked_and_served_to_its_readers() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let course = demo_course(&app).await;
    let pdf = b"%PDF-1.4\n% tai lieu tap huan\n".to_vec();
    let up = app
        .upload(
            &format!("/training/{course}/materials"),
            "Tài liệu tập huấn.pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(
        up.location(),
        format!("/training/{course}?ok=material"),
        "{}",
        up.body
    );
    let page = app.get(&format!("/training/{course}")).await;
    page.assert_contains("Tài liệu tập huấn.pdf");
    let mid: String = page
        .body
        .split("href=\"/training/materials/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    // Anonymous: to the login page, not the file.
    let anonymous = app.other_client();
    let res = anonymous.get(&format!("/training/materials/{mid}")).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert!(res.location().starts_with("/login"), "{}", res.location());
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    let file = leader.get(&format!("/training/materials/{mid}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body.as_bytes(), pdf.as_slice());
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    // Not a reader of the city's course: 404.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter
            .get(&format!("/training/materials/{mid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A file that is not what its name says, a type not accepted, an empty one: refused, nothing kept.
    for (name, bytes) in [
        ("gia.pdf", b"MZ\x90\x00 not a pdf".to_vec()),
        ("chuong-trinh.exe", b"MZ\x90\x00".to_vec()),
        ("rong.pdf", vec![]),
    ] {
        let bad = app
            .upload(&format!("/training/{course}/materials"), name, bytes)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}");
    }
    assert_eq!(
        app.get(&format!("/training/{course}"))
            .await
            .body
            .matches("href=\"/training/materials/")
            .count(),
        1
    );
    // The viewer reads but does not add.
    let refused = leader
        .upload(&format!("/training/{course}/materials"), "x.pdf", pdf)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_course_has_dated_sessions_with_attendance_and_completion_follows_it() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let made = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Tập huấn phường theo buổi"),
                ("trainer", "Cán bộ Trung tâm"),
                ("place", "Nhà văn hóa khu vực 1"),
                ("starts_on", &day(-10)),
                ("ends_on", &day(-8)),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let course = made.location().split('?').next().unwrap().to_string();
    let page = reporter.get(&course).await;
    page.assert_contains("Khóa chưa chia buổi học");
    let codes = ids_after(&page.body, "name=\"collaborator\" value=\"");
    let enrolled = reporter
        .post(
            &format!("{course}/enrol"),
            &[("collaborator", &codes[0]), ("collaborator", &codes[1])],
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{}", enrolled.body);

    // Out of the course's days, a time that is not one, no topic: refused, each naming its
    // field, nothing added, what was typed kept.
    let outside = reporter
        .post(
            &format!("{course}/sessions"),
            &[("held_on", &day(-7)), ("topic", "Buổi ngoài khóa")],
        )
        .await;
    assert_eq!(outside.status, StatusCode::BAD_REQUEST);
    outside.assert_contains(&format!(
        "Ngày học: ngày học phải trong thời gian của khóa, từ {} đến {}.",
        shown(-10),
        shown(-8)
    ));
    outside.assert_contains("value=\"Buổi ngoài khóa\"");
    let before = reporter
        .post(
            &format!("{course}/sessions"),
            &[("held_on", &day(-11)), ("topic", "Buổi trước khóa")],
        )
        .await;
    assert_eq!(before.status, StatusCode::BAD_REQUEST);
    let bad = reporter
        .post(
            &format!("{course}/sessions"),
            &[
                ("held_on", &day(-10)),
                ("starts_at", "25:99"),
                ("topic", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Giờ bắt đầu: giờ phải có dạng giờ:phút");
    bad.assert_contains("Nội dung buổi học: hãy ghi nội dung của buổi học.");
    reporter
        .get(&course)
        .await
        .assert_contains("Khóa chưa chia buổi học");

    // Two sessions: the first with the course's trainer and place, the second with its own.
    let first = reporter
        .post(
            &format!("{course}/sessions"),
            &[
                ("held_on", &day(-10)),
                ("starts_at", "08:00"),
                ("topic", "Buổi 1: nắm bắt dư luận"),
            ],
        )
        .await;
    assert_eq!(
        first.location(),
        format!("{course}?ok=session-added#sessions"),
        "{}",
        first.body
    );
    let second = reporter
        .post(
            &format!("{course}/sessions"),
            &[
                ("held_on", &day(-9)),
                ("starts_at", "14:00"),
                ("topic", "Buổi 2 (tạm)"),
                ("trainer", "Giảng viên khách mời"),
                ("place", "Hội trường phường"),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let page = reporter.get(&course).await;
    page.assert_contains(&format!(
        "{} 08:00</strong> · Buổi 1: nắm bắt dư luận",
        shown(-10)
    ));
    page.assert_contains("Cán bộ Trung tâm · Nhà văn hóa khu vực 1");
    page.assert_contains("Giảng viên khách mời · Hội trường phường");
    assert_eq!(page.body.matches("đã dự 0/2 buổi").count(), 2);
    let sessions = session_ids(&page.body);
    assert_eq!(sessions.len(), 2);
    let participants = ids_after(&page.body, "name=\"completed-");
    assert_eq!(participants.len(), 2);
    let (s1, s2) = (&sessions[0], &sessions[1]);
    let (p1, p2) = (&participants[0], &participants[1]);

    // The second is edited: out of range refused, then renamed.
    let moved = reporter
        .post(
            &format!("{course}/sessions/{s2}"),
            &[("held_on", &day(-7)), ("topic", "Buổi 2")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::BAD_REQUEST);
    moved.assert_contains("ngày học phải trong thời gian của khóa");
    let edited = reporter
        .post(
            &format!("{course}/sessions/{s2}"),
            &[
                ("held_on", &day(-9)),
                ("starts_at", "14:00"),
                ("topic", "Buổi 2: ghi luồng ý kiến"),
                ("trainer", "Giảng viên khách mời"),
                ("place", ""),
            ],
        )
        .await;
    assert_eq!(
        edited.location(),
        format!("{course}?ok=session-saved#sessions")
    );
    let page = reporter.get(&course).await;
    page.assert_contains("Buổi 2: ghi luồng ý kiến");
    assert!(!page.body.contains("Buổi 2 (tạm)"));
    page.assert_contains("Giảng viên khách mời · Nhà văn hóa khu vực 1");

    // Attendance: both at the first, one at the second; someone not enrolled is refused.
    let stranger = reporter
        .post(
            &format!("{course}/sessions/{s1}/attendance"),
            &[("present", p1.as_str()), ("present", "999999")],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
    stranger.assert_contains("Chỉ điểm danh được người đã ghi danh vào khóa.");
    let ticked = reporter
        .post(
            &format!("{course}/sessions/{s1}/attendance"),
            &[("present", p1.as_str()), ("present", p2.as_str())],
        )
        .await;
    assert_eq!(
        ticked.location(),
        format!("{course}?ok=attendance#session-{s1}")
    );
    reporter
        .post(
            &format!("{course}/sessions/{s2}/attendance"),
            &[("present", p1.as_str())],
        )
        .await;
    let page = reporter.get(&course).await;
    page.assert_contains("đã dự 2/2 buổi");
    page.assert_contains("đã dự 1/2 buổi");
    page.assert_contains("2/2 có mặt");
    page.assert_contains("1/2 có mặt");
    // `attended` is kept in step: the course's table has no tick of its own any more.
    assert!(!page.body.contains("name=\"attended-"));
    assert!(attended(&app, p1).await);
    assert!(attended(&app, p2).await);

    // The second participant is unticked from the first session: attended none.
    reporter
        .post(
            &format!("{course}/sessions/{s1}/attendance"),
            &[("present", p1.as_str())],
        )
        .await;
    let page = reporter.get(&course).await;
    page.assert_contains("đã dự 0/2 buổi");
    assert!(!attended(&app, p2).await);
    // A completion for who attended none is refused, naming them; nothing saved.
    let (c1, c2) = (format!("completed-{p1}"), format!("completed-{p2}"));
    let refused = reporter
        .post(
            &format!("{course}/record"),
            &[
                (c1.as_str(), day(-8).as_str()),
                (c2.as_str(), day(-8).as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("chưa dự buổi học nào của khóa: chưa ghi hoàn thành được.");
    assert!(
        codes
            .iter()
            .any(|c| refused.body.contains(&format!("{c} chưa dự")))
    );
    refused.assert_contains("0/2 đã hoàn thành");
    let saved = reporter
        .post(
            &format!("{course}/record"),
            &[(c1.as_str(), day(-8).as_str()), (c2.as_str(), "")],
        )
        .await;
    assert_eq!(saved.location(), format!("{course}?ok=recorded"));
    let page = reporter.get(&course).await;
    page.assert_contains("1/2 đã hoàn thành");
    // Recording completions leaves the attendance as the sessions say.
    assert!(attended(&app, p1).await);
    // Who completed keeps a session attended: unticked from both, or left with only a session
    // being removed, refused, naming them.
    let ok = reporter
        .post(&format!("{course}/sessions/{s1}/attendance"), &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let refused = reporter
        .post(&format!("{course}/sessions/{s2}/attendance"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("đã có ngày hoàn thành nên phải dự ít nhất một buổi học");
    let refused = reporter
        .post(&format!("{course}/sessions/{s2}/remove"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("đã có ngày hoàn thành nên phải dự ít nhất một buổi học");
    let page = reporter.get(&course).await;
    page.assert_contains("Buổi 2: ghi luồng ý kiến");
    page.assert_contains("đã dự 1/2 buổi");
    assert!(attended(&app, p1).await);
    reporter
        .post(
            &format!("{course}/sessions/{s1}/attendance"),
            &[("present", p1.as_str())],
        )
        .await;

    // The work plan counts the course in the months of its sessions.
    let year = chrono::Datelike::year(&today());
    let months = duluan::training::course_months(&app.db, ward, year)
        .await
        .unwrap();
    let expected: Vec<u32> = [-10i64, -9]
        .iter()
        .map(|d| today() + chrono::Duration::days(*d))
        .filter(|d| chrono::Datelike::year(d) == year)
        .map(|d| chrono::Datelike::month(&d))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // (The demo's course is the city's, not the ward's.)
    assert_eq!(months, expected);
    // Across a month's end: without sessions, the months of its days; with, of its sessions.
    let spanning = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Khóa cuối tháng"),
                ("starts_on", "2025-03-30"),
                ("ends_on", "2025-04-02"),
            ],
        )
        .await;
    let spanning = spanning.location().split('?').next().unwrap().to_string();
    let months = |year| duluan::training::course_months(&app.db, ward, year);
    assert_eq!(months(2025).await.unwrap(), vec![3, 4]);
    reporter
        .post(
            &format!("{spanning}/sessions"),
            &[("held_on", "2025-04-01"), ("topic", "Buổi duy nhất")],
        )
        .await;
    assert_eq!(months(2025).await.unwrap(), vec![4]);

    // A session removed takes its attendance with it; removing it again is not found.
    let removed = reporter
        .post(&format!("{course}/sessions/{s2}/remove"), &[])
        .await;
    assert_eq!(
        removed.location(),
        format!("{course}?ok=session-removed#sessions")
    );
    let page = reporter.get(&course).await;
    assert!(!page.body.contains("Buổi 2: ghi luồng ý kiến"));
    page.assert_contains("đã dự 1/1 buổi");
    page.assert_contains("đã dự 0/1 buổi");
    let again = reporter
        .post(&format!("{course}/sessions/{s2}/remove"), &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // A session of another course is not this course's.
    let other = reporter
        .post(&format!("{spanning}/sessions/{s1}/attendance"), &[])
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // A session not held yet takes no attendance.
    let later = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Tập huấn sắp tới"),
                ("starts_on", &day(-1)),
                ("ends_on", &day(3)),
            ],
        )
        .await;
    let later = later.location().split('?').next().unwrap().to_string();
    reporter
        .post(&format!("{later}/enrol"), &[("collaborator", &codes[0])])
        .await;
    let added = reporter
        .post(
            &format!("{later}/sessions"),
            &[("held_on", &day(2)), ("topic", "Buổi sắp tới")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = reporter.get(&later).await;
    page.assert_contains("chưa diễn ra");
    let session = session_ids(&page.body)[0].clone();
    let participant = ids_after(&page.body, "name=\"completed-")[0].clone();
    let early = reporter
        .post(
            &format!("{later}/sessions/{session}/attendance"),
            &[("present", participant.as_str())],
        )
        .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    early.assert_contains(&format!(
        "Buổi học ngày {} chưa diễn ra: chưa điểm danh được.",
        shown(2)
    ));
}

/// A participant's `attended` as stored.
async fn attended(app: &crate::helpers::TestApp, participant: &str) -> bool {
    let id: i64 = participant.parse().unwrap();
    match &app.db {
        duluan::db::Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT attended FROM training_participants WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap()
        }
        duluan::db::Db::Pg(pool) => {
            sqlx::query_scalar("SELECT attended FROM training_participants WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    }
}

#[tokio::test]
async fn attendance_is_not_saved_without_its_audit_entry() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let course = demo_course(&app).await;
    let page = app.get(&format!("/training/{course}")).await;
    page.assert_contains("đã dự 1/2 buổi");
    let sessions = session_ids(&page.body);
    app.refuse_audit_of("training.attendance").await;
    let failed = app
        .post(
            &format!("/training/{course}/sessions/{}/attendance", sessions[0]),
            &[],
        )
        .await;
    assert!(failed.status.is_server_error(), "{}", failed.status);
    let page = app.get(&format!("/training/{course}")).await;
    page.assert_contains("đã dự 1/2 buổi");
    assert!(!page.body.contains("đã dự 0/2 buổi"));
}

#[tokio::test]
async fn the_coverage_window_is_a_setting_kept_by_the_settings_keepers() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    app.login_demo("analyst").await;
    let cov = app.get(&format!("/training/coverage?unit={ward}")).await;
    cov.assert_contains("2/3 cộng tác viên đã được tập huấn trong 12 tháng qua");
    cov.assert_contains("Mặc định của hệ thống: 12 tháng.");
    cov.assert_contains("id=\"coverage-setting\"");
    // Checked: refused with the field named, nothing changed.
    for months in ["0", "61", "mười"] {
        let bad = app.post("/training/coverage", &[("months", months)]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{months}");
        bad.assert_contains("Số tháng mặc định: Số tháng phải từ 1 đến 60.");
    }
    let saved = app.post("/training/coverage", &[("months", "1")]).await;
    assert_eq!(saved.location(), "/training/coverage?ok=settings");
    app.get("/training/coverage?ok=settings")
        .await
        .assert_contains("Đã lưu số tháng mặc định.");
    // The default follows for everyone; the query still overrides it for one view.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let cov = reporter
        .get(&format!("/training/coverage?unit={ward}"))
        .await;
    cov.assert_contains("0/3 cộng tác viên đã được tập huấn trong 1 tháng qua");
    cov.assert_contains("Mặc định của hệ thống: 1 tháng.");
    assert!(!cov.body.contains("id=\"coverage-setting\""));
    let cov = reporter
        .get(&format!("/training/coverage?unit={ward}&months=12"))
        .await;
    cov.assert_contains("2/3 cộng tác viên đã được tập huấn trong 12 tháng qua");
    // Refused to those who do not keep the deployment's settings; unchanged.
    for role in ["reporter", "viewer"] {
        let client = app.other_client();
        client.login_demo(role).await;
        assert_eq!(
            client
                .post("/training/coverage", &[("months", "24")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    reporter
        .get(&format!("/training/coverage?unit={ward}"))
        .await
        .assert_contains("trong 1 tháng qua");
    // Audited.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let log = admin.get("/admin/audit?action=training.settings").await;
    assert_eq!(log.status, StatusCode::OK);
    log.assert_contains("training.settings");
}

#[tokio::test]
async fn attendance_is_ticked_on_a_phone() {
    let Some(b) = crate::browser::browser().await else {
        return;
    };
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let made = reporter
        .post(
            "/training",
            &[
                ("unit", &ward.to_string()),
                ("title", "Tập huấn phường trên điện thoại"),
                ("trainer", "Cán bộ Trung tâm"),
                ("place", "Nhà văn hóa khu vực 1"),
                ("starts_on", &day(-2)),
                ("ends_on", &day(-1)),
            ],
        )
        .await;
    let course = made.location().split('?').next().unwrap().to_string();
    let page = reporter.get(&course).await;
    let codes = ids_after(&page.body, "name=\"collaborator\" value=\"");
    let fields: Vec<(&str, &str)> = codes.iter().map(|c| ("collaborator", c.as_str())).collect();
    reporter.post(&format!("{course}/enrol"), &fields).await;
    let added = reporter
        .post(
            &format!("{course}/sessions"),
            &[
                ("held_on", &day(-2)),
                ("starts_at", "08:00"),
                ("topic", "Buổi 1: nắm bắt dư luận"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let c = &b.client;
    crate::browser::log_in(c, &app.base, "reporter").await;
    c.goto(&format!("{}{course}", app.base)).await.unwrap();
    let boxes = c
        .find_all(fantoccini::Locator::Css("input[name=present]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 3);
    for cb in &boxes[..2] {
        cb.click().await.unwrap();
    }
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true));
    crate::browser::screenshot(c, "training-attendance-phone").await;
    c.find(fantoccini::Locator::Css("button[id^=save-attendance-]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(fantoccini::Locator::Css(".flash"))
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
    c.execute(
        "document.getElementById('participants').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    crate::browser::screenshot(c, "training-participants-phone").await;
    let page = reporter.get(&course).await;
    page.assert_contains("2/3 có mặt");
    page.assert_contains("Lưu ngày hoàn thành");
    assert_eq!(page.body.matches("đã dự 1/1 buổi").count(), 2);
    page.assert_contains("đã dự 0/1 buổi");
}
