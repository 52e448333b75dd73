//! duluan's official Vietnamese administrative documents as DOCX and PDF.
//!
//! A report of the city's public-opinion information centre is laid out the way Vietnamese
//! bodies lay out their documents: the party layout of Hướng dẫn 36-HD/VPTW ([`Layout::Party`])
//! or the state layout of Nghị định 30/2020/NĐ-CP ([`Layout::State`]) — A4, margins 20/20/30/15
//! mm, the two-column header (issuing body and number on the left; the party's name or the
//! national name and motto, then place and date, on the right), the kind and title centred,
//! the body in 14 pt serif, tables and charts numbered in order, and at the end the recipients
//! beside the signature. [`to_docx`] and [`to_pdf`] give the same document in both formats.
//! A third layout, [`Layout::Brief`], is for bulletins read on the spot rather than issued:
//! the bodies and the date, without the party's or the nation's name and without a number.
//!
//! An adapter crate: it keeps typst and docx-rs out of the app's incremental builds. It reads
//! no file and opens no connection; the PDF is set in the bundled Liberation Serif (SIL Open
//! Font License 1.1, `fonts/`), metric-compatible with the Times New Roman the DOCX names.
//! Every text is passed to typst as data, never as markup, so nothing a user writes is
//! interpreted. Input sizes are checked against the limits below before any work, and both
//! outputs are the same bytes for the same input (no dates, no random identifiers).

use serde::{Deserialize, Serialize};

mod check;
mod docx;
mod lines;
mod pdf;

/// Longest text accepted in any one field, paragraph or cell, in characters.
pub const MAX_TEXT: usize = 200_000;
/// Most characters accepted in the whole document (about 600 pages of text).
pub const MAX_TOTAL_TEXT: usize = 2_000_000;
/// Most blocks (headings, paragraphs, tables, figures) in a document.
pub const MAX_BLOCKS: usize = 2_000;
/// Most rows in a table, its header row not counted.
pub const MAX_ROWS: usize = 500;
/// Most columns in a table.
pub const MAX_COLUMNS: usize = 20;
/// Most table cells in the whole document, header rows included.
pub const MAX_CELLS: usize = 50_000;
/// Most figures in a document.
pub const MAX_FIGURES: usize = 50;
/// Longest SVG of a figure, in bytes (the bound of `duluan-render`).
pub const MAX_SVG_BYTES: usize = duluan_render::MAX_SVG_BYTES;
/// Most recipients.
pub const MAX_RECIPIENTS: usize = 100;

/// Which layout a document follows: one of the two official ones, or a bulletin's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The Communist Party's bodies (Hướng dẫn 36-HD/VPTW): "ĐẢNG CỘNG SẢN VIỆT NAM" on the
    /// right, "Số 12-BC/BTGDVTU" on the left.
    Party,
    /// The state's bodies (Nghị định 30/2020/NĐ-CP): the national name and motto on the right,
    /// "Số: 12/BC-UBND" on the left.
    State,
    /// A bulletin (*bản tin*), a snapshot for reading rather than an issued document: the
    /// superior and issuing bodies on the left, the place and date on the right; no party or
    /// national name, no number, no star. `number` and `symbol` are ignored.
    Brief,
}

/// The document's header: who issues it, its number and its date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Party, state or bulletin layout.
    pub layout: Layout,
    /// The body above the issuer, e.g. "THÀNH ỦY HÀ NỘI"; may be empty. Set in capitals.
    pub superior_body: String,
    /// The issuing body, e.g. "BAN TUYÊN GIÁO VÀ DÂN VẬN". Set in bold capitals.
    pub issuing_body: String,
    /// The document's number; `None` while a draft, when the number is left blank. Not
    /// printed by [`Layout::Brief`].
    pub number: Option<u32>,
    /// What follows the number: "BC/BTGDVTU" (party) or "BC-UBND" (state). Not printed by
    /// [`Layout::Brief`].
    pub symbol: String,
    /// The place of issue, e.g. "Hà Nội".
    pub place: String,
    /// `(day, month, year)`; `None` leaves day and month blank, with the year `draft_year`.
    pub date: Option<(u32, u32, i32)>,
    /// The year written when `date` is `None`.
    pub draft_year: i32,
}

/// The signature block, right of the recipients. When `position` and `name` are both empty
/// there is no signature block (and, without recipients either, nothing at the end).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// "T/M BAN THƯỜNG VỤ", "K/T TRƯỞNG BAN" …; may be empty. Set in bold capitals.
    pub authority: String,
    /// "PHÓ TRƯỞNG BAN". Set in bold capitals.
    pub position: String,
    /// The signer's full name, set in bold as written.
    pub name: String,
}

/// One piece of the body, in reading order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A heading: 1 a section ("I. TÌNH HÌNH …", bold), 2 a sub-section (bold), 3 bold italic.
    /// The caller writes the numbering into the text.
    Heading {
        /// 1, 2 or 3.
        level: u8,
        /// The heading as it is shown.
        text: String,
    },
    /// A body paragraph: justified, first line indented 1 cm. Plain text: nothing in it is
    /// interpreted; a line feed breaks the line.
    Paragraph {
        /// The paragraph.
        text: String,
    },
    /// A table, captioned "Bảng N. caption" above (numbered in order by this crate), its header
    /// row in bold, the note (may be empty) below in italics.
    Table {
        /// The caption after "Bảng N. ".
        caption: String,
        /// The header row.
        columns: Vec<String>,
        /// The rows, each with as many cells as `columns`.
        rows: Vec<Vec<String>>,
        /// A note below the table ("Nguồn: …"); may be empty.
        note: String,
    },
    /// A chart as SVG (duluan's own charts), captioned "Biểu đồ N. caption" below. The PDF
    /// embeds the SVG; the DOCX a PNG drawn by `duluan-render`.
    Figure {
        /// The caption after "Biểu đồ N. ".
        caption: String,
        /// The chart.
        svg: String,
    },
}

