//! Weighting to population tables through the real server: a table pasted as CSV with choice
//! labels, raking that reproduces it (diagnostics) and shares equal to the weighted shares
//! computed here by hand, the results saying they are weighted; bad tables refused whole with
//! their row and column; configurations that cannot work (tables that do not add up, a level
//! the table lacks, a level nobody is in) named on the results page, whose figures then fall
//! back to the design weights; the page closed to changes without `DesignSurveys`; a domain cut
//! whose small cells cannot be recovered from the whole sample.

use reqwest::StatusCode;

use super::demo_survey_id;
use super::results::submit_thirty;
use crate::helpers::{Page, TestApp, spawn_demo};

pub(super) async fn add_table(app: &TestApp, survey: i64, name: &str, text: &str) -> Page {
    let form = reqwest::multipart::Form::new()
        .text("name", name.to_string())
        .text("text", text.to_string());
    TestApp::read(
        app.client
            .post(format!("{}/surveys/{survey}/weighting/tables", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The estimate shown for `label` in question `name`.
fn estimate(body: &str, name: &str, label: &str) -> String {
    super::results::line(body, name, label).0
}

/// The ids of the population tables listed on the weighting page, in order.
pub(super) fn table_ids(body: &str) -> Vec<i64> {
    body.match_indices("/weighting/tables/")
        .filter_map(|(i, _)| {
            let rest = &body[i + "/weighting/tables/".len()..];
            rest[..rest.find('/')?].parse().ok()
        })
        .collect()
}

#[tokio::test]
async fn raking_to_a_population_table_reproduces_it_and_bad_tables_are_named() {
    let app = spawn_demo().await;
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    let weighting = format!("/surveys/{survey}/weighting");
    let results = format!("/surveys/{survey}/results");

    // A viewer reads the page but may not change it.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    let page = viewer.get(&weighting).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Chưa có bảng dân số nào.");
    assert!(!page.body.contains("id=\"table-text\""));
    let refused = viewer
        .post(&weighting, &[("method", "rake"), ("trim", "")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        add_table(
            &viewer,
            survey,
            "Giới tính",
            "gender,dan_so\n1,600\n2,500\n3,100"
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    app.login_demo("designer").await;
    // A bad table: an unknown level and a bad count, each with its row and column; nothing saved.
    let page = add_table(
        &app,
        survey,
        "Giới tính",
        "gender,dan_so\nNam,600\nKhông rõ,500\nKhác,một trăm",
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Dòng 3, cột gender: “Không rõ” không phải lựa chọn của câu hỏi này.");
    page.assert_contains("Dòng 4, cột dan_so: “một trăm” không phải số dân hợp lệ");
    page.assert_contains("Chưa có bảng dân số nào.");
    let page = add_table(&app, survey, "Tuổi", "age,dan_so\n20,100").await;
    page.assert_contains("“age” không phải câu hỏi một lựa chọn của bảng hỏi.");

    // Men 600, women 500, other 100, by label, with grouped thousands elsewhere.
    let page = add_table(
        &app,
        survey,
        "Giới tính",
        "gender,dan_so\nNam,600\nNữ,500\nKhác,100",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(&weighting).await;
    page.assert_contains("Cân chỉnh lặp theo biên (raking)");
    // Every cell reproduced: 12 men at 50, 15 women at 33.3, 3 others at 33.3.
    for after in ["600", "500", "100"] {
        page.assert_contains(&format!("data-after>{after}</td>"));
    }
    page.assert_contains("id=\"diag-range\">33.333 · 40.000 · 50.000");

    // Weighted shares: very satisfied = (4 men × 50 + 8 women × 33.3) / 1200 = 38.9 %;
    // satisfied = (8 men × 50 + 3 others × 33.3) / 1200 = 41.7 %; neutral = 7 × 33.3 / 1200.
    let page = app.get(&results).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("id=\"weighted\">Có gia quyền: trọng số hiệu chỉnh theo số liệu dân số");
    assert_eq!(estimate(&page.body, "satisfaction", "Rất hài lòng"), "38.9");
    assert_eq!(estimate(&page.body, "satisfaction", "Hài lòng"), "41.7");
    assert_eq!(estimate(&page.body, "satisfaction", "Bình thường"), "19.4");
    // Unweighted one click away: 12/30 very satisfied.
    let page = app.get(&format!("{results}?weighted=0")).await;
    assert_eq!(estimate(&page.body, "satisfaction", "Rất hài lòng"), "40.0");
    // Post-stratification to the same table gives the same weights.
    let page = app
        .post(&weighting, &[("method", "poststratify"), ("trim", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(&results).await;
    assert_eq!(estimate(&page.body, "satisfaction", "Rất hài lòng"), "38.9");
    // A bad trimming factor is refused and named.
    let page = app
        .post(&weighting, &[("method", "rake"), ("trim", "0,5")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("“0,5” không phải hệ số cắt hợp lệ");

    // A second table of another population: named on the results page, figures fall back.
    let page = add_table(
        &app,
        survey,
        "Sử dụng dịch vụ công trực tuyến",
        "uses_online,dan_so\n1,700\n2,1.300",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // Post-stratification takes one table only.
    let page = app.get(&results).await;
    page.assert_contains("hậu phân tầng cần đúng một bảng (đang có 2 bảng)");
    app.post(&weighting, &[("method", "rake"), ("trim", "")])
        .await;
    let page = app.get(&results).await;
    page.assert_contains(
        "bảng “Giới tính” có tổng 1.200 nhưng bảng “Sử dụng dịch vụ công trực tuyến” có tổng 2.000",
    );
    page.assert_contains("Số liệu dưới đây chỉ dùng trọng số thiết kế.");
    assert_eq!(estimate(&page.body, "satisfaction", "Rất hài lòng"), "40.0");
    let ids = table_ids(&app.get(&weighting).await.body);
    assert_eq!(ids.len(), 2);
    let page = app
        .post(&format!("{weighting}/tables/{}/delete", ids[1]), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Everybody answered "uses_online" = 2: a table giving people to "1" names that level.
    add_table(
        &app,
        survey,
        "Trực tuyến",
        "uses_online,dan_so\n1,200\n2,1000",
    )
    .await;
    let page = app.get(&results).await;
    page.assert_contains(
        "bảng “Trực tuyến” có 200 người ở mức “Ông/bà đã từng dùng dịch vụ công trực tuyến chưa? = Có”",
    );
    let ids = table_ids(&app.get(&weighting).await.body);
    app.post(&format!("{weighting}/tables/{}/delete", ids[1]), &[])
        .await;
    // A table without "other": the three interviews in it are named.
    let ids = table_ids(&app.get(&weighting).await.body);
    app.post(&format!("{weighting}/tables/{}/delete", ids[0]), &[])
        .await;
    add_table(&app, survey, "Nam nữ", "gender,dan_so\n1,600\n2,600").await;
    let page = app.get(&results).await;
    page.assert_contains(
        "3 phiếu thuộc mức “Giới tính = Khác” nhưng bảng “Nam nữ” không có mức này.",
    );
}

#[tokio::test]
async fn a_domain_cut_hides_small_cells_and_their_partners_in_both_directions() {
    let app = spawn_demo().await;
    submit_thirty(&app).await;
    let survey = demo_survey_id(&app).await;
    app.login_demo("viewer").await;
    let page = app
        .get(&format!("/surveys/{survey}/results?by=gender"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Satisfaction by gender: columns men (12), women (15), other (3).
    let at = page.body.find("id=\"q-satisfaction\"").unwrap();
    let section = &page.body[at..at + page.body[at..].find("</section>").unwrap()];
    assert!(section.contains("n = 12") && section.contains("n = 15") && section.contains("n = 3"));
    let row = |label: &str| {
        let i = section
            .find(&format!("data-by-line=\"{label}\""))
            .unwrap_or_else(|| panic!("no {label}"));
        let r = &section[i..i + section[i..].find("</tr>").unwrap()];
        r.split("<td")
            .skip(2)
            .map(|c| c.contains("ẩn"))
            .collect::<Vec<bool>>()
    };
    // Men: 8 satisfied shown; women: 8 very satisfied and 7 neutral shown; "other" (3) hidden
    // whole. Every row with "other" hidden loses a partner, so that no count of "other" is the
    // whole sample's count minus men and women.
    let satisfied = row("Hài lòng");
    assert!(satisfied[2], "other is hidden");
    assert!(
        satisfied[0] || satisfied[1],
        "{satisfied:?}: a partner is hidden"
    );
    for label in ["Rất hài lòng", "Bình thường", "Hài lòng"] {
        let r = row(label);
        assert_ne!(r.iter().filter(|h| **h).count(), 1, "{label}: {r:?}");
    }
    // The men's 8 "satisfied" would be 66.7 %: with the partner rule it is hidden, not leaked.
    let hidden_men = row("Hài lòng")[0];
    assert_eq!(section.contains("66.7 ("), !hidden_men);
}
