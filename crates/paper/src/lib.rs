//! Paper questionnaires (*phiếu giấy*): the same form printed on A4 sheets and read back from
//! scans.
//!
//! - [`layout`] places a [`duluan_forms::Form`] on pages: numbered questions, tick boxes,
//!   grids, digit boxes, dates, text areas, skip arrows; four corner fiducials and a QR code
//!   per page. The [`Layout`] says where every box is, in mm (the app stores it as JSON).
//! - [`render_pdf`] prints a batch: one copy per case (its code on each page) or anonymous
//!   sheets numbered in order, through typst with the bundled Noto Sans.
//! - [`read_page`], [`read_scan`] and [`read_bitmap`] read a scanned page (PNG, JPEG, TIFF, or
//!   the pages of a PDF): fiducials, QR code, the page's transform, each box's fill, a verdict
//!   per box and an answer per question, with crops of what a person must look at.
//!
//! A pure engine: no IO, no clock; every input is bounded before anything is allocated for it.
//! See `README.md` for the mark rules and the QR payload.

mod layout;
mod model;
mod pdf;
mod qr;
mod read;
mod rows;
mod skip;
mod text;

pub use layout::{LayoutError, LayoutOptions, MAX_PAGES, layout};
pub use model::{
    Answer, AnswerBox, BoxKind, DatePart, Drawn, FIDUCIAL_MM, Layout, PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM, Page, QR_MODULE_MM, QuestionLayout, Rect,
};
pub use pdf::{MAX_BATCH_PAGES, RenderError, render_pdf};
pub use qr::{MAX_CASE_CODE, PageIdentity, SheetId, parse_payload};
pub use read::{
    Bitmap, BoxReading, Format, Layouts, Limits, PageReading, Placement, QuestionReading,
    QuestionStatus, ReadError, Thresholds, Verdict, decode_scan_each, read_bitmap, read_page,
    read_scan, read_scan_each, sniff,
};
