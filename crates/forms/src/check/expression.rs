//! Checking one expression: names resolved, arity and argument types of functions, literals
//! compared with dates, numbers and choices.

use super::{Checker, Ctx, NodeKind, item_at};
use crate::diag::{DiagKind, Place};
use crate::expr::{BinOp, Expr};
use crate::functions::{Func, Ty};
use crate::model::{Item, QuestionType};
use crate::value::{parse_date, parse_datetime, parse_time, str_to_number};

impl<'a> Checker<'a> {
    fn err_at(
        &mut self,
        ctx: &Ctx,
        kind: DiagKind,
        span: crate::expr::Span,
        en: String,
        vi: String,
    ) {
        let src = self.source_of(ctx);
        let pos = Some(crate::expr::Position::of(&src, span.start));
        let place = match ctx.owner {
            Some(id) => self.place(id, ctx.prop, pos),
            None => Place {
                property: Some(ctx.prop.to_string()),
                expression: pos,
                ..Place::default()
            },
        };
        self.push(kind, place, en, vi);
    }

    fn source_of(&self, ctx: &Ctx) -> String {
        if let Some(src) = &self.source {
            return src.clone();
        }
        let Some(id) = ctx.owner else {
            return self.form.instance_name.clone().unwrap_or_default();
        };
        match item_at(&self.form.items, &self.nodes[id as usize].path) {
            Some(Item::Question(q)) => match ctx.prop {
                "relevant" => q.relevant.clone(),
                "constraint" => q.constraint.clone(),
                "calculation" => q.calculation.clone(),
                "required" => q.required.clone(),
                "read_only" => q.read_only.clone(),
                "default" => q.default.clone(),
                "choice_filter" => q.choice_filter.clone(),
                _ => None,
            },
            Some(Item::Group(g)) => match ctx.prop {
                "relevant" => g.relevant.clone(),
                "repeat_count" => g.repeat_count.clone(),
                _ => None,
            },
            None => None,
        }
        .unwrap_or_default()
    }

    fn kind_of(&self, e: &Expr) -> Option<&NodeKind> {
        match e {
            Expr::Ref { id, .. } if (*id as usize) < self.nodes.len() => {
                Some(&self.nodes[*id as usize].kind)
            }
            _ => None,
        }
    }

