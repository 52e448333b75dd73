//! The charts read back as XML: documents a parser accepts, text escaped, bars and whiskers where
//! their figures put them, labels wrapped at spaces.

use super::*;
use roxmltree::{Document, Node};

fn vi() -> Locale {
    Locale {
        decimal_comma: true,
        hidden: "ẩn".into(),
    }
}

fn en() -> Locale {
    Locale {
        decimal_comma: false,
        hidden: "hidden".into(),
    }
}

fn bar(label: &str, e: f64, lo: f64, hi: f64) -> Bar {
    Bar {
        label: label.into(),
        value: Some((e, lo, hi)),
        note: None,
    }
}

fn hidden(label: &str, note: &str) -> Bar {
    Bar {
        label: label.into(),
        value: None,
        note: Some(note.into()),
    }
}

/// Parses a chart and checks what every chart document carries.
fn parse<'a>(svg: &'a str, title: &str) -> Document<'a> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("aria-label"), Some(title));
    let (w, h) = (num(root, "width"), num(root, "height"));
    assert_eq!(w, WIDTH);
    assert!(h > 20.0);
    assert_eq!(
        root.attribute("viewBox"),
        Some(format!("0 0 {w} {h}").as_str())
    );
    let first = root.first_element_child().expect("a title");
    assert_eq!(
        (first.tag_name().name(), first.text()),
        ("title", Some(title))
    );
    // Readable on a phone: no text under 11 units, none estimated to run off the width.
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        assert!(num(t, "font-size") >= 11.0);
        let s = t.text().unwrap_or("");
        let tw = text_w(s, num(t, "font-size"));
        let x = num(t, "x");
        let (from, to) = match t.attribute("text-anchor") {
            Some("end") => (x - tw, x),
            Some("middle") => (x - tw / 2.0, x + tw / 2.0),
            _ => (x, x + tw),
        };
        assert!(
            from >= 0.0 && to <= WIDTH + 0.5,
            "{s:?} from {from} to {to}"
        );
        assert!(num(t, "y") <= h);
    }
    doc
}

fn num(n: Node, attr: &str) -> f64 {
    n.attribute(attr)
        .unwrap_or_else(|| panic!("no {attr}"))
        .parse()
        .unwrap()
}

/// The numbers of a path's `d`.
fn path_numbers(n: Node) -> Vec<f64> {
    n.attribute("d")
        .unwrap()
        .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// The groups that carry a tooltip, with it.
fn groups<'a>(doc: &'a Document) -> Vec<(String, Node<'a, 'a>)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g"))
        .map(|g| {
            let t = g.first_element_child().unwrap();
            assert!(t.has_tag_name("title"));
            (t.text().unwrap_or("").to_string(), g)
        })
        .collect()
}

fn texts(n: Node) -> Vec<String> {
    n.descendants()
        .filter(|t| t.has_tag_name("text"))
        .map(|t| t.text().unwrap_or("").to_string())
        .collect()
}

fn child<'a>(g: Node<'a, 'a>, tag: &str) -> Node<'a, 'a> {
    g.children().find(|n| n.has_tag_name(tag)).unwrap()
}

