//! Documents' domain types: kinds, statuses, blocks, the issuer's settings and their checks, the
//! workflow's steps, and the assembly of a stored document into `duluan_documents::Document`
//! (no IO).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::kit::keys::stored_keys;

stored_keys! {
    /// What a document is (*loại văn bản*).
    pub enum DocKind: "document kind" {
        /// The monthly report on the state of opinion of a unit's subtree (*báo cáo tình hình
        /// dư luận xã hội tháng*).
        Synthesis = "synthesis",
        /// A quick report (*báo cáo nhanh*).
        Quick = "quick",
        /// A thematic report (*báo cáo chuyên đề*) on one topic.
        Thematic = "thematic",
        /// The report of a survey's results (*báo cáo kết quả khảo sát*).
        Survey = "survey",
    }
}

impl DocKind {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("documents-kind-{}", self.key())
    }
}

stored_keys! {
    /// Where a document stands (*trạng thái*).
    pub enum DocStatus: "document status" {
        /// Being written; editable.
        Draft = "draft",
        /// Sent for approval; read only until approved or returned.
        Review = "review",
        /// Approved, numbered and frozen (its files stored with their hashes).
        Approved = "approved",
        /// Approved once, and replaced since by an approved new version.
        Superseded = "superseded",
    }
}

impl DocStatus {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("documents-status-{}", self.key())
    }
}

stored_keys! {
    /// What a block of a document's body is.
    pub enum BlockKind: "document block kind" {
        /// A section heading (`I. …`).
        Heading1 = "heading1",
        /// A sub-section heading (`1. …`).
        Heading2 = "heading2",
        /// A minor heading.
        Heading3 = "heading3",
        /// A paragraph.
        Paragraph = "paragraph",
        /// A table of figures (its caption is the text; columns and rows in the data).
        Table = "table",
        /// A chart (its caption is the text; the SVG in the data).
        Figure = "figure",
    }
}

impl BlockKind {
    /// Whether the text is what the block says (headings, paragraphs) rather than a caption.
    pub fn is_text(self) -> bool {
        !matches!(self, BlockKind::Table | BlockKind::Figure)
    }

    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("documents-block-{}", self.key())
    }
}

stored_keys! {
    /// The administrative layout of the issuer's documents.
    pub enum Layout: "document layout" {
        /// Party bodies (Hướng dẫn 36-HD/VPTW).
        Party = "party",
        /// State bodies (Nghị định 30/2020/NĐ-CP).
        State = "state",
    }
}

/// A table's columns, rows and note, as stored in a block's data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableData {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// A note under the table (sources, suppressed cells).
    #[serde(default)]
    pub note: String,
}

/// A chart, as stored in a block's data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureData {
    /// The chart as a standalone SVG document.
    pub svg: String,
}

/// A block to store: its kind, text, data (JSON: a table or a figure; `{}` otherwise) and the
/// app path its figures come from (empty when written by hand).
#[derive(Clone, Debug, PartialEq)]
pub struct NewBlock {
    /// Kind.
    pub kind: BlockKind,
    /// Text or caption.
    pub text: String,
    /// Data.
    pub data: String,
    /// Source path in the app.
    pub source: String,
}

impl NewBlock {
    /// A heading or paragraph.
    pub fn text(kind: BlockKind, text: impl Into<String>, source: impl Into<String>) -> NewBlock {
        NewBlock {
            kind,
            text: text.into(),
            data: "{}".into(),
            source: source.into(),
        }
    }

    /// A table.
    pub fn table(caption: impl Into<String>, t: &TableData, source: impl Into<String>) -> NewBlock {
        NewBlock {
            kind: BlockKind::Table,
            text: caption.into(),
            data: serde_json::to_string(t).unwrap_or_else(|_| "{}".into()),
            source: source.into(),
        }
    }

    /// A chart.
    pub fn figure(caption: impl Into<String>, svg: String, source: impl Into<String>) -> NewBlock {
        NewBlock {
            kind: BlockKind::Figure,
            text: caption.into(),
            data: serde_json::to_string(&FigureData { svg }).unwrap_or_else(|_| "{}".into()),
            source: source.into(),
        }
    }
}

/// Longest text of a block (a paragraph of a report is a few hundred characters).
pub const MAX_BLOCK_TEXT: usize = 20_000;
/// Most blocks in a document.
pub const MAX_BLOCKS: usize = 1_500;
/// Longest title.
pub const MAX_TITLE: usize = 300;

/// Checks a block's text as typed (NFC-cleaned by the caller): not empty, not too long; the
/// error is a message key.
pub fn check_block_text(kind: BlockKind, text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() && kind.is_text() {
        return Err("documents-error-block-empty");
    }
    if text.chars().count() > MAX_BLOCK_TEXT {
        return Err("documents-error-block-long");
    }
    if !kind.is_text() && text.contains('\n') {
        return Err("documents-error-caption-line");
    }
    Ok(())
}

