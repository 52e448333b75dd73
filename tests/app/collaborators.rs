//! Tests of the collaborator network through the real server: identity visible only to the
//! managing unit (and audited), pseudonyms elsewhere, the form and the CSV import (all or nothing,
//! errors with row and column), coverage against targets counted by hand on the demo,
//! replacement keeping history, activity and the inactivity flag.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

async fn first_id(app: &crate::helpers::TestApp, page: &str, text: &str) -> i64 {
    let body = app.get(page).await.body;
    let at = body
        .find(text)
        .unwrap_or_else(|| panic!("{text} not in {body}"));
    let before = &body[..at];
    let start = before.rfind("/collaborators/").unwrap() + "/collaborators/".len();
    before[start..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn identity_is_shown_only_to_the_managing_unit() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let list = app.get("/collaborators").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("Trần Văn Bình (CTV-");
    // Another ward's collaborators are not in the reporter's scope at all.
    assert!(!list.body.contains("Phạm Thị Thu"));
    let id = first_id(&app, "/collaborators", "Trần Văn Bình").await;
    let page = app.get(&format!("/collaborators/{id}")).await;
    page.assert_contains("Danh tính (dữ liệu cá nhân)");
    page.assert_contains("Nông dân");
    // A leader sees the network, but only pseudonyms.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    let list = viewer.get("/collaborators").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("CTV-");
    assert!(!list.body.contains("Trần Văn Bình"));
    let page = viewer.get(&format!("/collaborators/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Trần Văn Bình"));
    assert!(!page.body.contains("Danh tính (dữ liệu cá nhân)"));
    // The reads of identity are in the audit log.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let audit = admin.get("/admin/audit").await;
    audit.assert_contains("collaborator.read_identity");
    audit.assert_contains("collaborator.read_names");
    // A collaborator of another ward is not reachable by URL.
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert_ne!(
        ctv.get(&format!("/collaborators/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_form_and_the_import_check_everything_first() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let bad = app
        .post(
            "/collaborators/new",
            &[
                ("unit", "31135"),
                ("full_name", "A"),
                ("phone", "abc"),
                ("consent_date", ""),
                ("stratum", "astronaut"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Họ tên cần từ 2 đến 200 ký tự.");
    bad.assert_contains("Số điện thoại không hợp lệ.");
    bad.assert_contains("Cần ghi ngày người này đồng ý");
    bad.assert_contains("Giá trị không có trong danh mục.");
    let other = app
        .post(
            "/collaborators/new",
            &[
                ("unit", "31120"),
                ("full_name", "Đỗ Văn Nam"),
                ("consent_date", "2026-01-02"),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    other.assert_contains("Đơn vị không thuộc phạm vi bạn quản lý.");
    let ok = app
        .post(
            "/collaborators/new",
            &[
                ("unit", "31135"),
                ("full_name", "Đỗ Văn Nam"),
                ("phone", "0903 111 222"),
                ("consent_date", "2026-01-02"),
                ("stratum", "worker"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Import: one bad row, nothing saved.
    let csv = "unit,full_name,consent_date,stratum,gender\n\
               31135,Lý Thị Kim,2026-02-01,nông dân,nữ\n\
               31135,Tô Văn Út,2026-13-01,farmer,male\n\
               99999,Châu Văn Bé,2026-02-01,farmer,male\n";
    let page = app
        .upload("/collaborators/import", "ctv.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Dòng 3, cột consent_date: Ngày phải có dạng");
    page.assert_contains("Dòng 4, cột unit: Không có đơn vị với mã này.");
    assert!(!app.get("/collaborators").await.body.contains("Lý Thị Kim"));
    let csv = "unit,full_name,consent_date,stratum,gender\n\
               31135,Lý Thị Kim,2026-02-01,nông dân,nữ\n\
               31135,Tô Văn Út,01/02/2026,farmer,male\n";
    let page = app
        .upload("/collaborators/import", "ctv.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Đã nhập 2 cộng tác viên.");
    let list = app.get("/collaborators").await;
    list.assert_contains("Lý Thị Kim");
    list.assert_contains("Đỗ Văn Nam");
}

#[tokio::test]
async fn coverage_shows_the_gaps_and_replacement_keeps_the_slot() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let page = app.get("/collaborators/coverage").await;
    assert_eq!(page.status, StatusCode::OK);
    // City-wide strata ≥ 3: the demo has 2 farmers, no workers.
    page.assert_contains("Nông dân ≥ 3");
    page.assert_contains("thiếu 1 (có 2)");
    page.assert_contains("thiếu 3 (có 0)");
    // Every unit below ≥ 2: Ninh Kiều has 3, Cái Khế 2; most communes none.
    let row = |name: &str| {
        let at = page.body.find(&format!(">{name}</a>")).unwrap();
        page.body[at..].split("</tr>").next().unwrap().to_string()
    };
    assert!(row("Phường Ninh Kiều").contains("✓ 3"));
    assert!(row("Phường Cái Khế").contains("✓ 2"));
    assert!(row("Phường Tân An").contains("thiếu 2 (có 0)"));
    // Replace a Ninh Kiều collaborator: history kept, the slot counted once.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let id = first_id(&reporter, "/collaborators", "Lê Văn Hùng").await;
    let form = reporter.get(&format!("/collaborators/{id}/replace")).await;
    form.assert_contains("Thay thế cộng tác viên");
    let done = reporter
        .post(
            &format!("/collaborators/{id}/replace"),
            &[
                ("unit", "#0"),
                ("full_name", "Mai Văn Lộc"),
                ("consent_date", "2026-03-01"),
                ("stratum", "retired"),
                ("gender", "male"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let old = reporter.get(&format!("/collaborators/{id}")).await;
    old.assert_contains("Đã thay thế");
    old.assert_contains(done.location().trim_start_matches("/collaborators/"));
    let page = app.get("/collaborators/coverage").await;
    let at = page.body.find(">Phường Ninh Kiều</a>").unwrap();
    assert!(
        page.body[at..]
            .split("</tr>")
            .next()
            .unwrap()
            .contains("✓ 3")
    );
    // A second replacement of the same record is refused.
    let again = reporter
        .post(
            &format!("/collaborators/{id}/replace"),
            &[("full_name", "Ai Đó"), ("consent_date", "2026-03-01")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Targets are set by managers only.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    let city = duluan::orgs::resolve_unit_ref(&app.db, "92")
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert_eq!(
        viewer
            .post(
                "/collaborators/targets",
                &[
                    ("unit_id", &city),
                    ("applies_to", "unit"),
                    ("what", "any"),
                    ("minimum", "5")
                ]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let set = app
        .post(
            "/collaborators/targets",
            &[
                ("unit_id", &city),
                ("applies_to", "unit"),
                ("what", "religion:buddhism"),
                ("minimum", "2"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    app.get("/collaborators/coverage")
        .await
        .assert_contains("Phật giáo ≥ 2");
}

#[tokio::test]
async fn collaborators_without_activity_are_flagged() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let list = app.get("/collaborators").await;
    let flagged = list.body.matches("Không hoạt động").count();
    assert_eq!(flagged, 3, "the demo records no activity");
    let id = first_id(&app, "/collaborators", "Trần Văn Bình").await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let done = app
        .post(
            &format!("/collaborators/{id}/activity"),
            &[("period", &month), ("items", "4"), ("briefings", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/collaborators/{id}")).await;
    page.assert_contains(&format!("<td>{month}</td><td>4</td><td>1</td>"));
    let list = app.get("/collaborators").await;
    assert_eq!(list.body.matches("Không hoạt động").count(), 2);
}
