//! The DOCX's tables: the borderless header and signature blocks, and the data tables.

use docx_rs::{
    AlignmentType, Paragraph, Table, TableBorder, TableBorderPosition, TableCell, TableCellMargins,
    TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::{Fmt, Ids, TEXT_WIDTH, run, single};
use crate::{Document, Layout, lines};

/// "Độc lập - Tự do - Hạnh phúc" in bold 14 pt Times New Roman, in twips (its rule's length;
/// 171.1 pt as typst sets it in the metric-compatible Liberation Serif).
const MOTTO_WIDTH: usize = 3420;
/// The rule under the issuing body in the state layout: about 2 cm.
const ISSUER_RULE: usize = 1134;

/// A cell of a borderless layout table, `width` twips wide, holding `paragraphs`.
fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new().width(width, WidthType::Dxa), |c, p| {
            c.add_paragraph(p)
        })
        .vertical_align(VAlignType::Top)
}

/// A borderless table of two columns and the given rows, across the text width, its cells
/// without inner margins left and right (the columns are the layout's, as in the PDF).
fn layout_table(widths: [usize; 2], rows: Vec<Vec<TableCell>>) -> Table {
    Table::without_borders(rows.into_iter().map(TableRow::new).collect())
        .set_grid(widths.to_vec())
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(
            TableCellMargins::new()
                .margin_left(0, WidthType::Dxa)
                .margin_right(0, WidthType::Dxa),
        )
}

/// The header: bodies and number left; party name or national name and motto, then place and
/// date, right. Two rows, so that the number and the date stand on one line; a bulletin's has
/// one row, the bodies left and the place and date right.
pub(super) fn header(doc: &Document, ids: &mut Ids) -> Table {
    let h = &doc.header;
    let superior = lines::upper(&h.superior_body);
    let issuing = lines::upper(&h.issuing_body);
    let number = lines::number_line(h).unwrap_or_default();
    let date = lines::date_line(h);
    match h.layout {
        Layout::Party => {
            let widths = [TEXT_WIDTH / 2, TEXT_WIDTH - TEXT_WIDTH / 2];
            let f = Fmt::size(14);
            let mut left = Vec::new();
            if !superior.trim().is_empty() {
                left.push(ids.centred(&superior, f));
            }
            left.push(ids.centred(&issuing, f.bold()));
            left.push(ids.centred(lines::PARTY_STAR, f));
            let right = vec![ids.centred(lines::PARTY_NAME, Fmt::size(15).bold().underline())];
            let row2 = vec![
                cell(widths[0], vec![ids.centred(&number, f)]),
                cell(widths[1], vec![ids.centred(&date, f.italic())]),
            ];
            layout_table(
                widths,
                vec![vec![cell(widths[0], left), cell(widths[1], right)], row2],
            )
        }
        Layout::Brief => {
            let widths = [TEXT_WIDTH / 2, TEXT_WIDTH - TEXT_WIDTH / 2];
            let f = Fmt::size(14);
            let mut left = Vec::new();
            if !superior.trim().is_empty() {
                left.push(ids.centred(&superior, f));
            }
            left.push(ids.centred(&issuing, f.bold()));
            let right = vec![ids.centred(&date, f.italic())];
            layout_table(
                widths,
                vec![vec![cell(widths[0], left), cell(widths[1], right)]],
            )
        }
        Layout::State => {
            let widths = [TEXT_WIDTH * 38 / 100, TEXT_WIDTH - TEXT_WIDTH * 38 / 100];
            let f = Fmt::size(13);
            let mut left = Vec::new();
            if !superior.trim().is_empty() {
                left.push(ids.centred(&superior, f));
            }
            left.push(ids.centred(&issuing, f.bold()));
            left.push(ids.rule(ISSUER_RULE, widths[0], 60, 0));
            let right = vec![
                ids.centred(lines::NATION, f.bold()),
                ids.centred(lines::MOTTO, Fmt::size(14).bold()),
                ids.rule(MOTTO_WIDTH, widths[1], 0, 0),
            ];
            let row2 = vec![
                cell(widths[0], vec![ids.centred(&number, f)]),
                cell(widths[1], vec![ids.centred(&date, Fmt::size(14).italic())]),
            ];
            layout_table(
                widths,
                vec![vec![cell(widths[0], left), cell(widths[1], right)], row2],
            )
        }
    }
}

