//! The PDF of a batch: one copy of the questionnaire per sheet, drawn by typst from the layout.
//!
//! typst only places what the layout says where it says (`page.typ`): the positions are
//! decided in Rust, so the boxes in the PDF are where [`Layout`] puts them. The world typst
//! sees holds the template and the two bundled Noto Sans faces, nothing else (no packages, no
//! system fonts). No date, no timestamp: the same layout and sheets give the same bytes.

use std::sync::OnceLock;

use typst::foundations::{Array, Bytes, Dict, IntoValue, Smart, Value};
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::model::{Drawn, Layout, QR_MODULES};
use crate::qr::{self, SheetId};
use crate::text;

/// Pages of one batch, at most.
pub const MAX_BATCH_PAGES: usize = 2000;

const TEMPLATE: &str = include_str!("page.typ");

/// Why a batch cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No sheet asked for.
    #[error("no sheet to print")]
    NoSheets,
    /// More pages than [`MAX_BATCH_PAGES`].
    #[error("the batch would have {pages} pages, more than the {max} allowed")]
    TooManyPages {
        /// Pages asked for.
        pages: usize,
        /// The limit.
        max: usize,
    },
    /// A case code that is empty, too long or holds control characters.
    #[error("case code `{code}` cannot be printed (1 to {max} bytes, no control characters)")]
    InvalidCaseCode {
        /// The code.
        code: String,
        /// The longest allowed.
        max: usize,
    },
    /// The same sheet twice in a batch.
    #[error("sheet {sheet:?} appears twice in the batch")]
    DuplicateSheet {
        /// The sheet.
        sheet: SheetId,
    },
    /// The layout's identity does not fit the QR code (a layout not made by [`crate::layout`]).
    #[error("the page's QR code cannot hold this layout's identity")]
    QrTooLong,
    /// typst refused the document (a defect: its messages).
    #[error("typst could not lay out the batch: {0}")]
    Typst(String),
}

fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(TEMPLATE)
            .fonts([text::REGULAR, text::BOLD])
            .build()
    })
}

/// The PDF of `sheets` (in this order), each a full copy of the questionnaire with its own
/// QR codes and its code printed on every page.
pub fn render_pdf(layout: &Layout, sheets: &[SheetId]) -> Result<Vec<u8>, RenderError> {
    let doc = compile(layout, sheets)?;
    let options = PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Custom(Some("duluan".into())),
        timestamp: None,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|d| {
        RenderError::Typst(
            d.iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// Lays the batch out (tests also look at typst's frames).
pub(crate) fn compile(layout: &Layout, sheets: &[SheetId]) -> Result<PagedDocument, RenderError> {
    if sheets.is_empty() {
        return Err(RenderError::NoSheets);
    }
    let pages = sheets.len().saturating_mul(layout.pages.len());
    if pages > MAX_BATCH_PAGES {
        return Err(RenderError::TooManyPages {
            pages,
            max: MAX_BATCH_PAGES,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in sheets {
        if let SheetId::Case(code) = s
            && !qr::valid_case_code(code)
        {
            return Err(RenderError::InvalidCaseCode {
                code: code.clone(),
                max: qr::MAX_CASE_CODE,
            });
        }
        if !seen.insert(s) {
            return Err(RenderError::DuplicateSheet { sheet: s.clone() });
        }
    }
    let warned = engine().compile_with_input(inputs(layout, sheets)?);
    match warned.output {
        Ok(doc) => Ok(doc),
        Err(TypstAsLibError::TypstSource(d)) => Err(RenderError::Typst(
            d.iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(e) => Err(RenderError::Typst(e.to_string())),
    }
}

/// The sheet's code as printed on each page.
pub(crate) fn sheet_label(sheet: &SheetId) -> String {
    match sheet {
        SheetId::Case(code) => format!("Mã phiếu: {}", text::clean(code)),
        SheetId::Anonymous(n) => format!("Phiếu số: {n:06}"),
    }
}

fn float(v: f64) -> Value {
    Value::Float(v)
}

fn string(s: &str) -> Value {
    s.into_value()
}

fn array(values: impl IntoIterator<Item = Value>) -> Value {
    Value::Array(values.into_iter().collect::<Array>())
}

/// A QR symbol as SVG, one unit per module, dark modules as one path.
fn qr_svg(payload: &str) -> Option<Vec<u8>> {
    let modules = qr::modules(payload)?;
    let n = QR_MODULES as usize;
    let mut path = String::new();
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if modules[y * n + x] {
                let start = x;
                while x < n && modules[y * n + x] {
                    x += 1;
                }
                path.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    Some(
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{n}\" height=\"{n}\" \
             viewBox=\"0 0 {n} {n}\"><path d=\"{path}\" fill=\"#000\"/></svg>"
        )
        .into_bytes(),
    )
}

fn inputs(layout: &Layout, sheets: &[SheetId]) -> Result<Dict, RenderError> {
    let pages = layout.pages.iter().map(|p| {
        array(p.drawing.iter().map(|d| match d {
            Drawn::Text {
                x,
                y,
                size,
                bold,
                text,
            } => array([
                string("t"),
                float(*x),
                float(*y),
                float(*size),
                Value::Bool(*bold),
                string(text),
            ]),
            Drawn::Rect {
                rect,
                stroke,
                filled,
                grey,
            } => array([
                string("r"),
                float(rect.x),
                float(rect.y),
                float(rect.w),
                float(rect.h),
                float(*stroke),
                Value::Bool(*filled),
                float(grey.clamp(0.0, 1.0)),
            ]),
        }))
    });
    let mut sheet_values = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        let mut qrs = Vec::with_capacity(layout.pages.len());
        for page in &layout.pages {
            let svg =
                qr_svg(&qr::payload(layout, page.number, sheet)).ok_or(RenderError::QrTooLong)?;
            qrs.push(Value::Bytes(Bytes::new(svg)));
        }
        let mut s = Dict::new();
        s.insert("label".into(), string(&sheet_label(sheet)));
        s.insert("qrs".into(), array(qrs));
        sheet_values.push(Value::Dict(s));
    }
    let mut d = Dict::new();
    let title = format!("{} {}", layout.form_id, layout.form_version);
    d.insert("title".into(), string(&title));
    d.insert("pages".into(), array(pages));
    d.insert("sheets".into(), array(sheet_values));
    d.insert(
        "qr".into(),
        array([float(layout.qr.x), float(layout.qr.y), float(layout.qr.w)]),
    );
    d.insert(
        "label".into(),
        array([float(layout.sheet_label.x), float(layout.sheet_label.y)]),
    );
    let mut root = Dict::new();
    root.insert("d".into(), Value::Dict(d));
    Ok(root)
}
