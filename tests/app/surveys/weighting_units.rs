//! Population tables taken from the organisation tree's units through the real server: a
//! question whose choices are wards (by code, or by name in another case) gets each ward's
//! population, raking reproduces every ward's population in the diagnostics and the results
//! equal the weighted shares computed here by hand; a choice of no current unit, a unit without
//! a population, two choices for one unit and a name shared by several units are each named,
//! and store nothing; only a designer may build such a table.

use reqwest::StatusCode;
use serde_json::json;

use super::create_survey;
use super::weighting::table_ids;
use crate::helpers::{TestApp, spawn_demo};

/// A questionnaire whose single-choice questions name wards in several ways.
fn wards_form() -> Vec<u8> {
    let vi = |s: &str| json!({"Tiếng Việt (vi)": s});
    let choice = |name: &str, label: &str| json!({"name": name, "label": vi(label)});
    let one = |name: &str, label: &str, list: &str| {
        json!({"kind": "question", "name": name, "type": format!("select_one {list}"),
               "label": vi(label)})
    };
    let form = duluan_forms::Form::from_json(
        &json!({
            "id": "wards", "version": "1", "title": "Phường",
            "default_language": "Tiếng Việt (vi)",
            "items": [
                one("phuong", "Phường nơi ở", "phuong"),
                one("hai_long", "Hài lòng với dịch vụ công?", "yn"),
                one("phuong_la", "Phường (có lựa chọn lạ)", "la"),
                one("phuong_trung", "Phường (lựa chọn trùng)", "trung"),
                one("phuong_thieu", "Phường (thiếu số dân)", "thieu"),
                one("khu_vuc", "Khu vực", "kv"),
            ],
            "choices": [
                {"name": "phuong", "choices": [
                    // By code; by name in lower case; by code again.
                    choice("31135", "Phường Ninh Kiều"),
                    choice("ck", "phường cái khế"),
                    choice("31147", "Tân An"),
                ]},
                {"name": "yn", "choices": [choice("1", "Có"), choice("2", "Không")]},
                {"name": "la", "choices": [
                    choice("31135", "Ninh Kiều"),
                    choice("zz", "Phường Không Có"),
                    // A former unit (until 30/6/2025) is not a current one.
                    choice("qnk", "Quận Ninh Kiều (trước 01/7/2025)"),
                ]},
                {"name": "trung", "choices": [
                    choice("31135", "Ninh Kiều"),
                    choice("nk", "PHƯỜNG NINH KIỀU"),
                ]},
                {"name": "thieu", "choices": [
                    choice("31135", "Ninh Kiều"),
                    choice("31150", "An Bình"),
                ]},
                {"name": "kv", "choices": [choice("kv1", "Khu vực 1")]},
            ]
        })
        .to_string(),
    )
    .unwrap();
    duluan_forms::xlsform::export_xlsx(&form).unwrap()
}

/// A published survey of [`wards_form`] at the city, as the logged-in designer: its id and key.
async fn wards_survey(app: &TestApp) -> (i64, String) {
    let id = create_survey(app, "92", "Phường", true).await;
    let page = app
        .upload(&format!("/surveys/{id}/import"), "wards.xlsx", wards_form())
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let key: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    (id, key)
}

/// 30 interviews: Ninh Kiều 10 (2 satisfied), Cái Khế 12 (9 satisfied), Tân An 8 (all).
async fn submit_wards(app: &TestApp, key: &str) {
    let groups = [("31135", 10, 2), ("ck", 12, 9), ("31147", 8, 8)];
    for (ward, n, yes) in groups {
        for i in 0..n {
            let body = json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "complete": true,
                "answers": {"phuong": ward, "hai_long": if i < yes { "1" } else { "2" }},
            });
            let r = app
                .client
                .post(format!("{}/s/{key}/submissions", app.base))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::CREATED,
                "{}",
                r.text().await.unwrap()
            );
        }
    }
}

async fn from_units(
    app: &TestApp,
    survey: i64,
    question: &str,
    name: &str,
) -> crate::helpers::Page {
    app.post(
        &format!("/surveys/{survey}/weighting/units"),
        &[("question", question), ("name", name)],
    )
    .await
}

/// The rows of the diagnostics' margins: `(level, population, interviews, weighted total)`.
fn margins(body: &str) -> Vec<(String, String, String, String)> {
    let start = body.find("id=\"diag-margins\"").expect("diagnostics");
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let cells = |row: &str| -> Vec<String> {
        row.split("<td")
            .skip(1)
            .map(|c| {
                let c = &c[c.find('>').unwrap() + 1..];
                c[..c.find("</td>").unwrap()].to_string()
            })
            .collect()
    };
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let c = cells(row);
            (c[1].clone(), c[2].clone(), c[4].clone(), c[6].clone())
        })
        .collect()
}

async fn count_tables(app: &TestApp, survey: i64) -> i64 {
    duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_population_tables WHERE survey_id = $1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap())
}

