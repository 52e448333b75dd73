//! The rows of a printed questionnaire: each unit (heading, note, question, grid) drawn as rows
//! whose heights are known, positions relative to the row's top.
//!
//! Sizes: wording 10 pt, choices 9.5 pt, hints 8.5 pt; tick boxes 4.5 mm; digit boxes
//! 6 × 8 mm, 1 mm apart; text areas 8 mm a line. Printed words are Vietnamese.

use duluan_forms::{Form, Question, QuestionType};

use crate::layout::{LEFT, LayoutError, LayoutOptions, RIGHT};
use crate::model::{Answer, AnswerBox, BoxKind, DatePart, Drawn, Rect};
use crate::skip::Jump;
use crate::text;

/// Side of a tick box, mm.
pub(crate) const TICK: f64 = 4.5;
/// Digit box width and height, mm.
pub(crate) const DIGIT_W: f64 = 6.0;
pub(crate) const DIGIT_H: f64 = 8.0;
const DIGIT_GAP: f64 = 1.0;
/// Box outline width, mm.
pub(crate) const STROKE: f64 = 0.3;
/// Where answers start (boxes of lists, digits, text areas).
const ANSWER_X: f64 = LEFT + 15.0;
/// Where the wording starts after the question's number.
const TEXT_X: f64 = LEFT + 14.5;
/// Where a grid's columns start.
const GRID_X: f64 = LEFT + 88.0;
/// The most choices a grid takes.
const GRID_MAX: usize = 7;

/// The printed words.
const INSTRUCTIONS: &str = "Cách trả lời: đánh dấu X vào ô bên cạnh câu trả lời. Muốn bỏ một ô \
    đã đánh dấu, hãy tô đen kín ô đó rồi đánh dấu ô khác. Viết mỗi chữ số vào một ô. \
    Xin dùng bút mực đen hoặc xanh đậm.";
const ONE: &str = "(Chọn một ô)";
const MANY: &str = "(Có thể chọn nhiều ô)";
const RANK: &str = "(Ghi thứ tự 1, 2, 3… vào các ô)";
const AGREE: &str = "Đồng ý";

/// A unit of the printed questionnaire.
pub(crate) enum Unit<'a> {
    /// A group's title.
    Heading(String),
    /// A note or a message.
    Note(String),
    /// A question.
    Question {
        q: &'a Question,
        instance: Option<u32>,
        number: u32,
        relevance: Vec<&'a str>,
        /// Arrows by choice value.
        arrows: Vec<(String, Jump)>,
        /// Filter line: the source's number, its unit index, the values allowed.
        filter: Option<(u32, usize, Vec<String>)>,
        /// The table-list group it belongs to (a grid whatever the count).
        grid: Option<usize>,
    },
}

/// One row: what it draws and its boxes, relative to its top.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub height: f64,
    pub drawing: Vec<Drawn>,
    pub boxes: Vec<AnswerBox>,
    pub keep_with_next: bool,
    /// Questions with boxes in this row: name, instance, number, answer.
    pub questions: Vec<(String, Option<u32>, u32, Answer)>,
}

impl Row {
    fn text(&mut self, x: f64, y: f64, size: f64, bold: bool, s: &str) {
        self.drawing.push(Drawn::Text {
            x: round(x),
            y: round(y),
            size,
            bold,
            text: s.to_string(),
        });
    }

    /// Wrapped lines at `x`, from `y`; returns the height used.
    fn lines(&mut self, x: f64, y: f64, size: f64, bold: bool, s: &str, width: f64) -> f64 {
        let lh = text::line_height(size);
        let lines = text::wrap(s, size, bold, width);
        for (i, l) in lines.iter().enumerate() {
            self.text(x, y + i as f64 * lh, size, bold, l);
        }
        lines.len() as f64 * lh
    }

    fn boxed(&mut self, b: AnswerBox) {
        self.drawing.push(Drawn::Rect {
            rect: b.rect,
            stroke: STROKE,
            filled: false,
            grey: 0.0,
        });
        self.boxes.push(b);
    }

