//! Laying a form out on A4 pages: which items print, in what order, numbered, and paginated.
//!
//! The form's body is walked into a flat list of units (headings, notes, questions; repeats
//! printed as a fixed number of blocks), numbered, given their skip instructions
//! ([`crate::skip`]), grouped into grids where consecutive single-choice questions share a
//! list, turned into rows ([`crate::rows`]) and the rows put on pages. A question is kept on
//! one page unless it is taller than a page.

use duluan_forms::{Form, Group, Item, Question, QuestionType};
use serde::{Deserialize, Serialize};

use crate::model::{
    AnswerBox, Drawn, Layout, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, Page, QuestionLayout, Rect, fiducials,
    qr_rect,
};
use crate::rows::{self, Row, Unit};
use crate::skip::{self, Numbered};
use crate::text;

/// Options of [`layout`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayoutOptions {
    /// The language of the printed texts (a code such as `vi`, or the full XLSForm name).
    pub language: String,
    /// The title printed at the top of every page; the form's title when `None`.
    pub title: Option<String>,
    /// How many blocks of each repeat to print (0: none, a note says the part is not printed).
    pub repeat_blocks: u32,
    /// Digit boxes of a number whose constraint gives no upper bound.
    pub default_digits: u8,
    /// Digit boxes after the comma of a decimal.
    pub decimals: u8,
    /// Lines of the rectangle for a free text (`multiline` appearance: twice as many).
    pub text_lines: u8,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            language: "vi".into(),
            title: None,
            repeat_blocks: 3,
            default_digits: 4,
            decimals: 2,
            text_lines: 3,
        }
    }
}

/// Why a form cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// Nothing in the form prints.
    #[error("the form has no question that can be printed")]
    NothingToPrint,
    /// A select names a list the form lacks.
    #[error("question `{question}` uses the choice list `{list}`, which the form lacks")]
    MissingList {
        /// The question.
        question: String,
        /// The list it names.
        list: String,
    },
    /// More pages than [`MAX_PAGES`].
    #[error("the questionnaire needs {pages} pages, more than the {max} allowed")]
    TooManyPages {
        /// Pages needed.
        pages: usize,
        /// The limit.
        max: usize,
    },
    /// The form id and version leave no room in the QR code.
    #[error(
        "the form id and version are too long for the page's QR code ({bytes} bytes, at most {max})"
    )]
    IdentityTooLong {
        /// Their length.
        bytes: usize,
        /// The limit.
        max: usize,
    },
}

/// Pages of one questionnaire, at most.
pub const MAX_PAGES: usize = 200;

/// Left edge of the content, mm.
pub(crate) const LEFT: f64 = 18.0;
/// Right edge of the content, mm.
pub(crate) const RIGHT: f64 = PAGE_WIDTH_MM - 18.0;
/// Top of the content on every page, mm.
const TOP: f64 = 32.0;
/// Bottom of the content, mm (above the bottom fiducials).
const BOTTOM: f64 = PAGE_HEIGHT_MM - 16.0;

/// Lays `form` out on A4 pages.
pub fn layout(form: &Form, opts: &LayoutOptions) -> Result<Layout, LayoutError> {
    let identity = crate::qr::identity_len(&form.id, &form.version);
    if identity > crate::qr::MAX_IDENTITY {
        return Err(LayoutError::IdentityTooLong {
            bytes: identity,
            max: crate::qr::MAX_IDENTITY,
        });
    }
    let mut walk = Walk {
        form,
        opts,
        units: Vec::new(),
        number: 0,
    };
    walk.items(&form.items, None, &[]);
    let mut units = walk.units;
    if !units.iter().any(|u| matches!(u, Unit::Question { .. })) {
        return Err(LayoutError::NothingToPrint);
    }
    apply_skips(form, &mut units);
    let rows = rows::build(form, opts, &units)?;
    let title = opts.title.clone().unwrap_or_else(|| form.title.clone());
    paginate(form, &title, rows)
}

/// Walks the body into units.
struct Walk<'a> {
    form: &'a Form,
    opts: &'a LayoutOptions,
    units: Vec<Unit<'a>>,
    number: u32,
}

impl<'a> Walk<'a> {
    fn label(&self, t: &duluan_forms::Text) -> String {
        t.get(&self.opts.language, self.form.default_language.as_deref())
            .unwrap_or("")
            .to_string()
    }

