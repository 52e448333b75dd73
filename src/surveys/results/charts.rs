//! Charts of the survey results (*biểu đồ kết quả*) as standalone SVG documents, drawn on the
//! server with no IO: shares with their confidence intervals, means on a common axis, 100 %
//! stacked bars of Likert scales, and estimates across the waves of a survey.
//!
//! Every chart is 360 units wide, the width of a phone, so that its text is read at about its
//! nominal size there (`width`/`height` are set for files and PNG rendering; a page scales the
//! document with CSS through its `viewBox`). Labels sit above their bars rather than beside them,
//! so a long Vietnamese question wording gets the whole width; it wraps at spaces onto at most
//! three lines (counting characters, not bytes) and ends with `…` only past that, the whole text
//! staying in the row's `<title>`. Each document carries `role="img"`, its title as `<title>` and
//! `aria-label`, and every figure as text (value labels and tooltips), so it is read without
//! seeing it. Text uses the generic `sans-serif` family, which `duluan-render` maps to its bundled
//! font for PNG. Colours are attributes (no `style`, which the page's content-security policy
//! refuses), and every chart stays readable printed in grey: the Likert palette never gives two
//! choices the same lightness, and series of the waves chart differ by marker and dash too.
//! Every piece of text passes through [`esc`], which also drops characters XML cannot carry.
//!
//! Beside this file: `text.rs` (escaping, width estimates, wrapping, numbers, title and legend),
//! `axis.rs` (round ticks), `palette.rs` (colours and markers), `tests.rs`.

use std::fmt::Write;

/// Width of every chart, in SVG units (CSS pixels at scale 1).
pub const WIDTH: f64 = 360.0;
const PAD: f64 = 10.0;
const INK: &str = "#1a1a1a";
const MUTED: &str = "#555";
const GRID: &str = "#d4d4d4";
const BAR: &str = "#7ea6d8";
const DOT: &str = "#1f5fa8";

/// How numbers and hidden figures are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    /// Vietnamese style, `41,2 %` and `12.500`, instead of `41.2%` and `12,500`.
    pub decimal_comma: bool,
    /// Written in a stacked bar where some of its choices are hidden (small cells), e.g. `ẩn`.
    pub hidden: String,
}

/// `(estimate, lower, upper)`: a figure with its confidence interval, as `model::Line::value`.
pub type Estimate = (f64, f64, f64);

/// One row of [`bars`] or [`means`].
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// What the row is (a choice, or a question for a mean).
    pub label: String,
    /// `(estimate, lower, upper)`: a share (0–1) for [`bars`], a mean for [`means`]; `None` when
    /// suppressed.
    pub value: Option<Estimate>,
    /// Shown in the row in place of the value when there is none (e.g. `ẩn (<5)`); with a value,
    /// added to the row's tooltip (e.g. `n = 37`).
    pub note: Option<String>,
}

/// What the values of [`waves`] are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Shares (0–1), written as percentages.
    Share,
    /// Means, on an axis fitted to them.
    Mean,
}

mod axis;
mod palette;
mod text;

use axis::{Axis, finite};
pub use palette::diverging;
use palette::{DASHES, SERIES, marker};
use text::{Txt, document, fit, legend, lines_at, text, text_w, title_block};
pub use text::{esc, wrap};

/// Horizontal bars of shares (0–1), each with its confidence interval as a whisker and its value
/// as `41,2 %`, on a 0–100 % axis; a row without a value shows its note in an empty frame.
pub fn bars(title: &str, lines: &[Bar], loc: &Locale) -> String {
    rows_chart(title, lines, loc, &Axis::percent(), true)
}

/// Means with their confidence intervals as dots and whiskers on one axis with round ticks,
/// fitted to the intervals (not forced to start at 0: a dot, unlike a bar, says nothing by its
/// length).
pub fn means(title: &str, lines: &[Bar], loc: &Locale) -> String {
    let vals: Vec<_> = lines
        .iter()
        .filter_map(|b| b.value.and_then(finite))
        .collect();
    let min = vals
        .iter()
        .map(|v| v.1.min(v.0))
        .fold(f64::INFINITY, f64::min);
    let max = vals
        .iter()
        .map(|v| v.2.max(v.0))
        .fold(f64::NEG_INFINITY, f64::max);
    rows_chart(title, lines, loc, &Axis::nice(min, max, 4.0, false), false)
}

/// Left edge of the value track of [`bars`] and [`means`].
const TRACK_X: f64 = PAD;

