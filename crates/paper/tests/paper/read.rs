//! Reading: printed pages marked and perturbed, read back and compared with what was drawn.

use duluan_paper::{
    BoxKind, Layout, LayoutOptions, Limits, PageReading, QuestionStatus, SheetId, Verdict, layout,
    read_bitmap, read_page, read_scan, render_pdf,
};

use super::synth::{self, Distort, Img, Mark, Rng, Truth, fill_in};

/// The test form's layout and its pages for two sheets rendered at `dpi`.
pub fn printed(dpi: u32) -> Option<(Layout, Vec<Img>, Vec<u8>)> {
    let l = layout(&super::form::form(), &LayoutOptions::default()).unwrap();
    let pdf = render_pdf(
        &l,
        &[SheetId::Case("HN-0001".into()), SheetId::Anonymous(42)],
    )
    .unwrap();
    let pages = synth::pdftoppm(&pdf, dpi)?;
    Some((l, pages, pdf))
}

/// Counts of boxes read right, flagged doubtful, and wrong.
#[derive(Debug, Default, Clone, Copy)]
pub struct Score {
    pub right: usize,
    pub doubtful: usize,
    pub wrong: usize,
    pub answered: usize,
    pub answered_wrong: usize,
}

/// Compares a reading with what was drawn.
pub fn score(r: &PageReading, truth: &Truth) -> (Score, Vec<String>) {
    let mut s = Score::default();
    let mut errors = Vec::new();
    for b in &r.boxes {
        let expected = match truth.marks.get(&b.index) {
            Some(Mark::Filled) => Verdict::Filled,
            Some(_) => Verdict::Ticked,
            None if truth.written.contains(&b.index) => Verdict::Written,
            None => Verdict::Empty,
        };
        if b.verdict == expected {
            s.right += 1;
        } else if b.verdict == Verdict::Doubtful {
            s.doubtful += 1;
            assert!(
                b.kind != BoxKind::Tick || b.crop.is_some(),
                "a doubtful tick has its crop"
            );
        } else {
            s.wrong += 1;
            errors.push(format!(
                "box {} {} {:?}: {:?} read as {:?} (fill {:.3})",
                b.index, b.question, b.choice, expected, b.verdict, b.fill
            ));
        }
    }
    for q in &r.questions {
        let want = truth
            .answers
            .get(&(q.name.clone(), q.instance))
            .cloned()
            .flatten();
        let ok = match q.status {
            QuestionStatus::Answered => {
                s.answered += 1;
                q.value == want
            }
            QuestionStatus::Unanswered => want.is_none(),
            QuestionStatus::ToKey => want.as_deref() == Some("?") && q.crop.is_some(),
            _ => true,
        };
        if !ok {
            s.answered_wrong += 1;
            errors.push(format!(
                "{} {:?}: {:?} {:?}, drawn {want:?}",
                q.name, q.instance, q.status, q.value
            ));
        }
    }
    (s, errors)
}

#[test]
fn marks_on_a_clean_scan_read_back_exactly() {
    let Some((l, pages, _)) = printed(200) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let mut rng = Rng(7);
    for (i, page) in pages.iter().enumerate().take(2) {
        let mut img = page.clone();
        let truth = fill_in(&mut img, &l, i, &mut rng, true);
        let r = read_page(&synth::png(&img), &l, &Limits::default()).unwrap();
        assert_eq!(r.identity.page, i as u32 + 1);
        assert_eq!(r.identity.sheet, SheetId::Case("HN-0001".into()));
        assert_eq!(r.identity.form_id, "khao_sat_phuong");
        assert_eq!(r.placement.rotation, 0);
        assert!(r.placement.skew_degrees.abs() < 0.1, "{:?}", r.placement);
        let (s, errors) = score(&r, &truth);
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(s.doubtful, 0, "{s:?}");
        assert!(s.answered >= 2, "{s:?}");
        if let Ok(dir) = std::env::var("PAPER_DEBUG_DIR") {
            std::fs::write(format!("{dir}/marked-{i}.png"), synth::png(&img)).unwrap();
            for q in &r.questions {
                if let Some(c) = &q.crop {
                    std::fs::write(format!("{dir}/crop-{}.png", q.name), c).unwrap();
                }
            }
        }
    }
}

#[test]
fn perturbed_scans_are_read_right_or_flagged_never_wrong() {
    let Some((l, pages, _)) = printed(200) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let mut rng = Rng(2026);
    let mut total = Score::default();
    let mut turned = 0;
    for n in 0..12 {
        let i = n % pages.len();
        let mut img = pages[i].clone();
        let truth = fill_in(&mut img, &l, i % 2, &mut rng, true);
        let mut d = Distort::random(&mut rng);
        // Cover the extremes at least once.
        match n {
            0 => (d.degrees, d.scale, d.half_turn) = (5.0, 1.03, false),
            1 => (d.degrees, d.scale, d.half_turn) = (-5.0, 0.97, true),
            _ => {}
        }
        turned += usize::from(d.half_turn);
        let scan = synth::distort(&img, &d, &mut rng);
        let r = if n % 3 == 0 {
            read_page(
                &synth::jpeg(&scan, 70 + (n as u8) * 2),
                &l,
                &Limits::default(),
            )
        } else {
            read_bitmap(&scan.bitmap(), &l)
        }
        .unwrap_or_else(|e| panic!("page {n} ({d:?}): {e}"));
        assert_eq!(r.identity.page, (i % 2) as u32 + 1);
        assert_eq!(r.placement.rotation, if d.half_turn { 180 } else { 0 });
        assert!(
            (r.placement.skew_degrees - d.degrees).abs() < 0.3,
            "{:?} {d:?}",
            r.placement
        );
        let (s, errors) = score(&r, &truth);
        assert!(errors.is_empty(), "page {n} ({d:?}): {errors:#?}");
        total.right += s.right;
        total.doubtful += s.doubtful;
        total.answered += s.answered;
    }
    assert!(turned >= 1);
    assert!(total.doubtful * 100 <= total.right, "{total:?}");
    println!("{total:?}");
}