/// Checks a title: one line, not empty, at most [`MAX_TITLE`] characters.
pub fn check_title(title: &str) -> Result<(), &'static str> {
    if title.trim().is_empty() {
        return Err("documents-error-title-empty");
    }
    if title.chars().count() > MAX_TITLE {
        return Err("documents-error-title-long");
    }
    Ok(())
}

/// The issuer's settings (*thể thức*): the names, symbol, place, signatory and recipients that
/// every document of a unit carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Issuer {
    /// Layout.
    pub layout: Layout,
    /// The superior body (*cơ quan chủ quản*), e.g. `THÀNH ỦY HÀ NỘI`; may be empty.
    pub superior_body: String,
    /// The issuing body (*cơ quan ban hành*).
    pub issuing_body: String,
    /// The symbol after the number, e.g. `BC/BTGDVTU` or `BC-TTTT`.
    pub symbol: String,
    /// Place of issue, e.g. `Hà Nội`.
    pub place: String,
    /// Authority of the signature (*T/M BAN THƯỜNG VỤ*, *K/T TRƯỞNG BAN*); may be empty.
    pub signatory_authority: String,
    /// Position of the signatory.
    pub signatory_position: String,
    /// Name of the signatory.
    pub signatory_name: String,
    /// Recipients (*nơi nhận*), one per line.
    pub recipients: Vec<String>,
}

impl Issuer {
    /// The settings a unit gets before anyone sets them: its own name as the issuing body, its
    /// parent's as the superior body, the party layout; the fields a person must fill are empty.
    pub fn default_for(unit_name: &str, parent_name: Option<&str>) -> Issuer {
        Issuer {
            layout: Layout::Party,
            superior_body: parent_name.map(upper).unwrap_or_default(),
            issuing_body: upper(unit_name),
            symbol: "BC".into(),
            place: String::new(),
            signatory_authority: String::new(),
            signatory_position: String::new(),
            signatory_name: String::new(),
            recipients: vec!["Lưu VP.".into()],
        }
    }

    /// Checks settings as typed (cleaned by the caller); the error names the field by its
    /// message key.
    pub fn check(&self) -> Result<(), &'static str> {
        let one_line = |s: &str, max: usize| !s.contains('\n') && s.chars().count() <= max;
        if self.issuing_body.trim().is_empty() {
            return Err("documents-error-issuing-body");
        }
        if self.symbol.trim().is_empty()
            || !one_line(&self.symbol, 40)
            || self.symbol.chars().any(char::is_whitespace)
        {
            return Err("documents-error-symbol");
        }
        if self.place.trim().is_empty() || !one_line(&self.place, 80) {
            return Err("documents-error-place");
        }
        if self.signatory_position.trim().is_empty() || self.signatory_name.trim().is_empty() {
            return Err("documents-error-signatory");
        }
        for s in [
            &self.superior_body,
            &self.issuing_body,
            &self.signatory_authority,
            &self.signatory_position,
            &self.signatory_name,
        ] {
            if !one_line(s, 120) {
                return Err("documents-error-line-long");
            }
        }
        if self.recipients.is_empty()
            || self.recipients.len() > 30
            || self.recipients.iter().any(|r| !one_line(r, 200))
        {
            return Err("documents-error-recipients");
        }
        Ok(())
    }
}

/// Upper case as Vietnamese headers write names (`Ủy ban` → `ỦY BAN`).
pub fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// A step of the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Change the text, title or blocks.
    Edit,
    /// Send for approval.
    Submit,
    /// Send back for changes, with a reason.
    Return,
    /// Approve, number and freeze.
    Approve,
    /// Start a new version of an approved document.
    Reissue,
}

impl Step {
    /// Its audit action and event name.
    pub fn action(self) -> &'static str {
        match self {
            Step::Edit => "document.edit",
            Step::Submit => "document.submit",
            Step::Return => "document.return",
            Step::Approve => "document.approve",
            Step::Reissue => "document.reissue",
        }
    }
}

/// The status a step leads to from `from`, or the message key of why it cannot be taken.
pub fn transition(from: DocStatus, step: Step) -> Result<DocStatus, &'static str> {
    use DocStatus::*;
    match (from, step) {
        (Draft, Step::Edit) => Ok(Draft),
        (Draft, Step::Submit) => Ok(Review),
        (Review, Step::Return) => Ok(Draft),
        (Review, Step::Approve) => Ok(Approved),
        (Approved, Step::Reissue) => Ok(Approved),
        (Approved | Superseded, Step::Edit) => Err("documents-error-frozen"),
        (Review, Step::Edit) => Err("documents-error-in-review"),
        _ => Err("documents-error-step"),
    }
}