/// A whole document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Issuer, number, place and date.
    pub header: Header,
    /// The kind of document, e.g. "BÁO CÁO". Set in bold capitals.
    pub kind: String,
    /// The title under the kind, e.g. "Tình hình dư luận xã hội tháng 11 năm 2026".
    pub title: String,
    /// The body.
    pub blocks: Vec<Block>,
    /// The recipients as written ("Thường trực Thành ủy (để báo cáo)"); each is set after
    /// "- " and followed by "," (the last by "."). Empty (or only empty texts): no "Nơi nhận"
    /// column.
    pub recipients: Vec<String>,
    /// Who signs.
    pub signature: Signature,
    /// A draft: "DỰ THẢO" top right of the first page.
    pub draft: bool,
}

/// Why a document was not produced.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// One text is longer than [`MAX_TEXT`].
    #[error("{field} is {chars} characters long, more than the {limit} accepted")]
    TextTooLong {
        /// Which text ("title", "block 12 (paragraph)", "table 2, row 3, column 4" …).
        field: String,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// All texts together are longer than [`MAX_TOTAL_TEXT`].
    #[error("the document holds {chars} characters, more than the {limit} accepted")]
    DocumentTooLong {
        /// Characters counted.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// More of something than accepted: blocks, rows, columns, cells, figures or recipients.
    #[error("{what}: {count}, more than the {limit} accepted")]
    TooMany {
        /// What was counted ("blocks", "rows of table 2" …).
        what: String,
        /// How many there are.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A table has no columns.
    #[error("table {table} has no columns")]
    NoColumns {
        /// The table's number (1 for the first table).
        table: usize,
    },
    /// A row has another number of cells than the table has columns.
    #[error("row {row} of table {table} has {cells} cells, but the table has {columns} columns")]
    RowWidth {
        /// The table's number (1 for the first table).
        table: usize,
        /// The row's number (1 for the first row under the header).
        row: usize,
        /// Cells in that row.
        cells: usize,
        /// Columns of the table.
        columns: usize,
    },
    /// A heading level other than 1, 2 or 3.
    #[error("block {block} is a heading of level {level}; levels are 1, 2 and 3")]
    HeadingLevel {
        /// The block's number (1 for the first block).
        block: usize,
        /// The level given.
        level: u8,
    },
    /// The date is not a day of the calendar, or the year is outside 1000–9999.
    #[error("{day}/{month}/{year} is not a date between the years 1000 and 9999")]
    BadDate {
        /// Day given.
        day: u32,
        /// Month given.
        month: u32,
        /// Year given.
        year: i32,
    },
    /// The SVG of a figure is larger than [`MAX_SVG_BYTES`] or cannot be read.
    #[error("figure {figure}: {message}")]
    Svg {
        /// The figure's number (1 for the first figure).
        figure: usize,
        /// What is wrong with it.
        message: String,
    },
    /// typst refused the document (its messages, joined).
    #[error("typst could not lay out the document: {0}")]
    Typst(String),
    /// The PDF could not be written.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The DOCX could not be written.
    #[error("the DOCX could not be written: {0}")]
    Docx(String),
}

/// The document as DOCX (Office Open XML) bytes: Times New Roman 14 pt, named styles
/// ("Tiêu đề văn bản", Heading 1–3, Caption), charts as PNG.
pub fn to_docx(doc: &Document) -> Result<Vec<u8>, Error> {
    check::bounds(doc)?;
    docx::render(doc)
}

/// The document as PDF bytes, set by typst in the bundled Liberation Serif (embedded), charts
/// as vectors.
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>, Error> {
    check::bounds(doc)?;
    pdf::render(doc)
}

// The unit tests share the integration tests' sample reports, which name this crate.
#[cfg(test)]
extern crate self as duluan_documents;

#[cfg(test)]
#[path = "../tests/documents/sample.rs"]
mod sample;

#[cfg(test)]
mod tests {
    /// Every Vietnamese letter, lower case: twelve vowels with six tones each, and đ.
    pub(crate) const VIETNAMESE: &str = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợ\
                                         uùúủũụưừứửữựyỳýỷỹỵđ";

    /// The crate's own Vietnamese texts are NFC: no combining marks (every Vietnamese letter
    /// has a precomposed form, so NFC text has none).
    #[test]
    fn fixed_texts_are_nfc() {
        use crate::lines::*;
        for text in [
            PARTY_NAME,
            NATION,
            MOTTO,
            DRAFT_MARK,
            RECIPIENTS_LABEL,
            VIETNAMESE,
            &table_caption(1, ""),
            &figure_caption(1, ""),
            include_str!("report.typ"),
            include_str!("docx/mod.rs"),
            include_str!("docx/tables.rs"),
        ] {
            assert!(
                !text.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{text}"
            );
        }
        assert_eq!(VIETNAMESE.chars().count(), 73);
    }
}