#[test]
fn the_printed_pdf_reads_back_page_by_page_through_the_rasteriser() {
    let l = layout(&super::form::form(), &LayoutOptions::default()).unwrap();
    let sheets = [SheetId::Case("HN-0001".into()), SheetId::Anonymous(42)];
    let pdf = render_pdf(&l, &sheets).unwrap();
    let read = read_scan(&pdf, &l, &Limits::default()).unwrap();
    assert_eq!(read.len(), 4);
    for (i, r) in read.iter().enumerate() {
        let r = r.as_ref().unwrap();
        assert_eq!(r.identity.sheet, sheets[i / 2]);
        assert_eq!(r.identity.page, (i % 2) as u32 + 1);
        assert!(
            r.boxes.iter().all(|b| b.verdict == Verdict::Empty),
            "{:?}",
            r.boxes
        );
        assert!(
            r.questions
                .iter()
                .all(|q| q.status == QuestionStatus::Unanswered)
        );
    }
    // The same page read twice has the same identity: the caller spots duplicates by it.
    let again = read_scan(&pdf, &l, &Limits::default()).unwrap();
    assert_eq!(
        again[3].as_ref().unwrap().identity,
        read[3].as_ref().unwrap().identity
    );
}

#[test]
fn a_tiff_and_a_page_scanned_sideways_are_read() {
    let Some((l, pages, _)) = printed(150) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let mut rng = Rng(11);
    let mut img = pages[0].clone();
    let truth = fill_in(&mut img, &l, 0, &mut rng, false);
    // TIFF, grey.
    let mut tiff = std::io::Cursor::new(Vec::new());
    image::ImageEncoder::write_image(
        image::codecs::tiff::TiffEncoder::new(&mut tiff),
        &img.px,
        img.w as u32,
        img.h as u32,
        image::ExtendedColorType::L8,
    )
    .unwrap();
    let r = read_page(tiff.get_ref(), &l, &Limits::default()).unwrap();
    assert!(score(&r, &truth).1.is_empty());
    // A quarter turn clockwise: the page's top is on the scan's right.
    let mut turned = Img {
        w: img.h,
        h: img.w,
        px: vec![0; img.px.len()],
        ppmm: img.ppmm,
    };
    for y in 0..img.h {
        for x in 0..img.w {
            turned.px[x * turned.w + (img.h - 1 - y)] = img.px[y * img.w + x];
        }
    }
    let r = read_bitmap(&turned.bitmap(), &l).unwrap();
    assert_eq!(r.placement.rotation, 90);
    let (s, errors) = score(&r, &truth);
    assert!(errors.is_empty() && s.doubtful == 0, "{s:?} {errors:#?}");
}

#[test]
fn unclear_marks_are_flagged_with_crops() {
    let Some((l, pages, _)) = printed(200) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let mut rng = Rng(5);
    let mut img = pages[0].clone();
    let p = &l.pages[0];
    let boxes = |name: &str| -> Vec<duluan_paper::Rect> {
        p.boxes
            .iter()
            .filter(|b| b.question == name)
            .map(|b| b.rect)
            .collect()
    };
    // Two ticks on a single choice.
    for r in boxes("gioi_tinh") {
        synth::tick(&mut img, &r, Mark::Cross, &mut rng);
    }
    // Only a blacked-out box.
    synth::tick(&mut img, &boxes("hop")[0], Mark::Filled, &mut rng);
    // A small stray dot in a box of a multiple choice, a clear tick in another.
    let k = boxes("kenh");
    let (cx, cy) = k[1].center();
    img.stroke((cx - 0.1, cy), (cx + 0.1, cy), 0.8, 40.0);
    synth::tick(&mut img, &k[3], Mark::Check, &mut rng);
    let r = read_bitmap(&img.bitmap(), &l).unwrap();
    let status = |name: &str| r.questions.iter().find(|q| q.name == name).unwrap().status;
    assert_eq!(status("gioi_tinh"), QuestionStatus::SeveralTicks);
    assert_eq!(status("hop"), QuestionStatus::OnlyFilled);
    assert_eq!(status("kenh"), QuestionStatus::DoubtfulBox);
    let dot = r
        .boxes
        .iter()
        .find(|b| b.question == "kenh" && b.verdict == Verdict::Doubtful)
        .expect("the dot is doubtful");
    assert_eq!(dot.choice.as_deref(), Some("hop"));
    let crop = image::load_from_memory(dot.crop.as_ref().unwrap()).unwrap();
    // The box (4.5 mm) and 2 mm around it, at 8 px/mm.
    assert_eq!((crop.width(), crop.height()), (68, 68));
    assert!(
        r.questions
            .iter()
            .all(|q| q.value.is_none() || q.status == QuestionStatus::Answered)
    );
}