/// A stored document's header and title, as the assembly needs them.
#[derive(Clone, Debug)]
pub struct Heading<'a> {
    /// Issuer settings.
    pub issuer: &'a Issuer,
    /// Title.
    pub title: &'a str,
    /// Number, once approved.
    pub number: Option<i32>,
    /// Date of issue, once approved.
    pub issued_on: Option<NaiveDate>,
    /// Draft (blank number and date, "DỰ THẢO").
    pub draft: bool,
    /// The year a draft's date line shows.
    pub year: i32,
}

/// A stored block, as the assembly needs it.
#[derive(Clone, Debug)]
pub struct BlockView<'a> {
    /// Kind.
    pub kind: BlockKind,
    /// Text or caption.
    pub text: &'a str,
    /// Data JSON.
    pub data: &'a str,
}

/// The document to render: every report of duluan is a *BÁO CÁO*.
pub fn assemble(h: &Heading<'_>, blocks: &[BlockView<'_>]) -> duluan_documents::Document {
    use duluan_documents as d;
    let body = blocks
        .iter()
        .map(|b| match b.kind {
            BlockKind::Heading1 => d::Block::Heading {
                level: 1,
                text: b.text.to_string(),
            },
            BlockKind::Heading2 => d::Block::Heading {
                level: 2,
                text: b.text.to_string(),
            },
            BlockKind::Heading3 => d::Block::Heading {
                level: 3,
                text: b.text.to_string(),
            },
            BlockKind::Paragraph => d::Block::Paragraph {
                text: b.text.to_string(),
            },
            BlockKind::Table => {
                let t: TableData = serde_json::from_str(b.data).unwrap_or_default();
                d::Block::Table {
                    caption: b.text.to_string(),
                    columns: t.columns,
                    rows: t.rows,
                    note: t.note,
                }
            }
            BlockKind::Figure => {
                let f: FigureData = serde_json::from_str(b.data).unwrap_or_default();
                d::Block::Figure {
                    caption: b.text.to_string(),
                    svg: f.svg,
                }
            }
        })
        .collect();
    d::Document {
        header: d::Header {
            layout: match h.issuer.layout {
                Layout::Party => d::Layout::Party,
                Layout::State => d::Layout::State,
            },
            superior_body: h.issuer.superior_body.clone(),
            issuing_body: h.issuer.issuing_body.clone(),
            number: h.number.and_then(|n| u32::try_from(n).ok()),
            symbol: h.issuer.symbol.clone(),
            place: h.issuer.place.clone(),
            date: h.issued_on.map(|d| (d.day(), d.month(), d.year())),
            draft_year: h.year,
        },
        kind: "BÁO CÁO".into(),
        title: h.title.to_string(),
        blocks: body,
        recipients: h.issuer.recipients.clone(),
        signature: d::Signature {
            authority: h.issuer.signatory_authority.clone(),
            position: h.issuer.signatory_position.clone(),
            name: h.issuer.signatory_name.clone(),
        },
        draft: h.draft,
    }
}

/// The SHA-256 of a file, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A month `YYYY-MM` as Vietnamese writes it in a title: `tháng 11 năm 2026`.
pub fn month_words(period: &str) -> String {
    match period.split_once('-') {
        Some((y, m)) => format!("tháng {} năm {y}", m.trim_start_matches('0')),
        None => period.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_allows_only_its_steps() {
        use DocStatus::*;
        assert_eq!(transition(Draft, Step::Submit), Ok(Review));
        assert_eq!(transition(Review, Step::Approve), Ok(Approved));
        assert_eq!(transition(Review, Step::Return), Ok(Draft));
        assert_eq!(
            transition(Approved, Step::Edit),
            Err("documents-error-frozen")
        );
        assert_eq!(
            transition(Review, Step::Edit),
            Err("documents-error-in-review")
        );
        assert_eq!(
            transition(Draft, Step::Approve),
            Err("documents-error-step")
        );
        assert_eq!(
            transition(Superseded, Step::Reissue),
            Err("documents-error-step")
        );
    }

    #[test]
    fn issuer_checks_name_the_field() {
        let mut i = Issuer::default_for("Ban Tuyên giáo", Some("Thành ủy Hà Nội"));
        assert_eq!(i.superior_body, "THÀNH ỦY HÀ NỘI");
        assert_eq!(i.check(), Err("documents-error-place"));
        i.place = "Hà Nội".into();
        assert_eq!(i.check(), Err("documents-error-signatory"));
        i.signatory_position = "PHÓ TRƯỞNG BAN".into();
        i.signatory_name = "Nguyễn Văn A".into();
        assert_eq!(i.check(), Ok(()));
        i.symbol = "BC /X".into();
        assert_eq!(i.check(), Err("documents-error-symbol"));
    }

    #[test]
    fn months_in_words() {
        assert_eq!(month_words("2026-03"), "tháng 3 năm 2026");
        assert_eq!(month_words("2026-11"), "tháng 11 năm 2026");
    }
}
