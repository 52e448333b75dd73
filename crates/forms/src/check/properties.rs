//! Parsing and checking the expressions and texts of every property of each node
//! (relevance, constraint, calculation, required, default, choice filter, repeat count,
//! labels and the instance name).

use super::{Checker, Ctx, DefaultValue, Flag, is_file_select, item_at};
use crate::diag::{DiagKind, Place};
use crate::expr::{Expr, parse_expression, split_template};
use crate::model::{Item, QuestionType, Text};
use crate::value::{parse_date, parse_datetime, parse_time};

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "true" | "true()" | "1" => Some(true),
        "no" | "false" | "false()" | "0" | "" => Some(false),
        _ => None,
    }
}

impl<'a> Checker<'a> {
    pub(super) fn parse_all(&mut self) {
        let form = self.form;
        for id in 0..self.nodes.len() as u32 {
            let path = self.nodes[id as usize].path.clone();
            let Some(item) = item_at(&form.items, &path) else {
                continue;
            };
            match item {
                Item::Question(q) => {
                    let n = id;
                    let relevant = self.parse_opt(n, "relevant", q.relevant.as_deref());
                    let constraint = self.parse_opt(n, "constraint", q.constraint.as_deref());
                    let calculation = self.parse_opt(n, "calculation", q.calculation.as_deref());
                    let required = self.flag(n, "required", q.required.as_deref());
                    let read_only = self.flag(n, "read_only", q.read_only.as_deref());
                    let default = q
                        .default
                        .as_deref()
                        .filter(|d| !d.is_empty())
                        .and_then(|d| {
                            if d.contains("${") || d.contains('(') {
                                self.parse_opt(n, "default", Some(d))
                                    .map(DefaultValue::Dynamic)
                            } else {
                                Some(DefaultValue::Literal(d.to_string()))
                            }
                        });
                    if let Some(DefaultValue::Literal(d)) = &default {
                        let ok = match q.kind {
                            QuestionType::Integer => d.trim().parse::<i64>().is_ok(),
                            QuestionType::Decimal | QuestionType::Range => {
                                !crate::value::parse_number(d).is_nan()
                            }
                            QuestionType::Date => parse_date(d).is_some(),
                            QuestionType::Time => parse_time(d).is_some(),
                            QuestionType::DateTime => parse_datetime(d).is_some(),
                            _ => true,
                        };
                        if !ok {
                            let place = self.place(n, "default", None);
                            let t = q.kind.to_string();
                            self.push(
                                DiagKind::Type,
                                place,
                                format!("default `{d}` is not a valid `{t}` value"),
                                format!("giá trị mặc định `{d}` không hợp lệ cho kiểu `{t}`"),
                            );
                        }
                    }
                    if let (Some(DefaultValue::Literal(d)), Some(li)) =
                        (&default, self.nodes[id as usize].list)
                    {
                        let list = &form.choices[li];
                        for v in d.split_whitespace() {
                            if !list.choices.iter().any(|c| c.name == v) {
                                let place = self.place(n, "default", None);
                                self.push(
                                    DiagKind::Type,
                                    place,
                                    format!(
                                        "default `{v}` is not a choice of list `{}`",
                                        list.name
                                    ),
                                    format!(
                                        "giá trị mặc định `{v}` không có trong danh sách `{}`",
                                        list.name
                                    ),
                                );
                            }
                        }
                    }
                    let choice_filter = if q
                        .choice_filter
                        .as_deref()
                        .is_some_and(|s| !s.trim().is_empty())
                    {
                        if q.kind.list().is_none() && q.kind.file().is_none() {
                            let place = self.place(n, "choice_filter", None);
                            self.push(
                                DiagKind::Type,
                                place,
                                "only selects can have a choice filter".into(),
                                "chỉ câu hỏi lựa chọn mới có bộ lọc lựa chọn".into(),
                            );
                            None
                        } else {
                            self.parse_opt(n, "choice_filter", q.choice_filter.as_deref())
                        }
                    } else {
                        None
                    };
                    for (prop, t) in [
                        ("label", &q.label),
                        ("interviewer_label", &q.interviewer_label),
                        ("hint", &q.hint),
                        ("guidance_hint", &q.guidance_hint),
                        ("constraint_message", &q.constraint_message),
                        ("required_message", &q.required_message),
                    ] {
                        self.check_template(n, prop, t);
                    }
                    let node = &mut self.nodes[id as usize];
                    node.relevant = relevant;
                    node.constraint = constraint;
                    node.calculation = calculation;
                    node.required = required;
                    node.read_only = read_only;
                    node.default = default;
                    node.choice_filter = choice_filter;
                }
                Item::Group(g) => {
                    let relevant = self.parse_opt(id, "relevant", g.relevant.as_deref());
                    let repeat_count = if g.repeat {
                        self.parse_opt(id, "repeat_count", g.repeat_count.as_deref())
                    } else {
                        if g.repeat_count.is_some() {
                            let place = self.place(id, "repeat_count", None);
                            self.push(
                                DiagKind::Type,
                                place,
                                "only repeats have a repeat count".into(),
                                "chỉ nhóm lặp mới có số lần lặp".into(),
                            );
                        }
                        None
                    };
                    for (prop, t) in [
                        ("label", &g.label),
                        ("interviewer_label", &g.interviewer_label),
                    ] {
                        self.check_template(id, prop, t);
                    }
                    let node = &mut self.nodes[id as usize];
                    node.relevant = relevant;
                    node.repeat_count = repeat_count;
                }
            }
        }
        if let Some(name) = &form.instance_name
            && !name.trim().is_empty()
        {
            match parse_expression(name) {
                Ok(mut e) => {
                    let ctx = Ctx {
                        owner: None,
                        prop: "instance_name",
                        filter: None,
                        file_filter: false,
                    };
                    self.check_expr(&mut e, &ctx, false);
                    self.instance_name = Some(e);
                }
                Err(err) => {
                    let place = Place {
                        property: Some("instance_name".into()),
                        expression: Some(err.position),
                        ..Place::default()
                    };
                    self.push(DiagKind::Syntax, place, err.message_en, err.message_vi);
                }
            }
        }
    }

