//! Reading scanned pages: where the page is, which sheet it is, and what was marked.
//!
//! A page goes through: decoding within [`Limits`] ([`decode`]), finding the four corner
//! fiducials and the page's orientation and transform ([`locate`]), reading the QR code
//! there, looking the layout up, then measuring every box and deciding ([`marks`]).
//! Every failure is a [`ReadError`] with fields the app can translate; nothing panics on
//! input, and nothing is allocated for an input before its size has been checked.

mod decode;
mod geometry;
mod locate;
mod marks;

use serde::{Deserialize, Serialize};

use crate::model::{BoxKind, Layout};
use crate::qr::PageIdentity;

pub use decode::{Format, decode_scan_each, sniff};
pub use marks::Thresholds;

/// A grey scanned page, one byte per pixel (0 black, 255 white), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Bitmap {
    /// A bitmap of `width × height` pixels; `None` when `pixels` has another length.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Bitmap> {
        (pixels.len() as u64 == u64::from(width) * u64::from(height)).then_some(Bitmap {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, row by row.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at (x, y), white outside.
    #[inline]
    pub(crate) fn get(&self, x: i64, y: i64) -> u8 {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return 255;
        }
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// The value at (x, y) interpolated between the four nearest pixels.
    #[inline]
    pub(crate) fn sample(&self, x: f64, y: f64) -> f64 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (fx.floor(), fy.floor());
        let (ax, ay) = (fx - x0, fy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let p = |dx: i64, dy: i64| f64::from(self.get(x0 + dx, y0 + dy));
        let top = p(0, 0) * (1.0 - ax) + p(1, 0) * ax;
        let bottom = p(0, 1) * (1.0 - ax) + p(1, 1) * ax;
        top * (1.0 - ay) + bottom * ay
    }
}

/// Bounds on what is read, checked before anything is allocated for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Bytes of one upload (an image or a PDF).
    pub max_bytes: usize,
    /// Pixels across a page.
    pub max_width: u32,
    /// Pixels down a page.
    pub max_height: u32,
    /// Pages of a PDF or a multi-page TIFF.
    pub max_pdf_pages: usize,
    /// Resolution PDF pages are rasterised at, dots per inch (150 to 600).
    pub pdf_dpi: f32,
    /// Pixels decoded for one upload, all pages together (a work budget).
    pub max_total_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 512 << 20,
            max_width: 8000,
            max_height: 8000,
            max_pdf_pages: 2000,
            pdf_dpi: 200.0,
            max_total_pixels: 2000 * 2480 * 3508,
        }
    }
}