#[test]
fn bars_are_as_long_as_their_shares_with_whiskers_at_the_interval() {
    let lines = [
        bar("Đồng ý", 0.5, 0.4, 0.6),
        bar("Không đồng ý", 0.25, 0.2, 0.31),
        hidden("Khác", "ẩn (<5)"),
    ];
    let svg = bars("Ý kiến về dự án", &lines, &vi());
    let doc = parse(&svg, "Ý kiến về dự án");
    let rows = groups(&doc);
    assert_eq!(rows.len(), 3);
    let widths: Vec<f64> = rows[..2]
        .iter()
        .map(|(_, g)| num(child(*g, "rect"), "width"))
        .collect();
    assert!((widths[0] / widths[1] - 2.0).abs() < 1e-3, "{widths:?}");
    let track = widths[0] / 0.5;
    for ((_, g), (_, lo, hi)) in rows[..2].iter().zip([(0.5, 0.4, 0.6), (0.25, 0.2, 0.31)]) {
        assert_eq!(num(child(*g, "rect"), "x"), TRACK_X);
        let d = path_numbers(child(*g, "path"));
        assert!((d[0] - (TRACK_X + lo * track)).abs() < 0.02, "{d:?}");
        assert!((d[2] - (TRACK_X + hi * track)).abs() < 0.02, "{d:?}");
    }
    assert_eq!(rows[0].0, "Đồng ý: 50,0\u{a0}% (40,0\u{a0}%–60,0\u{a0}%)");
    assert_eq!(texts(rows[0].1), ["Đồng ý", "50,0\u{a0}%"]);
    // The suppressed row: an empty dashed frame with the caller's note, no value.
    assert_eq!(rows[2].0, "Khác: ẩn (<5)");
    assert_eq!(texts(rows[2].1), ["Khác", "ẩn (<5)"]);
    let frame = child(rows[2].1, "rect");
    assert_eq!(
        (frame.attribute("fill"), num(frame, "width")),
        (Some("none"), track)
    );
    assert!(svg.contains("ẩn (&lt;5)"));
    // Ticks at 0, 25, 50, 75 and 100 %; English style without the space.
    let en_svg = bars("Views", &lines[..1], &en());
    let doc = parse(&en_svg, "Views");
    let all = texts(doc.root_element());
    assert!(all.contains(&"50.0%".to_string()), "{all:?}");
    assert!(all.ends_with(&["0%", "25%", "50%", "75%", "100%"].map(String::from)));
}

#[test]
fn every_label_is_escaped_and_characters_xml_refuses_are_dropped() {
    let evil = "<b>\"Tom\" & 'Jerry'</b>\u{1}\u{0}]]>";
    let lines = [bar(evil, 0.3, 0.2, 0.4), hidden(evil, evil)];
    for svg in [
        bars(evil, &lines, &vi()),
        means(evil, &lines, &vi()),
        stacked(
            evil,
            &[evil.to_string(), "b".into()],
            &[(evil.into(), vec![Some(0.5), None])],
            &Locale {
                decimal_comma: true,
                hidden: evil.into(),
            },
        ),
        waves(
            evil,
            &[evil.into()],
            &[(evil.into(), vec![Some((0.3, 0.2, 0.4))])],
            Scale::Share,
            &vi(),
        ),
    ] {
        let clean = "<b>\"Tom\" & 'Jerry'</b>]]>";
        let doc = parse(&svg, clean);
        assert!(!svg.contains("<b>") && !svg.contains('\u{1}'));
        assert!(svg.contains("&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;]]&gt;"));
        assert!(groups(&doc).iter().any(|(t, _)| t.starts_with(clean)));
    }
}

#[test]
fn wrapping_breaks_at_spaces_counts_characters_and_keeps_at_most_three_lines() {
    let q = "Ông/bà đánh giá thế nào về chất lượng dịch vụ hành chính công tại Ủy ban nhân dân xã";
    let lines = wrap(q, 24, 5);
    assert!(lines.len() > 1);
    assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
    assert_eq!(lines.join(" "), q, "no word cut");
    // Bytes would have broken "Ủy ban nhân dân" far earlier: 15 characters, 22 bytes.
    assert_eq!(wrap("Ủy ban nhân dân", 15, 3), ["Ủy ban nhân dân"]);
    // Decomposed marks take no place.
    assert_eq!(
        wrap("Nghe\u{323}\u{302} An", 7, 3),
        ["Nghe\u{323}\u{302} An"]
    );
    let cut = wrap(q, 24, 2);
    assert_eq!(cut.len(), 2);
    assert!(
        cut[1].ends_with('…') && cut[1].chars().count() <= 24,
        "{cut:?}"
    );
    assert!(q.starts_with(&format!("{} {}", cut[0], cut[1].trim_end_matches('…'))));
    // Only a word longer than a line is cut, never leaving a letter without its marks.
    assert_eq!(wrap("abcdefghijkl mn", 5, 5), ["abcde", "fghij", "kl mn"]);
    assert_eq!(
        wrap("a\u{301}a\u{301}a\u{301}a\u{301}", 2, 3),
        ["a\u{301}a\u{301}", "a\u{301}a\u{301}"]
    );
    assert!(wrap("  ", 10, 3).is_empty());
    // In a chart: the whole label in the tooltip, at most three lines shown.
    let long = q.repeat(3);
    let svg = bars("T", &[bar(&long, 0.5, 0.4, 0.6)], &vi());
    let doc = parse(&svg, "T");
    let (tip, g) = &groups(&doc)[0];
    assert!(tip.starts_with(&long));
    assert_eq!(texts(*g).len(), 3 + 1);
}

