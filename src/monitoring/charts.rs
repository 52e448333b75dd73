//! Charts drawn on the server as SVG (no script, nothing loaded from outside): daily volume
//! stacked by direction, and horizontal bars. Colours are SVG attributes (allowed by the page's
//! content-security policy); every bar carries a `<title>` with its figures, and every chart a
//! text alternative.

/// Escapes text for SVG/HTML (control characters XML refuses dropped).
pub fn esc(s: &str) -> String {
    crate::kit::text::xml_escape(s)
}

/// Colours of the direction layers: negative, neutral, positive, not known.
pub const LAYER_COLOURS: [&str; 4] = ["#c0392b", "#7f8c8d", "#27ae60", "#bdc3c7"];

/// One day of the volume chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    /// Label (`dd/mm`).
    pub label: String,
    /// Counts: negative, neutral, positive, not known.
    pub counts: [i64; 4],
}

fn nice_max(v: i64) -> i64 {
    if v <= 5 {
        return 5;
    }
    let mag = 10i64.pow((v as f64).log10().floor() as u32);
    for m in [1, 2, 5, 10] {
        if m * mag >= v {
            return m * mag;
        }
    }
    10 * mag
}

/// A stacked bar chart of daily volume by direction. `layer_names` name the four layers,
/// `title` is the chart's text alternative.
pub fn daily_volume(days: &[Day], layer_names: &[String; 4], title: &str) -> String {
    let (w, h, left, bottom, top) = (720.0_f64, 240.0_f64, 40.0_f64, 28.0_f64, 10.0_f64);
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - top;
    let max = nice_max(
        days.iter()
            .map(|d| d.counts.iter().sum::<i64>())
            .max()
            .unwrap_or(0),
    );
    let n = days.len().max(1) as f64;
    let step = plot_w / n;
    let bar = (step * 0.8).max(1.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    for k in 0..=4 {
        let v = max * k / 4;
        let y = top + plot_h - plot_h * (v as f64) / (max as f64);
        s.push_str(&format!(
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end" fill="#555">{v}</text>"##,
            x2 = w - 10.0,
            tx = left - 4.0,
            ty = y + 3.0
        ));
    }
    let label_every = ((n / 10.0).ceil() as usize).max(1);
    for (i, d) in days.iter().enumerate() {
        let x = left + step * i as f64 + (step - bar) / 2.0;
        let mut y = top + plot_h;
        for (layer, count) in d.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let bh = plot_h * (*count as f64) / (max as f64);
            y -= bh;
            s.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}" fill="{c}"><title>{l}: {name} {count}</title></rect>"#,
                c = LAYER_COLOURS[layer],
                l = esc(&d.label),
                name = esc(&layer_names[layer]),
            ));
        }
        if i % label_every == 0 {
            s.push_str(&format!(
                r##"<text x="{tx:.1}" y="{ty}" font-size="10" text-anchor="middle" fill="#555">{l}</text>"##,
                tx = x + bar / 2.0,
                ty = h - bottom + 14.0,
                l = esc(&d.label)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars: `(label, value)`, largest first as given.
pub fn bars(rows: &[(String, i64)], title: &str) -> String {
    let row_h = 22.0_f64;
    let (w, label_w) = (720.0_f64, 260.0_f64);
    let h = row_h * rows.len().max(1) as f64 + 4.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 2.0 + row_h * i as f64;
        let bw = ((w - label_w - 60.0) * (*v as f64) / max).max(1.0);
        let short: String = label.chars().take(40).collect();
        s.push_str(&format!(
            r##"<text x="{lx}" y="{ty:.1}" font-size="12" text-anchor="end" fill="#222">{l}</text><rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="{rh:.1}" fill="#2c6fbb"><title>{full}: {v}</title></rect><text x="{vx:.1}" y="{ty:.1}" font-size="12" fill="#222">{v}</text>"##,
            lx = label_w - 6.0,
            ty = y + 14.0,
            rh = row_h - 6.0,
            l = esc(&short),
            full = esc(label),
            vx = label_w + bw + 4.0,
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_and_scale() {
        let days = vec![
            Day {
                label: "01/11".into(),
                counts: [3, 1, 0, 2],
            },
            Day {
                label: "<b>".into(),
                counts: [0, 0, 0, 0],
            },
        ];
        let names = ["a".to_string(), "b".into(), "c".into(), "d".into()];
        let svg = daily_volume(&days, &names, "Khối lượng & chiều hướng");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains("Khối lượng &amp; chiều hướng"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(130), 200);
        let b = bars(&[("Đất đai".into(), 5), ("Y tế".into(), 2)], "Chủ đề");
        assert_eq!(b.matches("<rect").count(), 2);
    }
}