fn rows_chart(title: &str, lines: &[Bar], loc: &Locale, axis: &Axis, bar: bool) -> String {
    let mut out = String::new();
    let mut y = title_block(&mut out, title);
    let mut rows = String::new();
    let mut bands = Vec::with_capacity(lines.len());
    // The track ends where the widest value label begins.
    let value_w = lines
        .iter()
        .filter_map(|b| b.value.and_then(finite))
        .map(|v| text_w(&axis.value(loc, v.0), Txt::Value.size()) * 1.05)
        .fold(text_w("100,0 %", 12.0), f64::max);
    let track_w = WIDTH - 2.0 * PAD - value_w - 8.0;
    let x = |v: f64| TRACK_X + axis.at(v, track_w);
    for b in lines {
        let value = b.value.and_then(finite);
        let tip = match (value, &b.note) {
            (Some(v), Some(n)) => format!("{}: {}, {n}", b.label, axis.with_interval(loc, v)),
            (Some(v), None) => format!("{}: {}", b.label, axis.with_interval(loc, v)),
            (None, n) => format!("{}: {}", b.label, n.as_deref().unwrap_or("—")),
        };
        let _ = write!(rows, "<g><title>{}</title>", esc(&tip));
        let label = wrap(&b.label, fit(WIDTH - 2.0 * PAD, Txt::Label.size()), 3);
        y = lines_at(&mut rows, PAD, y, Txt::Label, &label) + 2.0;
        let (band, cy) = (16.0, y + 8.0);
        bands.push(y);
        match value {
            Some((e, lo, hi)) => {
                if bar {
                    let _ = write!(
                        rows,
                        r#"<rect x="{TRACK_X}" y="{y:.1}" width="{:.2}" height="{band}" fill="{BAR}"/>"#,
                        x(e) - TRACK_X
                    );
                }
                let (x1, x2) = (x(lo), x(hi));
                let _ = write!(
                    rows,
                    r#"<path d="M{x1:.2} {cy:.1}H{x2:.2}M{x1:.2} {:.1}V{:.1}M{x2:.2} {:.1}V{:.1}" stroke="{INK}" stroke-width="1.5" fill="none"/>"#,
                    cy - 4.0,
                    cy + 4.0,
                    cy - 4.0,
                    cy + 4.0
                );
                if !bar {
                    let _ = write!(
                        rows,
                        r##"<circle cx="{:.2}" cy="{cy:.1}" r="5" fill="{DOT}" stroke="#fff"/>"##,
                        x(e)
                    );
                }
                text(
                    &mut rows,
                    WIDTH - PAD,
                    cy + 4.0,
                    Txt::Value,
                    "end",
                    &axis.value(loc, e),
                );
            }
            None => {
                let _ = write!(
                    rows,
                    r#"<rect x="{TRACK_X}" y="{y:.1}" width="{track_w}" height="{band}" fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>"#
                );
                let note = b.note.as_deref().unwrap_or("—");
                let note = wrap(note, fit(track_w - 8.0, 11.0), 1);
                text(
                    &mut rows,
                    TRACK_X + 5.0,
                    cy + 4.0,
                    Txt::Note,
                    "start",
                    &note.concat(),
                );
            }
        }
        rows.push_str("</g>");
        y += band + 10.0;
    }
    // Grid lines behind the bars (not through the labels), tick labels under them.
    let bottom = y - 6.0;
    for (i, t) in axis.ticks.iter().enumerate() {
        let tx = x(*t);
        let stroke = if bar && i == 0 { MUTED } else { GRID };
        let mut d = String::new();
        for b in &bands {
            let _ = write!(d, "M{tx:.2} {:.1}v20", b - 2.0);
        }
        let _ = write!(
            out,
            r#"<path d="{d}M{tx:.2} {:.1}V{bottom:.1}" stroke="{stroke}" stroke-width="1"/>"#,
            bottom - 4.0
        );
        let anchor = match i {
            0 => "start",
            i if i + 1 == axis.ticks.len() => "end",
            _ => "middle",
        };
        text(
            &mut rows,
            tx,
            bottom + 13.0,
            Txt::Small,
            anchor,
            &axis.tick(loc, *t),
        );
    }
    out.push_str(&rows);
    document(title, &out, bottom + 20.0)
}