#[test]
fn means_sit_on_a_fitted_axis_with_round_ticks() {
    let lines = [
        bar("Hài lòng với y tế", 3.42, 3.2, 3.64),
        bar("Hài lòng với giáo dục", 3.9, 3.75, 4.05),
        hidden("Hài lòng với giao thông", "ẩn (<5)"),
    ];
    let svg = means("Điểm trung bình (1–5)", &lines, &vi());
    let doc = parse(&svg, "Điểm trung bình (1–5)");
    let all = texts(doc.root_element());
    let ticks = ["3,00", "3,25", "3,50", "3,75", "4,00", "4,25"].map(String::from);
    assert!(all.ends_with(&ticks), "{all:?}");
    // Grid lines are the paths outside the rows: the first at 3, the last at 4.25.
    let grid: Vec<f64> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("path"))
        .map(|p| path_numbers(p)[0])
        .collect();
    assert_eq!(grid.len(), 6);
    let x = |v: f64| grid[0] + (v - 3.0) / 1.25 * (grid[5] - grid[0]);
    let rows = groups(&doc);
    for ((_, g), (e, lo, hi)) in rows.iter().zip([(3.42, 3.2, 3.64), (3.9, 3.75, 4.05)]) {
        assert!((num(child(*g, "circle"), "cx") - x(e)).abs() < 0.02);
        let d = path_numbers(child(*g, "path"));
        assert!((d[0] - x(lo)).abs() < 0.02 && (d[2] - x(hi)).abs() < 0.02);
        // A dot, not a bar: its length would mean nothing on an axis from 3.
        assert!(g.children().all(|n| !n.has_tag_name("rect")));
    }
    assert_eq!(texts(rows[0].1), ["Hài lòng với y tế", "3,42"]);
    assert_eq!(texts(rows[2].1), ["Hài lòng với giao thông", "ẩn (<5)"]);
}

#[test]
fn nice_axes() {
    let check = |min: f64, max: f64, share: bool, expected: (f64, f64, f64)| {
        let a = Axis::nice(min, max, 4.0, share);
        let step = a.ticks[1] - a.ticks[0];
        let got = (a.lo, a.hi, step);
        assert!(
            (got.0 - expected.0).abs() < 1e-9
                && (got.1 - expected.1).abs() < 1e-9
                && (got.2 - expected.2).abs() < 1e-9,
            "{min}..{max}: {got:?}"
        );
        assert!((a.ticks[a.ticks.len() - 1] - a.hi).abs() < 1e-9);
    };
    check(3.2, 4.05, false, (3.0, 4.25, 0.25));
    check(12_000.0, 87_000.0, false, (0.0, 100_000.0, 20_000.0));
    check(-2.5, 1.2, false, (-3.0, 2.0, 1.0));
    check(5.0, 5.0, false, (4.0, 6.0, 0.5));
    check(0.12, 0.58, true, (0.0, 0.6, 0.2));
    check(0.93, 0.999, true, (0.92, 1.0, 0.02));
    check(f64::INFINITY, f64::NEG_INFINITY, false, (0.0, 1.0, 0.25));
}

#[test]
fn numbers_in_both_styles() {
    let (v, e) = (vi(), en());
    assert_eq!(v.pct(0.412, 1), "41,2\u{a0}%");
    assert_eq!(e.pct(0.412, 1), "41.2%");
    assert_eq!(v.num(12_500.0, 0), "12.500");
    assert_eq!(e.num(12_500.0, 0), "12,500");
    assert_eq!(v.num(1_234_567.25, 1), "1.234.567,2");
    assert_eq!(v.num(1234.5, 1), "1234,5");
    assert_eq!(v.num(-3.25, 2), "−3,25");
    assert_eq!(v.num(-0.04, 1), "0,0");
}

