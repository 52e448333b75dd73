//! Text measured with the bundled Noto Sans' own metrics, and wrapped into lines.
//!
//! The layout decides every line break itself, so the height of each question is known before
//! anything is printed; typst then sets each line as given. Widths are the sum of the glyphs'
//! advances (no kerning), and lines are filled to 97 % of the width they may take, which leaves
//! room for the little typst's shaping may add.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// Noto Sans Regular 2.004 (SIL OFL 1.1).
pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
/// Noto Sans Bold 2.004 (SIL OFL 1.1).
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");

/// mm per pt.
pub(crate) const MM_PER_PT: f64 = 25.4 / 72.0;

/// Height of one line: ascender to descender of Noto Sans (1.069 + 0.293 em), as typst sets
/// a line with `top-edge: "ascender"` and `bottom-edge: "descender"`.
pub(crate) fn line_height(size_pt: f64) -> f64 {
    metrics(false).line_em * size_pt * MM_PER_PT
}

struct Metrics {
    face: ttf_parser::Face<'static>,
    line_em: f64,
}

fn metrics(bold: bool) -> &'static Metrics {
    static REG: OnceLock<Metrics> = OnceLock::new();
    static BLD: OnceLock<Metrics> = OnceLock::new();
    let (cell, data) = if bold { (&BLD, BOLD) } else { (&REG, REGULAR) };
    cell.get_or_init(|| {
        // The bundled fonts are known-good: a failure here is a build defect, caught by tests.
        let face = ttf_parser::Face::parse(data, 0).expect("bundled font parses");
        let upm = f64::from(face.units_per_em());
        let line_em = f64::from(face.ascender() - face.descender()) / upm;
        Metrics { face, line_em }
    })
}

/// Width of `s` in mm at `size_pt`.
pub(crate) fn width(s: &str, size_pt: f64, bold: bool) -> f64 {
    let m = metrics(bold);
    let upm = f64::from(m.face.units_per_em());
    let units: f64 = s
        .chars()
        .map(|c| {
            m.face
                .glyph_index(c)
                .and_then(|g| m.face.glyph_hor_advance(g))
                .map_or(upm * 0.6, f64::from)
        })
        .sum();
    units / upm * size_pt * MM_PER_PT
}

/// True when the font has a glyph for every character of `s` (spaces aside).
#[cfg(test)]
pub(crate) fn covered(s: &str) -> bool {
    let m = metrics(false);
    s.chars()
        .all(|c| c.is_whitespace() || m.face.glyph_index(c).is_some())
}

/// A text as printed: NFC, controls and line feeds turned into spaces, runs of spaces as one,
/// characters the font lacks replaced by `?`.
pub(crate) fn clean(s: &str) -> String {
    let m = metrics(false);
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else if m.face.glyph_index(c).is_none() {
            '?'
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// `s` (cleaned) broken into lines no wider than `max_mm` at `size_pt`; a word longer than
/// a line is cut between characters. Never empty (an empty text gives one empty line).
pub(crate) fn wrap(s: &str, size_pt: f64, bold: bool, max_mm: f64) -> Vec<String> {
    let max = max_mm * 0.97;
    let space = width(" ", size_pt, bold);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for word in clean(s).split(' ') {
        let w = width(word, size_pt, bold);
        if !line.is_empty() && line_w + space + w <= max {
            line.push(' ');
            line.push_str(word);
            line_w += space + w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if w <= max {
            line = word.to_string();
            line_w = w;
            continue;
        }
        // A word longer than the line: cut it.
        line_w = 0.0;
        for c in word.chars() {
            let cw = width(c.encode_utf8(&mut [0; 4]), size_pt, bold);
            if line_w + cw > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(c);
            line_w += cw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_covered_and_wraps_within_the_width() {
        let s = "Trong 12 tháng qua, ông/bà có được chính quyền địa phương hỏi ý kiến về \
                 những việc ảnh hưởng đến đời sống của gia đình không? Ệ ặ ữ »";
        assert!(covered(s), "Noto Sans covers Vietnamese and the guillemet");
        let lines = wrap(s, 10.0, false, 60.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(l, 10.0, false) <= 60.0, "{l}");
        }
        assert_eq!(lines.join(" "), clean(s));
        assert_eq!(wrap("", 10.0, false, 50.0), vec![String::new()]);
        let long = "x".repeat(200);
        assert!(wrap(&long, 10.0, true, 30.0).len() > 3);
    }

    #[test]
    fn cleaning_makes_nfc_and_one_line() {
        // "ế" decomposed (e + circumflex + acute) becomes one precomposed character.
        assert_eq!(clean("Thê\u{301}  nào\n\tạ"), "Thế nào ạ");
        assert!((line_height(10.0) - 1.362 * 10.0 * MM_PER_PT).abs() < 0.01);
    }
}