/// 100 % stacked horizontal bars, one row per question (or domain) and a segment per choice of
/// `categories`, ordered from one pole to the other (Likert). A segment of 4 % or more shows its
/// percentage when it fits. Hidden shares (`None`, small cells) are drawn together as an empty
/// frame at the end of their row, marked with [`Locale::hidden`].
pub fn stacked(
    title: &str,
    categories: &[String],
    rows: &[(String, Vec<Option<f64>>)],
    loc: &Locale,
) -> String {
    let colours = diverging(categories.len());
    let mut out = String::new();
    let y = title_block(&mut out, title);
    let any_hidden = rows.iter().any(|(_, v)| {
        v.len() < categories.len() || v.iter().any(|s| !s.is_some_and(|s| s.is_finite()))
    });
    let mut items = categories.to_vec();
    if any_hidden {
        items.push(loc.hidden.clone());
    }
    let swatch = |o: &mut String, i: usize, x: f64, cy: f64| {
        let (fill, stroke) = match colours.get(i) {
            Some((c, _)) => (c.as_str(), r#"stroke="none""#),
            None => ("none", r##"stroke="#555" stroke-dasharray="2 2""##),
        };
        let _ = write!(
            o,
            r#"<rect x="{x:.1}" y="{:.1}" width="11" height="11" fill="{fill}" {stroke}/>"#,
            cy - 5.5
        );
    };
    let mut y = legend(&mut out, y, &items, &swatch);
    let tw = WIDTH - 2.0 * PAD;
    let band = 20.0;
    for (label, shares) in rows {
        let lines = wrap(label, fit(tw, Txt::Label.size()), 3);
        y = lines_at(&mut out, PAD, y, Txt::Label, &lines) + 2.0;
        let (mut x, mut known, mut hidden) = (PAD, 0.0_f64, shares.len() < categories.len());
        for (i, cat) in categories.iter().enumerate() {
            let Some(v) = shares.get(i).copied().flatten().filter(|v| v.is_finite()) else {
                hidden = true;
                continue;
            };
            let v = v.clamp(0.0, (1.0 - known).max(0.0));
            let w = v * tw;
            let (fill, dark) = &colours[i];
            let tip = format!("{label} — {cat}: {}", loc.pct(v, 1));
            let _ = write!(
                out,
                r##"<g><title>{}</title><rect x="{x:.2}" y="{y:.1}" width="{w:.2}" height="{band}" fill="{fill}" stroke="#fff" stroke-width="0.75"/>"##,
                esc(&tip)
            );
            let short = loc.pct(v, 0);
            if v >= 0.04 && text_w(&short, 11.0) + 4.0 <= w {
                let t = if *dark { Txt::OnDark } else { Txt::OnLight };
                text(&mut out, x + w / 2.0, y + 14.0, t, "middle", &short);
            }
            out.push_str("</g>");
            x += w;
            known += v;
        }
        let rest = (1.0 - known).max(0.0) * tw;
        if hidden && rest >= 1.0 {
            let _ = write!(
                out,
                r#"<g><title>{}</title><rect x="{x:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>"#,
                esc(&format!("{label} — {}", loc.hidden)),
                y + 0.5,
                rest - 0.5,
                band - 1.0
            );
            if text_w(&loc.hidden, 11.0) + 6.0 <= rest {
                text(&mut out, x + 4.0, y + 14.0, Txt::Note, "start", &loc.hidden);
            }
            out.push_str("</g>");
        }
        y += band + 12.0;
    }
    document(title, &out, y)
}

/// Estimates across the waves of a survey: a line per series with a marker and an interval
/// whisker at each wave, on an axis fitted to the intervals (percentages for [`Scale::Share`]).
/// A missing point (`None`, or a series shorter than the waves) is left out and its line broken
/// there: nothing is drawn through a wave that has no figure.
pub fn waves(
    title: &str,
    wave_labels: &[String],
    series: &[(String, Vec<Option<Estimate>>)],
    scale: Scale,
    loc: &Locale,
) -> String {
    let mut out = String::new();
    let y = title_block(&mut out, title);
    let names: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
    let swatch = |o: &mut String, j: usize, x: f64, cy: f64| {
        let _ = write!(
            o,
            r#"<path d="M{x:.1} {cy:.1}h12" stroke="{}" stroke-width="2"{}/>"#,
            SERIES[j % SERIES.len()],
            DASHES[j % DASHES.len()]
        );
        marker(o, j, x + 6.0, cy);
    };
    let top = legend(&mut out, y, &names, &swatch) + 4.0;
    let points: Vec<Estimate> = series
        .iter()
        .flat_map(|s| s.1.iter().filter_map(|p| p.and_then(finite)))
        .collect();
    let min = points
        .iter()
        .map(|p| p.1.min(p.0))
        .fold(f64::INFINITY, f64::min);
    let max = points
        .iter()
        .map(|p| p.2.max(p.0))
        .fold(f64::NEG_INFINITY, f64::max);
    let axis = Axis::nice(min, max, 4.0, scale == Scale::Share);
    let tick_w = axis
        .ticks
        .iter()
        .map(|t| text_w(&axis.tick(loc, *t), 11.0))
        .fold(0.0, f64::max);
    let (x0, x1, ph) = (PAD + tick_w + 6.0, WIDTH - PAD, 180.0);
    let bottom = top + ph;
    let yv = |v: f64| bottom - axis.at(v, ph);
    for t in &axis.ticks {
        let ty = yv(*t);
        let _ = write!(
            out,
            r#"<path d="M{x0:.1} {ty:.2}H{x1:.1}" stroke="{GRID}" stroke-width="1"/>"#
        );
        text(
            &mut out,
            x0 - 4.0,
            ty + 4.0,
            Txt::Small,
            "end",
            &axis.tick(loc, *t),
        );
    }
    let n = wave_labels
        .len()
        .max(series.iter().map(|s| s.1.len()).max().unwrap_or(0));
    let inner = 16.0;
    let step = if n > 1 {
        (x1 - x0 - 2.0 * inner) / (n - 1) as f64
    } else {
        x1 - x0
    };
    let xw = |i: usize| {
        if n > 1 {
            x0 + inner + step * i as f64
        } else {
            (x0 + x1) / 2.0
        }
    };
    let m = series.len().max(1) as f64;
    let dodge = (step * 0.3 / m).min(4.0);
    for (j, (name, points)) in series.iter().enumerate() {
        let off = (j as f64 - (m - 1.0) / 2.0) * dodge;
        let mut d = String::new();
        let mut pen = false;
        for (i, p) in points.iter().enumerate() {
            match p.and_then(finite) {
                Some((e, _, _)) => {
                    let _ = write!(
                        d,
                        "{}{:.2} {:.2}",
                        if pen { "L" } else { "M" },
                        xw(i) + off,
                        yv(e)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        let colour = SERIES[j % SERIES.len()];
        let _ = write!(
            out,
            r#"<path d="{d}" stroke="{colour}" stroke-width="2" fill="none"{}/>"#,
            DASHES[j % DASHES.len()]
        );
        for (i, p) in points.iter().enumerate() {
            let Some(v @ (e, lo, hi)) = p.and_then(finite) else {
                continue;
            };
            let (x, wave) = (xw(i) + off, wave_labels.get(i).map_or("", String::as_str));
            let tip = format!("{name} — {wave}: {}", axis.with_interval(loc, v));
            let (ylo, yhi) = (yv(lo), yv(hi));
            let _ = write!(
                out,
                r#"<g><title>{}</title><path d="M{x:.2} {ylo:.2}V{yhi:.2}M{:.2} {ylo:.2}h6M{:.2} {yhi:.2}h6" stroke="{colour}" stroke-width="1.25" fill="none"/>"#,
                esc(&tip),
                x - 3.0,
                x - 3.0
            );
            marker(&mut out, j, x, yv(e));
            out.push_str("</g>");
        }
    }
    // Wave labels: wrapped to their slot, every few when the slots are narrow.
    let every = (28.0 / step).ceil().max(1.0) as usize;
    let slot = (step * every as f64).min(120.0);
    let mut deepest = 1;
    for (i, l) in wave_labels.iter().enumerate().step_by(every) {
        let lines = wrap(l, fit(slot - 4.0, 11.0), 2);
        for (k, line) in lines.iter().enumerate() {
            let ty = bottom + 15.0 + 13.0 * k as f64;
            // Centred under the wave, but kept inside the picture.
            let half = text_w(line, 11.0) / 2.0;
            let tx = xw(i).max(PAD / 2.0 + half).min(WIDTH - PAD / 2.0 - half);
            text(&mut out, tx, ty, Txt::Small, "middle", line);
        }
        deepest = deepest.max(lines.len());
    }
    document(title, &out, bottom + 10.0 + 13.0 * deepest as f64 + 6.0)
}

#[cfg(test)]
mod tests;