/// A data table across the text width: thin borders, columns as wide as they need, the header
/// row bold and centred (repeated on each page), numbers flush right, 12 pt.
pub(super) fn data(columns: &[String], rows: &[Vec<String>], ids: &mut Ids) -> Table {
    let widths = column_widths(columns, rows);
    let numeric = lines::numeric_columns(columns.len(), rows);
    let f = Fmt::size(12);
    let mut cell_of = |text: &str, column: usize, align: AlignmentType, f: Fmt| {
        TableCell::new()
            .width(widths[column], WidthType::Dxa)
            .vertical_align(VAlignType::Center)
            .add_paragraph(
                ids.p()
                    .align(align)
                    .line_spacing(single(0).before(20).after(20))
                    .add_run(run(&lines::clean(text), f)),
            )
    };
    // The header row is the only row that cannot split: `patch_document` marks it to repeat.
    let mut table_rows = vec![
        TableRow::new(
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| cell_of(c, i, AlignmentType::Center, f.bold()))
                .collect(),
        )
        .cant_split(),
    ];
    for row in rows {
        table_rows.push(TableRow::new(
            row.iter()
                .enumerate()
                .map(|(i, c)| {
                    let align = if numeric.get(i).copied().unwrap_or(false) {
                        AlignmentType::Right
                    } else {
                        AlignmentType::Left
                    };
                    cell_of(c, i, align, f)
                })
                .collect(),
        ));
    }
    let mut table = Table::new(table_rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    for position in [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ] {
        table = table.set_border(TableBorder::new(position).size(4));
    }
    table
}

/// Column widths across the text width, in proportion to what the columns hold: the longest
/// cell (at most 40 characters counted) or the header's longest word, at least 3.
fn column_widths(columns: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let weights: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(c, header)| {
            let word = header.split_whitespace().map(|w| w.chars().count()).max();
            let cells = rows
                .iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count().min(40))
                .max();
            word.unwrap_or(0).max(cells.unwrap_or(0)).max(3)
        })
        .collect();
    let total: usize = weights.iter().sum::<usize>().max(1);
    weights.iter().map(|w| TEXT_WIDTH * w / total).collect()
}

/// Recipients left, the signer right; either cell empty when there are no recipients or no
/// signer, and no table at all when there are neither.
pub(super) fn signature(doc: &Document, ids: &mut Ids) -> Option<Table> {
    let recipients = lines::recipients(&doc.recipients);
    let signed = lines::signed(&doc.signature);
    if recipients.is_empty() && !signed {
        return None;
    }
    let widths = [TEXT_WIDTH / 2, TEXT_WIDTH - TEXT_WIDTH / 2];
    let (label, item) = match doc.header.layout {
        Layout::Party | Layout::Brief => (Fmt::size(14).underline(), Fmt::size(12)),
        Layout::State => (Fmt::size(12).bold().italic(), Fmt::size(11)),
    };
    let mut left = Vec::new();
    if !recipients.is_empty() {
        left.push(
            ids.p()
                .line_spacing(single(0))
                .add_run(run(lines::RECIPIENTS_LABEL, label)),
        );
        for r in &recipients {
            left.push(ids.p().line_spacing(single(0)).add_run(run(r, item)));
        }
    } else {
        left.push(ids.p().line_spacing(single(0)));
    }
    let sig = &doc.signature;
    let f = Fmt::size(14).bold();
    let mut right = Vec::new();
    if signed {
        let authority = lines::upper(&sig.authority);
        if !authority.trim().is_empty() {
            right.push(ids.centred(&authority, f));
        }
        let position = lines::upper(&sig.position);
        if !position.trim().is_empty() {
            right.push(ids.centred(&position, f));
        }
        // Room for the signature: about three lines.
        for _ in 0..3 {
            right.push(ids.centred("", f));
        }
        let name = lines::clean(&sig.name);
        if !name.trim().is_empty() {
            right.push(ids.centred(&name, f));
        }
    } else {
        right.push(ids.p().line_spacing(single(0)));
    }
    Some(layout_table(
        widths,
        vec![vec![cell(widths[0], left), cell(widths[1], right)]],
    ))
}
