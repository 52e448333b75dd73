//! Bounds and validity of a document, checked before any rendering work.
//!
//! Every limit of the crate root is enforced here, in one pass that only counts: the
//! renderers may then allocate in proportion to the input without a second thought.

use crate::{
    Block, Document, Error, MAX_BLOCKS, MAX_CELLS, MAX_COLUMNS, MAX_FIGURES, MAX_RECIPIENTS,
    MAX_ROWS, MAX_SVG_BYTES, MAX_TEXT, MAX_TOTAL_TEXT,
};

/// Checks every bound of the crate and that the date, heading levels, row widths and SVGs
/// are well formed.
pub(crate) fn bounds(doc: &Document) -> Result<(), Error> {
    let mut total = Total::default();
    if doc.blocks.len() > MAX_BLOCKS {
        return Err(too_many("blocks".into(), doc.blocks.len(), MAX_BLOCKS));
    }
    if doc.recipients.len() > MAX_RECIPIENTS {
        return Err(too_many(
            "recipients".into(),
            doc.recipients.len(),
            MAX_RECIPIENTS,
        ));
    }
    let h = &doc.header;
    for (field, text) in [
        ("header: superior body", &h.superior_body),
        ("header: issuing body", &h.issuing_body),
        ("header: symbol", &h.symbol),
        ("header: place", &h.place),
        ("kind", &doc.kind),
        ("title", &doc.title),
        ("signature: authority", &doc.signature.authority),
        ("signature: position", &doc.signature.position),
        ("signature: name", &doc.signature.name),
    ] {
        total.add(text, || field.to_string())?;
    }
    for (i, r) in doc.recipients.iter().enumerate() {
        total.add(r, || format!("recipient {}", i + 1))?;
    }
    date(doc)?;

    let (mut tables, mut figures, mut cells) = (0usize, 0usize, 0usize);
    for (i, block) in doc.blocks.iter().enumerate() {
        let n = i + 1;
        match block {
            Block::Heading { level, text } => {
                if !(1..=3).contains(level) {
                    return Err(Error::HeadingLevel {
                        block: n,
                        level: *level,
                    });
                }
                total.add(text, || format!("block {n} (heading)"))?;
            }
            Block::Paragraph { text } => total.add(text, || format!("block {n} (paragraph)"))?,
            Block::Table {
                caption,
                columns,
                rows,
                note,
            } => {
                tables += 1;
                let t = tables;
                if columns.is_empty() {
                    return Err(Error::NoColumns { table: t });
                }
                if columns.len() > MAX_COLUMNS {
                    return Err(too_many(
                        format!("columns of table {t}"),
                        columns.len(),
                        MAX_COLUMNS,
                    ));
                }
                if rows.len() > MAX_ROWS {
                    return Err(too_many(format!("rows of table {t}"), rows.len(), MAX_ROWS));
                }
                cells += columns.len() * (rows.len() + 1);
                if cells > MAX_CELLS {
                    return Err(too_many("table cells".into(), cells, MAX_CELLS));
                }
                total.add(caption, || format!("table {t}: caption"))?;
                total.add(note, || format!("table {t}: note"))?;
                for (c, text) in columns.iter().enumerate() {
                    total.add(text, || format!("table {t}, header, column {}", c + 1))?;
                }
                for (r, row) in rows.iter().enumerate() {
                    if row.len() != columns.len() {
                        return Err(Error::RowWidth {
                            table: t,
                            row: r + 1,
                            cells: row.len(),
                            columns: columns.len(),
                        });
                    }
                    for (c, text) in row.iter().enumerate() {
                        total.add(text, || {
                            format!("table {t}, row {}, column {}", r + 1, c + 1)
                        })?;
                    }
                }
            }
            Block::Figure { caption, svg } => {
                figures += 1;
                let f = figures;
                if figures > MAX_FIGURES {
                    return Err(too_many("figures".into(), figures, MAX_FIGURES));
                }
                total.add(caption, || format!("figure {f}: caption"))?;
                check_svg(svg).map_err(|message| Error::Svg { figure: f, message })?;
            }
        }
    }
    Ok(())
}

/// Characters counted so far over the whole document.
#[derive(Default)]
struct Total(usize);

impl Total {
    /// Counts `text`, refusing it alone past [`MAX_TEXT`] or the document past
    /// [`MAX_TOTAL_TEXT`]; `field` names it in the error.
    fn add(&mut self, text: &str, field: impl FnOnce() -> String) -> Result<(), Error> {
        // Counting is linear and cheap (std counts UTF-8 lead bytes a word at a time).
        let chars = text.chars().count();
        if chars > MAX_TEXT {
            return Err(Error::TextTooLong {
                field: field(),
                chars,
                limit: MAX_TEXT,
            });
        }
        self.0 += chars;
        if self.0 > MAX_TOTAL_TEXT {
            return Err(Error::DocumentTooLong {
                chars: self.0,
                limit: MAX_TOTAL_TEXT,
            });
        }
        Ok(())
    }
}

fn too_many(what: String, count: usize, limit: usize) -> Error {
    Error::TooMany { what, count, limit }
}

/// The date is a day of the Gregorian calendar in the years 1000–9999, and so is the draft year.
fn date(doc: &Document) -> Result<(), Error> {
    let h = &doc.header;
    let (day, month, year) = h.date.unwrap_or((1, 1, h.draft_year));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    };
    if (1000..=9999).contains(&year) && (1..=days).contains(&day) {
        Ok(())
    } else {
        Err(Error::BadDate { day, month, year })
    }
}

/// The SVG is within [`MAX_SVG_BYTES`] and is an XML document whose root is `<svg>`.
fn check_svg(svg: &str) -> Result<(), String> {
    if svg.len() > MAX_SVG_BYTES {
        return Err(format!(
            "the SVG is {} bytes, more than the {MAX_SVG_BYTES} accepted",
            svg.len()
        ));
    }
    let tree = roxmltree::Document::parse(svg).map_err(|e| format!("not a readable SVG: {e}"))?;
    let root = tree.root_element().tag_name();
    if root.name() != "svg" {
        return Err(format!(
            "not a readable SVG: the root element is <{}>, not <svg>",
            root.name()
        ));
    }
    Ok(())
}
