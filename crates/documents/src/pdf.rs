//! The PDF: typst lays out `report.typ` with the document passed as data, in the bundled fonts.
//!
//! The template is fixed; the document reaches it as `sys.inputs.doc`, a dictionary of strings,
//! arrays, a flag and the figures' SVG bytes. typst never parses a user's text, so markup
//! characters (`* _ # $ @ < > [ ] \ //` …) are printed as written. The world typst sees holds
//! the template and the four Liberation Serif faces, nothing else: no file system, no packages,
//! no system fonts; `fallback: false` in the template keeps typst from looking for others.
//! The PDF carries no date (`set document(date: none)`, no timestamp) and its identifier is a
//! hash of the title, so the same document gives the same bytes.

use std::sync::OnceLock;

use typst::diag::SourceDiagnostic;
use typst::foundations::{Array, Bytes, Dict, IntoValue, Smart, Value};
use typst::visualize::SvgImage;
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::{Block, Document, Error, Layout, lines};

/// The layout, with the document as `sys.inputs.doc`.
const TEMPLATE: &str = include_str!("report.typ");

/// Liberation Serif 2.1.5 (SIL OFL 1.1): regular, bold, italic, bold italic.
pub(crate) const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// The engine, its fonts parsed once per process.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts(FONTS)
            .build()
    })
}

/// Lays the document out and writes the PDF.
pub(crate) fn render(doc: &Document) -> Result<Vec<u8>, Error> {
    let (laid_out, _warnings) = compile(doc).map_err(|e| blame_figure(doc, e))?;
    let options = PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Custom(Some("duluan".into())),
        timestamp: None,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&laid_out, &options).map_err(|d| Error::Pdf(messages(&d)))
}

/// Lays the document out; also returns typst's warnings (tests require none).
pub(crate) fn compile(doc: &Document) -> Result<(PagedDocument, Vec<String>), Error> {
    let warned = engine().compile_with_input(inputs(doc));
    let warnings = warned.warnings.iter().map(message).collect();
    match warned.output {
        Ok(laid_out) => Ok((laid_out, warnings)),
        Err(TypstAsLibError::TypstSource(d)) => Err(Error::Typst(messages(&d))),
        Err(e) => Err(Error::Typst(e.to_string())),
    }
}

/// A layout error caused by a figure's SVG (one that is XML but that typst cannot draw: no
/// size, a link it may not follow …) as [`Error::Svg`] for that figure, as the DOCX reports it.
fn blame_figure(doc: &Document, error: Error) -> Error {
    let Error::Typst(message) = error else {
        return error;
    };
    let bad = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Figure { svg, .. } => Some(svg),
            _ => None,
        })
        .position(|svg| SvgImage::new(Bytes::new(svg.clone().into_bytes())).is_err());
    match bad {
        Some(i) => Error::Svg {
            figure: i + 1,
            message,
        },
        None => Error::Typst(message),
    }
}

/// One diagnostic with its hints.
fn message(d: &SourceDiagnostic) -> String {
    let mut m = d.message.to_string();
    for hint in &d.hints {
        m.push_str(" (hint: ");
        m.push_str(hint.v.as_str());
        m.push(')');
    }
    m
}

fn messages(ds: &[SourceDiagnostic]) -> String {
    ds.iter().map(message).collect::<Vec<_>>().join("; ")
}

/// A string value.
fn s(text: impl Into<String>) -> Value {
    let text: String = text.into();
    text.into_value()
}

/// A user text, cleaned, runs of spaces kept (typst would otherwise show one space).
fn t(text: &str) -> Value {
    s(keep_spaces(&lines::clean(text)))
}

/// Turns each space after another space into a no-break space, so that a run of spaces keeps
/// its width (the draft's blanks for the number and the date).
fn keep_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_space = false;
    for c in text.chars() {
        if c == ' ' && after_space {
            out.push('\u{a0}');
        } else {
            out.push(c);
        }
        after_space = c == ' ' || c == '\u{a0}';
    }
    out
}