/// Why an upload or a page cannot be read. Every variant is a case the app shows the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ReadError {
    /// More bytes than [`Limits::max_bytes`].
    #[error("the file has {bytes} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Neither PNG, JPEG, TIFF nor PDF.
    #[error("the file is not a PNG, JPEG, TIFF or PDF")]
    UnknownFormat,
    /// A file of a known format that cannot be decoded.
    #[error("the {format} file cannot be read: {message}")]
    Unreadable {
        /// `png`, `jpeg`, `tiff` or `pdf`.
        format: String,
        /// The decoder's message.
        message: String,
    },
    /// A PDF without pages.
    #[error("the PDF has no pages")]
    EmptyPdf,
    /// More pages than [`Limits::max_pdf_pages`].
    #[error("the file has {pages} pages, more than the {max} allowed")]
    TooManyPages {
        /// Its pages.
        pages: usize,
        /// The limit.
        max: usize,
    },
    /// A page larger than [`Limits::max_width`] × [`Limits::max_height`].
    #[error("the page is {width} × {height} pixels, more than {max_width} × {max_height}")]
    TooManyPixels {
        /// Its width.
        width: u64,
        /// Its height.
        height: u64,
        /// The limit across.
        max_width: u32,
        /// The limit down.
        max_height: u32,
    },
    /// The upload's pages together exceed [`Limits::max_total_pixels`]; this page and the
    /// following ones are not read.
    #[error("the upload exceeds the work allowed ({max} pixels); this page was not read")]
    BudgetExhausted {
        /// The limit.
        max: u64,
    },
    /// A page too small to hold a questionnaire page at a readable resolution.
    #[error("the page is {width} × {height} pixels, too small to read (scan at 150 dpi or more)")]
    TooSmall {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// Fewer than four corner fiducials where a printed page has them (a blank page, a
    /// photograph, a page of something else, or a corner cut off).
    #[error(
        "only {found} of the 4 corner squares were found: not a printed questionnaire page, or a corner is missing"
    )]
    FiducialsNotFound {
        /// How many corners had one.
        found: u8,
    },
    /// Four squares, but not in the shape of a page's corners.
    #[error(
        "the corner squares are not where a page has them (the page is cut, folded or not one of ours)"
    )]
    FiducialsMisplaced,
    /// No QR code readable where the page has it.
    #[error("the page's QR code cannot be read")]
    QrNotFound,
    /// A QR code that is not one of ours.
    #[error("the page's QR code is not a duluan questionnaire's")]
    ForeignQr,
    /// A questionnaire the lookup does not know (another survey, or a version not given).
    #[error(
        "the page belongs to form `{form_id}` version `{form_version}`, which is not among the layouts given"
    )]
    UnknownForm {
        /// The form id read.
        form_id: String,
        /// The version read.
        form_version: String,
    },
    /// The form and version are known, but the page was printed from another layout.
    #[error(
        "the page of form `{form_id}` version `{form_version}` was printed from another layout ({fingerprint})"
    )]
    OtherLayout {
        /// The form id read.
        form_id: String,
        /// The version read.
        form_version: String,
        /// The fingerprint read.
        fingerprint: String,
    },
    /// A page number the layout does not have.
    #[error("the QR code names page {page}, but the layout has {pages} pages")]
    NoSuchPage {
        /// The page read.
        page: u32,
        /// The layout's pages.
        pages: u32,
    },
}

/// Finds the layout of a form version.
pub trait Layouts {
    /// The layout of `form_id` at `form_version`, if known.
    fn find(&self, form_id: &str, form_version: &str) -> Option<&Layout>;
}

impl Layouts for [Layout] {
    fn find(&self, form_id: &str, form_version: &str) -> Option<&Layout> {
        self.iter()
            .find(|l| l.form_id == form_id && l.form_version == form_version)
    }
}

impl Layouts for Layout {
    fn find(&self, form_id: &str, form_version: &str) -> Option<&Layout> {
        (self.form_id == form_id && self.form_version == form_version).then_some(self)
    }
}

/// What was decided about one box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing in it.
    Empty,
    /// A tick (a cross, a check, a stroke).
    Ticked,
    /// Blacked out: a cancelled tick when another box of the question is ticked.
    Filled,
    /// Neither clearly empty nor clearly marked: a person must look (its crop is given).
    Doubtful,
    /// Ink in a digit box or a text area: to be keyed from the crop.
    Written,
}

/// One box as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxReading {
    /// Index of the box in the layout page's `boxes`.
    pub index: usize,
    /// The question's name.
    pub question: String,
    /// The repeat block, for a question in a printed repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// The choice's value, for a tick box.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// What the box is for.
    #[serde(flatten)]
    pub kind: BoxKind,
    /// Share of dark pixels inside the box (inset from its printed outline), 0 to 1.
    pub fill: f32,
    /// The decision.
    pub verdict: Verdict,
    /// For a doubtful box: a PNG of the box and its surroundings, upright.
    #[serde(skip)]
    pub crop: Option<Vec<u8>>,
}

/// Where a question stands after reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Read: `value` is the answer.
    Answered,
    /// Nothing marked.
    Unanswered,
    /// A box is doubtful: a person decides (crops of the doubtful boxes are given).
    DoubtfulBox,
    /// Two or more ticks on a single-choice question.
    SeveralTicks,
    /// Blacked-out boxes and no tick: cancelled, or filled in as the answer? A person decides.
    OnlyFilled,
    /// Digits or text written: to be keyed from the crop.
    ToKey,
    /// The question continues on another page: join the pages' boxes.
    OnSeveralPages,
}

