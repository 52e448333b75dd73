//! The organisation tree: the demo city, search, roll-up with lineage, editing, import, export,
//! and units' populations (`orgs/population.rs`).

mod population;

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

#[tokio::test]
async fn the_demo_city_has_its_103_communes_and_wards() {
    let app = spawn_demo().await;
    app.login_demo("viewer").await;
    let children = app.children_codes("92").await;
    let communes = children
        .keys()
        .filter(|c| c.len() == 5 && c.chars().all(|ch| ch.is_ascii_digit()))
        .count();
    assert_eq!(communes, 103);
    let city = app.unit_id("92").await;
    let page = app.get(&format!("/orgs/{city}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Thành phố Cần Thơ");
    page.assert_contains("Phường Ninh Kiều");
    page.assert_contains("Xã Phong Điền");
    page.assert_contains("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Cần Thơ");
    let wards = page.body.matches("<td>Phường</td>").count();
    let communes = page.body.matches("<td>Xã</td>").count();
    assert_eq!((wards, communes), (31, 72));
}

#[tokio::test]
async fn search_finds_units_with_or_without_diacritics() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    for q in ["Ninh Kiều", "ninh kieu", "NINH KIEU", "31135"] {
        let page = app.get(&format!("/orgs?q={}", urlencoding(q))).await;
        page.assert_contains("Phường Ninh Kiều");
    }
    let page = app.get("/orgs?q=khong-co-don-vi-nay").await;
    page.assert_contains("Không có đơn vị nào.");
}

fn urlencoding(s: &str) -> String {
    duluan::error::urlencode(s)
}

