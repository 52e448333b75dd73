//! Benchmark of reading scanned pages: pages per second on one core at 300 dpi, and how many
//! boxes are read right, flagged doubtful, or silently wrong on a perturbed set.
//!
//! `cargo run --release -p duluan-paper --example bench -- [PAGES] [DPI]` (default 300 pages
//! at 300 dpi). Needs poppler's `pdftoppm` to render the printed sheets. The test form is
//! printed for 10 sheets; each scan is one of their pages filled in at random (crosses,
//! checks, slashes, light pencil, blacked-out changes of mind, digits, handwriting) and
//! perturbed (rotation ±5°, scale ±3 %, offset ±4 mm, a half turn for one in four, paper
//! tint, Gaussian noise σ 2–14; every third page through JPEG at quality 60–90). Only the
//! reading is timed. The reference in the same run: decoding the same JPEG pages alone
//! (the `image` crate), so the ratio says what reading costs beyond getting the pixels.

#[path = "../tests/paper/form.rs"]
mod form;
#[path = "../tests/paper/synth.rs"]
mod synth;

use std::time::{Duration, Instant};

use duluan_paper::{
    BoxKind, LayoutOptions, Limits, QuestionStatus, SheetId, Verdict, layout, read_bitmap,
    read_page, render_pdf,
};
use synth::{Distort, Mark, Rng, fill_in};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let dpi: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let t = Instant::now();
    let l = layout(&form::form(), &LayoutOptions::default()).expect("the test form lays out");
    let layout_time = t.elapsed();
    let sheets: Vec<SheetId> = (1..=10).map(SheetId::Anonymous).collect();
    let t = Instant::now();
    let pdf = render_pdf(&l, &sheets).expect("prints");
    let render_time = t.elapsed();
    let t = Instant::now();
    let batch: Vec<SheetId> = (1..=100).map(SheetId::Anonymous).collect();
    let big = render_pdf(&l, &batch).expect("prints");
    let big_time = t.elapsed();
    println!(
        "printing: layout {:.1} ms; PDF of 10 sheets ({} pages) {:.0} ms, of 100 sheets ({} pages, {} KiB) {:.0} ms",
        layout_time.as_secs_f64() * 1000.0,
        sheets.len() * l.pages.len(),
        render_time.as_secs_f64() * 1000.0,
        batch.len() * l.pages.len(),
        big.len() / 1024,
        big_time.as_secs_f64() * 1000.0
    );
    let Some(pages) = synth::pdftoppm(&pdf, dpi) else {
        println!("skipped: pdftoppm not installed");
        return;
    };
    let mut rng = Rng(20261205);
    let (mut read_time, mut jpeg_read_time, mut decode_time) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut jpeg_pages, mut bitmap_pages) = (0usize, 0usize);
    let (mut boxes, mut right, mut doubtful, mut wrong) = (0usize, 0usize, 0usize, 0usize);
    let (mut ticks, mut ticks_right, mut cancelled, mut pencil) = (0usize, 0usize, 0usize, 0usize);
    let (mut answered, mut answered_wrong, mut questions) = (0usize, 0usize, 0usize);
    let mut failed_pages = 0usize;
    for k in 0..n {
        let i = rng.below(pages.len());
        let mut img = pages[i].clone();
        let truth = fill_in(&mut img, &l, i % l.pages.len(), &mut rng, true);
        let d = Distort::random(&mut rng);
        let scan = synth::distort(&img, &d, &mut rng);
        let result = if k % 3 == 0 {
            let bytes = synth::jpeg(&scan, 60 + (k % 31) as u8);
            let t = Instant::now();
            let r = read_page(&bytes, &l, &Limits::default());
            jpeg_read_time += t.elapsed();
            let t = Instant::now();
            let decoded = image::load_from_memory(&bytes)
                .expect("decodes")
                .into_luma8();
            decode_time += t.elapsed();
            std::hint::black_box(decoded);
            jpeg_pages += 1;
            r
        } else {
            let bitmap = scan.bitmap();
            let t = Instant::now();
            let r = read_bitmap(&bitmap, &l);
            read_time += t.elapsed();
            bitmap_pages += 1;
            r
        };
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                failed_pages += 1;
                eprintln!("page {k} not read ({d:?}): {e}");
                continue;
            }
        };
        assert_eq!(r.identity.page as usize, i % l.pages.len() + 1);
        for b in &r.boxes {
            boxes += 1;
            let expected = match truth.marks.get(&b.index) {
                Some(Mark::Filled) => Verdict::Filled,
                Some(_) => Verdict::Ticked,
                None if truth.written.contains(&b.index) => Verdict::Written,
                None => Verdict::Empty,
            };
            if b.kind == BoxKind::Tick && expected != Verdict::Empty {
                ticks += 1;
                ticks_right += usize::from(b.verdict == expected);
                cancelled += usize::from(expected == Verdict::Filled);
                pencil += usize::from(truth.marks.get(&b.index) == Some(&Mark::Pencil));
            }
            if b.verdict == expected {
                right += 1;
            } else if b.verdict == Verdict::Doubtful {
                doubtful += 1;
            } else {
                wrong += 1;
                eprintln!(
                    "page {k}: box {} {} {:?}: {expected:?} read as {:?} (fill {:.3}, {:?})",
                    b.index, b.question, b.choice, b.verdict, b.fill, r.thresholds
                );
            }
        }
        for q in &r.questions {
            questions += 1;
            if q.status == QuestionStatus::Answered {
                answered += 1;
                let want = truth
                    .answers
                    .get(&(q.name.clone(), q.instance))
                    .cloned()
                    .flatten();
                if q.value != want {
                    answered_wrong += 1;
                    eprintln!(
                        "page {k}: {} answered {:?}, drawn {want:?}",
                        q.name, q.value
                    );
                }
            }
        }
    }
    let per = |d: Duration, n: usize| d.as_secs_f64() * 1000.0 / n.max(1) as f64;
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!("scans: {n} at {dpi} dpi ({} not read)", failed_pages);
    println!(
        "read from a decoded bitmap: {:.1} ms/page, {:.1} pages/s on one core ({bitmap_pages} pages)",
        per(read_time, bitmap_pages),
        1000.0 / per(read_time, bitmap_pages)
    );
    println!(
        "read from JPEG bytes: {:.1} ms/page, {:.1} pages/s on one core ({jpeg_pages} pages); \
         reference, decoding the JPEG alone: {:.1} ms/page (reading = {:.2} × decoding)",
        per(jpeg_read_time, jpeg_pages),
        1000.0 / per(jpeg_read_time, jpeg_pages),
        per(decode_time, jpeg_pages),
        per(jpeg_read_time, jpeg_pages) / per(decode_time, jpeg_pages)
    );
    println!(
        "boxes: {boxes}; right {right} ({:.3} %), doubtful {doubtful} ({:.3} %), silently wrong {wrong}",
        pct(right, boxes),
        pct(doubtful, boxes)
    );
    println!(
        "of the boxes not read right, flagged doubtful: {:.1} %",
        pct(doubtful, doubtful + wrong)
    );
    println!(
        "marked tick boxes: {ticks} (of which {cancelled} blacked out, {pencil} in light pencil); read right {:.2} %",
        pct(ticks_right, ticks)
    );
    println!(
        "questions: {questions}; answered by the reader {answered} ({:.1} %), of which wrong {answered_wrong}",
        pct(answered, questions)
    );
}
