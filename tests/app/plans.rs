//! Yearly work plans (issue 18): a ward's plan of briefings and other activities is compared with
//! what was done — a briefing recorded this month turns this month's item done — an "other"
//! activity is ticked by hand; the centre sees plan against done for each unit. Refusals and who
//! reaches what.

use chrono::Datelike;
use reqwest::StatusCode;

use crate::helpers::spawn_demo;

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

#[tokio::test]
async fn a_wards_plan_follows_what_was_done() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let city = app.unit_id("92").await;
    let year = today().year();
    let month = today().month();
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let plan = format!("/plans/{ward}/{year}");
    let page = reporter.get(&plan).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Twelve briefings, a survey, a commendation; nothing done yet this year in the demo's ward
    // (its months before this one are missed).
    page.assert_contains(&format!(
        "0/14 hoạt động đã làm · {} quá tháng chưa làm",
        month - 1
    ));
    page.assert_contains(&format!("Giao ban cộng tác viên tháng {month}"));

    // A briefing recorded today turns this month's item done.
    let at = chrono::Utc::now() - chrono::Duration::minutes(1);
    let local = at.with_timezone(&duluan::kit::time::vn_offset());
    let recorded = reporter
        .post(
            "/briefings/sessions",
            &[
                ("unit", &ward.to_string()),
                ("title", "Giao ban tháng này"),
                ("starts", &local.format("%Y-%m-%dT%H:%M").to_string()),
                ("place", "Trụ sở khu vực"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let session = recorded.location().split('?').next().unwrap().to_string();
    let form = reporter.get(&session).await;
    let code = form
        .body
        .split("name=\"attendee\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let held = reporter
        .post(
            &format!("{session}/held"),
            &[("attendee", code.as_str()), ("minutes", "")],
        )
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let page = reporter.get(&plan).await;
    page.assert_contains(&format!(
        "1/14 hoạt động đã làm · {} quá tháng chưa làm",
        month - 1
    ));

    // An "other" activity is ticked by hand, not in the future.
    let item: String = page
        .body
        .split("/items/")
        .filter_map(|s| s.split_once("/tick"))
        .map(|(id, _)| id.to_string())
        .next()
        .expect("the commendation can be ticked");
    let tomorrow = (today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let bad = reporter
        .post(
            &format!("{plan}/items/{item}/tick"),
            &[("done_on", &tomorrow)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("không sau hôm nay");
    let ticked = reporter
        .post(
            &format!("{plan}/items/{item}/tick"),
            &[("done_on", &today().format("%Y-%m-%d").to_string())],
        )
        .await;
    assert_eq!(ticked.location(), format!("{plan}?ok=ticked"));
    // Ticked in this month for December: done late only once December has come; before, it is
    // done ahead, which counts as done in its month only when it is December.
    let page = reporter.get(&plan).await;
    let expected = if month == 12 { 2 } else { 1 };
    page.assert_contains(&format!("{expected}/14 hoạt động đã làm"));

    // Add and remove an activity; bad input is refused.
    let bad = reporter
        .post(
            &format!("{plan}/items"),
            &[("kind", "briefing"), ("title", "Giao ban"), ("month", "13")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Tháng phải từ 1 đến 12.");
    let added = reporter
        .post(
            &format!("{plan}/items"),
            &[
                ("kind", "thematic_report"),
                ("title", "Báo cáo chuyên đề về giá điện"),
                ("month", "1"),
            ],
        )
        .await;
    assert_eq!(added.location(), format!("{plan}?ok=added"));
    reporter
        .get(&plan)
        .await
        .assert_contains("Báo cáo chuyên đề về giá điện");

    // The centre's overview: the city's plan has its course done, the ward's counts.
    app.login_demo("analyst").await;
    let overview = app.get(&format!("/plans?year={year}")).await;
    overview.assert_contains(&format!("href=\"/plans/{ward}/{year}\""));
    overview.assert_contains(&format!("href=\"/plans/{city}/{year}\""));
    let city_plan = app.get(&format!("/plans/{city}/{year}")).await;
    if (today() - chrono::Duration::days(60)).year() == year {
        city_plan.assert_contains("Đã làm");
    }
    let bad = app.get("/plans?year=1999").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_role_reaches_only_its_plans() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let city = app.unit_id("92").await;
    let year = today().year();
    let ok = StatusCode::OK;
    let no = StatusCode::FORBIDDEN;
    let nf = StatusCode::NOT_FOUND;
    let see = StatusCode::SEE_OTHER;
    // (role, overview, ward plan, city plan, add to the ward's plan)
    for (role, overview, ward_plan, city_plan, add) in [
        ("admin", ok, ok, ok, see),
        ("analyst", ok, ok, ok, see),
        ("designer", no, nf, nf, nf),
        ("interviewer", no, nf, nf, nf),
        ("verifier", no, nf, nf, nf),
        ("viewer", ok, ok, ok, no),
        ("reporter", ok, ok, nf, see),
        ("ctv", no, nf, nf, nf),
    ] {
        let client = app.other_client();
        client.login_demo(role).await;
        assert_eq!(client.get("/plans").await.status, overview, "{role}");
        assert_eq!(
            client.get(&format!("/plans/{ward}/{year}")).await.status,
            ward_plan,
            "{role}"
        );
        assert_eq!(
            client.get(&format!("/plans/{city}/{year}")).await.status,
            city_plan,
            "{role}"
        );
        assert_eq!(
            client
                .post(
                    &format!("/plans/{ward}/{year}/items"),
                    &[
                        ("kind", "other"),
                        ("title", "Việc của vai trò"),
                        ("month", "6")
                    ],
                )
                .await
                .status,
            add,
            "{role}"
        );
    }
}