    fn select_list(&self, e: &Expr) -> Option<usize> {
        match self.kind_of(e) {
            Some(NodeKind::Question(
                QuestionType::SelectOne(_)
                | QuestionType::SelectMultiple(_)
                | QuestionType::Rank(_),
            )) => {
                if let Expr::Ref { id, .. } = e {
                    self.nodes[*id as usize].list
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Checks and resolves `e`; returns its static type.
    pub(super) fn check_expr(&mut self, e: &mut Expr, ctx: &Ctx, as_nodes: bool) -> Ty {
        match e {
            Expr::Num(..) => Ty::Num,
            Expr::Str(..) => Ty::Str,
            Expr::Ref { name, id, span } => {
                let Some(&target) = self.by_name.get(name.as_str()) else {
                    let (n, s) = (name.clone(), *span);
                    self.err_at(
                        ctx,
                        DiagKind::UnknownName,
                        s,
                        format!("unknown question `${{{n}}}`"),
                        format!("không có câu hỏi `${{{n}}}`"),
                    );
                    return Ty::Any;
                };
                *id = target;
                match &self.nodes[target as usize].kind {
                    NodeKind::Group | NodeKind::Repeat if !as_nodes => {
                        let (n, s) = (name.clone(), *span);
                        self.err_at(
                            ctx,
                            DiagKind::Type,
                            s,
                            format!("`${{{n}}}` is a group, not a question"),
                            format!("`${{{n}}}` là một nhóm, không phải câu hỏi"),
                        );
                        Ty::Any
                    }
                    NodeKind::Question(QuestionType::Date) => Ty::Date,
                    NodeKind::Question(QuestionType::DateTime) => Ty::DateTime,
                    NodeKind::Question(
                        QuestionType::Integer | QuestionType::Decimal | QuestionType::Range,
                    ) => Ty::Num,
                    _ => Ty::Str,
                }
            }
            Expr::Current(_) => match ctx.owner.map(|o| &self.nodes[o as usize].kind) {
                Some(NodeKind::Question(QuestionType::Date)) => Ty::Date,
                Some(NodeKind::Question(
                    QuestionType::Integer | QuestionType::Decimal | QuestionType::Range,
                )) => Ty::Num,
                _ => Ty::Str,
            },
            Expr::Parent(span) => {
                let s = *span;
                self.err_at(
                    ctx,
                    DiagKind::Type,
                    s,
                    "`..` can only be used as `position(..)`".into(),
                    "`..` chỉ dùng được trong `position(..)`".into(),
                );
                Ty::Any
            }
            Expr::Name(n, span) => {
                let (n, s) = (n.clone(), *span);
                match ctx.filter {
                    Some(li) => {
                        let list = &self.form.choices[li];
                        let known = n == "name"
                            || n == "label"
                            || n.starts_with("label::")
                            || list.choices.iter().any(|c| c.columns.contains_key(&n));
                        if !known {
                            self.err_at(
                                ctx,
                                DiagKind::UnknownName,
                                s,
                                format!("choice list `{}` has no column `{n}`", list.name),
                                format!("danh sách lựa chọn `{}` không có cột `{n}`", list.name),
                            );
                        }
                    }
                    None if ctx.file_filter => {}
                    None => self.err_at(
                        ctx,
                        DiagKind::UnknownName,
                        s,
                        format!("`{n}` is not supported here: refer to questions as `${{name}}`"),
                        format!(
                            "không dùng được `{n}` ở đây: hãy tham chiếu câu hỏi bằng `${{tên}}`"
                        ),
                    ),
                }
                Ty::Str
            }
            Expr::Neg(inner, _) => {
                let t = self.check_expr(inner, ctx, false);
                self.want_number(inner, t, ctx);
                Ty::Num
            }
            Expr::Bin(op, a, b, _) => {
                let ta = self.check_expr(a, ctx, false);
                let tb = self.check_expr(b, ctx, false);
                match op {
                    BinOp::Or | BinOp::And => Ty::Bool,
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                        self.want_number(a, ta, ctx);
                        self.want_number(b, tb, ctx);
                        Ty::Num
                    }
                    _ => {
                        let op = *op;
                        self.compare_types(op, a, ta, b, tb, ctx);
                        self.compare_types(op, b, tb, a, ta, ctx);
                        Ty::Bool
                    }
                }
            }
            Expr::Call {
                name,
                func,
                args,
                span,
            } => {
                let Some(f) = *func else {
                    let (n, s) = (name.clone(), *span);
                    self.err_at(
                        ctx,
                        DiagKind::UnknownFunction,
                        s,
                        format!("unknown function `{n}()`"),
                        format!("không có hàm `{n}()`"),
                    );
                    for a in args.iter_mut() {
                        self.check_expr(a, ctx, false);
                    }
                    return Ty::Any;
                };
                let (min, max) = f.arity();
                let s = *span;
                if args.len() < min || args.len() > max {
                    let at = crate::eval::arity_text(min, max);
                    self.err_at(
                        ctx,
                        DiagKind::Arity,
                        s,
                        format!("`{}()` takes {at} arguments, not {}", f.name(), args.len()),
                        format!(
                            "`{}()` nhận {} đối số, không phải {}",
                            f.name(),
                            at.replace("or more", "trở lên").replace(" to ", " đến "),
                            args.len()
                        ),
                    );
                }
                if f == Func::ChoiceName
                    && args.len() == 2
                    && let Expr::Str(lit, sp) = &args[1]
                {
                    let inner = lit.trim();
                    if let Some(n) = inner.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                        args[1] = Expr::Ref {
                            name: n.to_string(),
                            id: crate::expr::UNRESOLVED,
                            span: *sp,
                        };
                    }
                }
                if f == Func::IndexedRepeat && args.len() % 2 == 0 {
                    self.err_at(
                        ctx,
                        DiagKind::Arity,
                        s,
                        "`indexed-repeat()` takes a field and then pairs of a repeat and an index"
                            .into(),
                        "`indexed-repeat()` nhận một trường rồi từng cặp nhóm lặp và chỉ số".into(),
                    );
                }
                let params = f.params();
                for (i, a) in args.iter_mut().enumerate() {
                    let want = *params.get(i).or(params.last()).unwrap_or(&Ty::Any);
                    if f == Func::Position && matches!(a, Expr::Parent(_)) {
                        continue;
                    }
                    if want == Ty::Nodes {
                        if !matches!(a, Expr::Ref { .. }) {
                            let sp = a.span();
                            self.err_at(
                                ctx,
                                DiagKind::Type,
                                sp,
                                format!(
                                    "argument {} of `{}()` must be a reference `${{name}}`",
                                    i + 1,
                                    f.name()
                                ),
                                format!(
                                    "đối số {} của `{}()` phải là một tham chiếu `${{tên}}`",
                                    i + 1,
                                    f.name()
                                ),
                            );
                        }
                        self.check_expr(a, ctx, true);
                        continue;
                    }
                    let t = self.check_expr(a, ctx, f == Func::ChoiceName && i == 1);
                    match want {
                        Ty::Num => self.want_number(a, t, ctx),
                        Ty::Date | Ty::DateTime => self.want_date(a, ctx),
                        _ => {}
                    }
                }
                self.check_call_semantics(f, args, ctx);
                match f {
                    Func::If | Func::Coalesce | Func::Once | Func::IndexedRepeat => Ty::Any,
                    other => other.returns(),
                }
            }
        }
    }

    fn check_call_semantics(&mut self, f: Func, args: &[Expr], ctx: &Ctx) {
        match f {
            Func::Selected | Func::CountSelected | Func::SelectedAt => {
                if let Some(NodeKind::Question(t)) = self.kind_of(&args[0])
                    && !matches!(
                        t,
                        QuestionType::SelectOne(_)
                            | QuestionType::SelectMultiple(_)
                            | QuestionType::SelectOneFromFile(_)
                            | QuestionType::SelectMultipleFromFile(_)
                            | QuestionType::Rank(_)
                            | QuestionType::Text
                            | QuestionType::Calculate
                            | QuestionType::Hidden
                    )
                {
                    let (sp, t) = (args[0].span(), t.to_string());
                    self.err_at(
                        ctx,
                        DiagKind::Type,
                        sp,
                        format!(
                            "`{}()` needs a select question, but this is a `{t}` question",
                            f.name()
                        ),
                        format!(
                            "`{}()` cần một câu hỏi lựa chọn, nhưng đây là câu hỏi kiểu `{t}`",
                            f.name()
                        ),
                    );
                }
                if f == Func::Selected && args.len() == 2 {
                    self.check_choice_literal(&args[0], &args[1], ctx);
                }
            }
            Func::ChoiceName if args.len() == 2 && self.select_list(&args[1]).is_none() => {
                let sp = args[1].span();
                self.err_at(ctx, DiagKind::Type, sp, "the second argument of `jr:choice-name()` must name a select question, as `'${q}'`".into(), "đối số thứ hai của `jr:choice-name()` phải là tên một câu hỏi lựa chọn, như `'${q}'`".into());
            }
            Func::Regex if args.len() == 2 => {
                if let Expr::Str(re, sp) = &args[1]
                    && let Err(e) = crate::eval::compile_regex(re)
                {
                    let sp = *sp;
                    self.err_at(ctx, DiagKind::Syntax, sp, e.message_en, e.message_vi);
                }
            }
            Func::IndexedRepeat if args.len() >= 3 => {
                let mut repeats = Vec::new();
                for i in (1..args.len()).step_by(2) {
                    match &args[i] {
                        Expr::Ref { id, .. }
                            if self.kind_of(&args[i]) == Some(&NodeKind::Repeat) =>
                        {
                            repeats.push(*id)
                        }
                        Expr::Ref { span, .. } => {
                            let sp = *span;
                            self.err_at(
                                ctx,
                                DiagKind::Type,
                                sp,
                                "this argument of `indexed-repeat()` must be a repeat".into(),
                                "đối số này của `indexed-repeat()` phải là một nhóm lặp".into(),
                            );
                        }
                        _ => {}
                    }
                }
                if let Expr::Ref { id, span, .. } = &args[0]
                    && (*id as usize) < self.nodes.len()
                {
                    let enclosing = &self.nodes[*id as usize].repeats;
                    if !repeats.iter().all(|r| enclosing.contains(r)) {
                        let sp = *span;
                        self.err_at(ctx, DiagKind::Type, sp, "the first argument of `indexed-repeat()` must be inside the repeats that follow".into(), "đối số đầu của `indexed-repeat()` phải nằm trong các nhóm lặp được nêu sau nó".into());
                    }
                }
            }
            Func::Position if args.len() == 1 => {
                let in_repeat = ctx.owner.is_some_and(|o| {
                    !self.nodes[o as usize].repeats.is_empty()
                        || self.nodes[o as usize].kind == NodeKind::Repeat
                });
                if !in_repeat {
                    let sp = args[0].span();
                    self.err_at(
                        ctx,
                        DiagKind::Type,
                        sp,
                        "`position(..)` can only be used inside a repeat".into(),
                        "`position(..)` chỉ dùng được bên trong nhóm lặp".into(),
                    );
                }
            }
            _ => {}
        }
    }

    fn want_number(&mut self, e: &Expr, t: Ty, ctx: &Ctx) {
        if let Expr::Str(s, span) = e
            && str_to_number(s).is_nan()
        {
            let (s, sp) = (s.clone(), *span);
            self.err_at(
                ctx,
                DiagKind::Type,
                sp,
                format!("'{s}' is not a number"),
                format!("'{s}' không phải là số"),
            );
        }
        let _ = t;
    }

    fn want_date(&mut self, e: &Expr, ctx: &Ctx) {
        if let Expr::Str(s, span) = e
            && !s.is_empty()
            && parse_date(s).is_none()
            && parse_datetime(s).is_none()
        {
            let (s, sp) = (s.clone(), *span);
            self.err_at(
                ctx,
                DiagKind::Type,
                sp,
                format!("'{s}' is not a date (YYYY-MM-DD)"),
                format!("'{s}' không phải là ngày (YYYY-MM-DD)"),
            );
        }
    }

    fn check_choice_literal(&mut self, select: &Expr, lit: &Expr, ctx: &Ctx) {
        let (Some(li), Expr::Str(v, span)) = (self.select_list(select), lit) else {
            return;
        };
        if v.is_empty() {
            return;
        }
        let list = &self.form.choices[li];
        if !list.choices.iter().any(|c| c.name == *v) {
            let (v, sp, ln) = (v.clone(), *span, list.name.clone());
            self.err_at(
                ctx,
                DiagKind::Type,
                sp,
                format!("'{v}' is not a choice of list `{ln}`"),
                format!("'{v}' không có trong danh sách lựa chọn `{ln}`"),
            );
        }
    }

    fn compare_types(&mut self, op: BinOp, a: &Expr, ta: Ty, b: &Expr, _tb: Ty, ctx: &Ctx) {
        let Expr::Str(s, span) = b else { return };
        let relational = matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
        if matches!(ta, Ty::Date | Ty::DateTime) {
            if !s.is_empty() && parse_date(s).is_none() && parse_datetime(s).is_none() {
                let (s, sp) = (s.clone(), *span);
                self.err_at(
                    ctx,
                    DiagKind::Type,
                    sp,
                    format!("a date is compared with '{s}', which is not a date (YYYY-MM-DD)"),
                    format!("một ngày được so sánh với '{s}', không phải là ngày (YYYY-MM-DD)"),
                );
            }
            return;
        }
        if relational {
            if str_to_number(s).is_nan() && parse_time(s).is_none() {
                let (s, sp) = (s.clone(), *span);
                self.err_at(
                    ctx,
                    DiagKind::Type,
                    sp,
                    format!("'{s}' is not a number: `{}` compares numbers", op.symbol()),
                    format!("'{s}' không phải là số: `{}` so sánh các số", op.symbol()),
                );
            }
            return;
        }
        if let Some(NodeKind::Question(QuestionType::SelectOne(_))) = self.kind_of(a) {
            self.check_choice_literal(a, b, ctx);
        }
    }
}
