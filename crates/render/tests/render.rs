//! PNG rendering as a user of the downloads sees it: the file is a PNG of the asked size, its
//! Vietnamese text is drawn with its marks, and oversized or hostile input is refused or ignored.

use duluan_render::{MAX_SIDE, MAX_SVG_BYTES, RenderError, svg_to_png};
use resvg::tiny_skia::Pixmap;

/// Width and height from the PNG's IHDR chunk, after checking the signature.
fn png_dims(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// Pixels darker than near-white inside `(x0, y0)..(x1, y1)`.
fn ink(p: &Pixmap, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1.min(p.height()) {
        for x in x0..x1.min(p.width()) {
            let c = p.pixel(x, y).expect("inside");
            if u16::from(c.red()) + u16::from(c.green()) + u16::from(c.blue()) < 600 {
                n += 1;
            }
        }
    }
    n
}

/// Rows of the picture holding any ink: the first and the last.
fn ink_rows(p: &Pixmap) -> (u32, u32) {
    let rows: Vec<u32> = (0..p.height())
        .filter(|y| ink(p, (0, *y, p.width(), y + 1)) > 0)
        .collect();
    (rows[0], *rows.last().expect("some ink"))
}

fn one_letter(letter: &str) -> Pixmap {
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><text x="20" y="70" font-size="60" font-family="sans-serif">{letter}</text></svg>"#
    );
    Pixmap::decode_png(&svg_to_png(&svg, 1.0).unwrap()).unwrap()
}

const CHART: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120" viewBox="0 0 360 120" role="img" font-family="sans-serif"><title>Mức độ hài lòng</title><rect width="360" height="120" fill="#fff"/><text x="10" y="24" font-size="15" font-weight="bold">Mức độ hài lòng với dịch vụ</text><text x="10" y="50" font-size="13">Rất đồng ý — Ủy ban nhân dân xã</text><rect x="10" y="60" width="150" height="16" fill="#7ea6d8"/><text x="350" y="73" font-size="12" text-anchor="end">41,2 %</text></svg>"##;

#[test]
fn a_chart_with_vietnamese_text_becomes_a_png_of_the_asked_size_with_its_text_drawn() {
    let png = svg_to_png(CHART, 2.0).unwrap();
    assert_eq!(png_dims(&png), (720, 240));
    let p = Pixmap::decode_png(&png).unwrap();
    // The title's and the label's lines (SVG y 8–54, x 10–250) are inked, the margin right of
    // the label is not, nor the corner above the title.
    assert!(ink(&p, (20, 16, 500, 108)) > 500, "text drawn");
    assert_eq!(
        ink(&p, (560, 60, 700, 110)),
        0,
        "nothing right of the label"
    );
    assert_eq!(ink(&p, (0, 0, 700, 10)), 0, "nothing above the title");
    // The bar and the value label.
    assert!(ink(&p, (20, 120, 320, 152)) > 5000, "bar drawn");
    assert!(ink(&p, (600, 126, 700, 150)) > 50, "value drawn");
}

#[test]
fn vietnamese_stacked_marks_are_drawn_above_and_below_the_letter() {
    let (e_top, e_bottom) = ink_rows(&one_letter("E"));
    let (top, bottom) = ink_rows(&one_letter("Ệ"));
    // A circumflex above the capital and a dot below the baseline: a font without the glyph
    // would draw a box or nothing instead.
    assert!(top + 8 < e_top, "mark above: {top} vs {e_top}");
    assert!(bottom > e_bottom + 4, "dot below: {bottom} vs {e_bottom}");
    // The decomposed form is shaped into the same picture.
    let nfd = ink_rows(&one_letter("E\u{323}\u{302}"));
    assert!(nfd.0 + 8 < e_top && nfd.1 > e_bottom + 4, "{nfd:?}");
}

#[test]
fn any_named_family_is_set_in_the_bundled_font() {
    for family in [
        "sans-serif",
        "serif",
        "monospace",
        "Arial",
        "Times New Roman",
    ] {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="30" font-size="20" font-family="{family}">Đường phố</text></svg>"#
        );
        let p = Pixmap::decode_png(&svg_to_png(&svg, 1.0).unwrap()).unwrap();
        assert!(ink(&p, (0, 0, 200, 40)) > 100, "{family}");
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut svg =
        String::from(r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">"#);
    svg.push_str(&" ".repeat(MAX_SVG_BYTES));
    svg.push_str("</svg>");
    match svg_to_png(&svg, 1.0) {
        Err(RenderError::TooLarge { bytes, limit }) => {
            assert_eq!((bytes, limit), (svg.len(), MAX_SVG_BYTES));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_huge_declared_size_is_scaled_down_to_the_limit() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="50000"><rect width="100000" height="50000" fill="black"/></svg>"#;
    let png = svg_to_png(svg, 1.0).unwrap();
    assert_eq!(png_dims(&png), (MAX_SIDE, MAX_SIDE / 2));
    let tall = r#"<svg xmlns="http://www.w3.org/2000/svg" width="360" height="3000"/>"#;
    assert_eq!(png_dims(&svg_to_png(tall, 4.0).unwrap()), (480, MAX_SIDE));
}

#[test]
fn bad_scales_and_bad_documents_are_refused() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
    for s in [0.0, -1.0, f32::NAN, f32::INFINITY, 8.5] {
        assert!(
            matches!(svg_to_png(svg, s), Err(RenderError::BadScale(_))),
            "{s}"
        );
    }
    assert!(matches!(
        svg_to_png("<svg><g></svg>", 1.0),
        Err(RenderError::Parse(_))
    ));
    assert!(matches!(
        svg_to_png("not svg", 1.0),
        Err(RenderError::Parse(_))
    ));
}

#[test]
fn images_are_never_loaded_from_files_or_data() {
    let dir = std::env::temp_dir().join(format!("duluan-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("black.svg");
    let black = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;
    std::fs::write(&file, black).unwrap();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><image href="{}" width="10" height="10"/><image x="10" href="data:image/svg+xml;utf8,{}" width="10" height="10"/></svg>"#,
        file.display(),
        black
            .replace('<', "%3C")
            .replace('>', "%3E")
            .replace('"', "'")
    );
    let p = Pixmap::decode_png(&svg_to_png(&svg, 1.0).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ink(&p, (0, 0, 20, 10)), 0);
}

/// A results chart as `src/surveys/results/charts.rs` draws it (`bars`, Vietnamese labels, a
/// suppressed row), kept as a file because the app crate is not a dependency of this one.
#[test]
fn a_results_chart_renders_with_its_labels_bars_and_values() {
    let svg = include_str!("fixtures/results-bars.svg");
    let png = svg_to_png(svg, 2.0).unwrap();
    assert_eq!(png_dims(&png), (720, 678));
    let p = Pixmap::decode_png(&png).unwrap();
    // The title (three bold lines), the first label and bar, the value column at the right.
    assert!(ink(&p, (20, 10, 620, 110)) > 3000, "title");
    assert!(ink(&p, (40, 150, 330, 210)) > 3000, "first bar");
    assert!(ink(&p, (600, 180, 700, 210)) > 100, "41,2 %");
    // Nothing in the right margin beside the wrapped label.
    assert_eq!(ink(&p, (640, 230, 720, 290)), 0);
}
