//! Tests of the collaborator network through the real server: identity visible only to the
//! managing unit (and audited), pseudonyms elsewhere, the form and the CSV and XLSX imports (all or nothing,
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
    admin.assert_audited("collaborator.read_identity").await;
    admin.assert_audited("collaborator.read_names").await;
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

/// An XLSX workbook of rows (first row the header); a cell `=date:YYYY-MM-DD` is written as an
/// Excel date, a cell of digits only as a number.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if let Some(d) = cell.strip_prefix("=date:") {
                let p: Vec<u16> = d.split('-').map(|x| x.parse().unwrap()).collect();
                let dt = ExcelDateTime::from_ymd(p[0], p[1] as u8, p[2] as u8).unwrap();
                ws.write_datetime_with_format(r, c, dt, &date).unwrap();
            } else if !cell.is_empty() && cell.chars().all(|ch| ch.is_ascii_digit()) {
                ws.write_number(r, c, cell.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r, c, *cell).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_xlsx_import_keeps_the_csv_rules() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let header: &[&str] = &[
        "unit",
        "full_name",
        "phone",
        "consent_date",
        "stratum",
        "gender",
    ];
    // Row 3 has an impossible date, row 4 an unknown unit and stratum: nothing is saved, and the
    // errors name the sheet's row and the column by letter and header.
    let bad = workbook(&[
        header,
        &[
            "31135",
            "Lý Thị Kim",
            "903111222",
            "=date:2026-02-01",
            "nông dân",
            "nữ",
        ],
        &["31135", "Tô Văn Út", "", "31/02/2026", "farmer", "male"],
        &[
            "99999",
            "Châu Văn Bé",
            "",
            "=date:2026-02-01",
            "astronaut",
            "male",
        ],
    ]);
    let page = app.upload("/collaborators/import", "ctv.xlsx", bad).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Dòng 3, cột D (consent_date): Ngày phải có dạng");
    page.assert_contains("Dòng 4, cột A (unit): Không có đơn vị với mã này.");
    page.assert_contains("Dòng 4, cột E (stratum): Giá trị không có trong danh mục.");
    assert!(!app.get("/collaborators").await.body.contains("Lý Thị Kim"));
    // An unknown column is named by letter too.
    let odd = workbook(&[&["unit", "full_name", "consent_date", "shoe_size"]]);
    let page = app.upload("/collaborators/import", "ctv.xlsx", odd).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Dòng 1, cột D (shoe_size): Cột không có trong danh sách.");
    // Not a spreadsheet although it looks like one.
    let page = app
        .upload(
            "/collaborators/import",
            "ctv.xlsx",
            b"PK\x03\x04garbage".to_vec(),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Không đọc được bảng tính");
    // A good workbook: Excel dates and a numeric phone are read as text the checks accept.
    let good = workbook(&[
        header,
        &[
            "31135",
            "Lý Thị Kim",
            "903111222",
            "=date:2026-02-01",
            "nông dân",
            "nữ",
        ],
        &[],
        &["31135", "Tô Văn Út", "", "01/02/2026", "farmer", "male"],
    ]);
    let page = app.upload("/collaborators/import", "ctv.xlsx", good).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đã nhập 2 cộng tác viên.");
    let list = app.get("/collaborators").await;
    list.assert_contains("Lý Thị Kim");
    list.assert_contains("Tô Văn Út");
    let id = first_id(&app, "/collaborators", "Lý Thị Kim").await;
    let show = app.get(&format!("/collaborators/{id}")).await;
    show.assert_contains("903111222");
    show.assert_contains("01/02/2026");
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

#[tokio::test]
async fn the_centre_keeps_the_attribute_lists_and_the_inactivity_threshold() {
    let app = spawn_demo().await;
    // A ward's reporter may not change deployment settings.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter.get("/collaborators/settings").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reporter
            .post("/collaborators/settings", &[("inactive_after", "6")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.login_demo("analyst").await;
    let page = app.get("/collaborators/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("value=\"3\"");
    page.assert_contains("Phật giáo Hòa Hảo");
    // The threshold: checked, saved, audited, and used by the registry.
    let bad = app
        .post("/collaborators/settings", &[("inactive_after", "0")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Số kỳ phải là số nguyên từ 1 đến 24.");
    let ok = app
        .post("/collaborators/settings", &[("inactive_after", "6")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    app.get("/collaborators")
        .await
        .assert_contains("trong 6 tháng gần nhất");
    // A new value of a list, then renamed; it is offered by the form and accepted by imports.
    let bad = app
        .post(
            "/collaborators/settings/values",
            &[
                ("dimension", "stratum"),
                ("key", "Ngư dân"),
                ("name_vi", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Mã chỉ gồm chữ thường không dấu");
    bad.assert_contains("Cần tên tiếng Việt");
    let added = app
        .post(
            "/collaborators/settings/values",
            &[
                ("dimension", "stratum"),
                ("key", "fisher"),
                ("name_vi", "Ngư dân"),
                ("name_en", "Fishers"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let renamed = app
        .post(
            "/collaborators/settings/values",
            &[
                ("dimension", "stratum"),
                ("key", "fisher"),
                ("name_vi", "Ngư dân, người nuôi trồng thủy sản"),
                ("name_en", "Fishers and fish farmers"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let form = app.get("/collaborators/new").await;
    form.assert_contains("Ngư dân, người nuôi trồng thủy sản");
    let created = app
        .post(
            "/collaborators/new",
            &[
                ("unit", "31135"),
                ("full_name", "Thạch Văn Biển"),
                ("consent_date", "2026-01-02"),
                ("stratum", "fisher"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    // A value in use cannot be removed; an unused one can.
    let refused = app
        .post(
            "/collaborators/settings/values/delete",
            &[("dimension", "stratum"), ("key", "fisher")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("1 cộng tác viên và 0 chỉ tiêu");
    let removed = app
        .post(
            "/collaborators/settings/values/delete",
            &[("dimension", "religion"), ("key", "protestantism")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/collaborators/settings")
            .await
            .body
            .contains("Tin Lành")
    );
    // Every change is in the audit log.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    for action in [
        "collaborator_settings.inactivity",
        "collaborator_settings.value_add",
        "collaborator_settings.value_rename",
        "collaborator_settings.value_delete",
    ] {
        admin.assert_audited(action).await;
    }
    // The administrator at the top keeps them too.
    assert_eq!(
        admin.get("/collaborators/settings").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn briefing_attendance_counts_as_activity() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let list = app.get("/collaborators").await;
    // The demo's collaborators have no activity yet: flagged inactive.
    list.assert_contains("Không hoạt động");
    // The old page of attendance records leads to the briefings context's sessions.
    let old = app.get("/collaborators/briefings").await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.location(), "/briefings/sessions");
    // A briefing held this morning is recorded after the fact: nobody is invited.
    let ward = app.unit_id("31135").await.to_string();
    // Two hours ago, in Vietnam's time (the form's).
    let at = chrono::Utc::now() - chrono::Duration::hours(2);
    let today = duluan::kit::time::vn_date(at);
    let local = at.with_timezone(&duluan::kit::time::vn_offset());
    let recorded = app
        .post(
            "/briefings/sessions",
            &[
                ("unit", ward.as_str()),
                ("title", "Quán triệt tình hình tháng"),
                ("starts", &local.format("%Y-%m-%dT%H:%M").to_string()),
                ("place", "Trụ sở khu vực"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert!(
        recorded.location().ends_with("?ok=recorded"),
        "{}",
        recorded.location()
    );
    let session = recorded.location().split('?').next().unwrap().to_string();
    let page = app.get(&session).await;
    page.assert_contains("Không có cộng tác viên nào");
    // The ward's three collaborators are offered by pseudonym only.
    assert_eq!(page.body.matches("name=\"attendee\"").count(), 3);
    assert!(!page.body.contains("Trần Văn Bình"));
    let pseudonyms: Vec<String> = page
        .body
        .match_indices("name=\"attendee\" value=\"")
        .map(|(i, m)| {
            page.body[i + m.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let other = app.unit_id("31120").await;
    // A collaborator of another ward and an unknown id: nothing is saved.
    let outsider = duluan::collaborators::store::list_collaborators(&app.db, &[other], 10)
        .await
        .unwrap()[0]
        .pseudonym
        .clone();
    let bad = app
        .post(
            &format!("{session}/held"),
            &[
                ("attendee", pseudonyms[0].as_str()),
                ("attendees", &format!("{outsider}, CTV-NOPE0000")),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Không có cộng tác viên với mã: CTV-NOPE0000.");
    bad.assert_contains(&format!("Không thuộc đơn vị này: {outsider}."));
    assert!(!app.get(&session).await.body.contains("id=\"attendees\""));
    // Two of three attend (one ticked, one typed in lower case).
    let ok = app
        .post(
            &format!("{session}/held"),
            &[
                ("attendee", pseudonyms[0].as_str()),
                ("attendees", &pseudonyms[1].to_lowercase()),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let held = app.get(&session).await;
    held.assert_contains("2 cộng tác viên có mặt.");
    held.assert_contains(&pseudonyms[1]);
    // Attendance feeds the activity of the month and lifts the inactivity flag of those two.
    let list = app.get("/collaborators").await;
    assert_eq!(list.body.matches("badge warn").count(), 1, "{}", list.body);
    let id = first_id(&app, "/collaborators", &pseudonyms[0]).await;
    let month = today.format("%Y-%m").to_string();
    app.get(&format!("/collaborators/{id}"))
        .await
        .assert_contains(&format!("<td>{month}</td><td>0</td><td>1</td>"));
    // A correction: only the first attended. The second's month loses the briefing.
    let fixed = app
        .post(
            &format!("{session}/held"),
            &[("attendee", pseudonyms[0].as_str()), ("minutes", "")],
        )
        .await;
    assert!(
        fixed.location().ends_with("?ok=attendance"),
        "{}",
        fixed.body
    );
    app.get(&session)
        .await
        .assert_contains("1 cộng tác viên có mặt.");
    let list = app.get("/collaborators").await;
    assert_eq!(list.body.matches("badge warn").count(), 2, "{}", list.body);
    // Others in the city may read it; the viewer may not correct it.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    assert_eq!(viewer.get(&session).await.status, StatusCode::OK);
    assert_eq!(
        viewer
            .post(&format!("{session}/held"), &[("minutes", "")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let admin = app.other_client();
    admin.login_demo("admin").await;
    admin.assert_audited("collaborator_briefing.create").await;
    admin.assert_audited("collaborator_briefing.correct").await;
}