#[tokio::test]
async fn rollup_as_of_a_date_follows_mergers_and_splits() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let before = app
        .get(&format!("/orgs/{city}/rollup?date=2025-06-01"))
        .await;
    assert_eq!(before.status, StatusCode::OK);
    // Before the reform: the former provinces and district roll up to the new city…
    before.assert_contains("Tỉnh Hậu Giang (trước 01/7/2025)");
    before.assert_contains("Tỉnh Sóc Trăng (trước 01/7/2025)");
    before.assert_contains("Quận Ninh Kiều (trước 01/7/2025)");
    // …and the wards created on 1 July 2025 did not exist yet.
    assert!(!before.body.contains("Phường Cái Khế"));
    let after = app
        .get(&format!("/orgs/{city}/rollup?date=2025-08-01"))
        .await;
    after.assert_contains("Phường Cái Khế");
    assert!(!after.body.contains("Quận Ninh Kiều (trước 01/7/2025)"));
    // From the ward's side: the former district is its predecessor.
    let ward = app.unit_id("31120").await;
    let rollup = duluan::orgs::store::list_rollup(
        &app.db,
        ward,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    )
    .await
    .unwrap();
    let names: Vec<_> = rollup.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Quận Ninh Kiều (trước 01/7/2025)"]);
    let bad = app
        .get(&format!("/orgs/{city}/rollup?date=31-31-2025"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Ngày không hợp lệ");
}

#[tokio::test]
async fn an_administrator_adds_edits_and_moves_units() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31135").await;
    let created = app
        .post(
            &format!("/orgs/{ward}/new"),
            &[
                ("name", "  Khu vực   7 "),
                ("kind", "area"),
                ("code", "31135-07"),
                ("valid_from", "2025-07-01"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let id = app.unit_id("31135-07").await;
    let page = app.get(created.location()).await;
    page.assert_contains("Khu vực 7");
    page.assert_contains("Đã tạo đơn vị.");
    // Field errors are shown beside the fields and nothing is saved.
    let bad = app
        .post(
            &format!("/orgs/{ward}/new"),
            &[
                ("name", ""),
                ("kind", "castle"),
                ("code", "31135-07"),
                ("valid_from", "2025-07-01"),
                ("valid_to", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Tên đơn vị là bắt buộc.");
    bad.assert_contains("Loại đơn vị không hợp lệ.");
    // Moving under another ward, then refusing a cycle.
    let edit = app
        .post(
            &format!("/orgs/{id}/edit"),
            &[
                ("name", "Khu vực 7"),
                ("kind", "area"),
                ("code", "31135-07"),
                ("parent", "31120"),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    assert!(app.children_codes("31120").await.contains_key("31135-07"));
    assert!(!app.children_codes("31135").await.contains_key("31135-07"));
    let other = app.unit_id("31120").await;
    let cycle = app
        .post(
            &format!("/orgs/{other}/edit"),
            &[
                ("name", "Phường Cái Khế"),
                ("kind", "ward"),
                ("code", "31120"),
                ("parent", "31135-07"),
            ],
        )
        .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    cycle.assert_contains("Không thể đặt một đơn vị dưới chính nó");
    // The closure table still answers subtree questions right.
    let city = app.unit_id("92").await;
    assert!(
        duluan::orgs::is_within(&app.db, &[other], id)
            .await
            .unwrap()
    );
    assert!(!duluan::orgs::is_within(&app.db, &[ward], id).await.unwrap());
    assert!(duluan::orgs::is_within(&app.db, &[city], id).await.unwrap());
}

#[tokio::test]
async fn lineage_is_recorded_on_the_unit_page() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31150").await;
    let added = app
        .post(
            &format!("/orgs/{ward}/lineage"),
            &[
                ("predecessor", "92-Q-NK"),
                ("event", "split"),
                ("date", "2025-07-01"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/orgs/{ward}")).await;
    page.assert_contains("Quận Ninh Kiều (trước 01/7/2025)");
    page.assert_contains("chia tách");
    let self_link = app
        .post(
            &format!("/orgs/{ward}/lineage"),
            &[
                ("predecessor", "31150"),
                ("event", "split"),
                ("date", "2025-07-01"),
            ],
        )
        .await;
    assert_eq!(self_link.status, StatusCode::UNPROCESSABLE_ENTITY);
    self_link.assert_contains("không thể là tiền thân của chính nó");
}

#[tokio::test]
async fn a_csv_import_with_errors_imports_nothing_and_names_each_place() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let before = duluan::orgs::store::count_units(&app.db).await.unwrap();
    let csv = "code,name,type,parent_code,valid_from\n\
               31135-20,Khu vực 20,area,31135,2025-07-01\n\
               31135-21,,area,31135,\n\
               31135-22,Khu vực 22,lâu đài,31135,\n\
               31135-20,Khu vực 20 bis,area,31135,\n\
               31135-23,Khu vực 23,area,99999,\n\
               31135-24,Khu vực 24,area,31135,2025-02-30\n";
    let page = app
        .upload("/orgs/import", "units.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Không nhập dòng nào");
    page.assert_contains("Dòng 3, cột name: ô này là bắt buộc.");
    page.assert_contains("Dòng 4, cột type: loại đơn vị “lâu đài” không có trong danh mục.");
    page.assert_contains("Dòng 5, cột code: mã bị trùng: 31135-20 (2).");
    page.assert_contains("Dòng 6, cột parent_code: không tìm thấy đơn vị cấp trên có mã “99999”.");
    page.assert_contains("Dòng 7, cột valid_from: ngày “2025-02-30” không hợp lệ.");
    assert_eq!(
        duluan::orgs::store::count_units(&app.db).await.unwrap(),
        before
    );
    let not_csv = app
        .upload("/orgs/import", "x.csv", vec![0xff, 0xfe, 0x00, 0x41])
        .await;
    assert_eq!(not_csv.status, StatusCode::UNPROCESSABLE_ENTITY);
    not_csv.assert_contains("UTF-8");
}

#[tokio::test]
async fn a_valid_csv_imports_whole_and_the_export_reimports() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let csv = "code,name,type,parent_code\n31135-31,Khu vực 31,area,31135\n31135-31-A,Tổ dân phố A,residential_group,31135-31\n";
    let page = app
        .upload("/orgs/import", "units.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đã nhập: 2 đơn vị mới, 0 đơn vị được cập nhật.");
    assert!(
        app.children_codes("31135-31")
            .await
            .contains_key("31135-31-A")
    );
    let export = app.get("/orgs/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export
            .body
            .starts_with("code,name,type,parent_code,valid_from,valid_to,note\n")
    );
    assert!(
        export
            .body
            .contains("31135-31-A,Tổ dân phố A,residential_group,31135-31,,,")
    );
    assert!(export.body.contains("92,Thành phố Cần Thơ,city,,,,"));
    let before = duluan::orgs::store::count_units(&app.db).await.unwrap();
    let again = app
        .upload("/orgs/import", "export.csv", export.body.into_bytes())
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    again.assert_contains("0 đơn vị mới");
    assert_eq!(
        duluan::orgs::store::count_units(&app.db).await.unwrap(),
        before
    );
}

#[tokio::test]
async fn the_deployment_adds_its_own_unit_types() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let page = app.get("/orgs/types").await;
    page.assert_contains("Tổ chức chính trị - xã hội");
    let bad = app
        .post(
            "/orgs/types",
            &[("key", "Bad Key"), ("name_vi", ""), ("name_en", "X")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Mã loại gồm 2 đến 32 chữ cái");
    let ok = app
        .post(
            "/orgs/types",
            &[
                ("key", "cluster"),
                ("name_vi", "Cụm dân cư"),
                ("name_en", "Residential cluster"),
                ("territorial", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let ward = app.unit_id("31135").await;
    let created = app
        .post(
            &format!("/orgs/{ward}/new"),
            &[("name", "Cụm 1"), ("kind", "cluster")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    // A ward's reporter sees the list but cannot add to it.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert!(
        !reporter
            .get("/orgs/types")
            .await
            .body
            .contains("Thêm loại đơn vị")
    );
    let refused = reporter
        .post(
            "/orgs/types",
            &[("key", "other"), ("name_vi", "Khác"), ("name_en", "Other")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_import_that_fails_while_writing_leaves_nothing_behind() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let before = duluan::orgs::store::count_units(&app.db).await.unwrap();
    // The first row is fine; the second would put a ward under its own hamlet.
    let csv = "code,name,type,parent_code\nNEW-1,Ấp mới,hamlet,92\n31135,Phường Ninh Kiều đổi tên,ward,31135-01\n";
    let page = app
        .upload("/orgs/import", "units.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Không thể đặt một đơn vị dưới chính nó");
    assert_eq!(
        duluan::orgs::store::count_units(&app.db).await.unwrap(),
        before
    );
    assert!(
        duluan::orgs::resolve_unit_ref(&app.db, "NEW-1")
            .await
            .unwrap()
            .is_none()
    );
    let ward = duluan::orgs::store::find_unit_by_code(&app.db, "31135")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ward.name, "Phường Ninh Kiều");
}
