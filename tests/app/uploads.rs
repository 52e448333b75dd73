//! Hostile uploads through the real server: a two-cell spreadsheet with a cell at XFD1048576,
//! zip bombs and a PDF of too many pages, given to the collaborator import, the XLSForm import,
//! the monitoring file import and report attachments. Each gets a 400 that says what the file
//! declares and what is read, the server stays up, and nothing is stored.

use reqwest::StatusCode;
use std::io::Write;

use crate::helpers::{TestApp, spawn_demo};
use crate::surveys::{create_survey, demo_xlsx};

/// A workbook with the collaborator header and one row, plus one cell at XFD1048576: two
/// cells far apart, which calamine used to lay out as 17 billion.
fn collaborators_with_a_far_cell() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["unit", "full_name", "consent_date"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["31135", "Người Xa Xôi", "2026-02-01"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// A ZIP with one entry of `size` repeated bytes: a few kilobytes that inflate to `size`.
fn zip_bomb(entry: &str, size: usize) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file(
        entry,
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..size >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A valid PDF of `n` empty pages, written by hand (objects, cross-reference table, trailer).
fn pdf_with_pages(n: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", i + 3)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")),
    ];
    for _ in 0..n {
        objects.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string());
    }
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The server still answers after a hostile upload.
async fn still_up(app: &TestApp) {
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_collaborator_import_with_a_cell_at_xfd1048576_is_refused_clearly() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let page = app
        .upload(
            "/collaborators/import",
            "ctv.xlsx",
            collaborators_with_a_far_cell(),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains(
        "Trang tính “Sheet1” khai báo 1.048.576 hàng × 16.384 cột; chỉ đọc tối đa 60.000 hàng × 64 cột.",
    );
    still_up(&app).await;
    assert!(
        !app.get("/collaborators")
            .await
            .body
            .contains("Người Xa Xôi")
    );
    // A zip bomb dressed as a workbook: refused from its directory, in English for English readers.
    app.post(
        "/lang",
        &[("lang", "en"), ("back", "/collaborators/import")],
    )
    .await;
    let page = app
        .upload(
            "/collaborators/import",
            "ctv.xlsx",
            zip_bomb("xl/worksheets/sheet1.xml", 8 << 20),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("The part “xl/worksheets/sheet1.xml” of the file is compressed");
    page.assert_contains("it is refused as a zip bomb");
    still_up(&app).await;
}

#[tokio::test]
async fn an_xlsform_with_a_cell_at_xfd1048576_is_refused_clearly() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Khảo sát bom", true).await;
    let page = app
        .upload(&format!("/surveys/{id}/import"), "demo.xlsx", demo_xlsx())
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("survey").unwrap();
    ws.write_string(0, 0, "type").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let page = app
        .upload(
            &format!("/surveys/{id}/import"),
            "bom.xlsx",
            book.save_to_buffer().unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains(
        "trang tính “survey” khai báo 1.048.576 hàng × 16.384 cột; chỉ đọc tối đa 100.000 hàng × 1.000 cột",
    );
    // A zip bomb too.
    let page = app
        .upload(
            &format!("/surveys/{id}/import"),
            "bom.xlsx",
            zip_bomb("xl/workbook.xml", 60 << 20),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("tệp giải nén ra ít nhất 60 MiB, quá giới hạn 50 MiB");
    still_up(&app).await;
    // The draft is the one imported before.
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Ông/bà bao nhiêu tuổi?");
}

#[tokio::test]
async fn monitoring_files_past_their_limits_are_refused_and_nothing_is_stored() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let items = duluan::monitoring::store::count_items(&app.db)
        .await
        .unwrap();
    let sources = duluan::monitoring::store::list_sources(&app.db)
        .await
        .unwrap()
        .len();
    let imports = duluan::monitoring::store::list_imports(&app.db, 1000)
        .await
        .unwrap()
        .len();
    // A Word file whose document part deflates a thousand times.
    let page = app
        .upload(
            "/monitoring/import",
            "bom.docx",
            zip_bomb("word/document.xml", 8 << 20),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("Thành phần “word/document.xml” của tệp được nén");
    page.assert_contains("tệp nén độc hại");
    // A PDF one page longer than the limit, refused before any page is read.
    let pages = duluan_extract::DEFAULT_MAX_PDF_PAGES + 1;
    let page = app
        .upload("/monitoring/import", "dai.pdf", pdf_with_pages(pages))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("Tệp PDF có 501 trang; chỉ đọc tối đa 500 trang.");
    still_up(&app).await;
    assert_eq!(
        duluan::monitoring::store::count_items(&app.db)
            .await
            .unwrap(),
        items
    );
    assert_eq!(
        duluan::monitoring::store::list_sources(&app.db)
            .await
            .unwrap()
            .len(),
        sources
    );
    assert_eq!(
        duluan::monitoring::store::list_imports(&app.db, 1000)
            .await
            .unwrap()
            .len(),
        imports
    );
}

#[tokio::test]
async fn a_docx_attachment_that_is_a_zip_bomb_is_refused() {
    let app = spawn_demo().await;
    let ward = duluan::orgs::resolve_unit_ref(&app.db, "31135")
        .await
        .unwrap()
        .unwrap();
    app.login_demo("reporter").await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let opened = app
        .post(
            "/reporting/reports/open",
            &[("assignment", &format!("1:{ward}")), ("period", &month)],
        )
        .await;
    let path = opened.location().to_string();
    let page = app
        .upload(
            &format!("{path}/attachments"),
            "bien-ban.docx",
            zip_bomb("word/document.xml", 8 << 20),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("Tệp Word bị từ chối");
    assert!(!app.get(&path).await.body.contains("bien-ban.docx"));
}
