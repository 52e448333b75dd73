//! Paper mode through the real server: a designer prints a batch of anonymous sheets of a
//! survey, the PDF is rendered by poppler's `pdftoppm` at 200 dpi, ticks and handwriting are
//! drawn into the page images at the stored layout's boxes, and the scans are uploaded: a clean
//! sheet lands as a paper response at once; a sheet with two ticks on a single choice and keyed
//! fields waits for the verifier, who resolves its items (one in headless Chromium), meets the
//! forms engine's constraint message, and lands it. Refusals: noise, an empty file, a page read
//! twice (a duplicate), nothing half-stored. Every new route against the eight demo roles.

use duluan::with_db;
use duluan_paper::Layout;
use image::{GrayImage, Luma};
use reqwest::StatusCode;

use super::paper_support::*;

#[tokio::test]
async fn paper_sheets_are_printed_scanned_verified_and_land_as_responses() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;

    // The designer prints two anonymous sheets; the PDF is rendered on demand.
    let page = app.get(&format!("/surveys/{survey}/paper")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Phiếu giấy");
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "0")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Số phiếu phải từ 1 đến 500");
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let batch = scalar(
        &app,
        "SELECT MAX(id) FROM paper_batches WHERE survey_id = $1",
        survey,
    )
    .await;
    let r = app
        .client
        .get(format!(
            "{}/surveys/{survey}/paper/batches/{batch}.pdf",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let layout: Layout = serde_json::from_str(
        &text(
            &app,
            "SELECT layout FROM paper_layouts WHERE survey_id = $1",
            survey,
        )
        .await,
    )
    .unwrap();
    assert_eq!(layout.form_id, format!("duluan-{survey}"));

    // Refusals first: nothing is stored.
    let before = counts(&app, survey).await;
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "rong.png",
            vec![],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("tệp đang trống");
    let mut noise = GrayImage::new(1654, 2339);
    let mut seed = 7u32;
    for p in noise.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *p = Luma([(seed >> 16) as u8]);
    }
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "nhieu.png",
            png(&noise),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("không lưu gì cả");
    assert_eq!(counts(&app, survey).await, before);

    let Some(mut pages) = render_pages(&pdf) else {
        return;
    };
    let n = layout.pages.len();
    assert_eq!(pages.len(), 2 * n);

    // Sheet 1: clean ticks only, age and comment left blank.
    let clean = [("gender", "2"), ("uses_online", "2"), ("satisfaction", "4")];
    for (p, img) in pages.iter_mut().take(n).enumerate() {
        mark(img, &layout, p, &clean, &[], &[]);
    }
    // Sheet 2: two ticks on gender, digits in age, a written comment.
    let doubtful = [
        ("gender", "1"),
        ("gender", "2"),
        ("uses_online", "1"),
        ("services", "tax"),
        ("services", "civil"),
        ("satisfaction", "3"),
    ];
    for p in 0..n {
        mark(
            &mut pages[n + p],
            &layout,
            p,
            &doubtful,
            &["age"],
            &["comment"],
        );
    }
    for (p, img) in pages.iter().take(n).enumerate() {
        let page = app
            .upload(
                &format!("/surveys/{survey}/paper/scans"),
                &format!("to1-trang{}.png", p + 1),
                png(img),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.assert_contains(&format!("Phiếu số 000001, trang {}", p + 1));
    }
    // The clean sheet landed as a paper response, at once.
    assert_eq!(counts(&app, survey).await.0, 1);
    let data = text(
        &app,
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND mode = 'paper'",
        survey,
    )
    .await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["gender"], "2", "{data}");
    assert_eq!(data["satisfaction"], "4", "{data}");
    assert!(data.get("age").is_none_or(|a| a == ""), "{data}");

    // The responses browser lists it in mode paper.
    let list = app.get(&format!("/surveys/{survey}/responses")).await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("<td>paper</td>");

    // A page of another survey (the demo survey's own sheet) is said so, and changes nothing.
    let demo = super::demo_survey_id(&app).await;
    let page = app
        .post(
            &format!("/surveys/{demo}/paper/batches"),
            &[("sheets", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let demo_batch = scalar(
        &app,
        "SELECT MAX(id) FROM paper_batches WHERE survey_id = $1",
        demo,
    )
    .await;
    let demo_pdf = app
        .client
        .get(format!(
            "{}/surveys/{demo}/paper/batches/{demo_batch}.pdf",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let other = render_pages(&demo_pdf).unwrap();
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "khac.png",
            png(&other[0]),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Phiếu khác");
    page.assert_contains("Trang thuộc cuộc khảo sát, phiên bản hoặc lần in khác");
    assert_eq!(counts(&app, survey).await.0, 1);

    // The same page again is a duplicate: recorded as such, nothing else changes.
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "lai.png",
            png(&pages[0]),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("đã được đọc trước đó");
    assert_eq!(counts(&app, survey).await.0, 1);

    // Sheet 2 waits for verification.
    for p in 0..n {
        let page = app
            .upload(
                &format!("/surveys/{survey}/paper/scans"),
                &format!("to2-trang{}.png", p + 1),
                png(&pages[n + p]),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    assert_eq!(counts(&app, survey).await.0, 1);
    let open = scalar(
        &app,
        "SELECT COUNT(*) FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id WHERE s.survey_id = $1 AND i.resolved_at IS NULL",
        survey,
    )
    .await;
    let dbg: Vec<(String, String, String)> = with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT question, kind, read_as FROM paper_items"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(open, 3, "gender, age and comment wait: {dbg:?}");
    let age_item = scalar(
        &app,
        "SELECT i.id FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id WHERE s.survey_id = $1 AND i.question = 'age'",
        survey,
    )
    .await;

    // The verifier: one item at a time, its crop beside the question.
    let verifier = app.other_client();
    verifier.login_demo("verifier").await;
    let page = verifier
        .get(&format!("/surveys/{survey}/paper/verify"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Còn 3 mục chờ kiểm tra");
    page.assert_contains(&format!("/paper/items/{age_item}/crop"));
    // Across surveys: the verifier finds the survey waiting; a reporter of a ward finds nothing.
    let queues = verifier.get("/paper/verify").await;
    assert_eq!(queues.status, StatusCode::OK);
    queues.assert_contains(&format!("href=\"/surveys/{survey}/paper/verify\""));
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    let queues = reporter.get("/paper/verify").await;
    assert_eq!(queues.status, StatusCode::OK);
    queues.assert_contains("id=\"queues-empty\"");
    let crop = verifier
        .client
        .get(format!(
            "{}/surveys/{survey}/paper/items/{age_item}/crop",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(crop.status(), StatusCode::OK);
    assert!(crop.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // Age typed out of range (in the browser when there is one), then the other items.
    let browser = crate::browser::browser().await;
    if let Some(b) = &browser {
        use fantoccini::Locator;
        let c = &b.client;
        crate::browser::log_in(c, &app.base, "verifier").await;
        c.goto(&format!("{}/surveys/{survey}/paper/verify", app.base))
            .await
            .unwrap();
        let label = c
            .find(Locator::Id("label"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(label.contains("tuổi"), "{label}");
        c.find(Locator::Id("value"))
            .await
            .unwrap()
            .send_keys("300")
            .await
            .unwrap();
        c.find(Locator::Id("resolve"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Id("open")).await.unwrap();
    } else {
        let page = verifier
            .post(
                &format!("/surveys/{survey}/paper/items/{age_item}"),
                &[("value", "300")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    for (question, field, value) in [
        ("gender", "choice", "1"),
        ("comment", "value", "Cần hướng dẫn thêm"),
    ] {
        let item = scalar(
            &app,
            &format!("SELECT i.id FROM paper_items i JOIN paper_sheets s ON s.id = i.sheet_id WHERE s.survey_id = $1 AND i.question = '{question}'"),
            survey,
        )
        .await;
        let page = verifier
            .post(
                &format!("/surveys/{survey}/paper/items/{item}"),
                &[(field, value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    // The engine refuses 300: the age item is open again with its message.
    assert_eq!(counts(&app, survey).await.0, 1);
    let page = verifier
        .get(&format!("/surveys/{survey}/paper/verify"))
        .await;
    assert!(page.body.contains("id=\"item-error\""), "{}", page.body);
    if let Some(b) = &browser {
        use fantoccini::Locator;
        let c = &b.client;
        c.goto(&format!("{}/surveys/{survey}/paper/verify", app.base))
            .await
            .unwrap();
        c.find(Locator::Id("item-error")).await.unwrap();
        c.find(Locator::Id("value"))
            .await
            .unwrap()
            .send_keys("45")
            .await
            .unwrap();
        c.find(Locator::Id("resolve"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let empty = c
            .wait()
            .for_element(Locator::Id("queue-empty"))
            .await
            .unwrap();
        assert!(empty.text().await.unwrap().contains("Không còn mục nào"));
    } else {
        let page = verifier
            .post(
                &format!("/surveys/{survey}/paper/items/{age_item}"),
                &[("value", "45")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    drop(browser);
    assert_eq!(counts(&app, survey).await.0, 2);
    let data = text(
        &app,
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND mode = 'paper' AND data LIKE '%45%'",
        survey,
    )
    .await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["age"], "45", "{data}");
    assert_eq!(data["gender"], "1", "{data}");
    assert_eq!(data["services"], "tax civil", "{data}");
    assert_eq!(data["comment"], "Cần hướng dẫn thêm", "{data}");
    let audited = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.paper_verify' AND unit_id IS NOT NULL AND $1 > 0",
        1,
    )
    .await;
    assert!(audited >= 4, "{audited}");

    // Every new route against the eight demo roles.
    const OK: u16 = 200;
    const SEE: u16 = 303;
    const NO: u16 = 403;
    const BAD: u16 = 400;
    const DONE: u16 = 409;
    const INVALID: u16 = 422;
    let roles = [
        "admin",
        "analyst",
        "designer",
        "interviewer",
        "verifier",
        "viewer",
        "reporter",
        "ctv",
    ];
    let matrix: Vec<(String, &str, [u16; 8])> = vec![
        (
            format!("/surveys/{survey}/paper"),
            "GET",
            [NO, OK, OK, NO, OK, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/batches"),
            "POST",
            [NO, SEE, SEE, NO, NO, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/batches/{batch}.pdf"),
            "GET",
            [NO, OK, OK, NO, NO, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/scans"),
            "UPLOAD",
            [NO, BAD, BAD, NO, BAD, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/settings"),
            "POST",
            [NO, INVALID, INVALID, NO, NO, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/entries"),
            "GET",
            [NO, OK, OK, NO, OK, NO, NO, NO],
        ),
        ("/paper/verify".into(), "GET", [OK; 8]),
        (
            format!("/surveys/{survey}/paper/verify"),
            "GET",
            [NO, OK, OK, NO, OK, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/items/{age_item}/crop"),
            "GET",
            [NO, OK, OK, NO, OK, NO, NO, NO],
        ),
        (
            format!("/surveys/{survey}/paper/items/{age_item}"),
            "POST",
            [NO, DONE, DONE, NO, DONE, NO, NO, NO],
        ),
    ];
    for (i, role) in roles.iter().enumerate() {
        let client = app.other_client();
        client.login_demo(role).await;
        for (path, method, expected) in &matrix {
            let status = match *method {
                "GET" => client.get(path).await.status.as_u16(),
                "UPLOAD" => client.upload(path, "x.png", vec![]).await.status.as_u16(),
                _ => client
                    .post(path, &[("sheets", "1"), ("value", "1")])
                    .await
                    .status
                    .as_u16(),
            };
            assert_eq!(status, expected[i], "{role} {method} {path}");
        }
    }
}

#[tokio::test]
async fn a_paper_sheet_printed_for_a_case_completes_its_case() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    // Nothing released to paper yet: a clear refusal.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("kind", "cases")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Không có trường hợp nào");
    release_to_paper(&app, survey, 2).await;
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("kind", "cases")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // Each case gets one sheet only.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("kind", "cases")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let batch = scalar(
        &app,
        "SELECT MAX(id) FROM paper_batches WHERE survey_id = $1",
        survey,
    )
    .await;
    let first_case = scalar(
        &app,
        "SELECT MIN(case_id) FROM paper_sheets WHERE batch_id = $1",
        batch,
    )
    .await;
    let r = app
        .client
        .get(format!(
            "{}/surveys/{survey}/paper/batches/{batch}.pdf",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap().to_vec();
    let layout: Layout = serde_json::from_str(
        &text(
            &app,
            "SELECT layout FROM paper_layouts WHERE survey_id = $1",
            survey,
        )
        .await,
    )
    .unwrap();
    let Some(mut pages) = render_pages(&pdf) else {
        return;
    };
    let n = layout.pages.len();
    assert_eq!(pages.len(), 2 * n);
    let ticks = [("gender", "1"), ("uses_online", "2"), ("satisfaction", "5")];
    for (p, img) in pages.iter_mut().take(n).enumerate() {
        mark(img, &layout, p, &ticks, &[], &[]);
        let page = app
            .upload(
                &format!("/surveys/{survey}/paper/scans"),
                "ho.png",
                png(img),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.assert_contains(&format!("Phiếu số K{first_case}, trang {}", p + 1));
    }
    // The printed PDF itself uploaded as a stack: the first case's pages are duplicates, the
    // second case's are read (blank: its required questions wait for the verifier).
    let second_case = scalar(
        &app,
        "SELECT MAX(case_id) FROM paper_sheets WHERE batch_id = $1",
        batch,
    )
    .await;
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "tap.pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Trùng");
    page.assert_contains(&format!("Phiếu số K{second_case}, trang 1"));
    assert_eq!(
        text(
            &app,
            "SELECT status FROM paper_sheets WHERE case_id = $1",
            second_case
        )
        .await,
        "verifying"
    );

    // The case is complete, with its event in mode paper; the monitor counts it.
    assert_eq!(
        text(
            &app,
            "SELECT disposition FROM survey_cases WHERE id = $1",
            first_case
        )
        .await,
        "1.1"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM survey_case_events WHERE case_id = $1 AND mode = 'paper' AND disposition = '1.1'",
            first_case,
        )
        .await,
        1
    );
    assert_eq!(counts(&app, survey).await.0, 1);
    let monitor = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(monitor.status, StatusCode::OK);
    let table = monitor
        .body
        .split("id=\"dispositions\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_default();
    assert!(table.contains("<th>Phiếu giấy</th>"), "{table}");
}