#[tokio::test]
async fn a_table_from_the_wards_populations_weights_the_results_to_them() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let csv = "code,population,source\n\
               31135,60.000,Niên giám thống kê 2024 (thử)\n\
               31120,30.000,Niên giám thống kê 2024 (thử)\n\
               31147,10.000,Niên giám thống kê 2024 (thử)\n";
    let page = app
        .upload("/orgs/population", "dan-so.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let designer = app.other_client();
    designer.login_demo("designer").await;
    let (survey, key) = wards_survey(&designer).await;
    submit_wards(&app, &key).await;
    let weighting = format!("/surveys/{survey}/weighting");

    // A viewer may not build a table.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    let page = viewer.get(&weighting).await;
    assert!(!page.body.contains("id=\"units-question\""));
    assert_eq!(
        from_units(&viewer, survey, "phuong", "").await.status,
        StatusCode::FORBIDDEN
    );

    let page = designer.get(&weighting).await;
    page.assert_contains("Lấy dân số từ các đơn vị");
    page.assert_contains("trực thuộc Thành phố Cần Thơ");
    let page = from_units(&designer, survey, "phuong", "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = designer.get(&weighting).await;
    page.assert_contains("Dân số các đơn vị theo “Phường nơi ở”");
    page.assert_contains("Lấy từ dân số các đơn vị, năm/nguồn: Niên giám thống kê 2024 (thử)");
    // Raked to it (the first table), each ward's population reproduced.
    page.assert_contains("Cân chỉnh lặp theo biên (raking)");
    let rows = margins(&page.body);
    assert_eq!(
        rows,
        [
            ("Phường nơi ở = Phường Ninh Kiều", "60.000", "10", "60.000"),
            ("Phường nơi ở = phường cái khế", "30.000", "12", "30.000"),
            ("Phường nơi ở = Tân An", "10.000", "8", "10.000"),
        ]
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
    );
    // Weights 6000, 2500 and 1250: satisfied = (2 × 6000 + 9 × 2500 + 8 × 1250) / 100000.
    let results = designer.get(&format!("/surveys/{survey}/results")).await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.body);
    results.assert_contains("trọng số hiệu chỉnh theo số liệu dân số");
    assert_eq!(
        super::results::line(&results.body, "hai_long", "Có").0,
        "44.5"
    );
    let unweighted = designer
        .get(&format!("/surveys/{survey}/results?weighted=0"))
        .await;
    assert_eq!(
        super::results::line(&unweighted.body, "hai_long", "Có").0,
        "63.3"
    );

    // Audited like an upload, with the units it took.
    let detail: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'survey.population_table_create'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(detail.contains("\"source\":\"units\""), "{detail}");
    assert!(detail.contains("\"population\":60000"), "{detail}");
    let ward = app.unit_id("31120").await;
    assert!(detail.contains(&format!("\"unit\":{ward}")), "{detail}");

    // The same name twice is refused.
    let page = from_units(
        &designer,
        survey,
        "phuong",
        "Dân số các đơn vị theo “Phường nơi ở”",
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Đã có bảng tên");
    assert_eq!(table_ids(&designer.get(&weighting).await.body).len(), 1);
}

#[tokio::test]
async fn every_choice_that_cannot_take_a_population_is_named_and_nothing_is_stored() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let (survey, _) = wards_survey(&app).await;
    duluan::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE units SET population = NULL WHERE code = '31150'"
    )
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());

    let page = from_units(&app, survey, "phuong_la", "").await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Chưa lưu gì, hãy sửa các lỗi sau:");
    page.assert_contains(
        "Lựa chọn “Phường Không Có” (zz) không khớp với đơn vị nào đang có hiệu lực trực thuộc Thành phố Cần Thơ (theo mã hoặc tên).",
    );
    page.assert_contains("Lựa chọn “Quận Ninh Kiều (trước 01/7/2025)” (qnk) không khớp");
    // The form keeps the question chosen.
    page.assert_contains("<option value=\"phuong_la\" selected>");

    let page = from_units(&app, survey, "phuong_thieu", "").await;
    page.assert_contains(
        "Đơn vị Phường An Bình (31150) chưa có số dân (lựa chọn “An Bình” (31150))",
    );
    let page = from_units(&app, survey, "phuong_trung", "").await;
    page.assert_contains(
        "Hai lựa chọn “Ninh Kiều” (31135) và “PHƯỜNG NINH KIỀU” (nk) cùng khớp với đơn vị Phường Ninh Kiều (31135).",
    );
    let page = from_units(&app, survey, "khu_vuc", "").await;
    page.assert_contains(
        "Lựa chọn “Khu vực 1” (kv1) khớp với nhiều đơn vị cùng tên: Khu vực 1 (31135-01); Khu vực 1 (31120-01)",
    );
    let page = from_units(&app, survey, "khong_co", "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("“khong_co” không phải câu hỏi một lựa chọn của bảng hỏi.");

    assert_eq!(count_tables(&app, survey).await, 0);
    let entries: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.population_table_create'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(entries, 0);
}