/// One question as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionReading {
    /// The question's name.
    pub name: String,
    /// The repeat block, for a question in a printed repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// The status.
    pub status: QuestionStatus,
    /// The answer in the forms engine's format (a choice value; select_multiple values
    /// space-separated in the list's order), when `Answered`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `ToKey`: a PNG of the question's boxes, upright.
    #[serde(skip)]
    pub crop: Option<Vec<u8>>,
}

/// How the page lay on the scan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Quarter turns (clockwise) of the page on the scan: 0, 90, 180 or 270 degrees.
    pub rotation: u16,
    /// Small rotation beyond that, degrees.
    pub skew_degrees: f64,
    /// Pixels per millimetre (the scan's resolution as printed).
    pub pixels_per_mm: f64,
}

/// A page as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageReading {
    /// Which form, layout, page and sheet (from the QR code): the caller spots a page read
    /// twice by it.
    pub identity: PageIdentity,
    /// How the page lay on the scan.
    pub placement: Placement,
    /// The thresholds the boxes of this page were judged with.
    pub thresholds: Thresholds,
    /// Every box of the page, in the layout's order.
    pub boxes: Vec<BoxReading>,
    /// Every question with a box on the page, in the layout's order.
    pub questions: Vec<QuestionReading>,
}

/// Reads one scanned page given as a file: a PNG, a JPEG, a TIFF's first page or a PDF's first
/// page (use [`read_scan`] for all of a PDF's or a TIFF's pages).
pub fn read_page(
    bytes: &[u8],
    layouts: &(impl Layouts + ?Sized),
    limits: &Limits,
) -> Result<PageReading, ReadError> {
    let mut first = None;
    decode_scan_each(bytes, limits, &mut |_, page| {
        if first.is_none() {
            first = Some(page);
        }
        false
    })?;
    read_bitmap(&first.ok_or(ReadError::EmptyPdf)??, layouts)
}

/// Reads every page of an upload (an image, or a PDF's or a TIFF's pages), one result per page in the
/// file's order. For large uploads prefer [`read_scan_each`], which holds one page at a time.
pub fn read_scan(
    bytes: &[u8],
    layouts: &(impl Layouts + ?Sized),
    limits: &Limits,
) -> Result<Vec<Result<PageReading, ReadError>>, ReadError> {
    let mut out = Vec::new();
    read_scan_each(bytes, layouts, limits, &mut |_, r| {
        out.push(r);
        true
    })?;
    Ok(out)
}

/// Reads every page of an upload, calling `each(page index, result)` as each is read; `each`
/// returns false to stop (a caller's time limit).
pub fn read_scan_each(
    bytes: &[u8],
    layouts: &(impl Layouts + ?Sized),
    limits: &Limits,
    each: &mut dyn FnMut(usize, Result<PageReading, ReadError>) -> bool,
) -> Result<(), ReadError> {
    decode_scan_each(bytes, limits, &mut |i, page| {
        each(i, page.and_then(|b| read_bitmap(&b, layouts)))
    })
}

/// Reads one decoded page.
pub fn read_bitmap(
    page: &Bitmap,
    layouts: &(impl Layouts + ?Sized),
) -> Result<PageReading, ReadError> {
    let located = locate::locate(page)?;
    let identity = located.identity.clone();
    let layout = layouts
        .find(&identity.form_id, &identity.form_version)
        .ok_or_else(|| ReadError::UnknownForm {
            form_id: identity.form_id.clone(),
            form_version: identity.form_version.clone(),
        })?;
    if !layout.fingerprint.starts_with(&identity.fingerprint) {
        return Err(ReadError::OtherLayout {
            form_id: identity.form_id.clone(),
            form_version: identity.form_version.clone(),
            fingerprint: identity.fingerprint.clone(),
        });
    }
    let lp = layout
        .pages
        .get((identity.page as usize).wrapping_sub(1))
        .ok_or(ReadError::NoSuchPage {
            page: identity.page,
            pages: layout.pages.len() as u32,
        })?;
    Ok(marks::read_marks(page, &located, layout, lp))
}
