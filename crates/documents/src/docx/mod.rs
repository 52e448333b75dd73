//! The DOCX: docx-rs builds the same layout as `report.typ`, in Times New Roman.
//!
//! Word measures in twips (1/20 pt; 567 to the centimetre) and text in half-points. Body text,
//! headings, the title and the captions use named styles so that a person editing the file in
//! Word or LibreOffice keeps them: "Body Text", Heading 1–3, "Tiêu đề văn bản" (the title),
//! "Tên loại văn bản" (the kind) and Caption. The header and the signature are borderless
//! two-column tables (in every layout; a document with neither recipients nor a signer has no
//! signature table). Page numbers stand at the top centre from page 2 (the first page has its
//! own header, which carries the "DỰ THẢO" mark of a draft).
//!
//! The bytes are deterministic: docx-rs writes fixed core properties and ZIP times, and every
//! paragraph and picture gets an identifier counted here from 1 (docx-rs would otherwise take
//! them from process-wide counters).

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, Header, LineSpacing, LineSpacingType, PageMargin,
    PageNum, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Style, StyleType, TextBorder,
};

use crate::{Block, Document, Error, lines};

mod figures;
mod tables;

/// The font every run names.
const FONT: &str = "Times New Roman";
/// A4 in twips.
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
/// Margins: top and bottom 20 mm, left 30 mm, right 15 mm.
const MARGIN_TOP: i32 = 1134;
const MARGIN_BOTTOM: i32 = 1134;
const MARGIN_LEFT: i32 = 1701;
const MARGIN_RIGHT: i32 = 850;
/// The header's distance from the page's top edge (10 mm).
const HEADER_DISTANCE: i32 = 567;
/// The width between the margins.
const TEXT_WIDTH: usize = 11906 - 1701 - 850;
/// First-line indent of body text: 1 cm.
const INDENT: i32 = 567;
/// The rule under the title: 30 mm.
const TITLE_RULE: usize = 1701;

/// Text formatting of a run.
#[derive(Clone, Copy, Default)]
struct Fmt {
    /// Half-points; 0 keeps the style's size.
    size: usize,
    bold: bool,
    italic: bool,
    underline: bool,
}

impl Fmt {
    fn size(pt: usize) -> Self {
        Fmt {
            size: pt * 2,
            ..Fmt::default()
        }
    }
    fn bold(self) -> Self {
        Fmt { bold: true, ..self }
    }
    fn italic(self) -> Self {
        Fmt {
            italic: true,
            ..self
        }
    }
    fn underline(self) -> Self {
        Fmt {
            underline: true,
            ..self
        }
    }
}

/// One run holding `text` (already cleaned), its line feeds as line breaks.
fn run(text: &str, f: Fmt) -> Run {
    let mut r = Run::new();
    for (i, part) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(part);
    }
    if f.size > 0 {
        r = r.size(f.size);
    }
    if f.bold {
        r = r.bold();
    }
    if f.italic {
        r = r.italic();
    }
    if f.underline {
        r = r.underline("single");
    }
    r
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

/// Single spacing, nothing before, `after` twips after.
fn single(after: u32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(after)
}

/// Numbers paragraphs and pictures in order, so that identifiers do not depend on what the
/// process built before.
#[derive(Default)]
struct Ids {
    paragraphs: u32,
    pictures: u32,
}

impl Ids {
    /// A new paragraph with the next identifier.
    fn p(&mut self) -> Paragraph {
        self.paragraphs += 1;
        Paragraph::new().id(format!("{:08X}", self.paragraphs))
    }

    /// A centred single-spaced paragraph of one run.
    fn centred(&mut self, text: &str, f: Fmt) -> Paragraph {
        self.p()
            .align(AlignmentType::Center)
            .line_spacing(single(0))
            .add_run(run(text, f))
    }

    /// An empty paragraph that draws a rule `width` twips long, centred in `room` twips,
    /// `before` twips under the text above it.
    fn rule(&mut self, width: usize, room: usize, before: u32, after: u32) -> Paragraph {
        let side = room.saturating_sub(width) / 2;
        let side = i32::try_from(side).unwrap_or(0);
        let mut p = self
            .p()
            .align(AlignmentType::Center)
            .indent(Some(side), None, Some(side), None)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(60)
                    .before(before)
                    .after(after),
            )
            .size(4);
        // Only a bottom border (docx-rs's default set boxes the paragraph).
        p.property = p.property.set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                    .val(BorderType::Single)
                    .size(6)
                    .space(0),
            ),
        );
        p
    }
}