    fn items(&mut self, items: &'a [Item], instance: Option<u32>, relevance: &[&'a str]) {
        for item in items {
            match item {
                Item::Question(q) => self.question(q, instance, relevance),
                Item::Group(g) => self.group(g, instance, relevance),
            }
        }
    }

    fn group(&mut self, g: &'a Group, instance: Option<u32>, relevance: &[&'a str]) {
        let mut rel = relevance.to_vec();
        if let Some(r) = g.relevant.as_deref().filter(|r| !r.trim().is_empty()) {
            rel.push(r);
        }
        let label = self.label(&g.label);
        let table = g
            .appearance
            .as_deref()
            .is_some_and(|a| a.contains("table-list"));
        if !g.repeat {
            if !label.is_empty() {
                self.units.push(Unit::Heading(label));
            }
            let start = self.units.len();
            self.items(&g.items, instance, &rel);
            if table {
                mark_table(&mut self.units[start..], start);
            }
            return;
        }
        // A repeat inside a printed repeat block, or none asked for: say it is not printed.
        if instance.is_some() || self.opts.repeat_blocks == 0 {
            let name = if label.is_empty() {
                g.name.clone()
            } else {
                label
            };
            self.units.push(Unit::Note(format!(
                "Phần “{name}” được lặp lại nhiều lần, không in trên phiếu giấy."
            )));
            return;
        }
        for k in 1..=self.opts.repeat_blocks {
            let name = if label.is_empty() {
                g.name.clone()
            } else {
                label.clone()
            };
            self.units.push(Unit::Heading(format!("{name} – lần {k}")));
            let start = self.units.len();
            self.items(&g.items, Some(k), &rel);
            if table {
                mark_table(&mut self.units[start..], start);
            }
        }
    }

    fn question(&mut self, q: &'a Question, instance: Option<u32>, relevance: &[&'a str]) {
        let printed = match &q.kind {
            QuestionType::Note => {
                let label = self.label(&q.label);
                if !label.is_empty() {
                    self.units.push(Unit::Note(label));
                }
                return;
            }
            t if t.is_metadata() || t.is_geo() || t.is_media() => false,
            QuestionType::Calculate | QuestionType::Hidden => false,
            _ => true,
        };
        if !printed {
            return;
        }
        self.number += 1;
        let mut rel = relevance.to_vec();
        if let Some(r) = q.relevant.as_deref().filter(|r| !r.trim().is_empty()) {
            rel.push(r);
        }
        self.units.push(Unit::Question {
            q,
            instance,
            number: self.number,
            relevance: rel,
            arrows: Vec::new(),
            filter: None,
            grid: None,
        });
    }
}