    fn rule(&mut self, y: f64, x0: f64, x1: f64) {
        self.drawing.push(Drawn::Rect {
            rect: Rect::new(x0, y, x1 - x0, 0.0),
            stroke: 0.15,
            filled: false,
            grey: 0.6,
        });
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

struct Ctx<'a> {
    form: &'a Form,
    opts: &'a LayoutOptions,
}

impl Ctx<'_> {
    fn label(&self, t: &duluan_forms::Text) -> String {
        t.get(&self.opts.language, self.form.default_language.as_deref())
            .unwrap_or("")
            .to_string()
    }

    /// The list's (value, label) pairs.
    fn choices(&self, q: &Question, list: &str) -> Result<Vec<(String, String)>, LayoutError> {
        let l = self
            .form
            .list(list)
            .ok_or_else(|| LayoutError::MissingList {
                question: q.name.clone(),
                list: list.to_string(),
            })?;
        Ok(l.choices
            .iter()
            .map(|c| {
                let label = self.label(&c.label);
                let label = if label.is_empty() {
                    c.name.clone()
                } else {
                    label
                };
                (c.name.clone(), label)
            })
            .collect())
    }
}

/// The rows of all units, starting with the instructions.
pub(crate) fn build(
    form: &Form,
    opts: &LayoutOptions,
    units: &[Unit<'_>],
) -> Result<Vec<Row>, LayoutError> {
    let cx = Ctx { form, opts };
    let mut rows = Vec::new();
    let mut r = Row::default();
    r.height = r.lines(LEFT, 0.0, 9.0, false, INSTRUCTIONS, RIGHT - LEFT) + 3.0;
    rows.push(r);
    let mut i = 0;
    while i < units.len() {
        let run = grid_run(&cx, units, i);
        if run > 0 {
            grid(&cx, &units[i..i + run], &mut rows)?;
            i += run;
            continue;
        }
        match &units[i] {
            Unit::Heading(h) => {
                let mut r = Row::default();
                r.height = r.lines(LEFT, 2.0, 10.5, true, h, RIGHT - LEFT) + 3.5;
                r.keep_with_next = true;
                rows.push(r);
            }
            Unit::Note(n) => {
                let mut r = Row::default();
                r.height = r.lines(LEFT, 0.0, 9.5, false, n, RIGHT - LEFT) + 3.0;
                rows.push(r);
            }
            Unit::Question { .. } => question(&cx, units, i, &mut rows)?,
        }
        i += 1;
    }
    Ok(rows)
}

/// How many units from `i` form a grid (0: none).
fn grid_run(cx: &Ctx<'_>, units: &[Unit<'_>], i: usize) -> usize {
    let key = |u: &Unit<'_>| -> Option<(String, Option<u32>, Option<usize>, bool)> {
        let Unit::Question {
            q,
            instance,
            arrows,
            filter,
            grid,
            ..
        } = u
        else {
            return None;
        };
        let QuestionType::SelectOne(list) = &q.kind else {
            return None;
        };
        let n = cx.form.list(list).map_or(0, |l| l.choices.len());
        if !arrows.is_empty() || filter.is_some() || !(2..=GRID_MAX).contains(&n) {
            return None;
        }
        let likert = q
            .appearance
            .as_deref()
            .is_some_and(|a| a.contains("likert"));
        Some((list.clone(), *instance, *grid, likert))
    };
    let Some(first) = key(&units[i]) else {
        return 0;
    };
    let mut n = 1;
    while let Some(k) = units.get(i + n).and_then(key) {
        if k.0 != first.0 || k.1 != first.1 || k.2 != first.2 {
            break;
        }
        n += 1;
    }
    if n >= 2 || first.2.is_some() || first.3 {
        n
    } else {
        0
    }
}