    pub(super) fn place(&self, id: u32, prop: &str, pos: Option<crate::expr::Position>) -> Place {
        let n = &self.nodes[id as usize];
        Place {
            item: Some(n.name.clone()),
            property: Some(prop.to_string()),
            path: n.path.clone(),
            expression: pos,
            ..Place::default()
        }
    }

    fn check_template(&mut self, id: u32, prop: &'static str, t: &Text) {
        for s in t.0.values() {
            for (_, r) in split_template(s) {
                if let Some(name) = r
                    && !self.by_name.contains_key(name)
                {
                    let place = self.place(id, prop, None);
                    self.push(
                        DiagKind::UnknownName,
                        place,
                        format!("unknown question `${{{name}}}`"),
                        format!("không có câu hỏi `${{{name}}}`"),
                    );
                }
            }
        }
    }

    fn flag(&mut self, id: u32, prop: &'static str, s: Option<&str>) -> Flag {
        let Some(s) = s else { return Flag::No };
        match yes_no(s) {
            Some(true) => Flag::Yes,
            Some(false) => Flag::No,
            None => self
                .parse_opt(id, prop, Some(s))
                .map_or(Flag::No, Flag::When),
        }
    }

    fn parse_opt(&mut self, id: u32, prop: &'static str, src: Option<&str>) -> Option<Expr> {
        let src = src?;
        if src.trim().is_empty() {
            return None;
        }
        match parse_expression(src) {
            Ok(mut e) => {
                let filter = if prop == "choice_filter" {
                    self.nodes[id as usize].list
                } else {
                    None
                };
                let ctx = Ctx {
                    owner: Some(id),
                    prop,
                    filter,
                    file_filter: prop == "choice_filter" && is_file_select(&self.nodes, Some(id)),
                };
                let before = self.diags.len();
                self.check_expr(&mut e, &ctx, false);
                (self.diags.len() == before).then_some(e)
            }
            Err(err) => {
                let place = self.place(id, prop, Some(err.position));
                self.push(DiagKind::Syntax, place, err.message_en, err.message_vi);
                None
            }
        }
    }
}
