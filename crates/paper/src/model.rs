//! The printed layout of a questionnaire: pages, what is drawn on them and where every box is.
//!
//! A [`Layout`] is the contract between printing and reading: the PDF is drawn from it and
//! nothing else, and the reader measures the boxes where it says they are. All positions are
//! in millimetres from the top-left corner of an A4 page (210 × 297 mm), rounded to 0.01 mm.
//! The app stores it as JSON (`serde`), next to the form version it was made from.

use serde::{Deserialize, Serialize};

/// Page width, mm (A4 portrait).
pub const PAGE_WIDTH_MM: f64 = 210.0;
/// Page height, mm (A4 portrait).
pub const PAGE_HEIGHT_MM: f64 = 297.0;
/// Side of a corner fiducial (a solid black square), mm.
pub const FIDUCIAL_MM: f64 = 6.0;
/// Distance from the page's edges to the fiducials' outer sides, mm.
pub const FIDUCIAL_INSET_MM: f64 = 8.0;
/// Side of one QR module, mm.
pub const QR_MODULE_MM: f64 = 0.5;
/// The QR symbol's version: fixed, so its place and size are the same on every page
/// (version 6: 41 × 41 modules, up to 106 bytes at error correction level M).
pub const QR_VERSION: i16 = 6;
/// Modules per side of the QR symbol.
pub const QR_MODULES: u32 = 17 + 4 * QR_VERSION as u32;

/// A rectangle in mm from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// A rectangle, its numbers rounded to 0.01 mm (stable JSON).
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        let r = |v: f64| (v * 100.0).round() / 100.0;
        Rect {
            x: r(x),
            y: r(y),
            w: r(w),
            h: r(h),
        }
    }

    /// The centre.
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// The rectangle shrunk by `by` mm on every side.
    pub fn inset(&self, by: f64) -> Rect {
        Rect {
            x: self.x + by,
            y: self.y + by,
            w: (self.w - 2.0 * by).max(0.0),
            h: (self.h - 2.0 * by).max(0.0),
        }
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        let right = (self.x + self.w).max(o.x + o.w);
        let bottom = (self.y + self.h).max(o.y + o.h);
        Rect {
            x,
            y,
            w: right - x,
            h: bottom - y,
        }
    }
}

/// The four corner fiducials, top-left, top-right, bottom-right, bottom-left (the same on
/// every page of every layout).
pub fn fiducials() -> [Rect; 4] {
    let (i, s) = (FIDUCIAL_INSET_MM, FIDUCIAL_MM);
    let (r, b) = (PAGE_WIDTH_MM - i - s, PAGE_HEIGHT_MM - i - s);
    [
        Rect::new(i, i, s, s),
        Rect::new(r, i, s, s),
        Rect::new(r, b, s, s),
        Rect::new(i, b, s, s),
    ]
}

/// Where the QR symbol is printed (without its quiet zone), the same on every page.
pub fn qr_rect() -> Rect {
    let side = f64::from(QR_MODULES) * QR_MODULE_MM;
    let right = PAGE_WIDTH_MM - FIDUCIAL_INSET_MM - FIDUCIAL_MM - 4.0;
    Rect::new(right - side, FIDUCIAL_INSET_MM, side, side)
}

/// A questionnaire laid out on pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The form's id (XLSForm `form_id`).
    pub form_id: String,
    /// The form's version.
    pub form_version: String,
    /// A hash of everything else in this layout (16 hex digits); the QR code carries it, so
    /// a sheet printed from another layout of the same version is refused, not misread.
    pub fingerprint: String,
    /// The corner fiducials (top-left, top-right, bottom-right, bottom-left).
    pub fiducials: [Rect; 4],
    /// The QR symbol's place.
    pub qr: Rect,
    /// Where each sheet's code is printed (top of every page).
    pub sheet_label: Rect,
    /// The pages.
    pub pages: Vec<Page>,
    /// Every printed question, in order.
    pub questions: Vec<QuestionLayout>,
}

/// One page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// 1-based.
    pub number: u32,
    /// Everything drawn, in order (boxes included).
    pub drawing: Vec<Drawn>,
    /// Every box a respondent marks or writes in.
    pub boxes: Vec<AnswerBox>,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drawn {
    /// One line of text, its top (the font's ascender) at `y`.
    Text {
        /// Left.
        x: f64,
        /// Top of the line.
        y: f64,
        /// Size, pt.
        size: f64,
        /// Bold face.
        bold: bool,
        /// The text (NFC).
        text: String,
    },
    /// A rectangle: outlined (`stroke` mm wide, centred on the outline) or filled black.
    Rect {
        /// The outline.
        rect: Rect,
        /// Line width, mm (0 for none).
        stroke: f64,
        /// Filled black.
        filled: bool,
        /// Grey level of the stroke, 0 (black) to 1 (white).
        grey: f64,
    },
}

/// What a box is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BoxKind {
    /// A box to tick (select, acknowledge, range value).
    Tick,
    /// One digit of a number, `position` 0 for the leftmost.
    Digit {
        /// 0-based from the left.
        position: u8,
    },
    /// One digit of a date or time part.
    DatePart {
        /// Which part.
        part: DatePart,
        /// 0-based from the left within the part.
        position: u8,
    },
    /// A rectangle for written text.
    TextArea,
}

/// A part of a date or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// dd
    Day,
    /// mm
    Month,
    /// yyyy
    Year,
    /// hh
    Hour,
    /// mm (minutes)
    Minute,
}

/// A box on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerBox {
    /// The question's name.
    pub question: String,
    /// For a question inside a printed repeat: the block, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// The choice's value for a tick box (`OK` for acknowledge, the number for range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// What it is for.
    #[serde(flatten)]
    pub kind: BoxKind,
    /// Its outline, mm from the page's top-left (the printed line is centred on it).
    pub rect: Rect,
}

/// How a printed question is answered on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// One tick among the choices.
    SelectOne,
    /// Any number of ticks.
    SelectMultiple,
    /// Digits, one per box (`decimals` of them after a printed comma).
    Number {
        /// Boxes before the comma.
        digits: u8,
        /// Boxes after the comma.
        decimals: u8,
    },
    /// dd/mm/yyyy.
    Date,
    /// hh:mm.
    Time,
    /// dd/mm/yyyy hh:mm.
    DateTime,
    /// Free text in a rectangle.
    Text,
    /// A rank digit next to each choice.
    Rank,
}

/// A printed question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionLayout {
    /// The question's name.
    pub name: String,
    /// The repeat block, 1-based, for a question inside a printed repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// The printed number ("Câu 7").
    pub number: u32,
    /// How it is answered.
    pub answer: Answer,
    /// The pages its boxes are on (more than one only for a question taller than a page).
    pub pages: Vec<u32>,
}
