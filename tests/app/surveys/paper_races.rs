//! Paper mode under concurrent requests, through the real server: the same scanned page
//! uploaded four times at once is read once and recorded as a duplicate the other times (never
//! a 500 from `paper_pages_once`); two batches printed at once are numbered one after the other
//! (never a 500 from `UNIQUE (survey_id, sheet_key)`); two verifiers resolving a sheet's last
//! two items at once land it. Large and multi-page scans: 21 MB taken on the scan route only;
//! a sheet's pages in one TIFF read page by page.

use reqwest::StatusCode;

use super::paper_support::*;

#[tokio::test]
async fn concurrent_prints_and_verifiers_do_not_collide() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let path = format!("/surveys/{survey}/paper/batches");
    // The layout stored first, then three batches at once (long enough to overlap).
    let page = app.post(&path, &[("sheets", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (a, b, c) = tokio::join!(
        app.post(&path, &[("sheets", "200")]),
        app.post(&path, &[("sheets", "200")]),
        app.post(&path, &[("sheets", "200")]),
    );
    for p in [&a, &b, &c] {
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(DISTINCT number) FROM paper_sheets WHERE survey_id = $1",
            survey
        )
        .await,
        601
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT MAX(number) FROM paper_sheets WHERE survey_id = $1",
            survey
        )
        .await,
        601
    );

    // Two verifiers, the sheet's last two items, at once: it lands.
    let (sheet, age, comment) = super::paper_double::keyed_sheet(&app, survey).await;
    let v1 = app.other_client();
    v1.login_demo("verifier").await;
    let v2 = app.other_client();
    v2.login_demo("analyst").await;
    let (path1, path2) = (
        format!("/surveys/{survey}/paper/items/{age}"),
        format!("/surveys/{survey}/paper/items/{comment}"),
    );
    let (p1, p2) = tokio::join!(
        v1.post(&path1, &[("value", "45")]),
        v2.post(&path2, &[("value", "")]),
    );
    assert_eq!(p1.status, StatusCode::SEE_OTHER, "{}", p1.body);
    assert_eq!(p2.status, StatusCode::SEE_OTHER, "{}", p2.body);
    assert_eq!(
        text(&app, "SELECT status FROM paper_sheets WHERE id = $1", sheet).await,
        "landed"
    );
    assert_eq!(counts(&app, survey).await.0, 1);
}

#[tokio::test]
async fn the_same_page_uploaded_at_once_is_read_once() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let batch = scalar(
        &app,
        "SELECT MAX(id) FROM paper_batches WHERE survey_id = $1",
        survey,
    )
    .await;
    let pdf = app
        .client
        .get(format!(
            "{}/surveys/{survey}/paper/batches/{batch}.pdf",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let layout: duluan_paper::Layout = serde_json::from_str(
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
    mark(&mut pages[0], &layout, 0, &[("gender", "2")], &[], &[]);
    let bytes = png(&pages[0]);
    let path = format!("/surveys/{survey}/paper/scans");
    let (a, b, c, d) = tokio::join!(
        app.upload(&path, "a.png", bytes.clone()),
        app.upload(&path, "b.png", bytes.clone()),
        app.upload(&path, "c.png", bytes.clone()),
        app.upload(&path, "d.png", bytes.clone()),
    );
    let mut read = 0;
    for p in [&a, &b, &c, &d] {
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        if p.body.contains("đã được đọc trước đó") {
            continue;
        }
        p.assert_contains("Phiếu số 000001, trang 1");
        read += 1;
    }
    assert_eq!(read, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM paper_pages p JOIN paper_scans s ON s.id = p.scan_id WHERE s.survey_id = $1 AND p.status IN ('read', 'verify')",
            survey
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM paper_pages p JOIN paper_scans s ON s.id = p.scan_id WHERE s.survey_id = $1 AND p.status = 'duplicate'",
            survey
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_scan_above_the_global_body_limit_is_taken_on_the_scan_route_only() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let big = vec![0u8; 21 * 1024 * 1024];
    // The scan route reads it (and says it is no scan of ours): not the global 413.
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "to.pdf",
            big.clone(),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("Tệp không phải PDF, PNG, JPEG hay TIFF");
    // Any other route still refuses 21 MB.
    let page = app
        .upload(&format!("/surveys/{survey}/paper/batches"), "to.pdf", big)
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    let page = app
        .upload(
            &format!("/surveys/{survey}/import"),
            "to.xlsx",
            vec![0u8; 21 << 20],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    // And the scan route refuses what is above its own limit.
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "to.pdf",
            vec![0u8; 65 << 20],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_multi_page_tiff_is_read_page_by_page_and_lands() {
    let app = crate::helpers::spawn_demo().await;
    let survey = paper_survey(&app).await;
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
    let pdf = app
        .client
        .get(format!(
            "{}/surveys/{survey}/paper/batches/{batch}.pdf",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let layout: duluan_paper::Layout = serde_json::from_str(
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
    let ticks = [("gender", "2"), ("uses_online", "2"), ("satisfaction", "4")];
    // The scanner's stack: every page of both sheets in one TIFF, last page first.
    let mut file = std::io::Cursor::new(Vec::new());
    {
        let mut enc = tiff::encoder::TiffEncoder::new(&mut file).unwrap();
        for p in (0..2 * n).rev() {
            mark(&mut pages[p], &layout, p % n, &ticks, &[], &[]);
            let img = &pages[p];
            enc.write_image::<tiff::encoder::colortype::Gray8>(
                img.width(),
                img.height(),
                img.as_raw(),
            )
            .unwrap();
        }
    }
    let page = app
        .upload(
            &format!("/surveys/{survey}/paper/scans"),
            "chong.tif",
            file.into_inner(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for sheet in 1..=2 {
        for p in 1..=n {
            page.assert_contains(&format!("Phiếu số {sheet:06}, trang {p}"));
        }
    }
    assert_eq!(counts(&app, survey).await.0, 2, "{}", page.body);
    assert_eq!(
        scalar(
            &app,
            "SELECT MAX(pages) FROM paper_scans WHERE survey_id = $1",
            survey
        )
        .await,
        2 * n as i64
    );
}