fn array(values: impl IntoIterator<Item = Value>) -> Value {
    Value::Array(values.into_iter().collect::<Array>())
}

/// The document as the template reads it.
fn inputs(doc: &Document) -> Dict {
    let h = &doc.header;
    let sig = &doc.signature;
    let mut d = Dict::new();
    let mut put = |key: &str, value: Value| {
        d.insert(key.into(), value);
    };
    put(
        "layout",
        s(match h.layout {
            Layout::Party => "party",
            Layout::State => "state",
            Layout::Brief => "brief",
        }),
    );
    put("superior", t(&lines::upper(&h.superior_body)));
    put("issuing", t(&lines::upper(&h.issuing_body)));
    put("number", t(&lines::number_line(h).unwrap_or_default()));
    put("date", t(&lines::date_line(h)));
    put("star", s(lines::PARTY_STAR));
    put("party_name", s(lines::PARTY_NAME));
    put("nation", s(lines::NATION));
    put("motto", s(lines::MOTTO));
    put("draft", Value::Bool(doc.draft));
    put("draft_mark", s(lines::DRAFT_MARK));
    put("kind", t(&lines::upper(&doc.kind)));
    put("title", t(&doc.title));
    put("recipients_label", s(lines::RECIPIENTS_LABEL));
    put(
        "recipients",
        array(lines::recipients(&doc.recipients).iter().map(|r| t(r))),
    );
    put("authority", t(&lines::upper(&sig.authority)));
    put("position", t(&lines::upper(&sig.position)));
    put("name", t(&sig.name));
    put("signed", Value::Bool(lines::signed(sig)));
    put("blocks", array(blocks(doc)));
    let mut root = Dict::new();
    root.insert("doc".into(), Value::Dict(d));
    root
}

