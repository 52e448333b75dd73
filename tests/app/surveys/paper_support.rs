//! What the paper tests share: a survey to print, the PDF rendered by `pdftoppm`, marks drawn
//! at the layout's boxes, counts of what is stored, and a sample released in the paper mode.

use duluan::with_db;
use duluan_paper::{BoxKind, Layout};
use image::{GrayImage, Luma};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::surveys::create_survey;

/// Pixels per mm at 200 dpi.
pub(super) const PX: f64 = 200.0 / 25.4;

pub(super) async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql.to_string())
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap())
}

pub(super) async fn text(app: &TestApp, sql: &str, id: i64) -> String {
    with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        sqlx::AssertSqlSafe(sql.to_string())
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// A survey at the city with the demo questionnaire where age may be left blank, published.
pub(super) async fn paper_survey(app: &TestApp) -> i64 {
    app.login_demo("designer").await;
    let id = create_survey(app, "92", "Phiếu giấy thử", true).await;
    fn optional_age(items: &mut [duluan_forms::Item]) {
        for item in items {
            match item {
                duluan_forms::Item::Question(q) if q.name == "age" => q.required = None,
                duluan_forms::Item::Group(g) => optional_age(&mut g.items),
                _ => {}
            }
        }
    }
    let mut form = duluan::surveys::demo_form();
    optional_age(&mut form.items);
    let bytes = duluan_forms::xlsform::export_xlsx(&form).unwrap();
    let page = app
        .upload(&format!("/surveys/{id}/import"), "phieu.xlsx", bytes)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    id
}

/// The PDF's pages as grey images, or `None` when poppler is not installed (and not required).
pub(super) fn render_pages(pdf: &[u8]) -> Option<Vec<GrayImage>> {
    if std::process::Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("DULUAN_TEST_DOCS_TOOLS").is_err(),
            "DULUAN_TEST_DOCS_TOOLS is set but pdftoppm is missing: apt-get install poppler-utils"
        );
        println!("skipped: pdftoppm not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|p| image::open(p).unwrap().to_luma8())
            .collect(),
    )
}

/// A dark line 3 px wide from `(x0, y0)` to `(x1, y1)` in mm.
pub(super) fn line(img: &mut GrayImage, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) {
    let steps = ((x1 - x0).abs().max((y1 - y0).abs()) * PX * 2.0) as i64 + 1;
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        let (x, y) = ((x0 + (x1 - x0) * t) * PX, (y0 + (y1 - y0) * t) * PX);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let (px, py) = (x as i64 + dx, y as i64 + dy);
                if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                    img.put_pixel(px as u32, py as u32, Luma([20]));
                }
            }
        }
    }
}

/// Marks the answers on the page: ticks (an X) in the boxes of `(question, choice)`, a stroke in
/// each digit box of the questions in `digits`, a few written lines in text areas of `texts`.
pub(super) fn mark(
    img: &mut GrayImage,
    layout: &Layout,
    page: usize,
    ticks: &[(&str, &str)],
    digits: &[&str],
    texts: &[&str],
) {
    for b in &layout.pages[page].boxes {
        let r = &b.rect;
        match &b.kind {
            BoxKind::Tick
                if ticks
                    .iter()
                    .any(|(q, c)| *q == b.question && Some(*c) == b.choice.as_deref()) =>
            {
                let i = 0.9;
                line(img, (r.x + i, r.y + i), (r.x + r.w - i, r.y + r.h - i));
                line(img, (r.x + r.w - i, r.y + i), (r.x + i, r.y + r.h - i));
            }
            BoxKind::Digit { position }
                if *position < 2 && digits.contains(&b.question.as_str()) =>
            {
                // A "4" and a "5", roughly.
                let (cx, top, bottom) = (r.x + r.w / 2.0, r.y + 1.5, r.y + r.h - 1.5);
                line(img, (cx, top), (cx, bottom));
                line(
                    img,
                    (r.x + 1.2, r.y + r.h / 2.0),
                    (r.x + r.w - 1.2, r.y + r.h / 2.0),
                );
            }
            BoxKind::TextArea if texts.contains(&b.question.as_str()) => {
                for k in 0..3 {
                    let y = r.y + 4.0 + 8.0 * k as f64;
                    if y < r.y + r.h - 2.0 {
                        line(img, (r.x + 5.0, y), (r.x + r.w * 0.7, y + 1.5));
                    }
                }
            }
            _ => {}
        }
    }
}

pub(super) fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub(super) async fn counts(app: &TestApp, survey: i64) -> (i64, i64, i64) {
    (
        scalar(
            app,
            "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND mode = 'paper' AND status = 'complete'",
            survey,
        )
        .await,
        scalar(app, "SELECT COUNT(*) FROM paper_scans WHERE survey_id = $1", survey).await,
        scalar(
            app,
            "SELECT COUNT(*) FROM paper_pages p JOIN paper_scans s ON s.id = p.scan_id WHERE s.survey_id = $1",
            survey,
        )
        .await,
    )
}

/// Draws a sample of `n` households of the survey and releases it in the paper mode.
pub(super) async fn release_to_paper(app: &TestApp, survey: i64, n: usize) {
    let mut csv = String::from("id,stratum,cluster\n");
    for i in 1..=n {
        csv.push_str(&format!("ho{i:03},Phường A,Tổ 1\n"));
    }
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("khung.csv");
    let form = reqwest::multipart::Form::new()
        .text("name", "Hộ nhận phiếu giấy")
        .part("file", part);
    let page = TestApp::read(
        app.client
            .post(format!("{}/surveys/{survey}/fieldwork/frames", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let frame = scalar(
        app,
        "SELECT MAX(id) FROM survey_frames WHERE survey_id = $1",
        survey,
    )
    .await
    .to_string();
    let ns = n.to_string();
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/samples"),
            &[
                ("frame", frame.as_str()),
                ("method", "srs"),
                ("n", ns.as_str()),
                ("seed", "7"),
                ("replicates", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let sample = scalar(
        app,
        "SELECT MAX(id) FROM survey_samples WHERE survey_id = $1",
        survey,
    )
    .await;
    let page = app
        .post(
            &format!("/surveys/{survey}/fieldwork/samples/{sample}/release"),
            &[("batch", "1"), ("mode", "paper")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}