/// Marks the select_one questions of a `table-list` group (units from index `start`) as one
/// grid, whatever their count.
fn mark_table(units: &mut [Unit<'_>], start: usize) {
    for u in units.iter_mut() {
        if let Unit::Question { q, grid, .. } = u
            && matches!(q.kind, QuestionType::SelectOne(_))
        {
            *grid = Some(start);
        }
    }
}

/// Computes the skip arrows and filter lines and stores them in the units.
fn apply_skips(form: &Form, units: &mut [Unit<'_>]) {
    // Only questions outside repeats take part: a repeat's questions exist several times.
    let mut positions = Vec::new();
    let mut numbered = Vec::new();
    for (i, u) in units.iter().enumerate() {
        if let Unit::Question {
            q,
            instance: None,
            number,
            relevance,
            ..
        } = u
        {
            let select_one = match &q.kind {
                QuestionType::SelectOne(l) => form
                    .list(l)
                    .map(|l| l.choices.iter().map(|c| c.name.clone()).collect()),
                _ => None,
            };
            positions.push(i);
            numbered.push(Numbered {
                name: &q.name,
                number: *number,
                select_one,
                relevance: relevance.clone(),
            });
        }
    }
    let skips = skip::analyse(&numbered);
    let numbers: Vec<u32> = numbered.iter().map(|n| n.number).collect();
    for ((qi, choice), jump) in skips.arrows {
        if let Unit::Question { arrows, .. } = &mut units[positions[qi]] {
            arrows.push((choice, jump));
        }
    }
    for (qi, (src, allowed)) in skips.filters {
        if let Unit::Question { filter, .. } = &mut units[positions[qi]] {
            *filter = Some((numbers[src], positions[src], allowed));
        }
    }
}

/// Puts the rows on pages and builds the layout.
fn paginate(form: &Form, title: &str, rows: Vec<Row>) -> Result<Layout, LayoutError> {
    let mut pages: Vec<Page> = Vec::new();
    let mut questions: Vec<QuestionLayout> = Vec::new();
    let mut y = f64::INFINITY;
    let mut i = 0;
    while i < rows.len() {
        // The rows that must stay together with this one.
        let mut end = i;
        let mut h = rows[i].height;
        while rows[end].keep_with_next && end + 1 < rows.len() {
            end += 1;
            h += rows[end].height;
        }
        // A group that does not fit starts a page (and is split only if taller than a page).
        if y + h > BOTTOM && y > TOP {
            new_page(&mut pages);
            y = TOP;
        }
        for row in &rows[i..=end] {
            if y + row.height > BOTTOM && y > TOP {
                new_page(&mut pages);
                y = TOP;
            }
            let page = pages.last_mut().expect("a page was opened");
            place(page, row, y, &mut questions);
            y += row.height;
        }
        i = end + 1;
        if pages.len() > MAX_PAGES {
            return Err(LayoutError::TooManyPages {
                pages: pages.len(),
                max: MAX_PAGES,
            });
        }
    }
    let total = pages.len();
    for page in &mut pages {
        header(page, title, total);
    }
    let mut layout = Layout {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        fingerprint: String::new(),
        fiducials: fiducials(),
        qr: qr_rect(),
        sheet_label: Rect::new(LEFT, 22.0, qr_rect().x - LEFT - 3.0, 5.0),
        pages,
        questions,
    };
    layout.fingerprint = crate::qr::fingerprint(&layout);
    Ok(layout)
}

fn new_page(pages: &mut Vec<Page>) {
    pages.push(Page {
        number: pages.len() as u32 + 1,
        drawing: Vec::new(),
        boxes: Vec::new(),
    });
}

/// Copies a row onto a page at `y`.
fn place(page: &mut Page, row: &Row, y: f64, questions: &mut Vec<QuestionLayout>) {
    let shift = |r: &Rect| Rect::new(r.x, r.y + y, r.w, r.h);
    for d in &row.drawing {
        page.drawing.push(match d {
            Drawn::Text {
                x,
                y: ty,
                size,
                bold,
                text,
            } => Drawn::Text {
                x: *x,
                y: ((ty + y) * 100.0).round() / 100.0,
                size: *size,
                bold: *bold,
                text: text.clone(),
            },
            Drawn::Rect {
                rect,
                stroke,
                filled,
                grey,
            } => Drawn::Rect {
                rect: shift(rect),
                stroke: *stroke,
                filled: *filled,
                grey: *grey,
            },
        });
    }
    for b in &row.boxes {
        page.boxes.push(AnswerBox {
            rect: shift(&b.rect),
            ..b.clone()
        });
    }
    for (name, instance, number, answer) in &row.questions {
        let found = questions
            .iter_mut()
            .find(|q| &q.name == name && q.instance == *instance);
        match found {
            Some(q) => {
                if !q.pages.contains(&page.number) {
                    q.pages.push(page.number);
                }
            }
            None => questions.push(QuestionLayout {
                name: name.clone(),
                instance: *instance,
                number: *number,
                answer: answer.clone(),
                pages: vec![page.number],
            }),
        }
    }
}

/// The fiducials, the title and the page number (the QR code and the sheet's code are drawn
/// per sheet by the renderer).
fn header(page: &mut Page, title: &str, total: usize) {
    let mut top = Vec::new();
    for f in fiducials() {
        top.push(Drawn::Rect {
            rect: f,
            stroke: 0.0,
            filled: true,
            grey: 0.0,
        });
    }
    let width = qr_rect().x - LEFT - 3.0;
    let mut lines = text::wrap(title, 11.0, true, width);
    if lines.len() > 2 {
        lines.truncate(2);
        lines[1].push('…');
    }
    for (i, l) in lines.iter().enumerate() {
        top.push(Drawn::Text {
            x: LEFT,
            y: 9.0 + i as f64 * text::line_height(11.0),
            size: 11.0,
            bold: true,
            text: l.clone(),
        });
    }
    let footer = format!("Trang {}/{}", page.number, total);
    let w = text::width(&footer, 8.0, false);
    top.push(Drawn::Text {
        x: ((PAGE_WIDTH_MM - w) / 2.0 * 100.0).round() / 100.0,
        y: PAGE_HEIGHT_MM - 12.0,
        size: 8.0,
        bold: false,
        text: footer,
    });
    top.append(&mut page.drawing);
    page.drawing = top;
}
