//! Colours and marks: the diverging Likert palette (worked out in CIE L*a*b* so that lightness is
//! chosen, not left to chance) and the colours, dashes and markers of the waves' series.

use std::fmt::Write;

/// Okabe–Ito colours (without yellow, too pale on white), for series of the waves chart.
pub(super) const SERIES: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
];
/// Dash patterns of the series' lines: with the markers, what tells series apart in grey.
pub(super) const DASHES: [&str; 3] = [
    "",
    r#" stroke-dasharray="6 3""#,
    r#" stroke-dasharray="2 2""#,
];

/// Converts CIE L*a*b* (D65) to an sRGB hex colour; `None` outside the sRGB gamut.
fn lab_hex(l: f64, a: f64, b: f64) -> Option<String> {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let inv = |f: f64| {
        if f > 6.0 / 29.0 {
            f * f * f
        } else {
            3.0 * (6.0f64 / 29.0).powi(2) * (f - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.950_47 * inv(fx), inv(fy), 1.088_83 * inv(fz));
    let lin = [
        3.2406 * x - 1.5372 * y - 0.4986 * z,
        -0.9689 * x + 1.8758 * y + 0.0415 * z,
        0.0557 * x - 0.2040 * y + 1.0570 * z,
    ];
    let mut hex = String::from("#");
    for c in lin {
        if !(-1e-4..=1.0001).contains(&c) {
            return None;
        }
        let c = c.clamp(0.0, 1.0);
        let g = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        let _ = write!(hex, "{:02x}", (g * 255.0).round() as u8);
    }
    Some(hex)
}

/// The most saturated colour up to chroma `c` of lightness `l` and hue `h` (degrees) that sRGB
/// shows: chroma gives way, lightness never (it is what grey print keeps).
fn lch_hex(l: f64, mut c: f64, h: f64) -> String {
    let h = h.to_radians();
    loop {
        if let Some(hex) = lab_hex(l, c * h.cos(), c * h.sin()) {
            return hex;
        }
        c *= 0.95;
    }
}

/// A diverging palette for `n` ordered choices, brown-orange at the first pole, blue at the
/// last, light grey in the middle of an odd count: the two hues stay apart for every common
/// colour-vision deficiency, and each colour has its own lightness (L* from 30 to 78, poles
/// darkest, the two sides interleaved) so that grey print keeps them apart too.
/// Returns each colour with whether text on it should be white.
pub fn diverging(n: usize) -> Vec<(String, bool)> {
    let k = n / 2;
    let step = if k > 0 {
        48.0 / (2 * k - 1).max(1) as f64
    } else {
        0.0
    };
    let side = |j: usize, first: bool| {
        // j = 1 next to the middle, k at the pole.
        let l = 30.0 + step * (2 * (k - j) + usize::from(!first)) as f64;
        let c = 18.0 + 30.0 * j as f64 / k as f64;
        (lch_hex(l, c, if first { 60.0 } else { 255.0 }), l < 56.0)
    };
    let mut out: Vec<_> = (1..=k).rev().map(|j| side(j, true)).collect();
    if n % 2 == 1 {
        out.push((lch_hex(90.0, 0.0, 0.0), false));
    }
    out.extend((1..=k).map(|j| side(j, false)));
    out
}

/// A series' marker `j` (circle, square, triangle, diamond) centred at `(x, y)`.
pub(super) fn marker(out: &mut String, j: usize, x: f64, y: f64) {
    let c = SERIES[j % SERIES.len()];
    let _ = match j % 4 {
        0 => write!(out, r#"<circle cx="{x:.2}" cy="{y:.2}" r="4.5""#),
        1 => write!(
            out,
            r#"<rect x="{:.2}" y="{:.2}" width="8" height="8""#,
            x - 4.0,
            y - 4.0
        ),
        2 => write!(
            out,
            r#"<path d="M{x:.2} {:.2}L{:.2} {:.2}H{:.2}Z""#,
            y - 5.0,
            x + 5.0,
            y + 4.0,
            x - 5.0
        ),
        _ => write!(
            out,
            r#"<path d="M{x:.2} {:.2}L{:.2} {y:.2}L{x:.2} {:.2}L{:.2} {y:.2}Z""#,
            y - 5.5,
            x + 5.0,
            y + 5.5,
            x - 5.0
        ),
    };
    let _ = write!(out, r##" fill="{c}" stroke="#fff" stroke-width="1"/>"##);
}