#[test]
fn stacked_segments_are_as_wide_as_their_shares_and_hidden_ones_are_framed() {
    let cats: Vec<String> = [
        "Rất không đồng ý",
        "Không đồng ý",
        "Bình thường",
        "Đồng ý",
        "Rất đồng ý",
    ]
    .map(String::from)
    .to_vec();
    let rows = vec![
        (
            "Câu 1".to_string(),
            vec![Some(0.10), Some(0.20), Some(0.30), Some(0.25), Some(0.15)],
        ),
        (
            "Câu 2".to_string(),
            vec![Some(0.02), Some(0.48), Some(0.30), Some(0.12), Some(0.08)],
        ),
        (
            "Câu 3".to_string(),
            vec![None, None, Some(0.6), Some(0.3), None],
        ),
    ];
    let svg = stacked("Mức độ đồng ý", &cats, &rows, &vi());
    let doc = parse(&svg, "Mức độ đồng ý");
    let palette = diverging(5);
    let groups = groups(&doc);
    let track = WIDTH - 2.0 * PAD;
    let mut x = PAD;
    for (i, v) in [0.10, 0.20, 0.30, 0.25, 0.15].iter().enumerate() {
        let (tip, g) = &groups[i];
        assert_eq!(tip, &format!("Câu 1 — {}: {}", cats[i], vi().pct(*v, 1)));
        let r = child(*g, "rect");
        assert_eq!(r.attribute("fill"), Some(palette[i].0.as_str()));
        assert!((num(r, "x") - x).abs() < 0.01 && (num(r, "width") - v * track).abs() < 0.01);
        x += v * track;
    }
    // Câu 2: the 2 % segment goes without text, the others show theirs.
    let shown: Vec<Vec<String>> = groups[5..10].iter().map(|(_, g)| texts(*g)).collect();
    assert!(shown[0].is_empty());
    assert_eq!(shown[1], ["48\u{a0}%"]);
    // Câu 3: two known segments, then one frame for the 10 % hidden.
    let (tip, frame) = &groups[12];
    assert_eq!(tip, "Câu 3 — ẩn");
    let r = child(*frame, "rect");
    assert_eq!(r.attribute("fill"), Some("none"));
    assert!((num(r, "x") - (PAD + 0.9 * track)).abs() < 0.01);
    assert!((num(r, "width") - (0.1 * track - 0.5)).abs() < 0.01);
    assert_eq!(texts(*frame), ["ẩn"]);
    // The legend names every choice and the hidden mark.
    let all = texts(doc.root_element());
    for c in cats.iter().chain([&"ẩn".to_string()]) {
        assert!(all.contains(c), "{c}");
    }
    // Without hidden cells, no hidden entry.
    let svg = stacked("T", &cats, &rows[..2], &vi());
    assert!(!texts(parse(&svg, "T").root_element()).contains(&"ẩn".to_string()));
}

/// CIE L* of a `#rrggbb` colour.
fn lightness(hex: &str) -> f64 {
    let c = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let y = 0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5);
    if y > 216.0 / 24389.0 {
        116.0 * y.cbrt() - 16.0
    } else {
        y * 24389.0 / 27.0
    }
}

#[test]
fn the_likert_palette_diverges_and_keeps_every_colour_apart_in_grey() {
    for n in 2..=7 {
        let p = diverging(n);
        assert_eq!(p.len(), n);
        let rgb = |h: &str| [1, 3, 5].map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap());
        let (first, last) = (rgb(&p[0].0), rgb(&p[n - 1].0));
        assert!(first[0] > first[2] + 60, "warm first pole {:?}", p[0]);
        assert!(last[2] > last[0] + 60, "cool last pole {:?}", p[n - 1]);
        if n % 2 == 1 {
            let mid = rgb(&p[n / 2].0);
            assert!(mid[0] == mid[1] && mid[1] == mid[2]);
        }
        let mut l: Vec<f64> = p.iter().map(|c| lightness(&c.0)).collect();
        for (c, light) in p.iter().zip(&l) {
            assert_eq!(c.1, *light < 56.0, "white text on dark only");
        }
        l.sort_by(f64::total_cmp);
        assert!(l.windows(2).all(|w| w[1] - w[0] > 8.0), "{n}: {l:?}");
    }
}

