//! Measuring the boxes of a located page and deciding what was marked.
//!
//! **Fill.** A pixel is dark when it is darker than the paper by more than 35 % of the way
//! from the paper's grey to the printed ink's (both measured on the page itself, so a grey
//! scan, a light print or a yellowed sheet are judged alike; a light pencil mark still
//! counts). A box's fill is the share of dark points on a grid of about one point per pixel
//! inside the box, inset from its printed outline (0.6 mm for tick boxes, 0.7 mm for digits,
//! 1 mm for text areas) so that the outline itself never counts.
//!
//! **Tick boxes.** Thresholds come from the page: the median fill of its tick boxes (most are
//! empty) and its spread give the level of an empty box. Below `empty_below`: empty; from
//! `tick_from` to `tick_to`: ticked; from `filled_from`: filled (blacked out); in between:
//! doubtful.
//!
//! **Questions.** A doubtful box makes its question doubtful. A filled box next to a tick in
//! the same question is a cancelled choice (the printed instruction: black a box out to undo
//! it, then tick another); filled boxes without any tick are doubtful (cancelled, or filled in
//! as the answer?). Two ticks on a single-choice question are doubtful. Digits, dates and text
//! are never guessed: ink in any of their boxes sends the question to keying with its crop.

use image::ImageEncoder;
use serde::{Deserialize, Serialize};

use super::geometry::warp;
use super::locate::Located;
use super::{Bitmap, BoxReading, PageReading, QuestionReading, QuestionStatus, Verdict};
use crate::model::{Answer, BoxKind, Layout, Page, Rect};

/// The thresholds a page's boxes were judged with (fills, 0 to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Grey level under which a pixel is dark.
    pub dark_below: f64,
    /// A tick box filled less than this is empty.
    pub empty_below: f64,
    /// A tick box is ticked from this fill…
    pub tick_from: f64,
    /// …up to this one.
    pub tick_to: f64,
    /// A tick box filled from this is blacked out.
    pub filled_from: f64,
    /// A digit box or text area with at least this fill holds writing (between
    /// `empty_below`'s equivalent and this: doubtful).
    pub written_from: f64,
}

/// Crops are resampled at this many pixels per mm (203 dpi).
const CROP_PPMM: f64 = 8.0;
/// Margin around a crop, mm.
const CROP_MARGIN: f64 = 2.0;

fn inset(kind: &BoxKind) -> f64 {
    match kind {
        BoxKind::Tick => 0.6,
        BoxKind::Digit { .. } | BoxKind::DatePart { .. } => 0.7,
        BoxKind::TextArea => 1.0,
    }
}

