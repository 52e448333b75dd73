//! Training (issue 18): the demo's course at the city trained two of Ninh Kiều's three
//! collaborators two months ago; the coverage page counts who was trained within N months and who
//! never was, by unit and by attribute; a ward creates a course, enrols collaborators by code and
//! staff by login, records attendance and completion, and the coverage follows. Refusals and who
//! reaches what.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
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
    let course: String = app
        .get("/training")
        .await
        .body
        .split("href=\"/training/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.parse::<i64>().is_ok())
        .expect("the demo's course")
        .to_string();
    let ok = StatusCode::OK;
    let no = StatusCode::FORBIDDEN;
    let nf = StatusCode::NOT_FOUND;
    for (role, list, show, coverage, enrol) in [
        ("admin", ok, ok, ok, StatusCode::BAD_REQUEST),
        ("analyst", ok, ok, ok, StatusCode::BAD_REQUEST),
        ("designer", no, nf, no, nf),
        ("interviewer", no, nf, no, nf),
        ("verifier", no, nf, no, nf),
        ("viewer", ok, ok, ok, no),
        ("reporter", ok, nf, ok, nf),
        ("ctv", no, nf, no, nf),
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
    }
}

#[tokio::test]
async fn a_courses_materials_are_kept_checked_and_served_to_its_readers() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let course: String = app
        .get("/training")
        .await
        .body
        .split("href=\"/training/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.parse::<i64>().is_ok())
        .expect("the demo's course")
        .to_string();
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
