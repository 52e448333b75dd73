//! Units' populations through the real server: the demo's illustrative figures shown on the tree,
//! a population edited on the unit's form (bad values named beside their field, every change
//! audited with what it was), and imported from CSV or XLSX — a bad file names each row and
//! column and stores nothing, codes outside the importer's units are refused, a refused audit
//! entry undoes the import.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

/// The stored population and reference of the unit with `code`.
async fn population(app: &TestApp, code: &str) -> (Option<i64>, String) {
    let u = duluan::orgs::find_unit(&app.db, app.unit_id(code).await)
        .await
        .unwrap()
        .unwrap();
    (u.population, u.population_source)
}

/// The details of the audit entries with `action`, oldest first.
async fn audit_details(app: &TestApp, action: &str) -> Vec<String> {
    duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = $1 ORDER BY id"
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap())
}

/// The edit form of Phường Cái Khế with the given population fields.
fn cai_khe<'a>(population: &'a str, source: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", "Phường Cái Khế"),
        ("kind", "ward"),
        ("code", "31120"),
        ("parent", "92"),
        ("valid_from", "2025-07-01"),
        ("population", population),
        ("population_source", source),
    ]
}

#[tokio::test]
async fn a_population_is_edited_on_the_unit_form_shown_and_audited() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31120").await;
    let city = app.unit_id("92").await;
    // The demo's figures are there, and say they are illustrative.
    let (demo, source) = population(&app, "31120").await;
    assert!(demo.is_some());
    assert!(source.contains("minh hoạ"), "{source}");
    let page = app.get(&format!("/orgs/{ward}")).await;
    page.assert_contains("id=\"unit-population\"");
    page.assert_contains("không phải số liệu thống kê chính thức");
    let edit = app.get(&format!("/orgs/{ward}/edit")).await;
    edit.assert_contains(&format!("value=\"{}\"", demo.unwrap()));

    // Bad values are named beside their fields, and nothing changes.
    let long = "x".repeat(201);
    let bad = app
        .post(&format!("/orgs/{ward}/edit"), &cai_khe("-12", &long))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Số dân phải là số nguyên không âm");
    bad.assert_contains("Năm, nguồn số liệu không được dài quá 200 ký tự.");
    let bad = app
        .post(&format!("/orgs/{ward}/edit"), &cai_khe("1.5", ""))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(population(&app, "31120").await.0, demo);

    // A count with thousands separators and a reference.
    let saved = app
        .post(
            &format!("/orgs/{ward}/edit"),
            &cai_khe("45.210", "Niên giám thống kê 2024"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        population(&app, "31120").await,
        (Some(45_210), "Niên giám thống kê 2024".to_string())
    );
    let page = app.get(&format!("/orgs/{ward}")).await;
    page.assert_contains("45.210 <span class=\"muted\">(Niên giám thống kê 2024)</span>");
    // The city's list of its units shows it, in English too.
    let page = app.get(&format!("/orgs/{city}")).await;
    page.assert_contains("data-population=\"31120\" title=\"Niên giám thống kê 2024\">45.210</td>");
    let detail = audit_details(&app, "unit_update").await.pop().unwrap();
    assert!(
        detail.contains(&format!(
            "\"population\":{{\"from\":{},\"to\":45210}}",
            demo.unwrap()
        )),
        "{detail}"
    );
    assert!(
        detail.contains("\"to\":\"Niên giám thống kê 2024\""),
        "{detail}"
    );

    // Emptied: unknown again.
    let saved = app
        .post(&format!("/orgs/{ward}/edit"), &cai_khe("", ""))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(population(&app, "31120").await, (None, String::new()));
    app.get(&format!("/orgs/{ward}"))
        .await
        .assert_contains("chưa có số liệu");

    // A new unit may be given its population when it is created.
    let created = app
        .post(
            &format!("/orgs/{ward}/new"),
            &[
                ("name", "Khu vực 9"),
                ("kind", "area"),
                ("code", "31120-09"),
                ("population", "1 250"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(population(&app, "31120-09").await.0, Some(1_250));
}

#[tokio::test]
async fn a_population_import_is_checked_whole_and_stores_all_or_nothing() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let before = (
        population(&app, "31120").await,
        population(&app, "31135").await,
    );
    let page = app.get("/orgs/population").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("code,population,source");

    // Errors of the rows: each with its row and column; nothing stored.
    let csv = "code,population,source\n\
               31120,12.000,Niên giám thống kê 2024\n\
               31135,mười nghìn,\n\
               31147,,\n\
               31120,3,\n";
    let page = app
        .upload("/orgs/population", "dan-so.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Không nhập dòng nào vì tệp có lỗi:");
    page.assert_contains("Dòng 3, cột population: Số dân phải là số nguyên không âm");
    page.assert_contains("Dòng 4, cột population: ô này là bắt buộc.");
    page.assert_contains("Dòng 5, cột code: mã bị trùng: 31120 (2).");
    // A code of no unit.
    let csv = "code,dân số\n31120,12000\n31135,13000\n99999,5000\n";
    let page = app
        .upload("/orgs/population", "dan-so.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Dòng 4, cột code: không có đơn vị nào mã “99999”.");
    // An unknown column.
    let csv = "code,population,ghi_chu\n31120,12000,x\n";
    let page = app
        .upload("/orgs/population", "dan-so.csv", csv.as_bytes().to_vec())
        .await;
    page.assert_contains("Dòng 1, cột ghi_chu: cột “ghi_chu” không được hỗ trợ.");
    assert_eq!(
        (
            population(&app, "31120").await,
            population(&app, "31135").await
        ),
        before
    );
    assert!(
        audit_details(&app, "unit_population_import")
            .await
            .is_empty()
    );

    // In English, the same places.
    let english = app.other_client();
    english.login_demo("admin").await;
    english
        .post("/lang", &[("lang", "en"), ("back", "/orgs/population")])
        .await;
    let page = english
        .upload(
            "/orgs/population",
            "x.csv",
            b"code,population\n31120,-1\n".to_vec(),
        )
        .await;
    page.assert_contains("Line 2, column population: The population must be a whole number");
    // The language is the user's: back to Vietnamese.
    english
        .post("/lang", &[("lang", "vi"), ("back", "/orgs/population")])
        .await;

    // A spreadsheet: numbers as numbers, a reference per row; every unit's change audited.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["code", "dân số", "năm"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (code, n)) in [("31120", 30_000.0), ("31135", 60_000.0)]
        .iter()
        .enumerate()
    {
        ws.write_string(r as u32 + 1, 0, *code).unwrap();
        ws.write_number(r as u32 + 1, 1, *n).unwrap();
        ws.write_string(r as u32 + 1, 2, "Niên giám thống kê 2024")
            .unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let page = app
        .upload("/orgs/population", "dan-so.xlsx", xlsx.clone())
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đã đọc 2 dòng; 2 đơn vị được cập nhật dân số.");
    assert_eq!(
        population(&app, "31120").await,
        (Some(30_000), "Niên giám thống kê 2024".to_string())
    );
    assert_eq!(population(&app, "31135").await.0, Some(60_000));
    let updates = audit_details(&app, "unit_population_update").await;
    assert_eq!(updates.len(), 2);
    assert!(updates[0].contains("\"code\":\"31120\""), "{}", updates[0]);
    assert!(updates[0].contains("\"to\":30000"), "{}", updates[0]);
    // The same file again changes nothing.
    let page = app.upload("/orgs/population", "dan-so.xlsx", xlsx).await;
    page.assert_contains("Đã đọc 2 dòng; 0 đơn vị được cập nhật dân số.");
    assert_eq!(audit_details(&app, "unit_population_update").await.len(), 2);
    assert_eq!(audit_details(&app, "unit_population_import").await.len(), 2);
}

#[tokio::test]
async fn a_population_import_stays_within_the_importer_s_units_and_its_audit() {
    let app = spawn_demo().await;
    // Nobody without the right to manage units may import.
    app.login_demo("designer").await;
    assert_eq!(
        app.get("/orgs/population").await.status,
        StatusCode::FORBIDDEN
    );
    let ninh_kieu = app.unit_id("31135").await;
    duluan::accounts::create_user(
        &app.db,
        "admin_nk",
        "QT",
        "duluan-demo",
        duluan::accounts::model::Role::Administrator,
        ninh_kieu,
    )
    .await
    .unwrap();
    let ward_admin = app.other_client();
    ward_admin.login("admin_nk", "duluan-demo").await;
    let before = population(&app, "31120").await;
    let csv = "code,population\n31135-01,900\n31120,5000\n";
    let page = ward_admin
        .upload("/orgs/population", "x.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Dòng 3, cột code: đơn vị này nằm ngoài phạm vi bạn quản lý.");
    assert_eq!(population(&app, "31120").await, before);
    assert_ne!(population(&app, "31135-01").await.0, Some(900));
    // Within the ward: accepted.
    let page = ward_admin
        .upload(
            "/orgs/population",
            "x.csv",
            b"code,population\n31135-01,900\n".to_vec(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(population(&app, "31135-01").await.0, Some(900));

    // An audit entry the database refuses undoes the whole import.
    app.refuse_audit_of("unit_population_import").await;
    let page = ward_admin
        .upload(
            "/orgs/population",
            "x.csv",
            b"code,population\n31135-01,950\n31135-02,800\n".to_vec(),
        )
        .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(population(&app, "31135-01").await.0, Some(900));
    assert_ne!(population(&app, "31135-02").await.0, Some(800));
}