fn blocks(doc: &Document) -> Vec<Value> {
    let (mut tables, mut figures) = (0, 0);
    doc.blocks
        .iter()
        .map(|block| {
            let mut b = Dict::new();
            let mut put = |key: &str, value: Value| {
                b.insert(key.into(), value);
            };
            match block {
                Block::Heading { level, text } => {
                    put("kind", s("heading"));
                    put("level", Value::Int(i64::from(*level)));
                    put("text", t(text));
                }
                Block::Paragraph { text } => {
                    put("kind", s("paragraph"));
                    put("text", t(text));
                }
                Block::Table {
                    caption,
                    columns,
                    rows,
                    note,
                } => {
                    tables += 1;
                    put("kind", s("table"));
                    put("caption", t(&lines::table_caption(tables, caption)));
                    put("columns", array(columns.iter().map(|c| t(c))));
                    put(
                        "rows",
                        array(rows.iter().map(|row| array(row.iter().map(|c| t(c))))),
                    );
                    put(
                        "numeric",
                        array(
                            lines::numeric_columns(columns.len(), rows)
                                .into_iter()
                                .map(Value::Bool),
                        ),
                    );
                    put("note", t(note));
                }
                Block::Figure { caption, svg } => {
                    figures += 1;
                    put("kind", s("figure"));
                    put("caption", t(&lines::figure_caption(figures, caption)));
                    put("svg", Value::Bytes(Bytes::new(svg.clone().into_bytes())));
                }
            }
            Value::Dict(b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use typst::layout::{Frame, FrameItem};

    use super::*;
    use crate::sample::{self, BULLETIN_TITLE, MARKUP, NAME, PARAGRAPH, TITLE};

    /// The text typst laid out, page by page, in reading order, each text item followed by a
    /// space; and whether any glyph is the font's "missing" glyph.
    fn laid_out(doc: &Document) -> (Vec<String>, bool) {
        fn walk(frame: &Frame, out: &mut String, missing: &mut bool) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(g) => walk(&g.frame, out, missing),
                    FrameItem::Text(t) => {
                        out.push_str(&t.text);
                        out.push(' ');
                        *missing |= t.glyphs.iter().any(|g| g.id == 0);
                    }
                    _ => {}
                }
            }
        }
        let (laid_out, warnings) = compile(doc).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let mut missing = false;
        let pages = laid_out
            .pages()
            .iter()
            .map(|p| {
                let mut s = String::new();
                walk(&p.frame, &mut s, &mut missing);
                s
            })
            .collect();
        (pages, missing)
    }

    /// Whether the layout has an end block (recipients, signer or both), which the template
    /// labels `<end>`.
    fn has_end(doc: &Document) -> bool {
        use typst::foundations::Label;
        use typst::introspection::Introspector;
        let (laid_out, _) = compile(doc).unwrap();
        let label = Label::new(typst::utils::PicoStr::intern("end")).unwrap();
        laid_out.introspector().query_label(label).is_ok()
    }

    /// Whitespace runs (no-break spaces included) as one space.
    fn squash(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn texts_come_out_as_written_in_the_bundled_font() {
        let (pages, missing) = laid_out(&sample::report(Layout::Party, false));
        assert!(!missing, "a glyph is missing from Liberation Serif");
        let all = squash(&pages.join(" "));
        for want in [
            TITLE,
            PARAGRAPH,
            MARKUP,
            NAME,
            "BAN TUYÊN GIÁO VÀ DÂN VẬN",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Số 125-BC/BTGDVTU",
            "Hà Nội, ngày 05 tháng 12 năm 2026",
            "BÁO CÁO",
            "K/T TRƯỞNG BAN",
            "PHÓ TRƯỞNG BAN",
            "Bảng 1. Số luồng ý kiến theo khuynh hướng và đơn vị",
            "Biểu đồ 1. Đánh giá chất lượng dịch vụ hành chính công",
            "- Lưu Văn phòng.",
        ] {
            assert!(all.contains(&squash(want)), "missing {want:?} in {all}");
        }
        assert!(!all.contains("DỰ THẢO"));
        // Page numbers start on page 2.
        assert!(pages.len() >= 2, "{} pages", pages.len());
        assert!(!pages[0].starts_with("1 "));
        assert!(pages[1].starts_with("2 "), "{}", &pages[1][..40]);
    }

    #[test]
    fn every_vietnamese_letter_is_in_each_face() {
        for data in FONTS {
            let font = typst::text::Font::new(Bytes::new(data), 0).unwrap();
            assert_eq!(font.info().family, "Liberation Serif");
            let upper = crate::tests::VIETNAMESE.to_uppercase();
            for c in crate::tests::VIETNAMESE.chars().chain(upper.chars()) {
                assert!(
                    font.info().coverage.contains(c as u32),
                    "{c} in {:?}",
                    font.info().variant
                );
            }
        }
    }

    #[test]
    fn draft_leaves_number_and_date_blank() {
        let (pages, _) = laid_out(&sample::report(Layout::Party, true));
        let first = &pages[0];
        assert!(first.contains("DỰ THẢO"));
        // The blanks are kept as spaces of their own width: five between "Số" and the dash.
        assert!(
            first.contains("Số \u{a0}\u{a0}\u{a0}\u{a0}-BC/BTGDVTU"),
            "{first}"
        );
        assert!(
            first.contains("ngày \u{a0}\u{a0}\u{a0}\u{a0}tháng \u{a0}\u{a0}\u{a0}\u{a0}năm 2026"),
            "{first}"
        );
    }

    #[test]
    fn state_layout_texts() {
        let (pages, _) = laid_out(&sample::report(Layout::State, false));
        let first = squash(&pages[0]);
        for want in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", // set on two lines
            "TRUNG TÂM THÔNG TIN VÀ DƯ LUẬN XÃ HỘI",
            "Số: 47/BC-TTTT",
            "Hà Nội, ngày 05 tháng 02 năm 2026",
        ] {
            assert!(first.contains(want), "missing {want:?} in {first}");
        }
        assert!(!first.contains("ĐẢNG CỘNG SẢN"));
    }

    #[test]
    fn brief_layout_texts() {
        let doc = sample::bulletin(false);
        let (pages, missing) = laid_out(&doc);
        assert!(!missing);
        let first = squash(&pages[0]);
        // The bodies, then the date beside them; then the kind and the title.
        assert!(
            first.starts_with(
                "THÀNH ỦY HÀ NỘI BAN TUYÊN GIÁO VÀ DÂN VẬN Hà Nội, ngày 05 tháng 12 năm 2026 \
                 BẢN TIN Điểm tin dư luận xã hội tuần 49 năm 2026 "
            ),
            "{first}"
        );
        let all = squash(&pages.join(" "));
        for want in [BULLETIN_TITLE, PARAGRAPH, MARKUP, "Bảng 1. Luồng ý kiến"] {
            assert!(all.contains(&squash(want)), "missing {want:?} in {all}");
        }
        for unwanted in [
            lines::PARTY_NAME,
            lines::NATION,
            lines::MOTTO,
            "Số",
            "125",
            "BC/BTGDVTU",
            lines::RECIPIENTS_LABEL,
            lines::DRAFT_MARK,
        ] {
            assert!(!all.contains(unwanted), "{unwanted:?} in {all}");
        }
        assert!(!has_end(&doc), "an end block with nothing in it");

        let (pages, _) = laid_out(&sample::bulletin(true));
        assert!(pages[0].contains(lines::DRAFT_MARK), "{}", pages[0]);
        assert!(
            pages[0]
                .contains("ngày \u{a0}\u{a0}\u{a0}\u{a0}tháng \u{a0}\u{a0}\u{a0}\u{a0}năm 2026"),
            "{}",
            pages[0]
        );
    }

    #[test]
    fn the_end_leaves_out_what_is_empty() {
        for layout in [Layout::Party, Layout::State, Layout::Brief] {
            let full = sample::report(layout, false);
            let text = |doc: &Document| squash(&laid_out(doc).0.join(" "));
            assert!(has_end(&full), "{layout:?}");
            assert!(text(&full).contains(lines::RECIPIENTS_LABEL), "{layout:?}");

            let mut bare = full.clone();
            bare.recipients = vec![" ".into(), String::new()]; // nothing to print
            bare.signature.position = " ".into();
            bare.signature.name = String::new();
            assert!(!has_end(&bare), "{layout:?}: an empty end block");
            let all = text(&bare);
            assert!(!all.contains(lines::RECIPIENTS_LABEL), "{layout:?}");
            // The authority alone is no signature.
            assert!(
                !all.contains("TRƯỞNG BAN") && !all.contains("GIÁM ĐỐC"),
                "{all}"
            );

            let mut unsigned = full.clone();
            unsigned.signature = bare.signature.clone();
            assert!(has_end(&unsigned));
            let all = text(&unsigned);
            assert!(all.contains("- Lưu Văn phòng."), "{layout:?}");
            assert!(!all.contains(NAME), "{layout:?}");

            let mut signed = full.clone();
            signed.recipients.clear();
            signed.signature.position = String::new();
            assert!(has_end(&signed));
            let all = text(&signed);
            assert!(!all.contains(lines::RECIPIENTS_LABEL), "{layout:?}");
            assert!(all.ends_with(NAME), "{layout:?}: {all}");
        }
    }

    #[test]
    fn a_figure_typst_cannot_draw_is_named() {
        let mut doc = sample::report(Layout::Party, false);
        let bad = r#"<svg xmlns="http://www.w3.org/2000/svg" width="-5" height="10"/>"#;
        doc.blocks.push(Block::Figure {
            caption: String::new(),
            svg: bad.into(),
        });
        let e = render(&doc).unwrap_err();
        assert!(
            matches!(&e, Error::Svg { figure: 2, message } if message.contains("SVG")),
            "{e}"
        );
        assert!(matches!(
            crate::to_docx(&doc),
            Err(Error::Svg { figure: 2, .. })
        ));
    }

    #[test]
    fn spaces_are_kept() {
        assert_eq!(
            keep_spaces("Số     -X a b"),
            "Số \u{a0}\u{a0}\u{a0}\u{a0}-X a b"
        );
    }
}
