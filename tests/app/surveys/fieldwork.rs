//! Fieldwork through the real server: a frame imported from CSV (all or nothing, errors by row
//! and column), a stratified sample drawn with a seed, batches released by mode with design
//! weights, the sample-size calculator, a frame built from the tree and drawn by PPS, contacts
//! read only on request and audited, and the AAPOR rates of the monitor checked against rates
//! computed by hand.

use duluan::with_db;
use reqwest::StatusCode;

use super::create_survey;
use crate::helpers::{TestApp, spawn_demo};

/// A frame of 300 households: 180 in Ninh Kiều, 120 in Cái Khế; even rows have an e-mail.
fn frame_csv() -> String {
    let mut s = String::from("id,stratum,unit,email,phone,lang,gioi_tinh\n");
    for i in 1..=300 {
        let ward = if i <= 180 { "31135" } else { "31120" };
        let email = if i % 2 == 0 {
            format!("ho{i}@example.vn")
        } else {
            String::new()
        };
        let sex = if i % 3 == 0 { "nữ" } else { "nam" };
        s.push_str(&format!(
            "h{i:03},{ward},{ward},{email},0901 000 {i:03},vi,{sex}\n"
        ));
    }
    s
}

pub(super) async fn upload_frame(
    app: &TestApp,
    survey: i64,
    name: &str,
    csv: &str,
) -> crate::helpers::Page {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("khung.csv");
    let form = reqwest::multipart::Form::new()
        .text("name", name.to_string())
        .part("file", part);
    TestApp::read(
        app.client
            .post(format!("{}/surveys/{survey}/fieldwork/frames", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// The value of `rate` in the last column (all modes) of the monitor's rates table.
fn rate(body: &str, rate: &str) -> String {
    let row_start = body
        .find(&format!("<th scope=\"row\">{rate}</th>"))
        .unwrap_or_else(|| panic!("no row {rate}"));
    let row = &body[row_start..body[row_start..].find("</tr>").unwrap() + row_start];
    let last = row.rfind("\">").unwrap();
    row[last + 2..row[last..].find("</td>").unwrap() + last].to_string()
}

#[tokio::test]
async fn a_designer_imports_a_frame_draws_a_stratified_sample_and_releases_it_by_mode() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let survey = create_survey(&app, "92", "Khảo sát hộ gia đình", false).await;

    // A frame with mistakes is refused whole, each mistake with its row and column.
    let bad = "id,stratum,email,size\nh1,A,a@x.vn,1\nh1,A,not-mail,2\nh3,,b@x.vn,-4\n";
    let page = upload_frame(&app, survey, "Sai", bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Chưa lưu gì");
    page.assert_contains("Dòng 3, cột id: Mã trùng với dòng 2.");
    page.assert_contains("Dòng 3, cột email: “not-mail” không phải là địa chỉ thư điện tử.");
    page.assert_contains("Dòng 4, cột size: Quy mô “-4” phải là số dương.");
    let frames = "SELECT COUNT(*) FROM survey_frames WHERE survey_id = $1";
    assert_eq!(scalar(&app, frames, survey).await, 0);

    let page = upload_frame(&app, survey, "Hộ gia đình 2026", &frame_csv()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = app
        .get(&format!("/surveys/{survey}/fieldwork/frames"))
        .await;
    list.assert_contains("Hộ gia đình 2026");
    list.assert_contains("gioi_tinh");
    let frame_id = scalar(
        &app,
        "SELECT MAX(id) FROM survey_frames WHERE survey_id = $1",
        survey,
    )
    .await;
    let contacts = "SELECT COUNT(*) FROM survey_contacts c JOIN survey_frame_rows r ON r.id = c.frame_row_id WHERE r.frame_id = $1";
    assert_eq!(scalar(&app, contacts, frame_id).await, 300);

    // An impossible design changes nothing and says why.
    let fid = frame_id.to_string();
    let draw = |n: &'static str, seed: &'static str| {
        vec![
            ("frame", fid.clone()),
            ("method", "stratified".to_string()),
            ("n", n.to_string()),
            ("allocation", "proportional".to_string()),
            ("seed", seed.to_string()),
            ("replicates", "2".to_string()),
        ]
    };
    let form = draw("1000", "12345");
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = app
        .post(&format!("/surveys/{survey}/fieldwork/samples"), &refs)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Không thể rút mẫu theo thiết kế này");
    let cases = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1";
    assert_eq!(scalar(&app, cases, survey).await, 0);

    // 60 of 300, proportional: 36 in Ninh Kiều, 24 in Cái Khế, each with π = 0.2.
    let form = draw("60", "12345");
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = app
        .post(&format!("/surveys/{survey}/fieldwork/samples"), &refs)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, cases, survey).await, 60);
    let in_nk = "SELECT COUNT(*) FROM survey_cases k JOIN survey_frame_rows r ON r.id = k.frame_row_id WHERE k.survey_id = $1 AND r.stratum = '31135'";
    assert_eq!(scalar(&app, in_nk, survey).await, 36);
    let odd_prob = "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND ABS(inclusion_prob - 0.2) > 1e-9";
    assert_eq!(scalar(&app, odd_prob, survey).await, 0);
    let sample_id = scalar(
        &app,
        "SELECT MAX(id) FROM survey_samples WHERE survey_id = $1",
        survey,
    )
    .await;
    let samples = app
        .get(&format!("/surveys/{survey}/fieldwork/samples"))
        .await;
    samples.assert_contains("60 trường hợp");
    samples.assert_contains("12345");

    // E-mail for the whole batch is refused: half the households have no address.
    let release = format!("/surveys/{survey}/fieldwork/samples/{sample_id}/release");
    let page = app
        .post(&release, &[("batch", "1"), ("mode", "email")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("không có địa chỉ thư điện tử: chưa phát hành trường hợp nào");
    let released =
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL";
    assert_eq!(scalar(&app, released, survey).await, 0);

    // E-mail where there is an address, telephone otherwise.
    let page = app
        .post(&release, &[("batch", "1"), ("mode", "auto")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, released, survey).await, 30);
    let by_email = "SELECT COUNT(*) FROM survey_cases k JOIN survey_frame_rows r ON r.id = k.frame_row_id JOIN survey_contacts c ON c.frame_row_id = r.id WHERE k.survey_id = $1 AND k.released_at IS NOT NULL AND k.mode = 'email' AND c.email IS NOT NULL";
    let emailable = "SELECT COUNT(*) FROM survey_cases k JOIN survey_contacts c ON c.frame_row_id = k.frame_row_id WHERE k.survey_id = $1 AND k.released_at IS NOT NULL AND c.email IS NOT NULL";
    assert_eq!(
        scalar(&app, by_email, survey).await,
        scalar(&app, emailable, survey).await
    );
    // Half of each stratum is out: each released case stands for 300 / 30 = 10 households, and
    // the released weights add up to the frame.
    let weights: Vec<f64> = with_db!(&app.db, |pool| sqlx::query_scalar::<_, f64>(
        "SELECT weight FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap());
    assert!(
        weights.iter().all(|w| (w - 10.0).abs() < 1e-9),
        "{weights:?}"
    );
    assert!((weights.iter().sum::<f64>() - 300.0).abs() < 1e-6);
    // A batch is released once.
    let again = app
        .post(&release, &[("batch", "1"), ("mode", "auto")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("Đợt 1 đã được phát hành");

    // The monitor: every released case is still "invited, nothing returned".
    let monitor = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(monitor.status, StatusCode::OK);
    monitor.assert_contains("Còn 30 trường hợp dự phòng chưa phát hành.");
    assert_eq!(rate(&monitor.body, "RR1"), "0.0");

    // Outcomes as the modes of the next steps will set them (I 6, P 2, R 3, NC 4, NE 1, and 14
    // still unknown), then the rates computed by hand:
    // RR1 = 6/29, RR2 = 8/29, RR3 (e = 0.8) = 6/26.2, RR5 = 6/15, COOP1 = 6/11, REF1 = 3/29,
    // CON1 = 11/29, CON3 = 11/15; e estimated from resolved cases = 15/16.
    let ids: Vec<i64> = with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "SELECT id FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL ORDER BY id"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    let plan = [
        ("1.1", 6),
        ("1.2", 2),
        ("2.11", 3),
        ("2.20", 4),
        ("4.10", 1),
    ];
    let mut at = 0;
    for (code, n) in plan {
        for id in &ids[at..at + n] {
            with_db!(&app.db, |pool| {
                sqlx::query("UPDATE survey_cases SET disposition = $1 WHERE id = $2")
                    .bind(code)
                    .bind(*id)
                    .execute(pool)
                    .await
                    .unwrap();
            });
        }
        at += n;
    }
    let monitor = app.get(&format!("/surveys/{survey}/fieldwork?e=80")).await;
    let pct = |x: f64| format!("{:.1}", x * 100.0);
    assert_eq!(rate(&monitor.body, "RR1"), pct(6.0 / 29.0));
    assert_eq!(rate(&monitor.body, "RR2"), pct(8.0 / 29.0));
    assert_eq!(rate(&monitor.body, "RR3"), pct(6.0 / 26.2));
    assert_eq!(rate(&monitor.body, "RR5"), pct(6.0 / 15.0));
    assert_eq!(rate(&monitor.body, "COOP1"), pct(6.0 / 11.0));
    assert_eq!(rate(&monitor.body, "REF1"), pct(3.0 / 29.0));
    assert_eq!(rate(&monitor.body, "CON1"), pct(11.0 / 29.0));
    assert_eq!(rate(&monitor.body, "CON3"), pct(11.0 / 15.0));
    monitor.assert_contains(&format!("{} %", pct(15.0 / 16.0)));
    let bad_e = app.get(&format!("/surveys/{survey}/fieldwork?e=180")).await;
    bad_e.assert_contains("“180” không phải là tỷ lệ phần trăm từ 0 đến 100.");

    // Contacts: never on the lists; on a case only when asked, and each read is audited.
    let list = app.get(&format!("/surveys/{survey}/fieldwork/cases")).await;
    list.assert_contains("60 trường hợp");
    assert!(!list.body.contains("@example.vn"));
    let case = ids[0];
    let page = app
        .get(&format!("/surveys/{survey}/fieldwork/cases/{case}"))
        .await;
    page.assert_contains("Phát hành");
    assert!(!page.body.contains("0901 000"));
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.contact_read' AND object_id = CAST($1 AS TEXT)";
    assert_eq!(scalar(&app, audited, case).await, 0);
    let shown = app
        .post(
            &format!("/surveys/{survey}/fieldwork/cases/{case}/contact"),
            &[],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    shown.assert_contains("0901 000");
    assert_eq!(scalar(&app, audited, case).await, 1);
    // A leader who may see results has no access to cases or contacts.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    let denied = viewer
        .post(
            &format!("/surveys/{survey}/fieldwork/cases/{case}/contact"),
            &[],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(scalar(&app, audited, case).await, 1);
    assert_eq!(
        viewer
            .get(&format!("/surveys/{survey}/fieldwork"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_sample_size_page_and_a_frame_of_wards_drawn_by_pps() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let survey = create_survey(&app, "92", "Khảo sát phường xã", false).await;
    // ±5 points at 95 %, p = 50 %, deff 1.5, N = 10,000, 60 % response:
    // n0 = 1.959964² · 0.25 / 0.05² = 384.15; × 1.5 = 576.22; fpc: 576.22 · 10000 / (576.22 + 9999)
    // = 544.88 → 545 completes, 545 / 0.6 = 908.3 → 909 cases.
    let z: f64 = 1.959_963_984_540_054;
    let n0 = z * z * 0.25 / 0.0025 * 1.5;
    let n = n0 * 10000.0 / (n0 + 9999.0);
    let completes = (n - 1e-9).ceil();
    let contacts = (completes / 0.6 - 1e-9).ceil();
    assert_eq!((completes, contacts), (545.0, 909.0));
    let page = app
        .get(&format!(
            "/surveys/{survey}/fieldwork/samples?moe=5&level=95&p=50&deff=1,5&population=10000&response=60"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<dd>545</dd>");
    page.assert_contains("<dd>909</dd>");
    let bad = app
        .get(&format!(
            "/surveys/{survey}/fieldwork/samples?moe=0&level=95"
        ))
        .await;
    bad.assert_contains("phải là số phần trăm lớn hơn 0");

    // The wards of the city, each sized by its hamlets.
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/frames/tree"),
            &[
                ("name", "Phường, xã"),
                ("under", "92"),
                ("kind", "ward"),
                ("size_kind", "hamlet"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frame_id = scalar(
        &app,
        "SELECT MAX(id) FROM survey_frames WHERE survey_id = $1",
        survey,
    )
    .await;
    let rows = scalar(
        &app,
        "SELECT COUNT(*) FROM survey_frame_rows WHERE frame_id = $1",
        frame_id,
    )
    .await;
    let wards = scalar(
        &app,
        "SELECT COUNT(*) FROM units u JOIN unit_closure c ON c.descendant_id = u.id WHERE c.ancestor_id = $1 AND u.kind = 'ward'",
        app.unit_id("92").await,
    )
    .await;
    assert_eq!(rows, wards);
    assert!(rows > 3);
    // The demo's hamlets lie under some wards: only those have a size, so PPS says which row
    // lacks one.
    let fid = frame_id.to_string();
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/samples"),
            &[
                ("frame", fid.as_str()),
                ("method", "pps"),
                ("n", "2"),
                ("seed", "7"),
                ("replicates", "1"),
            ],
        )
        .await;
    if page.status == StatusCode::UNPROCESSABLE_ENTITY {
        page.assert_contains("của khung mẫu không có quy mô");
    } else {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    // A unit outside the survey's scope cannot be the root of a frame.
    let outside = app
        .post(
            &format!("/surveys/{survey}/fieldwork/frames/tree"),
            &[("under", "01"), ("kind", "ward")],
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    outside.assert_contains("Không tìm thấy đơn vị này trong phạm vi của khảo sát.");
}

#[tokio::test]
async fn the_demo_has_a_household_survey_in_fieldwork() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id: i64 = with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM surveys WHERE series = 'ho-gia-dinh-dvc'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let monitor = app.get(&format!("/surveys/{id}/fieldwork")).await;
    assert_eq!(monitor.status, StatusCode::OK);
    monitor.assert_contains("Còn 40 trường hợp dự phòng chưa phát hành.");
    monitor.assert_contains("Thư điện tử");
    monitor.assert_contains("Điện thoại");
    let samples = app.get(&format!("/surveys/{id}/fieldwork/samples")).await;
    samples.assert_contains("80 trường hợp");
    samples.assert_contains("2026");
    // The released weights stand for the 400 households of the frame.
    let total: f64 = with_db!(&app.db, |pool| sqlx::query_scalar::<_, f64>(
        "SELECT SUM(weight) FROM survey_cases WHERE survey_id = $1 AND released_at IS NOT NULL"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!((total - 400.0).abs() < 1e-6, "{total}");
    // The first batch is worked: answered by e-mail and telephone, started, refused, opted out,
    // bounced, appointments, no answer, busy, wrong number; a full age group holds its cases.
    for code in [
        "1.1", "1.2", "2.11", "2.21", "3.12", "3.13", "3.14", "3.19", "3.30", "4.30",
    ] {
        monitor.assert_contains(&format!("<code>{code}</code>"));
    }
    monitor.assert_contains("Nhóm tuổi (khung mẫu)");
    monitor.assert_contains("Đã đủ");
    monitor.assert_contains("đang tạm dừng liên hệ");
    let complete: i64 = with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(complete, 14);
    // The demo interviewer's console offers the survey.
    let c = app.other_client();
    c.login_demo("interviewer").await;
    c.get("/interviewer")
        .await
        .assert_contains("Khảo sát hộ gia đình");
}
