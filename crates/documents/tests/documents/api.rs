//! The public functions on their own: what the DOCX says, what is refused, and that the same
//! document always gives the same bytes.

use std::io::{Cursor, Read};

use duluan_documents::{
    Block, Document, Error, Layout, MAX_BLOCKS, MAX_CELLS, MAX_COLUMNS, MAX_FIGURES,
    MAX_RECIPIENTS, MAX_ROWS, MAX_SVG_BYTES, MAX_TEXT, MAX_TOTAL_TEXT, to_docx, to_pdf,
};

use crate::sample::{self, BULLETIN_TITLE, MARKUP, NAME, PARAGRAPH, RECIPIENT_LINES, TITLE};

/// One part of a DOCX, as text.
pub fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    let mut file = zip.by_name(name).unwrap();
    let mut xml = String::new();
    file.read_to_string(&mut xml).unwrap();
    xml
}

/// The text of a WordprocessingML part: each paragraph on its line, `<w:br/>` as a line feed.
pub fn text_of(xml: &str) -> String {
    let tree = roxmltree::Document::parse(xml).unwrap();
    let mut out = String::new();
    for node in tree.descendants() {
        match node.tag_name().name() {
            "t" => out.push_str(node.text().unwrap_or("")),
            "br" => out.push('\n'),
            "p" if node.prev_sibling_element().is_some() || !out.is_empty() => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// The body's paragraphs as text.
fn body_text(doc: &Document) -> String {
    text_of(&part(&to_docx(doc).unwrap(), "word/document.xml"))
}

#[test]
fn docx_texts_are_written_as_given() {
    let text = body_text(&sample::report(Layout::Party, false));
    for want in [
        TITLE,
        PARAGRAPH,
        MARKUP,
        NAME,
        "THÀNH ỦY HÀ NỘI",
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
        "*",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Số 125-BC/BTGDVTU",
        "Hà Nội, ngày 05 tháng 12 năm 2026",
        "BÁO CÁO",
        "K/T TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Nơi nhận:",
        "Bảng 1. Số luồng ý kiến theo khuynh hướng và đơn vị",
        "Biểu đồ 1. Đánh giá chất lượng dịch vụ hành chính công",
        "Nguồn: báo cáo của các đơn vị gửi Trung tâm đến ngày 15/11/2026.",
        "Tết Nguyên đán.\nĐề nghị",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    for line in RECIPIENT_LINES {
        assert!(text.lines().any(|l| l == line), "missing {line:?}");
    }
    assert!(!text.contains("CỘNG HÒA"));
    assert!(!text.contains("DỰ THẢO"));
}

#[test]
fn docx_draft_leaves_number_and_date_blank() {
    let docx = to_docx(&sample::report(Layout::Party, true)).unwrap();
    let text = text_of(&part(&docx, "word/document.xml"));
    assert!(text.contains("Số     -BC/BTGDVTU"), "{text}");
    assert!(
        text.contains("Hà Nội, ngày     tháng     năm 2026"),
        "{text}"
    );
    // The mark is in the first page's own header; the other pages' header numbers them.
    let headers: Vec<String> = ["word/header1.xml", "word/header2.xml"]
        .iter()
        .map(|p| part(&docx, p))
        .collect();
    assert!(headers.iter().any(|h| text_of(h).contains("DỰ THẢO")));
    assert!(headers.iter().any(|h| h.contains("PAGE")));
    let body = part(&docx, "word/document.xml");
    assert!(body.contains("<w:titlePg"), "first page header");
    assert!(body.contains(r#"w:type="first""#));
}

#[test]
fn docx_state_layout_texts() {
    let text = body_text(&sample::report(Layout::State, false));
    for want in [
        "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI",
        "TRUNG TÂM THÔNG TIN VÀ DƯ LUẬN XÃ HỘI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 47/BC-TTTT",
        "Hà Nội, ngày 05 tháng 02 năm 2026",
        "KT. GIÁM ĐỐC",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(!text.contains("ĐẢNG CỘNG SẢN"));
    let draft = body_text(&sample::report(Layout::State, true));
    assert!(draft.contains("Số:     /BC-TTTT"), "{draft}");
}

/// How many tables the body of a DOCX holds (nested ones included; the layout nests none).
fn tables_in(docx: &[u8]) -> usize {
    part(docx, "word/document.xml").matches("<w:tbl>").count()
}

#[test]
fn docx_brief_layout_texts() {
    let doc = sample::bulletin(false);
    let docx = to_docx(&doc).unwrap();
    let text = text_of(&part(&docx, "word/document.xml"));
    assert!(
        text.trim_start().starts_with(
            "THÀNH ỦY HÀ NỘI\nBAN TUYÊN GIÁO VÀ DÂN VẬN\nHà Nội, ngày 05 tháng 12 năm 2026\n\
             BẢN TIN\nĐiểm tin dư luận xã hội tuần 49 năm 2026\n"
        ),
        "{text}"
    );
    for want in [BULLETIN_TITLE, PARAGRAPH, MARKUP, "Bảng 1. Luồng ý kiến"] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    for unwanted in [
        "ĐẢNG CỘNG SẢN",
        "CỘNG HÒA",
        "Độc lập",
        "Số",
        "125",
        "BC/BTGDVTU",
        "Nơi nhận",
        "DỰ THẢO",
    ] {
        assert!(!text.contains(unwanted), "{unwanted:?} in\n{text}");
    }
    // The header table and the data table; no signature table.
    assert_eq!(tables_in(&docx), 2);

    let draft = body_text(&sample::bulletin(true));
    assert!(
        draft.contains("Hà Nội, ngày     tháng     năm 2026"),
        "{draft}"
    );
    assert!(!draft.contains("Số"), "{draft}");
}

#[test]
fn docx_end_leaves_out_what_is_empty() {
    for layout in [Layout::Party, Layout::State, Layout::Brief] {
        let full = sample::report(layout, false);
        assert_eq!(tables_in(&to_docx(&full).unwrap()), 3, "{layout:?}");

        let mut bare = full.clone();
        bare.recipients = vec![" ".into(), String::new()]; // nothing to print
        bare.signature.position = " ".into();
        bare.signature.name = String::new();
        let docx = to_docx(&bare).unwrap();
        assert_eq!(
            tables_in(&docx),
            2,
            "{layout:?}: an end table with nothing in it"
        );
        let text = text_of(&part(&docx, "word/document.xml"));
        assert!(!text.contains("Nơi nhận"), "{layout:?}");
        // The authority alone is no signature.
        assert!(!text.contains("K/T") && !text.contains("KT."), "{text}");

        let mut signed = full.clone();
        signed.recipients.clear();
        signed.signature.position = String::new();
        let text = body_text(&signed);
        assert!(!text.contains("Nơi nhận"), "{layout:?}");
        // The authority, three empty lines of room, the name: no empty line for the position.
        assert!(
            text.ends_with(&format!("TRƯỞNG BAN\n\n\n\n{NAME}"))
                || text.ends_with(&format!("GIÁM ĐỐC\n\n\n\n{NAME}")),
            "{layout:?}: {text:?}"
        );

        let mut unsigned = full.clone();
        unsigned.signature = bare.signature.clone();
        let text = body_text(&unsigned);
        assert!(text.contains("Nơi nhận:\n- Thường trực"), "{layout:?}");
        assert!(!text.contains(NAME) && !text.contains("PHÓ"), "{layout:?}");
    }
}

#[test]
fn docx_page_styles_and_fonts() {
    let docx = to_docx(&sample::report(Layout::Party, false)).unwrap();
    let body = part(&docx, "word/document.xml");
    // A4, margins 20/20/30/15 mm in twips.
    assert!(
        body.contains(r#"<w:pgSz w:w="11906" w:h="16838""#),
        "{body}"
    );
    for margin in [
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
    ] {
        assert!(body.contains(margin), "{margin}");
    }
    let styles = part(&docx, "word/styles.xml");
    for want in [
        r#"w:ascii="Times New Roman""#,
        r#"<w:sz w:val="28""#,
        r#"w:styleId="DocTitle""#,
        r#"w:val="Tiêu đề văn bản""#,
        r#"w:styleId="Heading1""#,
        r#"w:styleId="Heading3""#,
        r#"w:styleId="Caption""#,
        r#"w:styleId="BodyText""#,
        r#"w:styleId="Normal" w:default="1""#,
        r#"<w:lang w:val="vi-VN""#,
    ] {
        assert!(styles.contains(want), "missing {want} in styles");
    }
    assert!(body.contains(r#"<w:pStyle w:val="DocTitle""#));
    assert_eq!(
        body.matches("<w:tblHeader />").count(),
        1,
        "one repeated header row"
    );
    assert!(
        docx.windows(8).any(|w| w == b"\x89PNG\r\n\x1a\n"),
        "a PNG figure"
    );
}

#[test]
fn same_document_same_bytes() {
    let doc = sample::report(Layout::Party, false);
    let docx = to_docx(&doc).unwrap();
    let pdf = to_pdf(&doc).unwrap();
    // A refused document in between must not shift any identifier.
    let mut bad = doc.clone();
    bad.blocks.push(Block::Figure {
        caption: String::new(),
        svg: "<svg xmlns='http://www.w3.org/2000/svg' width='0' height='0'/>".into(),
    });
    assert!(to_docx(&bad).is_err());
    let _ = to_docx(&sample::report(Layout::State, true)).unwrap();
    // Another user of docx-rs in the process moves its per-thread paragraph counter.
    let _stray = docx_rs::Paragraph::new();
    assert!(to_docx(&doc).unwrap() == docx, "DOCX differs");
    assert!(to_pdf(&doc).unwrap() == pdf, "PDF differs");
    // And from another thread (docx-rs keeps per-thread counters).
    let other = std::thread::spawn(move || (to_docx(&doc).unwrap(), to_pdf(&doc).unwrap()))
        .join()
        .unwrap();
    assert!(other.0 == docx && other.1 == pdf);
    // No clock inside: ZIP entries carry the DOS epoch, the PDF no date.
    let mut zip = zip::ZipArchive::new(Cursor::new(&docx)).unwrap();
    for i in 0..zip.len() {
        let file = zip.by_index(i).unwrap();
        let t = file.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day()),
            (1980, 1, 1),
            "{:?}",
            file.name()
        );
    }
    let pdf_text = String::from_utf8_lossy(&pdf);
    assert!(!pdf_text.contains("/CreationDate") && !pdf_text.contains("/ModDate"));
    assert!(!part(&docx, "docProps/core.xml").contains("2026"));
}

fn refused(doc: &Document) -> Error {
    let a = to_docx(doc).unwrap_err();
    let b = to_pdf(doc).unwrap_err();
    assert_eq!(a, b);
    a
}

#[test]
fn oversized_input_is_refused() {
    let base = sample::report(Layout::Party, false);
    let long = "ư".repeat(MAX_TEXT + 1);

    let mut d = base.clone();
    d.title = long.clone();
    assert_eq!(
        refused(&d),
        Error::TextTooLong {
            field: "title".into(),
            chars: MAX_TEXT + 1,
            limit: MAX_TEXT
        }
    );

    let mut d = base.clone();
    d.blocks[2] = Block::Paragraph { text: long.clone() };
    assert!(
        matches!(refused(&d), Error::TextTooLong { field, .. } if field == "block 3 (paragraph)")
    );

    let mut d = base.clone();
    d.blocks = vec![
        Block::Paragraph {
            text: "x".repeat(MAX_TEXT)
        };
        MAX_TOTAL_TEXT / MAX_TEXT + 1
    ];
    assert!(matches!(refused(&d), Error::DocumentTooLong { .. }));

    let mut d = base.clone();
    d.blocks = vec![Block::Paragraph { text: "x".into() }; MAX_BLOCKS + 1];
    assert_eq!(
        refused(&d),
        Error::TooMany {
            what: "blocks".into(),
            count: MAX_BLOCKS + 1,
            limit: MAX_BLOCKS
        }
    );

    let table = |columns: usize, rows: usize| Block::Table {
        caption: String::new(),
        columns: vec!["c".into(); columns],
        rows: vec![vec!["1".into(); columns]; rows],
        note: String::new(),
    };
    let mut d = base.clone();
    d.blocks = vec![table(2, 1), table(MAX_COLUMNS + 1, 1)];
    assert!(matches!(refused(&d), Error::TooMany { what, .. } if what == "columns of table 2"));
    d.blocks = vec![table(2, MAX_ROWS + 1)];
    assert!(
        matches!(refused(&d), Error::TooMany { what, count, .. } if what == "rows of table 1" && count == MAX_ROWS + 1)
    );
    d.blocks = vec![table(MAX_COLUMNS, MAX_ROWS); MAX_CELLS / (MAX_COLUMNS * MAX_ROWS) + 1];
    assert!(matches!(refused(&d), Error::TooMany { what, .. } if what == "table cells"));
    d.blocks = vec![table(0, 0)];
    assert_eq!(refused(&d), Error::NoColumns { table: 1 });
    let mut ragged = table(3, 2);
    if let Block::Table { rows, .. } = &mut ragged {
        rows[1].pop();
    }
    d.blocks = vec![ragged];
    assert_eq!(
        refused(&d),
        Error::RowWidth {
            table: 1,
            row: 2,
            cells: 2,
            columns: 3
        }
    );

    let mut d = base.clone();
    d.recipients = vec!["x".into(); MAX_RECIPIENTS + 1];
    assert!(matches!(refused(&d), Error::TooMany { what, .. } if what == "recipients"));

    let figure = |svg: String| Block::Figure {
        caption: String::new(),
        svg,
    };
    let mut d = base.clone();
    d.blocks = vec![figure(sample::CHART.into()); MAX_FIGURES + 1];
    assert!(matches!(refused(&d), Error::TooMany { what, .. } if what == "figures"));
    let huge = format!(
        "<svg xmlns='http://www.w3.org/2000/svg'>{}</svg>",
        " ".repeat(MAX_SVG_BYTES)
    );
    d.blocks = vec![figure(sample::CHART.into()), figure(huge)];
    let e = refused(&d);
    assert!(
        matches!(&e, Error::Svg { figure: 2, message } if message.contains("bytes")),
        "{e}"
    );
}

#[test]
fn malformed_input_is_refused_with_a_clear_message() {
    let base = sample::report(Layout::Party, false);
    let mut d = base.clone();
    d.blocks = vec![Block::Heading {
        level: 4,
        text: "x".into(),
    }];
    assert_eq!(refused(&d), Error::HeadingLevel { block: 1, level: 4 });
    assert_eq!(
        refused(&d).to_string(),
        "block 1 is a heading of level 4; levels are 1, 2 and 3"
    );

    for (date, ok) in [
        ((29, 2, 2028), true),
        ((29, 2, 2026), false),
        ((31, 4, 2026), false),
        ((0, 1, 2026), false),
        ((1, 13, 2026), false),
        ((1, 1, 99), false),
    ] {
        let mut d = base.clone();
        d.header.date = Some(date);
        assert_eq!(to_docx(&d).is_ok(), ok, "{date:?}");
        if !ok {
            assert!(matches!(refused(&d), Error::BadDate { .. }));
        }
    }
    let mut d = base.clone();
    d.header.date = None;
    d.header.draft_year = -5;
    assert!(matches!(refused(&d), Error::BadDate { year: -5, .. }));

    for (svg, words) in [
        ("not xml at all", "not a readable SVG"),
        ("<svg><g></svg>", "not a readable SVG"),
        (
            "<html xmlns='http://www.w3.org/1999/xhtml'/>",
            "root element is <html>",
        ),
    ] {
        let mut d = base.clone();
        d.blocks = vec![Block::Figure {
            caption: String::new(),
            svg: svg.into(),
        }];
        let e = refused(&d);
        assert!(
            matches!(&e, Error::Svg { figure: 1, message } if message.contains(words)),
            "{e}"
        );
    }
}

#[test]
fn control_characters_are_dropped_not_written() {
    let mut d = sample::report(Layout::Party, false);
    d.blocks = vec![Block::Paragraph {
        text: "a\u{0}b\u{7}c\u{1b}d\r\ne\tf".into(),
    }];
    let docx = to_docx(&d).unwrap();
    let text = body_text(&d);
    assert!(text.contains("abcd\ne f"), "{text}");
    assert!(!part(&docx, "word/document.xml").contains('\u{1b}'));
    to_pdf(&d).unwrap();
}

#[test]
fn the_model_reads_and_writes_json() {
    let doc = sample::report(Layout::State, true);
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["header"]["layout"], "state");
    assert_eq!(json["blocks"][0]["kind"], "heading");
    assert_eq!(json["blocks"][0]["level"], 1);
    assert_eq!(json["blocks"][6]["kind"], "table");
    assert_eq!(json["blocks"][7]["kind"], "figure");
    assert_eq!(json["header"]["number"], serde_json::Value::Null);
    let back: Document = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc);
    let brief = serde_json::to_value(sample::bulletin(false)).unwrap();
    assert_eq!(brief["header"]["layout"], "brief");
    let back: Document = serde_json::from_value(brief).unwrap();
    assert_eq!(back, sample::bulletin(false));
}
