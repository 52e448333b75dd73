//! The dashboard's charts as standalone SVG, drawn on the server: horizontal bars of counts and
//! progress bars of shares, 360 units wide (a phone's width, so that text is read at its nominal
//! size there), each row's label above its bar, every figure also written as text. Colours are
//! attributes (the content-security policy refuses `style`); text goes through
//! `surveys::results::charts::esc`.

use std::fmt::Write;

use crate::surveys::results::charts::{esc, wrap};

const WIDTH: f64 = 360.0;
const PAD: f64 = 8.0;
const BAR: &str = "#2c6fbb";
const TRACK: &str = "#e3e8ef";
const INK: &str = "#1a1a1a";

/// One row: its label, its value, the text written after the bar, and a colour (`None`: the
/// default blue).
#[derive(Clone, Debug)]
pub struct Row {
    /// Label, above the bar (wrapped onto two lines at most).
    pub label: String,
    /// Value: a count for [`counts`], a share (0–1) for [`shares`].
    pub value: f64,
    /// Written after the bar.
    pub text: String,
    /// Bar colour.
    pub colour: Option<&'static str>,
}

fn chart(title: &str, rows: &[Row], max: f64) -> String {
    let mut body = String::new();
    let mut y = PAD;
    let track_w = WIDTH - 2.0 * PAD - 64.0;
    for r in rows {
        for line in wrap(&r.label, 52, 2) {
            y += 14.0;
            let _ = write!(
                body,
                r#"<text x="{PAD}" y="{y:.1}" font-size="12" fill="{INK}">{}</text>"#,
                esc(&line)
            );
        }
        y += 4.0;
        let w = if max > 0.0 {
            (track_w * r.value / max).clamp(0.0, track_w)
        } else {
            0.0
        };
        let _ = write!(
            body,
            r#"<rect x="{PAD}" y="{y:.1}" width="{track_w:.1}" height="12" fill="{TRACK}"/><rect x="{PAD}" y="{y:.1}" width="{w:.1}" height="12" fill="{c}"><title>{l}: {t}</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="12" fill="{INK}">{t}</text>"#,
            c = r.colour.unwrap_or(BAR),
            l = esc(&r.label),
            t = esc(&r.text),
            tx = PAD + track_w + 6.0,
            ty = y + 10.5,
        );
        y += 18.0;
    }
    let h = y + PAD;
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {h:.0}" width="{WIDTH}" height="{h:.0}" role="img" aria-label="{t}"><title>{t}</title>{body}</svg>"#,
        t = esc(title)
    )
}

/// Bars of counts on a common scale (the largest fills the track).
pub fn counts(title: &str, rows: &[Row]) -> String {
    let max = rows.iter().map(|r| r.value).fold(0.0, f64::max);
    chart(title, rows, max)
}

/// Progress bars of shares (0–1) on a 0–100 % track.
pub fn shares(title: &str, rows: &[Row]) -> String {
    chart(title, rows, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_escape_and_write_their_figures() {
        let rows = vec![
            Row {
                label: "Sạt lở <bờ sông>".into(),
                value: 3.0,
                text: "3 đơn vị".into(),
                colour: None,
            },
            Row {
                label: "Giá cả".into(),
                value: 1.0,
                text: "1 đơn vị".into(),
                colour: Some("#b33"),
            },
        ];
        let svg = counts("Luồng dư luận", &rows);
        assert!(svg.contains("Sạt lở &lt;bờ sông&gt;"));
        assert!(svg.contains("3 đơn vị") && svg.contains("#b33"));
        // The largest fills the track; the other is a third of it.
        let track = WIDTH - 2.0 * PAD - 64.0;
        assert!(svg.contains(&format!(r#"width="{track:.1}" height="12" fill="{BAR}""#)));
        assert!(svg.contains(&format!(
            r##"width="{:.1}" height="12" fill="#b33""##,
            track / 3.0
        )));
        let p = shares(
            "Hoàn thành",
            &[Row {
                value: 0.5,
                ..rows[0].clone()
            }],
        );
        assert!(p.contains(&format!(
            r#"width="{:.1}" height="12" fill="{BAR}""#,
            track / 2.0
        )));
        assert!(!svg.contains("style="));
    }
}