#[test]
fn waves_draw_a_broken_line_where_a_point_is_missing_with_whiskers_to_scale() {
    let labels: Vec<String> = ["Đợt 1 (3/2026)", "Đợt 2 (6/2026)", "Đợt 3", "Đợt 4"]
        .map(String::from)
        .to_vec();
    let series = vec![
        (
            "Hà Nội".to_string(),
            vec![
                Some((0.40, 0.35, 0.45)),
                None,
                Some((0.50, 0.44, 0.56)),
                Some((0.52, 0.5, 0.54)),
            ],
        ),
        (
            "Cần Thơ".to_string(),
            vec![
                Some((0.30, 0.2, 0.4)),
                Some((0.35, 0.3, 0.4)),
                Some((f64::NAN, 0.0, 1.0)),
            ],
        ),
    ];
    let svg = waves("Tỉ lệ tin tưởng", &labels, &series, Scale::Share, &vi());
    let doc = parse(&svg, "Tỉ lệ tin tưởng");
    let lines: Vec<Node> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("path") && n.attribute("stroke-width") == Some("2"))
        .collect();
    let d = |n: Node| n.attribute("d").unwrap().to_string();
    // Legend swatches first, then the series' lines.
    assert_eq!(lines.len(), 4);
    let a = d(lines[2]);
    assert_eq!(
        (a.matches('M').count(), a.matches('L').count()),
        (2, 1),
        "{a}"
    );
    let b = d(lines[3]);
    assert_eq!(
        (b.matches('M').count(), b.matches('L').count()),
        (1, 1),
        "{b}"
    );
    let points = groups(&doc);
    assert_eq!(points.len(), 5, "three and two points");
    assert_eq!(
        points[0].0,
        "Hà Nội — Đợt 1 (3/2026): 40,0\u{a0}% (35,0\u{a0}%–45,0\u{a0}%)"
    );
    let whisker = |i: usize| {
        let p = path_numbers(child(points[i].1, "path"));
        (p[0], p[1] - p[2])
    };
    // Whisker lengths follow the intervals: 0.10, 0.12, 0.04, 0.20.
    let (x0, l0) = whisker(0);
    for (i, width) in [(1, 0.12), (2, 0.04), (3, 0.20)] {
        assert!((whisker(i).1 / l0 - width / 0.10).abs() < 1e-3);
    }
    // The same wave for both series, a little apart.
    let (x3, _) = whisker(3);
    assert!(x3 != x0 && (x3 - x0).abs() < 8.0);
    let all = texts(doc.root_element());
    for s in ["Hà Nội", "Cần Thơ", "Đợt 3"] {
        assert!(all.contains(&s.to_string()), "{s}");
    }
    assert!(all.iter().any(|t| t.ends_with('%')));
    // Means get a plain axis.
    let m = waves(
        "M",
        &labels,
        &[("x".into(), vec![Some((3.1, 3.0, 3.2))])],
        Scale::Mean,
        &en(),
    );
    assert!(
        !texts(parse(&m, "M").root_element())
            .iter()
            .any(|t| t.contains('%'))
    );
}

#[test]
fn empty_charts_are_still_documents() {
    parse(&bars("Trống", &[], &vi()), "Trống");
    parse(&means("Trống", &[hidden("a", "ẩn")], &vi()), "Trống");
    parse(&stacked("Trống", &[], &[], &vi()), "Trống");
    parse(
        &stacked("Trống", &["a".into()], &[("r".into(), vec![])], &vi()),
        "Trống",
    );
    parse(&waves("Trống", &[], &[], Scale::Mean, &vi()), "Trống");
    parse(
        &waves(
            "Trống",
            &["Đợt 1".into()],
            &[("s".into(), vec![None])],
            Scale::Share,
            &vi(),
        ),
        "Trống",
    );
}
