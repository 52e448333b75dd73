//! Text in the charts: escaping, widths estimated from character counts, wrapping at spaces,
//! numbers in the reader's style, and the pieces every chart shares (title, legend, document).

use std::fmt::Write;

use super::{Locale, PAD, WIDTH};

/// Average advance of a character of the sans-serif font, in ems (digits are 0.57 in Noto Sans,
/// lower-case letters less): wrapping and fitting estimate text widths with it.
const EM: f64 = 0.57;

/// Escapes text for SVG content and attribute values (`kit::text::xml_escape`: the control
/// characters that XML 1.0 does not allow are dropped).
pub fn esc(s: &str) -> String {
    crate::kit::text::xml_escape(s)
}

/// A combining mark, which adds no width to the letter before it (text in NFD).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}')
}

/// Characters that take a place on the line.
fn visible_len(s: &str) -> usize {
    s.chars().filter(|c| !is_mark(*c)).count()
}

/// Estimated width of `s` at font size `size`.
pub(super) fn text_w(s: &str, size: f64) -> f64 {
    visible_len(s) as f64 * size * EM
}

/// How many characters fit in `width` at font size `size`.
pub(super) fn fit(width: f64, size: f64) -> usize {
    ((width / (size * EM)).floor() as usize).max(4)
}

/// Splits a word longer than a line into line-long pieces, never parting a letter from its marks.
fn split_long(word: &str, max: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut count = 0;
    for c in word.chars() {
        if !is_mark(c) {
            if count == max {
                pieces.push(String::new());
                count = 0;
            }
            count += 1;
        }
        pieces.last_mut().expect("never empty").push(c);
    }
    pieces
}

/// Wraps `text` at spaces into lines of at most `max` characters, at most `lines` of them; a
/// longer text ends its last line with `…`. Only a word longer than a whole line is cut.
pub fn wrap(text: &str, max: usize, lines: usize) -> Vec<String> {
    let max = max.max(2);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        for piece in split_long(word, max) {
            if cur.is_empty() {
                cur = piece;
            } else if visible_len(&cur) + 1 + visible_len(&piece) <= max {
                cur.push(' ');
                cur.push_str(&piece);
            } else {
                out.push(std::mem::replace(&mut cur, piece));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.len() > lines.max(1) {
        out.truncate(lines.max(1));
        let last = out.last_mut().expect("at least one line");
        while visible_len(last) + 1 > max {
            match last.rfind(' ') {
                Some(i) if i > 0 => last.truncate(i),
                _ => {
                    let keep: String = split_long(last, max - 1).swap_remove(0);
                    *last = keep;
                }
            }
        }
        last.push('…');
    }
    out
}

impl Locale {
    /// `v` with `decimals` decimals, the locale's separators, digits grouped from 10 000 up.
    pub fn num(&self, v: f64, decimals: usize) -> String {
        let s = format!("{:.*}", decimals, v.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let mut o = String::new();
        if v < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            o.push('−');
        }
        let (group, point) = if self.decimal_comma {
            ('.', ',')
        } else {
            (',', '.')
        };
        for (i, c) in int.chars().enumerate() {
            if int.len() > 4 && i > 0 && (int.len() - i) % 3 == 0 {
                o.push(group);
            }
            o.push(c);
        }
        if !frac.is_empty() {
            o.push(point);
            o.push_str(frac);
        }
        o
    }

    /// A share (0–1) as a percentage: `41,2 %` or `41.2%`.
    pub fn pct(&self, v: f64, decimals: usize) -> String {
        let n = self.num(v * 100.0, decimals);
        if self.decimal_comma {
            format!("{n}\u{a0}%")
        } else {
            format!("{n}%")
        }
    }
}

/// Kinds of text in a chart.
#[derive(Clone, Copy)]
pub(super) enum Txt {
    Title,
    Label,
    Value,
    Small,
    Note,
    OnDark,
    OnLight,
}

impl Txt {
    pub(super) fn size(self) -> f64 {
        match self {
            Txt::Title => 15.0,
            Txt::Label => 13.0,
            Txt::Value => 12.0,
            Txt::Small | Txt::Note | Txt::OnDark | Txt::OnLight => 11.0,
        }
    }

    pub(super) fn attrs(self) -> &'static str {
        match self {
            Txt::Title => r##"fill="#1a1a1a" font-weight="bold""##,
            Txt::Label | Txt::Small | Txt::OnLight => r##"fill="#1a1a1a""##,
            Txt::Value => r##"fill="#1a1a1a" font-weight="bold""##,
            Txt::Note => r##"fill="#555" font-style="italic""##,
            Txt::OnDark => r##"fill="#fff""##,
        }
    }
}

/// One line of text at `(x, y)` (its baseline), anchored `start`, `middle` or `end`.
pub(super) fn text(out: &mut String, x: f64, y: f64, t: Txt, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{}" text-anchor="{anchor}" {}>{}</text>"#,
        t.size(),
        t.attrs(),
        esc(s)
    );
}

/// Writes lines of text `t` from `y` down (`y` is the top of the first line);
/// returns the bottom of the last one.
pub(super) fn lines_at(out: &mut String, x: f64, mut y: f64, t: Txt, lines: &[String]) -> f64 {
    let lh = (t.size() * 1.25).round();
    for l in lines {
        y += lh;
        text(out, x, y - lh * 0.28, t, "start", l);
    }
    y
}

/// The document around a chart's `body` of height `h`.
pub(super) fn document(title: &str, body: &str, h: f64) -> String {
    let t = esc(title);
    let h = h.ceil();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" role="img" aria-label="{t}" font-family="sans-serif"><title>{t}</title><rect width="{WIDTH}" height="{h}" fill="#fff"/>{body}</svg>"##
    )
}

/// The title at the top; returns where the chart goes on.
pub(super) fn title_block(out: &mut String, title: &str) -> f64 {
    let lines = wrap(title, fit(WIDTH - 2.0 * PAD, 15.0 * 1.05), 3);
    lines_at(out, PAD, PAD - 2.0, Txt::Title, &lines) + 8.0
}

/// A legend flowing across the width from `y`: `swatch(out, i, x, centre_y)` draws item `i`'s
/// mark in a 12 × 12 box. Returns where the chart goes on.
pub(super) fn legend(
    out: &mut String,
    mut y: f64,
    items: &[String],
    swatch: &dyn Fn(&mut String, usize, f64, f64),
) -> f64 {
    let (lh, mark) = (15.0, 16.0);
    let mut x = PAD;
    let mut row_h: f64 = lh;
    for (i, item) in items.iter().enumerate() {
        let lines = wrap(item, fit(WIDTH - 2.0 * PAD - mark, 11.0), 2);
        let iw = mark + lines.iter().map(|l| text_w(l, 11.0)).fold(0.0, f64::max);
        if x > PAD && x + iw > WIDTH - PAD {
            (x, y, row_h) = (PAD, y + row_h + 3.0, lh);
        }
        swatch(out, i, x, y + lh / 2.0);
        lines_at(out, x + mark, y, Txt::Small, &lines);
        row_h = row_h.max(lh * lines.len() as f64);
        x += iw + 10.0;
    }
    y + row_h + 10.0
}