/// A grid: one header row with the choices, one row per question.
fn grid(cx: &Ctx<'_>, units: &[Unit<'_>], rows: &mut Vec<Row>) -> Result<(), LayoutError> {
    let Unit::Question { q, .. } = &units[0] else {
        return Ok(());
    };
    let list = q.kind.list().unwrap_or_default();
    let choices = cx.choices(q, list)?;
    let cw = (RIGHT - GRID_X) / choices.len() as f64;
    let mut head = Row::default();
    let mut h: f64 = 0.0;
    for (k, (_, label)) in choices.iter().enumerate() {
        let lines = text::wrap(label, 8.0, false, cw - 1.0);
        let lh = text::line_height(8.0);
        for (j, l) in lines.iter().enumerate() {
            let x = GRID_X + cw * (k as f64 + 0.5) - text::width(l, 8.0, false) / 2.0;
            head.text(x, j as f64 * lh, 8.0, false, l);
        }
        h = h.max(lines.len() as f64 * lh);
    }
    head.height = h + 1.5;
    head.keep_with_next = true;
    rows.push(head);
    let n = units.len();
    for (k, u) in units.iter().enumerate() {
        let Unit::Question {
            q,
            instance,
            number,
            ..
        } = u
        else {
            continue;
        };
        let mut r = Row::default();
        r.rule(0.0, LEFT, RIGHT);
        r.text(LEFT, 1.0, 9.5, true, &format!("Câu {number}."));
        let used = r.lines(
            TEXT_X,
            1.0,
            9.5,
            false,
            &cx.label(&q.label),
            GRID_X - 2.0 - TEXT_X,
        );
        let by = 1.0 + (text::line_height(9.5) - TICK) / 2.0;
        for (c, (value, _)) in choices.iter().enumerate() {
            let x = GRID_X + cw * (c as f64 + 0.5) - TICK / 2.0;
            r.boxed(AnswerBox {
                question: q.name.clone(),
                instance: *instance,
                choice: Some(value.clone()),
                kind: BoxKind::Tick,
                rect: Rect::new(x, by, TICK, TICK),
            });
        }
        r.height = used.max(TICK) + 2.5;
        r.keep_with_next = k + 1 < n && k == 0;
        r.questions
            .push((q.name.clone(), *instance, *number, Answer::SelectOne));
        if k + 1 == n {
            r.rule(r.height - 0.5, LEFT, RIGHT);
            r.height += 2.5;
        }
        rows.push(r);
    }
    Ok(())
}