/// Share of dark points in `r` (mm), on a grid of about one point per pixel (at most about
/// 40,000 points).
fn fill(img: &Bitmap, loc: &Located, r: &Rect, dark: f64) -> f64 {
    let ppmm = loc.placement.pixels_per_mm.max(1.0);
    let step = (1.0 / ppmm).max((r.w * r.h / 40_000.0).sqrt());
    let (nx, ny) = (
        (r.w / step).floor().max(1.0) as usize,
        (r.h / step).floor().max(1.0) as usize,
    );
    let (ox, oy) = (
        r.x + (r.w - (nx - 1) as f64 * step) / 2.0,
        r.y + (r.h - (ny - 1) as f64 * step) / 2.0,
    );
    let mut n = 0usize;
    for j in 0..ny {
        let v = oy + j as f64 * step;
        for i in 0..nx {
            let (x, y) = loc.h.map(ox + i as f64 * step, v);
            if img.sample(x, y) < dark {
                n += 1;
            }
        }
    }
    n as f64 / (nx * ny) as f64
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The page's thresholds from the fills of its tick boxes.
fn thresholds(dark: f64, ticks: &[f64]) -> Thresholds {
    let mut f = ticks.to_vec();
    let base = median(&mut f).min(0.04);
    let mut dev: Vec<f64> = ticks
        .iter()
        .filter(|&&x| x < 0.1)
        .map(|x| (x - base).abs())
        .collect();
    let spread = median(&mut dev);
    let empty_below = (base + (4.0 * spread).max(0.03)).min(0.08);
    Thresholds {
        dark_below: (dark * 10.0).round() / 10.0,
        empty_below: round3(empty_below),
        tick_from: round3((empty_below + 0.04).max(0.08)),
        tick_to: 0.55,
        filled_from: 0.72,
        written_from: round3((empty_below + 0.02).max(0.05)),
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn verdict(kind: &BoxKind, fill: f64, t: &Thresholds) -> Verdict {
    match kind {
        BoxKind::Tick => {
            if fill < t.empty_below {
                Verdict::Empty
            } else if fill < t.tick_from {
                Verdict::Doubtful
            } else if fill < t.tick_to {
                Verdict::Ticked
            } else if fill < t.filled_from {
                Verdict::Doubtful
            } else {
                Verdict::Filled
            }
        }
        BoxKind::TextArea => {
            if fill < 0.003 {
                Verdict::Empty
            } else if fill < 0.008 {
                Verdict::Doubtful
            } else {
                Verdict::Written
            }
        }
        _ => {
            if fill < t.empty_below {
                Verdict::Empty
            } else if fill < t.written_from {
                Verdict::Doubtful
            } else {
                Verdict::Written
            }
        }
    }
}

/// An upright PNG of `r` (mm) and a margin around it.
fn crop(img: &Bitmap, loc: &Located, r: &Rect) -> Option<Vec<u8>> {
    let region = (
        r.x - CROP_MARGIN,
        r.y - CROP_MARGIN,
        r.w + 2.0 * CROP_MARGIN,
        r.h + 2.0 * CROP_MARGIN,
    );
    let (w, h, px) = warp(img, &loc.h, region, CROP_PPMM);
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(&px, w, h, image::ExtendedColorType::L8)
    .ok()?;
    Some(out)
}

/// Reads every box of `page` and decides its questions.
pub(crate) fn read_marks(img: &Bitmap, loc: &Located, layout: &Layout, page: &Page) -> PageReading {
    let dark = loc.paper - 0.35 * (loc.paper - loc.ink);
    let fills: Vec<f64> = page
        .boxes
        .iter()
        .map(|b| fill(img, loc, &b.rect.inset(inset(&b.kind)), dark))
        .collect();
    let ticks: Vec<f64> = page
        .boxes
        .iter()
        .zip(&fills)
        .filter(|(b, _)| b.kind == BoxKind::Tick)
        .map(|(_, f)| *f)
        .collect();
    let t = thresholds(dark, &ticks);
    let mut boxes: Vec<BoxReading> = page
        .boxes
        .iter()
        .zip(&fills)
        .enumerate()
        .map(|(index, (b, &f))| {
            let verdict = verdict(&b.kind, f, &t);
            BoxReading {
                index,
                question: b.question.clone(),
                instance: b.instance,
                choice: b.choice.clone(),
                kind: b.kind.clone(),
                fill: f as f32,
                verdict,
                crop: None,
            }
        })
        .collect();
    for (r, b) in boxes.iter_mut().zip(&page.boxes) {
        if r.verdict == Verdict::Doubtful && r.kind == BoxKind::Tick {
            r.crop = crop(img, loc, &b.rect);
        }
    }
    let mut questions = Vec::new();
    for q in &layout.questions {
        if !q.pages.contains(&page.number) {
            continue;
        }
        let idx: Vec<usize> = (0..boxes.len())
            .filter(|&i| page.boxes[i].question == q.name && page.boxes[i].instance == q.instance)
            .collect();
        let mine: Vec<&BoxReading> = idx.iter().map(|&i| &boxes[i]).collect();
        let (status, value) = decide(&q.answer, &mine, q.pages.len() > 1);
        let crop = (status == QuestionStatus::ToKey)
            .then(|| {
                let area = idx
                    .iter()
                    .map(|&i| page.boxes[i].rect)
                    .reduce(|a, b| a.union(&b))?;
                crop(img, loc, &area)
            })
            .flatten();
        questions.push(QuestionReading {
            name: q.name.clone(),
            instance: q.instance,
            status,
            value,
            crop,
        });
    }
    PageReading {
        identity: loc.identity.clone(),
        placement: loc.placement,
        thresholds: t,
        boxes,
        questions,
    }
}

/// A question's status and value from its boxes on the page.
fn decide(
    answer: &Answer,
    boxes: &[&BoxReading],
    several_pages: bool,
) -> (QuestionStatus, Option<String>) {
    if several_pages {
        return (QuestionStatus::OnSeveralPages, None);
    }
    let any = |v: Verdict| boxes.iter().any(|b| b.verdict == v);
    match answer {
        Answer::SelectOne | Answer::SelectMultiple => {
            if any(Verdict::Doubtful) {
                return (QuestionStatus::DoubtfulBox, None);
            }
            let ticked: Vec<&str> = boxes
                .iter()
                .filter(|b| b.verdict == Verdict::Ticked)
                .filter_map(|b| b.choice.as_deref())
                .collect();
            if ticked.is_empty() {
                if any(Verdict::Filled) {
                    return (QuestionStatus::OnlyFilled, None);
                }
                return (QuestionStatus::Unanswered, None);
            }
            if *answer == Answer::SelectOne && ticked.len() > 1 {
                return (QuestionStatus::SeveralTicks, None);
            }
            (QuestionStatus::Answered, Some(ticked.join(" ")))
        }
        _ => {
            if any(Verdict::Written) || any(Verdict::Doubtful) {
                (QuestionStatus::ToKey, None)
            } else {
                (QuestionStatus::Unanswered, None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_the_page() {
        let clean = thresholds(160.0, &[0.0, 0.0, 0.01, 0.0, 0.3, 0.25, 0.0, 0.9, 0.0]);
        assert_eq!(clean.empty_below, 0.03);
        assert_eq!(clean.tick_from, 0.08);
        let dirty = thresholds(160.0, &[0.03, 0.035, 0.03, 0.04, 0.3, 0.03, 0.045]);
        assert!(dirty.empty_below > 0.06 && dirty.empty_below <= 0.08);
        let t = clean;
        let v = |f| verdict(&BoxKind::Tick, f, &t);
        assert_eq!(
            [0.0, 0.05, 0.2, 0.6, 0.95].map(v),
            [
                Verdict::Empty,
                Verdict::Doubtful,
                Verdict::Ticked,
                Verdict::Doubtful,
                Verdict::Filled
            ]
        );
    }

    fn b(choice: &str, verdict: Verdict) -> BoxReading {
        BoxReading {
            index: 0,
            question: "q".into(),
            instance: None,
            choice: Some(choice.into()),
            kind: BoxKind::Tick,
            fill: 0.0,
            verdict,
            crop: None,
        }
    }

    #[test]
    fn questions_are_decided_by_the_rules() {
        use QuestionStatus::*;
        use Verdict::*;
        let check = |answer: Answer, marks: &[Verdict], want: (QuestionStatus, Option<&str>)| {
            let bs: Vec<BoxReading> = marks
                .iter()
                .enumerate()
                .map(|(i, v)| b(&(i + 1).to_string(), *v))
                .collect();
            let refs: Vec<&BoxReading> = bs.iter().collect();
            let got = decide(&answer, &refs, false);
            assert_eq!((got.0, got.1.as_deref()), want, "{answer:?} {marks:?}");
        };
        check(
            Answer::SelectOne,
            &[Empty, Ticked, Empty],
            (Answered, Some("2")),
        );
        check(
            Answer::SelectOne,
            &[Filled, Ticked, Empty],
            (Answered, Some("2")),
        );
        check(Answer::SelectOne, &[Ticked, Ticked], (SeveralTicks, None));
        check(Answer::SelectOne, &[Filled, Empty], (OnlyFilled, None));
        check(Answer::SelectOne, &[Empty, Empty], (Unanswered, None));
        check(Answer::SelectOne, &[Doubtful, Ticked], (DoubtfulBox, None));
        check(
            Answer::SelectMultiple,
            &[Ticked, Filled, Ticked],
            (Answered, Some("1 3")),
        );
        check(Answer::Date, &[Empty, Written], (ToKey, None));
        check(Answer::Date, &[Empty, Empty], (Unanswered, None));
    }
}
