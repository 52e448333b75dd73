//! Printing: the layout of the test form, its JSON, and its PDF measured against the layout.

use duluan_paper::{
    Answer, BoxKind, Drawn, Layout, LayoutError, LayoutOptions, RenderError, SheetId, layout,
    render_pdf,
};

use super::synth::{Img, pdftoppm};

fn test_layout() -> Layout {
    layout(&super::form::form(), &LayoutOptions::default()).unwrap()
}

#[test]
fn the_layout_numbers_questions_groups_grids_and_skips() {
    let l = test_layout();
    assert_eq!(l.pages.len(), 2);
    let names: Vec<(&str, Option<u32>, u32)> = l
        .questions
        .iter()
        .map(|q| (q.name.as_str(), q.instance, q.number))
        .collect();
    // Metadata, calculate and geopoint are not printed; the repeat prints three blocks.
    assert_eq!(names[0], ("gioi_tinh", None, 1));
    assert_eq!(names[4], ("ngay_hop", None, 5));
    assert_eq!(names[9], ("quan_he", Some(1), 10));
    assert_eq!(names.last().unwrap(), &("kien_nghi", None, 16));
    assert!(
        !names
            .iter()
            .any(|n| ["batdau", "diem", "vi_tri", "cam_on"].contains(&n.0))
    );
    let q = |name: &str| l.questions.iter().find(|q| q.name == name).unwrap();
    assert_eq!(
        q("tuoi").answer,
        Answer::Number {
            digits: 3,
            decimals: 0
        }
    );
    assert_eq!(q("kenh").answer, Answer::SelectMultiple);
    let texts: Vec<&str> = l
        .pages
        .iter()
        .flat_map(|p| &p.drawing)
        .filter_map(|d| match d {
            Drawn::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    // Choosing "Không" (2) at question 3 skips 4 and 5.
    assert!(texts.contains(&"» Chuyển sang câu 6"), "{texts:?}");
    assert!(texts.contains(&"Câu 16."));
    assert!(texts.contains(&"Thành viên trong hộ – lần 3"));
    assert!(texts.contains(&"Hài lòng"));
    // The grid: the four satisfaction questions share one row of columns each.
    let p1 = &l.pages[0];
    let row = |name: &str| -> Vec<f64> {
        p1.boxes
            .iter()
            .filter(|b| b.question == name)
            .map(|b| b.rect.x)
            .collect()
    };
    assert_eq!(row("dg_thu_tuc").len(), 5);
    assert_eq!(row("dg_thu_tuc"), row("dg_chi_phi"));
    let date: Vec<&BoxKind> = p1
        .boxes
        .iter()
        .filter(|b| b.question == "ngay_hop")
        .map(|b| &b.kind)
        .collect();
    assert_eq!(date.len(), 8);
    // Every text is NFC and inside the page's content area.
    for p in &l.pages {
        for b in &p.boxes {
            assert!(b.rect.x >= 18.0 && b.rect.x + b.rect.w <= 192.01, "{b:?}");
            assert!(b.rect.y >= 30.0 && b.rect.y + b.rect.h <= 281.0, "{b:?}");
        }
    }
    // The JSON the app stores gives back the same layout.
    let json = serde_json::to_string(&l).unwrap();
    assert_eq!(serde_json::from_str::<Layout>(&json).unwrap(), l);
    assert!(json.contains("\"kind\":\"date_part\""));
}

#[test]
fn bad_forms_and_batches_are_refused_with_reasons() {
    let mut f = super::form::form();
    f.choices.retain(|l| l.name != "kenh");
    assert_eq!(
        layout(&f, &LayoutOptions::default()),
        Err(LayoutError::MissingList {
            question: "kenh".into(),
            list: "kenh".into()
        })
    );
    let mut f = super::form::form();
    f.items.retain(|i| i.name() == "batdau");
    assert_eq!(
        layout(&f, &LayoutOptions::default()),
        Err(LayoutError::NothingToPrint)
    );
    let mut f = super::form::form();
    f.id = "x".repeat(80);
    assert!(matches!(
        layout(&f, &LayoutOptions::default()),
        Err(LayoutError::IdentityTooLong { .. })
    ));
    let l = test_layout();
    assert_eq!(render_pdf(&l, &[]), Err(RenderError::NoSheets));
    assert!(matches!(
        render_pdf(&l, &[SheetId::Case("a\u{7}".into())]),
        Err(RenderError::InvalidCaseCode { .. })
    ));
    assert!(matches!(
        render_pdf(&l, &[SheetId::Anonymous(1), SheetId::Anonymous(1)]),
        Err(RenderError::DuplicateSheet { .. })
    ));
    let many: Vec<SheetId> = (0..1001).map(SheetId::Anonymous).collect();
    assert!(matches!(
        render_pdf(&l, &many),
        Err(RenderError::TooManyPages { pages: 2002, .. })
    ));
}

/// Where the printed line nearest `at` (px) lies along a profile: the centroid of darkness
/// within ±`window` px.
fn edge(profile: &dyn Fn(i64) -> f64, at: f64, window: f64) -> f64 {
    let (mut sw, mut sx) = (0.0, 0.0);
    for i in (at - window).floor() as i64..=(at + window).ceil() as i64 {
        let d = (255.0 - profile(i)).max(0.0);
        sw += d;
        sx += d * (i as f64 + 0.5);
    }
    sx / sw
}

/// The largest distance, mm, between a box's outline in the layout and on the rendered page.
fn worst_offset(img: &Img, l: &Layout, page: usize) -> f64 {
    let s = img.ppmm;
    let get = |x: i64, y: i64| f64::from(img.px[y as usize * img.w + x as usize]);
    let mut worst: f64 = 0.0;
    for b in &l.pages[page].boxes {
        let r = b.rect;
        let mid_y = ((r.y + r.h / 2.0) * s) as i64;
        let mid_x = ((r.x + r.w / 2.0) * s) as i64;
        // Average over a few rows or columns around the middle of the side.
        let row = |i: i64| (-2..=2).map(|k| get(i, mid_y + k)).sum::<f64>() / 5.0;
        let col = |i: i64| (-2..=2).map(|k| get(mid_x + k, i)).sum::<f64>() / 5.0;
        let w = 0.6 * s;
        let found = [
            (edge(&row, r.x * s, w), r.x * s),
            (edge(&row, (r.x + r.w) * s, w), (r.x + r.w) * s),
            (edge(&col, r.y * s, w), r.y * s),
            (edge(&col, (r.y + r.h) * s, w), (r.y + r.h) * s),
        ];
        for (got, want) in found {
            worst = worst.max((got - want).abs() / s);
        }
    }
    for f in &l.fiducials {
        let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for y in ((f.y - 1.0) * s) as i64..((f.y + f.h + 1.0) * s) as i64 {
            for x in ((f.x - 1.0) * s) as i64..((f.x + f.w + 1.0) * s) as i64 {
                let d = 255.0 - get(x, y);
                sw += d;
                sx += d * (x as f64 + 0.5);
                sy += d * (y as f64 + 0.5);
            }
        }
        let (cx, cy) = f.center();
        worst = worst
            .max((sx / sw / s - cx).abs())
            .max((sy / sw / s - cy).abs());
    }
    worst
}

#[test]
fn the_pdf_puts_every_box_where_the_layout_says() {
    let l = test_layout();
    let sheets = [SheetId::Case("HN-0001".into()), SheetId::Anonymous(42)];
    let pdf = render_pdf(&l, &sheets).unwrap();
    assert_eq!(pdf, render_pdf(&l, &sheets).unwrap(), "deterministic bytes");
    if let Ok(dir) = std::env::var("PAPER_DEBUG_DIR") {
        std::fs::write(format!("{dir}/form.pdf"), &pdf).unwrap();
    }
    let Some(pages) = pdftoppm(&pdf, 200) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    assert_eq!(pages.len(), 4);
    for (i, img) in pages.iter().enumerate() {
        let worst = worst_offset(img, &l, i % 2);
        assert!(worst < 0.1, "page {}: a box is {worst:.3} mm off", i + 1);
    }
}
