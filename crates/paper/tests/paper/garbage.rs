//! Garbage in: every input that is not a readable page of a known layout gets a typed error.

use duluan_paper::{
    Layout, LayoutOptions, Limits, ReadError, layout, read_bitmap, read_page, read_scan,
};

use super::synth::{self, Img, Rng};

fn test_layout() -> Layout {
    layout(&super::form::form(), &LayoutOptions::default()).unwrap()
}

fn blank(w: usize, h: usize, v: u8) -> Img {
    Img {
        w,
        h,
        px: vec![v; w * h],
        ppmm: w as f64 / 210.0,
    }
}

#[test]
fn files_that_are_not_pages_are_refused_by_name() {
    let l = test_layout();
    let lim = Limits::default();
    assert_eq!(read_page(b"hello", &l, &lim), Err(ReadError::UnknownFormat));
    assert_eq!(read_page(b"", &l, &lim), Err(ReadError::UnknownFormat));
    let png = synth::png(&blank(1654, 2339, 255));
    assert!(matches!(
        read_page(&png[..png.len() / 2], &l, &lim),
        Err(ReadError::Unreadable { .. })
    ));
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        read_page(&png, &l, &small),
        Err(ReadError::TooLarge { .. })
    ));
    let narrow = Limits {
        max_width: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        read_page(&png, &l, &narrow),
        Err(ReadError::TooManyPixels {
            width: 1654,
            height: 2339,
            ..
        })
    ));
    assert!(matches!(
        read_page(&synth::png(&blank(300, 420, 255)), &l, &lim),
        Err(ReadError::TooSmall { .. })
    ));
    // A blank page.
    assert_eq!(
        read_page(&png, &l, &lim),
        Err(ReadError::FiducialsNotFound { found: 0 })
    );
    // PDFs: one without pages, one that is not a PDF inside, one with too many pages.
    let empty = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    let got = read_scan(empty, &l, &lim);
    assert!(
        matches!(
            got,
            Err(ReadError::EmptyPdf) | Err(ReadError::Unreadable { .. })
        ),
        "{got:?}"
    );
    assert!(matches!(
        read_scan(b"%PDF-1.7\ngarbage", &l, &lim),
        Err(ReadError::Unreadable { .. }) | Err(ReadError::EmptyPdf)
    ));
    let pdf = duluan_paper::render_pdf(&l, &[duluan_paper::SheetId::Anonymous(1)]).unwrap();
    let one = Limits {
        max_pdf_pages: 1,
        ..Limits::default()
    };
    assert_eq!(
        read_scan(&pdf, &l, &one),
        Err(ReadError::TooManyPages { pages: 2, max: 1 })
    );
    let budget = Limits {
        max_total_pixels: 1_000_000,
        ..Limits::default()
    };
    let pages = read_scan(&pdf, &l, &budget).unwrap();
    assert!(matches!(pages[0], Err(ReadError::BudgetExhausted { .. })));
}

#[test]
fn a_photo_is_not_a_page() {
    // A "photo": smooth shading with dark shapes of every size.
    let mut rng = Rng(3);
    let mut img = blank(1654, 2339, 0);
    for y in 0..img.h {
        for x in 0..img.w {
            let v = 128.0 + 90.0 * ((x as f64 / 97.0).sin() * (y as f64 / 131.0).cos());
            img.px[y * img.w + x] = v as u8;
        }
    }
    for _ in 0..200 {
        let (cx, cy, r) = (
            rng.range(0.0, 210.0),
            rng.range(0.0, 297.0),
            rng.range(0.5, 9.0),
        );
        img.stroke(
            (cx, cy),
            (cx + rng.range(-r, r), cy + rng.range(-r, r)),
            r,
            10.0,
        );
    }
    let got = read_bitmap(&img.bitmap(), &test_layout());
    assert!(
        matches!(
            got,
            Err(ReadError::FiducialsNotFound { .. }
                | ReadError::FiducialsMisplaced
                | ReadError::QrNotFound)
        ),
        "{got:?}"
    );
}

#[test]
fn pages_of_other_surveys_damaged_pages_and_other_layouts_are_named() {
    let Some((l, pages, _)) = super::read::printed(150) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let page = &pages[0];
    // Another survey: the layouts given do not hold this form.
    let mut other = super::form::form();
    other.id = "khac".into();
    let other = layout(&other, &LayoutOptions::default()).unwrap();
    assert_eq!(
        read_bitmap(&page.bitmap(), &other),
        Err(ReadError::UnknownForm {
            form_id: "khao_sat_phuong".into(),
            form_version: "2026-12".into()
        })
    );
    // The same form and version laid out otherwise (two repeat blocks instead of three).
    let two = layout(
        &super::form::form(),
        &LayoutOptions {
            repeat_blocks: 2,
            ..LayoutOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(
        read_bitmap(&page.bitmap(), &[two, l.clone()][..1]),
        Err(ReadError::OtherLayout { .. })
    ));
    // A corner cut off.
    let whiten = |img: &mut Img, x0: f64, y0: f64, x1: f64, y1: f64| {
        let s = img.ppmm;
        for y in (y0 * s) as usize..(y1 * s) as usize {
            for x in (x0 * s) as usize..(x1 * s) as usize {
                img.px[y * img.w + x] = 255;
            }
        }
    };
    let mut cut = page.clone();
    whiten(&mut cut, 0.0, 275.0, 30.0, 297.0);
    assert_eq!(
        read_bitmap(&cut.bitmap(), &l),
        Err(ReadError::FiducialsNotFound { found: 3 })
    );
    // The QR code torn off.
    let mut torn = page.clone();
    whiten(&mut torn, 160.0, 5.0, 195.0, 30.0);
    assert_eq!(read_bitmap(&torn.bitmap(), &l), Err(ReadError::QrNotFound));
}