/// Builds the DOCX.
pub(crate) fn render(doc: &Document) -> Result<Vec<u8>, Error> {
    // The figures first: a chart that cannot be drawn stops everything before any other work.
    let pictures = figures::pictures(doc)?;
    let mut ids = Ids::default();

    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DISTANCE)
                .footer(HEADER_DISTANCE)
                .gutter(0),
        )
        .default_fonts(fonts())
        .default_size(28)
        .default_line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(288)
                .before(0)
                .after(120),
        );
    for style in styles() {
        docx = docx.add_style(style);
    }

    // Page numbers from page 2, at the top centre; the first page's header holds the draft mark.
    let numbers = Header::new().add_paragraph(
        ids.p()
            .align(AlignmentType::Center)
            .line_spacing(single(0))
            .add_page_num(PageNum::new()),
    );
    let mut first = Header::new();
    first = if doc.draft {
        first.add_paragraph(
            ids.p()
                .align(AlignmentType::Right)
                .line_spacing(single(0))
                .add_run(
                    run(lines::DRAFT_MARK, Fmt::size(12).bold()).text_border(
                        TextBorder::new()
                            .border_type(BorderType::Single)
                            .size(6)
                            .space(2),
                    ),
                ),
        )
    } else {
        first.add_paragraph(ids.p().line_spacing(single(0)))
    };
    docx = docx.header(numbers).first_header(first);

    docx = docx.add_table(tables::header(doc, &mut ids));
    docx = docx
        .add_paragraph(
            ids.p()
                .style("DocKind")
                .add_run(run(&lines::upper(&doc.kind), Fmt::default())),
        )
        .add_paragraph(
            ids.p()
                .style("DocTitle")
                .add_run(run(&lines::clean(&doc.title), Fmt::default())),
        )
        .add_paragraph(ids.rule(TITLE_RULE, TEXT_WIDTH, 80, 240));

    let (mut tables, mut figures) = (0, 0);
    let mut pictures = pictures.into_iter();
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                docx = docx.add_paragraph(
                    ids.p()
                        .style(&format!("Heading{level}"))
                        .keep_next(true)
                        .add_run(run(&lines::clean(text), Fmt::default())),
                );
            }
            Block::Paragraph { text } => {
                docx = docx.add_paragraph(
                    ids.p()
                        .style("BodyText")
                        .add_run(run(&lines::clean(text), Fmt::default())),
                );
            }
            Block::Table {
                caption,
                columns,
                rows,
                note,
            } => {
                tables += 1;
                docx = docx.add_paragraph(
                    ids.p()
                        .style("Caption")
                        .keep_next(true)
                        .add_run(run(&lines::table_caption(tables, caption), Fmt::default())),
                );
                docx = docx.add_table(tables::data(columns, rows, &mut ids));
                let note = lines::clean(note);
                if note.is_empty() {
                    docx = docx.add_paragraph(ids.p().line_spacing(single(120)).size(8));
                } else {
                    docx = docx.add_paragraph(
                        ids.p()
                            .align(AlignmentType::Both)
                            .line_spacing(single(120).before(60))
                            .add_run(run(&note, Fmt::size(12).italic())),
                    );
                }
            }
            Block::Figure { caption, .. } => {
                figures += 1;
                if let Some(pic) = pictures.next() {
                    ids.pictures += 1;
                    let pic = pic.id(format!("rIdImage{}", ids.pictures));
                    docx = docx.add_paragraph(
                        ids.p()
                            .align(AlignmentType::Center)
                            .keep_next(true)
                            .line_spacing(single(60).before(120))
                            .add_run(Run::new().add_image(pic)),
                    );
                }
                docx =
                    docx.add_paragraph(ids.p().style("Caption").line_spacing(single(240)).add_run(
                        run(&lines::figure_caption(figures, caption), Fmt::default()),
                    ));
            }
        }
    }
    if let Some(end) = tables::signature(doc, &mut ids) {
        // Some room above the signature block (a table takes no spacing of its own).
        docx = docx.add_paragraph(ids.p().line_spacing(single(0)).size(16));
        docx = docx.add_table(end);
    }

    let mut parts = docx.build();
    parts.styles = patch_styles(parts.styles);
    parts.document = patch_document(parts.document);
    let mut out = Cursor::new(Vec::new());
    parts
        .pack(&mut out)
        .map_err(|e| Error::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// Table header rows repeat on each page a table runs over (docx-rs has no `w:tblHeader`; the
/// header rows are the only ones marked `w:cantSplit`).
fn patch_document(document: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(document) {
        Ok(xml) => xml
            .replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />")
            .into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

/// Two things docx-rs cannot say: that "Normal" is the default paragraph style (readers that
/// look for the default, python-docx among them, find none otherwise) and that the text is
/// Vietnamese (for spelling and for line breaking in Word and LibreOffice).
fn patch_styles(styles: Vec<u8>) -> Vec<u8> {
    let xml = match String::from_utf8(styles) {
        Ok(xml) => xml,
        Err(e) => return e.into_bytes(), // docx-rs writes UTF-8; left as it is otherwise
    };
    xml.replacen(
        r#"w:styleId="Normal">"#,
        r#"w:styleId="Normal" w:default="1">"#,
        1,
    )
    .replacen(
        "</w:rPr></w:rPrDefault>",
        r#"<w:lang w:val="vi-VN" w:eastAsia="vi-VN" /></w:rPr></w:rPrDefault>"#,
        1,
    )
    .into_bytes()
}

/// The named styles: body text, the kind and title, headings 1–3, captions.
fn styles() -> Vec<Style> {
    let body = |id: &str, name: &str| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .q_format(true)
            .fonts(fonts())
            .size(28)
            .align(AlignmentType::Both)
            .indent(
                Some(0),
                Some(SpecialIndentType::FirstLine(INDENT)),
                None,
                None,
            )
    };
    let heading = |level: usize| {
        let s = body(&format!("Heading{level}"), &format!("heading {level}"))
            .next("BodyText")
            .outline_lvl(level - 1)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line(288)
                    .before(120)
                    .after(120),
            )
            .bold();
        if level == 3 { s.italic() } else { s }
    };
    let centred = |id: &str, name: &str, size: usize, after: u32| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .q_format(true)
            .fonts(fonts())
            .size(size)
            .bold()
            .align(AlignmentType::Center)
            .indent(Some(0), None, None, None)
            .line_spacing(single(after))
    };
    vec![
        body("BodyText", "Body Text"),
        centred("DocKind", "Tên loại văn bản", 30, 0).line_spacing(single(0).before(280)),
        centred("DocTitle", "Tiêu đề văn bản", 28, 0).next("BodyText"),
        heading(1),
        heading(2),
        heading(3),
        centred("Caption", "caption", 26, 60).line_spacing(single(60).before(120)),
    ]
}
