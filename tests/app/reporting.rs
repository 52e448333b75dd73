//! Tests of the reporting context through the real server: opinion streams with the personal-data
//! warning, report types, the review workflow and its locks, completeness counted by hand on the
//! demo, the synthesis workspace (merge, edit, unmerge, draft), scoping, and a phone journey in
//! headless Chromium.

#[path = "reporting/atomic.rs"]
mod atomic;
#[path = "reporting/bounds.rs"]
mod bounds;
#[path = "reporting/journey.rs"]
mod journey;
#[path = "reporting/reminders.rs"]
pub mod reminders;

use chrono::{Datelike, Duration, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

pub(crate) fn this_month() -> String {
    let d = Utc::now().date_naive();
    format!("{:04}-{:02}", d.year(), d.month())
}

fn last_month() -> String {
    let t = Utc::now().date_naive();
    let d = t - Duration::days(t.day() as i64);
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn unit(app: &TestApp, code: &str) -> i64 {
    duluan::orgs::resolve_unit_ref(&app.db, code)
        .await
        .unwrap()
        .unwrap()
}

async fn topic(app: &TestApp, key: &str) -> i64 {
    duluan::reporting::store::list_topics(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key == key)
        .unwrap()
        .id
}

/// The id at the end of a redirect like `/reporting/reports/12?ok=…`.
pub(crate) fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no id in {location:?}"))
}

async fn post_stream(app: &TestApp, fields: &[(&str, &str)]) -> crate::helpers::Page {
    app.post("/reporting/streams/new", fields).await
}

#[tokio::test]
async fn a_collaborator_reports_a_stream_and_is_warned_about_personal_data() {
    let app = spawn_demo().await;
    app.login_demo("ctv").await;
    let form = app.get("/reporting/streams/new").await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Ghi nhận luồng ý kiến");
    form.assert_contains("Sạt lở bờ sông");
    let ward = unit(&app, "31135").await.to_string();
    let topic = topic(&app, "economy_prices").await.to_string();
    let month = this_month();
    let mut fields = vec![
        ("client_id", "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"),
        ("unit_id", ward.as_str()),
        ("period", month.as_str()),
        ("topic_id", topic.as_str()),
        (
            "summary",
            "Tiểu thương chợ Tân An lo lắng giá thuê ki-ốt tăng mạnh từ tháng sau.",
        ),
        ("scope", "local"),
        ("breadth", "many"),
        ("direction", "worried"),
        ("intensity", "high"),
        (
            "causes",
            "Bà Nguyễn Thị Lan (0903 123 456) cho biết ban quản lý chợ tăng giá.",
        ),
    ];
    // Personal data: warned, highlighted, nothing saved.
    let warned = post_stream(&app, &fields).await;
    assert_eq!(warned.status, StatusCode::UNPROCESSABLE_ENTITY);
    warned.assert_contains("Có thể có thông tin cá nhân");
    warned.assert_contains("<mark class=\"pii\" title=\"số điện thoại\">0903 123 456</mark>");
    warned.assert_contains("<mark class=\"pii\" title=\"tên người\">Nguyễn Thị Lan</mark>");
    let list = app.get("/reporting/streams").await;
    assert!(!list.body.contains("giá thuê ki-ốt"));
    // Confirmed: saved once, even when the phone sends it twice.
    fields.push(("confirm_pii", "yes"));
    let saved = post_stream(&app, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let again = post_stream(&app, &fields).await;
    assert_eq!(again.location(), saved.location());
    let page = app.get(saved.location()).await;
    page.assert_contains("Đã lưu luồng ý kiến.");
    page.assert_contains("giá thuê ki-ốt");
    page.assert_contains("Lo lắng");
    let list = app.get("/reporting/streams").await;
    assert_eq!(list.body.matches("giá thuê ki-ốt").count(), 1);
}

#[tokio::test]
async fn bad_stream_input_names_the_fields() {
    let app = spawn_demo().await;
    app.login_demo("ctv").await;
    let ward = unit(&app, "31135").await.to_string();
    let page = post_stream(
        &app,
        &[
            ("unit_id", ward.as_str()),
            ("period", "2026-13"),
            ("topic_id", ""),
            ("summary", "ngắn"),
            ("scope", "galactic"),
            ("breadth", "many"),
            ("direction", "worried"),
            ("intensity", "high"),
            ("evidence", "không phải đường dẫn"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Tháng phải có dạng NNNN-TT");
    page.assert_contains("Chọn một chủ đề trong danh mục.");
    page.assert_contains("Nội dung cần ít nhất 10 ký tự.");
    page.assert_contains("Chọn một trong các giá trị được liệt kê.");
    page.assert_contains("Mỗi dòng phải là một địa chỉ bắt đầu bằng https://");
    // Another commune's unit: refused as a field error, nothing saved.
    let other = unit(&app, "31120").await.to_string();
    let topic = topic(&app, "health").await.to_string();
    let month = this_month();
    let page = post_stream(
        &app,
        &[
            ("unit_id", other.as_str()),
            ("period", month.as_str()),
            ("topic_id", topic.as_str()),
            (
                "summary",
                "Người dân băn khoăn về chất lượng khám chữa bệnh tuyến xã.",
            ),
            ("scope", "local"),
            ("breadth", "some"),
            ("direction", "uneasy"),
            ("intensity", "low"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Chọn một đơn vị mà bạn được phép báo cáo.");
}

#[tokio::test]
async fn the_monthly_report_goes_from_draft_to_accepted_and_locks() {
    let app = spawn_demo().await;
    let ward = unit(&app, "31135").await;
    app.login_demo("reporter").await;
    let reports = app.get("/reporting/reports").await;
    reports.assert_contains("Báo cáo tình hình dư luận xã hội tháng — Phường Ninh Kiều");
    let month = this_month();
    let assignment = format!("1:{ward}");
    let opened = app
        .post(
            "/reporting/reports/open",
            &[("assignment", &assignment), ("period", &month)],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let id = id_in(opened.location());
    let path = format!("/reporting/reports/{id}");
    let draft = app.get(&path).await;
    draft.assert_contains("Bản nháp");
    // The collaborator's stream of the ward is offered.
    draft.assert_contains("ùn tắc giao thông");
    let stream = duluan::reporting::store::list_streams_of_units(&app.db, &[ward], &month, 10)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let submitted = app
        .post(
            &path,
            &[
                ("general_mood", "Tình hình tư tưởng ổn định."),
                ("stream", &stream),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let page = app.get(&path).await;
    page.assert_contains("Đã gửi");
    page.assert_contains("Trong địa phương");
    page.assert_contains("ùn tắc giao thông");
    // Submitted: no more edits by the unit.
    let refused = app
        .post(
            &path,
            &[("general_mood", "Sửa sau khi gửi"), ("action", "save")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    refused.assert_contains("đang chờ duyệt");
    // The reporter may not review their own report.
    let forbidden = app.post(&format!("{path}/accept"), &[]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let centre = app.other_client();
    centre.login_demo("analyst").await;
    let waiting = centre.get("/reporting/reports").await;
    waiting.assert_contains("Chờ duyệt");
    let no_comment = centre
        .post(&format!("{path}/return"), &[("comment", " ")])
        .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_comment.assert_contains("Cần ghi ý kiến khi trả lại báo cáo.");
    let returned = centre
        .post(
            &format!("{path}/return"),
            &[("comment", "Bổ sung nguyên nhân và kiến nghị.")],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await;
    page.assert_contains("Trả lại");
    page.assert_contains("Bổ sung nguyên nhân và kiến nghị.");
    let resent = app
        .post(
            &path,
            &[
                ("general_mood", "Tình hình tư tưởng ổn định."),
                ("causes", "Hạ tầng giao thông chưa theo kịp."),
                ("stream", &stream),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    let accepted = centre.post(&format!("{path}/accept"), &[]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    // Accepted is locked: edits and submission are refused with the reason.
    let locked = app
        .post(
            &path,
            &[("general_mood", "Sửa sau khi khóa"), ("action", "save")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    locked.assert_contains("Báo cáo đã khóa");
    // Only the centre reopens, and only with a reason.
    assert_eq!(
        app.post(&format!("{path}/reopen"), &[("comment", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let no_reason = centre.post(&format!("{path}/reopen"), &[]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reopened = centre
        .post(
            &format!("{path}/reopen"),
            &[("comment", "Đơn vị xin bổ sung số liệu.")],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await;
    page.assert_contains("Bản nháp");
    page.assert_contains("Đơn vị xin bổ sung số liệu.");
    let history = page.body.split("Lịch sử").nth(1).unwrap().to_string();
    for step in ["Đã gửi", "Trả lại", "Đã tiếp nhận", "Bản nháp"] {
        assert!(history.contains(step), "{step} missing in the history");
    }
    // Every step is in the audit log.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    for action in [
        "report.create",
        "report.submit",
        "report.return",
        "report.accept",
        "report.reopen",
    ] {
        admin.assert_audited(action).await;
    }
}

#[tokio::test]
async fn completeness_of_the_demo_matches_a_hand_count() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let last = last_month();
    let page = app
        .get(&format!(
            "/reporting/completeness?type=1&from={last}&to={last}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // 103 communes and wards assigned; the demo sent 95, the first 80 by the due date.
    page.assert_contains("<strong id=\"expected\">103</strong>");
    page.assert_contains("<strong id=\"submitted\">95</strong>");
    page.assert_contains("<strong id=\"on-time\">80</strong>");
    page.assert_contains("<strong id=\"rate\">92.2 %</strong>"); // 95/103
    page.assert_contains("<strong id=\"timeliness\">77.7 %</strong>"); // 80/103
    page.assert_contains("Đơn vị còn thiếu báo cáo (8)");
    // The city's rows are its communes: each cell links to its report, late ones marked.
    assert_eq!(
        page.body
            .matches("<td class=\"cell on-time\"><a href=\"/reporting/reports/")
            .count(),
        80
    );
    assert_eq!(
        page.body
            .matches("<td class=\"cell late\"><a href=\"/reporting/reports/")
            .count(),
        15
    );
    assert_eq!(page.body.matches("<td class=\"cell none\">").count(), 8);
    // Two months: this month 6 of 103 so far.
    let month = this_month();
    let page = app
        .get(&format!(
            "/reporting/completeness?type=1&from={last}&to={month}"
        ))
        .await;
    page.assert_contains("<strong id=\"expected\">206</strong>");
    page.assert_contains("<strong id=\"submitted\">101</strong>");
    page.assert_contains("<th>6/103</th>");
    // Drill-down into one ward: one expected report per month.
    let ward = unit(&app, "31135").await;
    let page = app
        .get(&format!(
            "/reporting/completeness?type=1&from={last}&to={month}&unit={ward}"
        ))
        .await;
    page.assert_contains("<strong id=\"expected\">2</strong>");
    // A reporter sees only their ward, not the city.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let city = unit(&app, "92").await;
    let page = reporter
        .get(&format!("/reporting/completeness?type=1&unit={city}"))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = reporter
        .get(&format!(
            "/reporting/completeness?type=1&from={last}&to={last}"
        ))
        .await;
    page.assert_contains("<strong id=\"expected\">1</strong>");
}

#[tokio::test]
async fn the_centre_merges_the_same_stream_from_three_communes() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let month = this_month();
    let page = app.get("/reporting/synthesis").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Sạt lở bờ sông");
    assert_eq!(page.body.matches("sạt lở bờ sông kéo dài").count(), 3);
    let erosion: Vec<String> = duluan::reporting::store::list_period_streams(&app.db, &month)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.summary.contains("sạt lở bờ sông kéo dài"))
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(erosion.len(), 3);
    let fields: Vec<(&str, &str)> = erosion.iter().map(|id| ("stream", id.as_str())).collect();
    let merged = app.post("/reporting/synthesis/merge", &fields).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let page = app
        .get(&format!("/reporting/synthesis?period={month}"))
        .await;
    page.assert_contains("3 đơn vị phản ánh");
    let city_id: i64 = merged
        .location()
        .rsplit("#city-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Edit the city stream's text.
    let edited = app
        .post(
            &format!("/reporting/city-streams/{city_id}"),
            &[
                (
                    "summary",
                    "Nhân dân ba địa phương ven sông lo lắng về sạt lở, mong sớm có kè.",
                ),
                ("scope", "local"),
                ("direction", "worried"),
                ("recommendation", "Ưu tiên vốn xây kè năm tới."),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let draft = app
        .get(&format!("/reporting/synthesis/draft?period={month}"))
        .await;
    draft.assert_contains("Dự thảo báo cáo tổng hợp dư luận xã hội tháng");
    draft.assert_contains("Nhân dân ba địa phương ven sông lo lắng về sạt lở");
    draft.assert_contains("3 đơn vị phản ánh");
    draft.assert_contains("Ưu tiên vốn xây kè năm tới.");
    // Unmerge one: breadth 2.
    let out = app
        .post(
            &format!("/reporting/city-streams/{city_id}/unmerge/{}", erosion[0]),
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/reporting/synthesis?period={month}"))
        .await;
    page.assert_contains("2 đơn vị phản ánh");
    // A reporter has no synthesis workspace and cannot merge.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter.get("/reporting/synthesis").await.status,
        StatusCode::FORBIDDEN
    );
    let fields: Vec<(&str, &str)> = erosion.iter().map(|id| ("stream", id.as_str())).collect();
    assert_eq!(
        reporter
            .post("/reporting/synthesis/merge", &fields)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_unit_cannot_read_or_change_a_neighbours_reports() {
    let app = spawn_demo().await;
    let month = this_month();
    // A report of another commune, submitted in the demo.
    let other: Vec<_> = duluan::reporting::store::list_period_streams(&app.db, &month)
        .await
        .unwrap();
    let neighbour_stream = other[0].id;
    let neighbour_report = other[0].report_id.unwrap();
    app.login_demo("reporter").await;
    let path = format!("/reporting/reports/{neighbour_report}");
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&path, &[("general_mood", "x"), ("action", "save")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&format!("{path}/submit"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/reporting/streams/{neighbour_stream}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Opening a report for a neighbour's unit is refused.
    let neighbour_unit = other[0].unit_id;
    let assignment = format!("1:{neighbour_unit}");
    let page = app
        .post(
            "/reporting/reports/open",
            &[("assignment", &assignment), ("period", &month)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The list shows no neighbour's report.
    let list = app.get("/reporting/reports").await;
    assert!(
        !list
            .body
            .contains(&format!("/reporting/reports/{neighbour_report}\""))
    );
    // A collaborator has no report pages of a neighbour either.
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert_eq!(ctv.get(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_centre_sends_an_adhoc_request_to_chosen_units() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let bad = app
        .post(
            "/reporting/types",
            &[
                ("kind", "adhoc"),
                ("name", "Dư luận về giá điện"),
                ("due_day", "15"),
                ("lock_after_days", "5"),
                ("due_hours", "24"),
                ("deadline", ""),
                ("units", "31135 99999"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Báo cáo chuyên đề và yêu cầu đột xuất cần có hạn nộp.");
    bad.assert_contains("Có mã đơn vị không tồn tại.");
    let deadline = (Utc::now() + Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    let ok = app
        .post(
            "/reporting/types",
            &[
                ("kind", "adhoc"),
                ("name", "Dư luận về giá điện"),
                ("due_day", "15"),
                ("lock_after_days", "5"),
                ("due_hours", "24"),
                ("deadline", &deadline),
                ("units", "31135, 31120"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let types = app.get("/reporting/types").await;
    types.assert_contains("Dư luận về giá điện");
    types.assert_contains("Yêu cầu đột xuất");
    // The ward's reporter answers it.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let page = reporter.get("/reporting/reports").await;
    page.assert_contains("Dư luận về giá điện — Phường Ninh Kiều");
    let ward = unit(&app, "31135").await;
    let opened = reporter
        .post(
            "/reporting/reports/open",
            &[("assignment", &format!("3:{ward}")), ("period", "")],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = reporter.get(opened.location()).await;
    page.assert_contains("Dư luận về giá điện");
    page.assert_contains("Một lần");
    // A reporter cannot create types.
    assert_eq!(
        reporter
            .post("/reporting/types", &[("kind", "monthly"), ("name", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_collaborator_reports_a_stream_on_a_phone() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::browser().await else {
        return;
    };
    let app = spawn_demo().await;
    let c = &b.client;
    crate::browser::log_in(c, &app.base, "ctv").await;
    c.goto(&format!("{}/reporting/streams/new", app.base))
        .await
        .unwrap();
    let topic = topic(&app, "environment").await;
    c.find(Locator::Css(&format!("#topic_id option[value='{topic}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("summary"))
        .await
        .unwrap()
        .send_keys("Người dân khu vực 3 bức xúc vì mùi hôi từ bãi rác tạm gần chợ.")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=direction][value=indignant]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::screenshot(c, "reporting-stream-phone").await;
    c.find(Locator::Id("save-stream"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("div.flash"))
        .await
        .unwrap();
    let body = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Đã lưu luồng ý kiến."), "{body}");
    assert!(body.contains("Bức xúc"), "{body}");
    crate::browser::screenshot(c, "reporting-stream-saved-phone").await;
}

#[tokio::test]
async fn attachments_are_checked_stored_and_served_only_to_readers() {
    let app = spawn_demo().await;
    let ward = unit(&app, "31135").await;
    app.login_demo("reporter").await;
    let month = this_month();
    let opened = app
        .post(
            "/reporting/reports/open",
            &[("assignment", &format!("1:{ward}")), ("period", &month)],
        )
        .await;
    let path = opened.location().to_string();
    let id = id_in(&path);
    let upload = format!("/reporting/reports/{id}/attachments");
    let pdf = b"%PDF-1.4\n% bien ban giao ban\n".to_vec();
    let done = app
        .upload(&upload, "Biên bản giao ban.pdf", pdf.clone())
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(&path).await;
    page.assert_contains("Biên bản giao ban.pdf");
    let start =
        page.body.find("/reporting/attachments/").unwrap() + "/reporting/attachments/".len();
    let aid: i64 = page.body[start..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let file = app
        .client
        .get(format!("{}/reporting/attachments/{aid}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);
    // Kept in the database, not in the server's folder (every node serves it; a backup holds it).
    assert_eq!(
        duluan::reporting::store::find_contents(&app.db, aid)
            .await
            .unwrap(),
        Some(pdf.clone())
    );
    assert!(!app.data_dir().join("attachments/reports").exists());
    // Refused: another type, a disguised file, an oversized file.
    let exe = app.upload(&upload, "setup.exe", b"MZ....".to_vec()).await;
    assert_eq!(exe.status, StatusCode::BAD_REQUEST);
    exe.assert_contains("Chỉ nhận tệp PDF, DOCX, PNG hoặc JPEG.");
    let fake = app.upload(&upload, "anh.png", b"%PDF-1.4".to_vec()).await;
    assert_eq!(fake.status, StatusCode::BAD_REQUEST);
    fake.assert_contains("Nội dung tệp không khớp");
    let mut big = b"%PDF-1.4".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let big = app.upload(&upload, "lon.pdf", big).await;
    assert!(
        matches!(
            big.status,
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{}",
        big.status
    );
    // Only readers of the report get the file.
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert_eq!(
        ctv.get(&format!("/reporting/attachments/{aid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let analyst = app.other_client();
    analyst.login_demo("analyst").await;
    assert_eq!(
        analyst
            .get(&format!("/reporting/attachments/{aid}"))
            .await
            .status,
        StatusCode::OK
    );
    // After submission the report, and its attachments, are no longer editable.
    let sent = app
        .post(&format!("/reporting/reports/{id}/submit"), &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let late = app.upload(&upload, "them.pdf", pdf).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

/// A file a server kept in its folder before migration 0045 is served from there, then moved
/// into the database at the next start, and served from the database.
#[tokio::test]
async fn attachment_files_of_older_releases_move_into_the_database() {
    let app = spawn_demo().await;
    let ward = unit(&app, "31135").await;
    app.login_demo("reporter").await;
    let opened = app
        .post(
            "/reporting/reports/open",
            &[
                ("assignment", &format!("1:{ward}")),
                ("period", &this_month()),
            ],
        )
        .await;
    let id = id_in(opened.location());
    // The row as an older release wrote it: no contents, the file in the folder.
    let key = "0190a1b2c3d4e5f60718293a4b5c6d7e";
    let folder = app.data_dir().join("attachments/reports");
    std::fs::create_dir_all(&folder).unwrap();
    let old = b"%PDF-1.4\n% bao cao cu\n".to_vec();
    std::fs::write(folder.join(key), &old).unwrap();
    let aid: i64 = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "INSERT INTO report_attachments (report_id, file_name, content_type, size, storage_key, uploaded_by, created_at)
         VALUES ($1, 'cu.pdf', 'application/pdf', $2, $3, NULL, $4) RETURNING id"
    )
    .bind(id)
    .bind(old.len() as i64)
    .bind(key)
    .bind(Utc::now())
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let get = || async {
        app.client
            .get(format!("{}/reporting/attachments/{aid}", app.base))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    };
    assert_eq!(get().await, old);
    let moved = duluan::reporting::attachments::move_files_in(app.state())
        .await
        .unwrap();
    assert_eq!(moved, 1);
    assert!(!folder.join(key).exists());
    assert_eq!(
        duluan::reporting::store::find_contents(&app.db, aid)
            .await
            .unwrap(),
        Some(old.clone())
    );
    assert_eq!(get().await, old);
    assert_eq!(
        duluan::reporting::attachments::move_files_in(app.state())
            .await
            .unwrap(),
        0
    );
}