/// A question outside a grid: its wording row, then its answer rows.
fn question(
    cx: &Ctx<'_>,
    units: &[Unit<'_>],
    i: usize,
    rows: &mut Vec<Row>,
) -> Result<(), LayoutError> {
    let Unit::Question {
        q,
        instance,
        number,
        arrows,
        filter,
        ..
    } = &units[i]
    else {
        return Ok(());
    };
    let (q, instance, number) = (*q, *instance, *number);
    let mut head = Row::default();
    head.text(LEFT, 0.0, 10.0, true, &format!("Câu {number}."));
    let width = RIGHT - TEXT_X;
    let mut y = head.lines(TEXT_X, 0.0, 10.0, false, &cx.label(&q.label), width);
    let mut hint = cx.label(&q.hint);
    let extra = match &q.kind {
        QuestionType::SelectOne(_) => ONE,
        QuestionType::SelectMultiple(_) => MANY,
        QuestionType::Rank(_) => RANK,
        _ => "",
    };
    if !extra.is_empty() {
        hint = if hint.is_empty() {
            extra.to_string()
        } else {
            format!("{hint} {extra}")
        };
    }
    if let Some((src_number, src_unit, allowed)) = filter {
        let labels = match &units[*src_unit] {
            Unit::Question { q: src, .. } => {
                let all = cx.choices(src, src.kind.list().unwrap_or_default())?;
                allowed
                    .iter()
                    .map(|v| {
                        let l = all
                            .iter()
                            .find(|(c, _)| c == v)
                            .map_or(v.as_str(), |c| &c.1);
                        format!("«{l}»")
                    })
                    .collect::<Vec<_>>()
                    .join(" hoặc ")
            }
            _ => String::new(),
        };
        y += 0.5;
        y += head.lines(
            TEXT_X,
            y,
            8.5,
            true,
            &format!("Chỉ trả lời nếu Câu {src_number} chọn {labels}."),
            width,
        );
    }
    if !hint.is_empty() {
        y += 0.5 + head.lines(TEXT_X, y + 0.5, 8.5, false, &hint, width);
    }
    head.height = y + 1.5;
    head.keep_with_next = true;
    rows.push(head);
    let entry = |answer: Answer| (q.name.clone(), instance, number, answer);
    let first_answer_row = rows.len();
    match &q.kind {
        QuestionType::SelectOne(list) | QuestionType::SelectMultiple(list) => {
            let answer = if matches!(q.kind, QuestionType::SelectOne(_)) {
                Answer::SelectOne
            } else {
                Answer::SelectMultiple
            };
            for (value, label) in cx.choices(q, list)? {
                let jump = arrows.iter().find(|(c, _)| *c == value).map(|a| a.1);
                let mut r = choice_row(q, instance, &value, &label, jump);
                r.questions.push(entry(answer.clone()));
                rows.push(r);
            }
        }
        QuestionType::Acknowledge => {
            let mut r = choice_row(q, instance, "OK", AGREE, None);
            r.questions.push(entry(Answer::SelectOne));
            rows.push(r);
        }
        QuestionType::Range => {
            let (start, end, step) = range_parameters(q.parameters.as_deref());
            let count = ((end - start) / step).floor() as i64 + 1;
            if (2..=11).contains(&count) {
                let values: Vec<String> = (0..count)
                    .map(|k| number_text(start + step * k as f64))
                    .collect();
                let mut r = scale_row(q, instance, &values);
                r.questions.push(entry(Answer::SelectOne));
                rows.push(r);
            } else {
                let digits = digits_for(end.abs().max(start.abs()));
                let mut r = digit_row(q, instance, digits, 0);
                r.questions.push(entry(Answer::Number {
                    digits,
                    decimals: 0,
                }));
                rows.push(r);
            }
        }
        QuestionType::Integer | QuestionType::Decimal => {
            let decimals = if q.kind == QuestionType::Decimal {
                cx.opts.decimals.min(6)
            } else {
                0
            };
            let digits = constraint_digits(q.constraint.as_deref())
                .unwrap_or(cx.opts.default_digits)
                .clamp(1, 15);
            let mut r = digit_row(q, instance, digits, decimals);
            r.questions.push(entry(Answer::Number { digits, decimals }));
            rows.push(r);
        }
        QuestionType::Date | QuestionType::Time | QuestionType::DateTime => {
            let answer = match q.kind {
                QuestionType::Date => Answer::Date,
                QuestionType::Time => Answer::Time,
                _ => Answer::DateTime,
            };
            let mut r = date_row(q, instance, &answer);
            r.questions.push(entry(answer));
            rows.push(r);
        }
        QuestionType::Rank(list) => {
            for (value, label) in cx.choices(q, list)? {
                let mut r = rank_row(q, instance, &value, &label);
                r.questions.push(entry(Answer::Rank));
                rows.push(r);
            }
        }
        _ => {
            // Text, barcode and anything else written by hand.
            let multiline = q
                .appearance
                .as_deref()
                .is_some_and(|a| a.contains("multiline"));
            let lines = match q.kind {
                QuestionType::Barcode => 1,
                _ if multiline => u32::from(cx.opts.text_lines.max(1)) * 2,
                _ => u32::from(cx.opts.text_lines.max(1)),
            };
            let mut r = Row::default();
            r.boxed(AnswerBox {
                question: q.name.clone(),
                instance,
                choice: None,
                kind: BoxKind::TextArea,
                rect: Rect::new(ANSWER_X, 0.0, RIGHT - ANSWER_X, 8.0 * f64::from(lines)),
            });
            r.height = 8.0 * f64::from(lines) + 1.5;
            r.questions.push(entry(Answer::Text));
            rows.push(r);
        }
    }
    // The question's rows stay together (split only when taller than a page); space after.
    let last = rows.len() - 1;
    for r in &mut rows[first_answer_row..last] {
        r.keep_with_next = true;
    }
    rows[last].height += 3.0;
    Ok(())
}

/// A choice: its box, its label and its arrow.
fn choice_row(
    q: &Question,
    instance: Option<u32>,
    value: &str,
    label: &str,
    jump: Option<Jump>,
) -> Row {
    let mut r = Row::default();
    let lh = text::line_height(9.5);
    let label_x = ANSWER_X + TICK + 2.5;
    let mut width = RIGHT - label_x;
    if let Some(jump) = jump {
        let arrow = match jump {
            Jump::To(n) => format!("» Chuyển sang câu {n}"),
            Jump::End => "» Kết thúc".to_string(),
        };
        let w = text::width(&arrow, 9.0, true);
        width -= w + 4.0;
        r.text(
            RIGHT - w,
            (lh - text::line_height(9.0)).max(0.0) / 2.0,
            9.0,
            true,
            &arrow,
        );
    }
    let used = r.lines(label_x, 0.0, 9.5, false, label, width);
    r.boxed(AnswerBox {
        question: q.name.clone(),
        instance,
        choice: Some(value.to_string()),
        kind: BoxKind::Tick,
        rect: Rect::new(ANSWER_X, (lh - TICK) / 2.0, TICK, TICK),
    });
    r.height = used.max(TICK) + 1.8;
    r
}

/// A range as a row of boxes, the values above them.
fn scale_row(q: &Question, instance: Option<u32>, values: &[String]) -> Row {
    let mut r = Row::default();
    let cw = 12.0;
    let lh = text::line_height(8.5);
    for (k, v) in values.iter().enumerate() {
        let cx = ANSWER_X + cw * k as f64 + cw / 2.0;
        r.text(cx - text::width(v, 8.5, false) / 2.0, 0.0, 8.5, false, v);
        r.boxed(AnswerBox {
            question: q.name.clone(),
            instance,
            choice: Some(v.clone()),
            kind: BoxKind::Tick,
            rect: Rect::new(cx - TICK / 2.0, lh + 0.5, TICK, TICK),
        });
    }
    r.height = lh + 0.5 + TICK + 2.0;
    r
}

/// Digit boxes at `x`; returns the x after them.
fn digits(
    r: &mut Row,
    q: &Question,
    instance: Option<u32>,
    x: f64,
    count: u8,
    kind: impl Fn(u8) -> BoxKind,
) -> f64 {
    let mut x = x;
    for k in 0..count {
        r.boxed(AnswerBox {
            question: q.name.clone(),
            instance,
            choice: None,
            kind: kind(k),
            rect: Rect::new(x, 0.0, DIGIT_W, DIGIT_H),
        });
        x += DIGIT_W + DIGIT_GAP;
    }
    x
}

/// A number: digits, and after a comma the decimals.
fn digit_row(q: &Question, instance: Option<u32>, count: u8, decimals: u8) -> Row {
    let mut r = Row::default();
    let mut x = digits(&mut r, q, instance, ANSWER_X, count, |k| BoxKind::Digit {
        position: k,
    });
    if decimals > 0 {
        r.text(
            x - 0.2,
            DIGIT_H - text::line_height(12.0) + 1.0,
            12.0,
            true,
            ",",
        );
        x += 1.5;
        digits(&mut r, q, instance, x, decimals, |k| BoxKind::Digit {
            position: count + k,
        });
    }
    r.height = DIGIT_H + 2.0;
    r
}

/// A date, a time or both, with the parts' names under them.
fn date_row(q: &Question, instance: Option<u32>, answer: &Answer) -> Row {
    let mut r = Row::default();
    let mut x = ANSWER_X;
    let sep_y = (DIGIT_H - text::line_height(12.0)) / 2.0;
    let cap_y = DIGIT_H + 0.5;
    let part = |r: &mut Row, x: f64, p: DatePart, n: u8, caption: &str| {
        let end = digits(r, q, instance, x, n, |k| BoxKind::DatePart {
            part: p,
            position: k,
        });
        let w = text::width(caption, 7.0, false);
        r.text((x + end - DIGIT_GAP - w) / 2.0, cap_y, 7.0, false, caption);
        end
    };
    if matches!(answer, Answer::Date | Answer::DateTime) {
        x = part(&mut r, x, DatePart::Day, 2, "ngày");
        r.text(x, sep_y, 12.0, false, "/");
        x += 3.0;
        x = part(&mut r, x, DatePart::Month, 2, "tháng");
        r.text(x, sep_y, 12.0, false, "/");
        x += 3.0;
        x = part(&mut r, x, DatePart::Year, 4, "năm");
        x += 6.0;
    }
    if matches!(answer, Answer::Time | Answer::DateTime) {
        x = part(&mut r, x, DatePart::Hour, 2, "giờ");
        r.text(x, sep_y, 12.0, false, ":");
        x += 3.0;
        part(&mut r, x, DatePart::Minute, 2, "phút");
    }
    r.height = cap_y + text::line_height(7.0) + 1.5;
    r
}

/// A rank: one digit box before the choice's label.
fn rank_row(q: &Question, instance: Option<u32>, value: &str, label: &str) -> Row {
    let mut r = Row::default();
    r.boxed(AnswerBox {
        question: q.name.clone(),
        instance,
        choice: Some(value.to_string()),
        kind: BoxKind::Digit { position: 0 },
        rect: Rect::new(ANSWER_X, 0.0, DIGIT_W, DIGIT_H),
    });
    let x = ANSWER_X + DIGIT_W + 2.5;
    let used = r.lines(
        x,
        (DIGIT_H - text::line_height(9.5)) / 2.0,
        9.5,
        false,
        label,
        RIGHT - x,
    );
    r.height = used.max(DIGIT_H) + 1.5;
    r
}

/// `start=1 end=5 step=1` (ODK's defaults when missing: 1, 10, 1).
fn range_parameters(p: Option<&str>) -> (f64, f64, f64) {
    let (mut start, mut end, mut step) = (1.0, 10.0, 1.0);
    for kv in p.unwrap_or("").split_whitespace() {
        if let Some((k, v)) = kv.split_once('=')
            && let Ok(v) = v.trim().parse::<f64>()
        {
            match k.trim() {
                "start" => start = v,
                "end" => end = v,
                "step" if v > 0.0 => step = v,
                _ => {}
            }
        }
    }
    if end < start || !(end - start).is_finite() {
        return (1.0, 10.0, 1.0);
    }
    (start, end, step)
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Digits needed to write `max`.
fn digits_for(max: f64) -> u8 {
    let m = max.abs().floor().min(1e15);
    (m.max(1.0).log10().floor() as u8 + 1).min(15)
}

/// Digits needed for the upper bound a constraint states on `.` (`. <= 120`, `. < 1000`,
/// `. >= 0 and . <= 99`), if any.
pub(crate) fn constraint_digits(constraint: Option<&str>) -> Option<u8> {
    use duluan_forms::expr::{BinOp, Expr};
    fn upper(e: &Expr) -> Option<f64> {
        match e {
            Expr::Bin(BinOp::And, a, b, _) => match (upper(a), upper(b)) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            Expr::Bin(op, a, b, _) => {
                let (op, n) = match (a.as_ref(), b.as_ref()) {
                    (Expr::Current(_), Expr::Num(n, _)) => (*op, *n),
                    (Expr::Num(n, _), Expr::Current(_)) => (
                        match op {
                            BinOp::Gt => BinOp::Lt,
                            BinOp::Ge => BinOp::Le,
                            o => *o,
                        },
                        *n,
                    ),
                    _ => return None,
                };
                match op {
                    BinOp::Le | BinOp::Eq => Some(n),
                    BinOp::Lt => Some(n - 1.0),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    let e = duluan_forms::parse_expression(constraint?).ok()?;
    upper(&e).filter(|n| *n >= 0.0).map(digits_for)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_come_from_the_constraint() {
        let cases: &[(Option<&str>, Option<u8>)] = &[
            (Some(". <= 120"), Some(3)),
            (Some(". < 1000"), Some(3)),
            (Some(". >= 0 and . <= 99"), Some(2)),
            (Some("100 >= ."), Some(3)),
            (Some(". > 5"), None),
            (Some("regex(., '^[0-9]+$')"), None),
            (None, None),
            (Some(". <= 0"), Some(1)),
        ];
        for (c, want) in cases {
            assert_eq!(constraint_digits(*c), *want, "{c:?}");
        }
        assert_eq!(
            range_parameters(Some("start=0 end=10 step=2")),
            (0.0, 10.0, 2.0)
        );
        assert_eq!(range_parameters(Some("start=5 end=1")), (1.0, 10.0, 1.0));
    }
}
