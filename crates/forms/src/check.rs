//! The form checker: names, types, choice lists, every expression (syntax, unknown names,
//! arity, types) and cycles among calculations and relevance conditions.
//!
//! [`check_form`] returns every problem at once, or a [`CheckedForm`]: the form with its
//! expressions parsed and resolved and an evaluation order, ready for the response engine.

use crate::diag::{DiagKind, Diagnostic, Place};
use crate::expr::{BinOp, Expr, parse_expression, split_template};
use crate::functions::{Func, Ty};
use crate::model::{Form, Group, Item, Question, QuestionType, Text};
use crate::value::{parse_date, parse_datetime, parse_time, str_to_number};
use std::collections::{BTreeSet, HashMap};

/// What a node of the checked form is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A question of this type.
    Question(QuestionType),
    /// A group.
    Group,
    /// A repeat.
    Repeat,
}

/// `required` / `read_only`: never, always, or when an expression holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// Never.
    No,
    /// Always.
    Yes,
    /// When the expression is true.
    When(Expr),
}

/// A default: literal text or an expression evaluated when there is no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// Used as is.
    Literal(String),
    /// Evaluated.
    Dynamic(Expr),
}

/// An item of the checked form (question, group or repeat) with its parsed expressions.
#[derive(Debug, Clone)]
pub struct Node {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: NodeKind,
    /// Enclosing group or repeat.
    pub parent: Option<u32>,
    /// Enclosing repeats, outermost first (a repeat node does not list itself).
    pub repeats: Vec<u32>,
    /// Index path in the form body.
    pub path: Vec<usize>,
    /// Relevance condition.
    pub relevant: Option<Expr>,
    /// Required.
    pub required: Flag,
    /// Read-only.
    pub read_only: Flag,
    /// Constraint.
    pub constraint: Option<Expr>,
    /// Calculation.
    pub calculation: Option<Expr>,
    /// Default.
    pub default: Option<DefaultValue>,
    /// Choice filter.
    pub choice_filter: Option<Expr>,
    /// Repeat count.
    pub repeat_count: Option<Expr>,
    /// Index of the choice list in `form.choices`.
    pub list: Option<usize>,
    /// For range: start, end, step.
    pub range: Option<(f64, f64, f64)>,
    /// True when shown on a page of its own within a `field-list` group.
    pub in_field_list: bool,
}

/// A form that passed [`check_form`].
#[derive(Debug, Clone)]
pub struct CheckedForm {
    /// The form.
    pub form: Form,
    /// Every item in document order.
    pub nodes: Vec<Node>,
    /// Node index by name.
    pub by_name: HashMap<String, u32>,
    /// Evaluation order: every node after the nodes its relevance, calculation, default and
    /// repeat count read, and after its parent.
    pub order: Vec<u32>,
    /// Choice index by list and choice name.
    pub choice_index: Vec<HashMap<String, usize>>,
    /// The parsed `instance_name`.
    pub instance_name: Option<Expr>,
    /// Children of each node, in order.
    pub children: Vec<Vec<u32>>,
    /// Repeats addressing each node's instances: its enclosing repeats, plus itself for a repeat.
    pub chains: Vec<Vec<u32>>,
    /// Compiled regular expressions written as literals in the form.
    pub regexes: HashMap<String, regex::Regex>,
}

impl CheckedForm {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.by_name.get(name).map(|&i| &self.nodes[i as usize])
    }

    /// The question behind a node, if it is one.
    pub fn question(&self, id: u32) -> Option<&Question> {
        match item_at(&self.form.items, &self.nodes[id as usize].path)? {
            Item::Question(q) => Some(q),
            Item::Group(_) => None,
        }
    }

    /// The group behind a node, if it is one.
    pub fn group(&self, id: u32) -> Option<&Group> {
        match item_at(&self.form.items, &self.nodes[id as usize].path)? {
            Item::Group(g) => Some(g),
            Item::Question(_) => None,
        }
    }
}

fn item_at<'a>(items: &'a [Item], path: &[usize]) -> Option<&'a Item> {
    let (first, rest) = path.split_first()?;
    let it = items.get(*first)?;
    if rest.is_empty() {
        return Some(it);
    }
    match it {
        Item::Group(g) => item_at(&g.items, rest),
        Item::Question(_) => None,
    }
}

/// True for a valid XML element name as ODK requires (letter or `_` first; letters, digits,
/// `_`, `-`, `.` after).
pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !s.to_lowercase().starts_with("xml")
}

struct Checker<'a> {
    form: &'a Form,
    diags: Vec<Diagnostic>,
    nodes: Vec<Node>,
    by_name: HashMap<String, u32>,
    lists: HashMap<&'a str, usize>,
    instance_name: Option<Expr>,
    /// The source of the expression being checked, when it is not a property of the form.
    source: Option<String>,
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "true" | "true()" | "1" => Some(true),
        "no" | "false" | "false()" | "0" | "" => Some(false),
        _ => None,
    }
}

/// Checks one expression against a checked form, as the designer does while a condition is
/// typed: `owner` is the question it belongs to (what `.` and `position(..)` mean), `property`
/// the column it goes in (`relevant`, `constraint`, `calculation`, `choice_filter`, …). Returns
/// the resolved expression (ready for [`crate::evaluate`]) or every problem with its position.
///
/// ```
/// use duluan_forms::{check_expression, check_form, Form};
/// let form = Form::from_json(r#"{"items": [
///   {"kind": "question", "name": "age", "type": "integer", "label": {"": "Age"}}]}"#).unwrap();
/// let checked = check_form(&form).unwrap();
/// assert!(check_expression(&checked, Some("age"), "constraint", ". >= 18").is_ok());
/// let errors = check_expression(&checked, None, "relevant", "${agee} > 1").unwrap_err();
/// assert_eq!(errors[0].message_en, "unknown question `${agee}`");
/// ```
pub fn check_expression(
    form: &CheckedForm,
    owner: Option<&str>,
    property: &str,
    src: &str,
) -> Result<Expr, Vec<Diagnostic>> {
    let owner_id = match owner {
        None => None,
        Some(name) => match form.by_name.get(name) {
            Some(&id) => Some(id),
            None => {
                return Err(vec![Diagnostic::new(
                    DiagKind::UnknownName,
                    format!("unknown question `{name}`"),
                    format!("không có câu hỏi `{name}`"),
                )]);
            }
        },
    };
    let mut c = Checker {
        form: &form.form,
        diags: Vec::new(),
        nodes: form.nodes.clone(),
        by_name: form.by_name.clone(),
        lists: form
            .form
            .choices
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect(),
        instance_name: None,
        source: Some(src.to_string()),
    };
    let prop: &'static str = match property {
        "relevant" => "relevant",
        "constraint" => "constraint",
        "calculation" => "calculation",
        "required" => "required",
        "read_only" => "read_only",
        "default" => "default",
        "choice_filter" => "choice_filter",
        "repeat_count" => "repeat_count",
        _ => "expression",
    };
    let place = |pos| Place {
        item: owner.map(str::to_string),
        property: Some(property.to_string()),
        expression: pos,
        ..Place::default()
    };
    let mut e = parse_expression(src).map_err(|err| {
        vec![Diagnostic {
            kind: DiagKind::Syntax,
            place: place(Some(err.position)),
            message_en: err.message_en,
            message_vi: err.message_vi,
        }]
    })?;
    let filter = if prop == "choice_filter" {
        owner_id.and_then(|id| form.nodes[id as usize].list)
    } else {
        None
    };
    let ctx = Ctx {
        owner: owner_id,
        prop,
        filter,
        file_filter: prop == "choice_filter" && is_file_select(&form.nodes, owner_id),
    };
    c.check_expr(&mut e, &ctx, false);
    if c.diags.is_empty() {
        Ok(e)
    } else {
        Err(c.diags)
    }
}

/// Checks a form: returns the checked form, or every problem found.
pub fn check_form(form: &Form) -> Result<CheckedForm, Vec<Diagnostic>> {
    let mut c = Checker {
        form,
        diags: Vec::new(),
        nodes: Vec::new(),
        by_name: HashMap::new(),
        lists: HashMap::new(),
        instance_name: None,
        source: None,
    };
    c.check_lists();
    c.collect(&form.items, None, &[], &mut Vec::new(), false);
    c.check_audit();
    if c.nodes.is_empty() && c.diags.is_empty() {
        c.diags.push(Diagnostic::new(
            DiagKind::Structure,
            "the form has no questions",
            "biểu mẫu không có câu hỏi nào",
        ));
    }
    c.parse_all();
    let order = c.order();
    if !c.diags.is_empty() {
        return Err(c.diags);
    }
    let choice_index = form
        .choices
        .iter()
        .map(|l| {
            l.choices
                .iter()
                .enumerate()
                .map(|(i, ch)| (ch.name.clone(), i))
                .collect()
        })
        .collect();
    let mut children = vec![Vec::new(); c.nodes.len()];
    for (i, n) in c.nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children[p as usize].push(i as u32);
        }
    }
    let chains = c
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut ch = n.repeats.clone();
            if n.kind == NodeKind::Repeat {
                ch.push(i as u32);
            }
            ch
        })
        .collect();
    let mut regexes = HashMap::new();
    for n in &c.nodes {
        for e in [
            &n.relevant,
            &n.constraint,
            &n.calculation,
            &n.choice_filter,
            &n.repeat_count,
        ]
        .into_iter()
        .flatten()
        {
            e.walk(&mut |x| {
                if let Expr::Call {
                    func: Some(Func::Regex),
                    args,
                    ..
                } = x
                    && let Some(Expr::Str(pattern, _)) = args.get(1)
                    && let Ok(re) = crate::eval::compile_regex(pattern)
                {
                    regexes.insert(pattern.clone(), re);
                }
            });
        }
    }
    Ok(CheckedForm {
        children,
        chains,
        regexes,
        form: form.clone(),
        nodes: c.nodes,
        by_name: c.by_name,
        order,
        choice_index,
        instance_name: c.instance_name,
    })
}

impl<'a> Checker<'a> {
    /// The audit log is `meta/audit` in the XForm: one per form, not inside a repeat.
    fn check_audit(&mut self) {
        let audits: Vec<(String, Vec<usize>, bool)> = self
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Question(QuestionType::Audit))
            .map(|n| (n.name.clone(), n.path.clone(), !n.repeats.is_empty()))
            .collect();
        for (i, (name, path, in_repeat)) in audits.into_iter().enumerate() {
            let place = Place {
                item: Some(name.clone()),
                path,
                property: Some("type".into()),
                ..Place::default()
            };
            if i > 0 {
                self.push(
                    DiagKind::DuplicateName,
                    place,
                    "a form has at most one audit".into(),
                    "một biểu mẫu chỉ có tối đa một nhật ký audit".into(),
                );
            } else if in_repeat {
                self.push(
                    DiagKind::Structure,
                    place,
                    "the audit cannot be inside a repeat".into(),
                    "nhật ký audit không thể nằm trong một nhóm lặp".into(),
                );
            }
        }
    }

    fn push(&mut self, kind: DiagKind, place: Place, en: String, vi: String) {
        self.diags.push(Diagnostic {
            kind,
            place,
            message_en: en,
            message_vi: vi,
        });
    }

    fn check_lists(&mut self) {
        // Lists whose values are stored space-separated (pyxform: a choice name with spaces is
        // refused there, accepted in a list only `select_one` uses).
        let spaced: BTreeSet<&str> = self
            .form
            .questions()
            .into_iter()
            .filter_map(|q| match &q.kind {
                QuestionType::SelectMultiple(l) | QuestionType::Rank(l) => Some(l.as_str()),
                _ => None,
            })
            .collect();
        for (li, list) in self.form.choices.iter().enumerate() {
            let place = Place {
                item: Some(list.name.clone()),
                choice: Some((list.name.clone(), 0)),
                ..Place::default()
            };
            if !is_valid_name(&list.name) {
                self.push(
                    DiagKind::InvalidName,
                    place.clone(),
                    format!("`{}` is not a valid list name", list.name),
                    format!("`{}` không phải là tên danh sách hợp lệ", list.name),
                );
            }
            if self.lists.insert(&list.name, li).is_some() {
                self.push(
                    DiagKind::DuplicateName,
                    place.clone(),
                    format!("choice list `{}` is defined twice", list.name),
                    format!("danh sách lựa chọn `{}` được khai báo hai lần", list.name),
                );
            }
            if list.choices.is_empty() {
                self.push(
                    DiagKind::MissingList,
                    place,
                    format!("choice list `{}` has no choices", list.name),
                    format!("danh sách lựa chọn `{}` không có lựa chọn nào", list.name),
                );
            }
            let mut seen = BTreeSet::new();
            for (ci, ch) in list.choices.iter().enumerate() {
                let place = Place {
                    item: Some(list.name.clone()),
                    choice: Some((list.name.clone(), ci)),
                    ..Place::default()
                };
                if !ch.name.is_empty()
                    && ch.name.chars().any(char::is_whitespace)
                    && spaced.contains(list.name.as_str())
                {
                    self.push(
                        DiagKind::InvalidName,
                        Place { property: Some("name".into()), ..place.clone() },
                        format!("choice `{}` of list `{}` has a space: a list used by select_multiple or rank needs names without spaces", ch.name, list.name),
                        format!("lựa chọn `{}` của danh sách `{}` có dấu cách: danh sách dùng cho select_multiple hoặc rank cần tên không có dấu cách", ch.name, list.name),
                    );
                } else if ch.name.is_empty() {
                    self.push(
                        DiagKind::InvalidName,
                        Place { property: Some("name".into()), ..place.clone() },
                        format!("choice {} of list `{}` needs a name without spaces, not `{}`", ci + 1, list.name, ch.name),
                        format!("lựa chọn thứ {} của danh sách `{}` cần một tên không có dấu cách, không phải `{}`", ci + 1, list.name, ch.name),
                    );
                } else if !seen.insert(ch.name.as_str()) {
                    self.push(
                        DiagKind::DuplicateName,
                        Place {
                            property: Some("name".into()),
                            ..place.clone()
                        },
                        format!("choice `{}` appears twice in list `{}`", ch.name, list.name),
                        format!(
                            "lựa chọn `{}` xuất hiện hai lần trong danh sách `{}`",
                            ch.name, list.name
                        ),
                    );
                }
                // A choice without a label is accepted (pyxform warns; its name is shown).
            }
        }
    }

    fn collect(
        &mut self,
        items: &[Item],
        parent: Option<u32>,
        repeats: &[u32],
        path: &mut Vec<usize>,
        in_field_list: bool,
    ) {
        for (i, it) in items.iter().enumerate() {
            path.push(i);
            let id = self.nodes.len() as u32;
            let place = Place {
                item: Some(it.name().to_string()),
                path: path.clone(),
                ..Place::default()
            };
            let name = it.name();
            if !is_valid_name(name) {
                self.push(
                    DiagKind::InvalidName,
                    Place { property: Some("name".into()), ..place.clone() },
                    if name.is_empty() { "the name is missing".to_string() } else { format!("`{name}` is not a valid name (letters, digits, `_`, `-`, `.`; not starting with a digit)") },
                    if name.is_empty() { "thiếu tên".to_string() } else { format!("`{name}` không phải là tên hợp lệ (chữ, số, `_`, `-`, `.`; không bắt đầu bằng số)") },
                );
            } else if parent.is_none() && (name == "meta" || name == crate::xform::CASE_FIELD) {
                // The XForm keeps its metadata (`instanceID`, `audit`) in `meta` and the case a
                // device chose in `duluan_case`, both at the top of the instance.
                self.push(
                    DiagKind::InvalidName,
                    Place { property: Some("name".into()), ..place.clone() },
                    format!("`{name}` is reserved at the top of a form: the XForm keeps its own data there"),
                    format!("`{name}` là tên dành riêng ở cấp đầu của biểu mẫu: XForm dùng tên này cho dữ liệu riêng"),
                );
            } else if self.by_name.insert(name.to_string(), id).is_some() {
                self.push(
                    DiagKind::DuplicateName,
                    Place {
                        property: Some("name".into()),
                        ..place.clone()
                    },
                    format!("the name `{name}` is used twice"),
                    format!("tên `{name}` được dùng hai lần"),
                );
            }
            match it {
                Item::Question(q) => {
                    let mut list = None;
                    if let Some(l) = q.kind.list() {
                        match self.lists.get(l) {
                            Some(&li) => list = Some(li),
                            None => self.push(
                                DiagKind::MissingList,
                                Place {
                                    property: Some("type".into()),
                                    ..place.clone()
                                },
                                format!("choice list `{l}` does not exist"),
                                format!("không có danh sách lựa chọn `{l}`"),
                            ),
                        }
                    }
                    if q.kind.is_shown() && q.label.is_empty() && q.hint.is_empty() {
                        self.push(
                            DiagKind::Missing,
                            Place {
                                property: Some("label".into()),
                                ..place.clone()
                            },
                            format!("question `{name}` has no label"),
                            format!("câu hỏi `{name}` không có nhãn"),
                        );
                    }
                    if q.kind == QuestionType::Calculate
                        && q.calculation.as_deref().is_none_or(|s| s.trim().is_empty())
                    {
                        self.push(
                            DiagKind::Missing,
                            Place {
                                property: Some("calculation".into()),
                                ..place.clone()
                            },
                            format!("calculate `{name}` has no calculation"),
                            format!("trường tính toán `{name}` thiếu công thức"),
                        );
                    }
                    self.media_params(q, &place);
                    let range = if q.kind == QuestionType::Range {
                        self.range_params(q, &place)
                    } else {
                        None
                    };
                    self.nodes.push(Node {
                        name: name.to_string(),
                        kind: NodeKind::Question(q.kind.clone()),
                        parent,
                        repeats: repeats.to_vec(),
                        path: path.clone(),
                        relevant: None,
                        required: Flag::No,
                        read_only: Flag::No,
                        constraint: None,
                        calculation: None,
                        default: None,
                        choice_filter: None,
                        repeat_count: None,
                        list,
                        range,
                        in_field_list,
                    });
                }
                Item::Group(g) => {
                    if g.items.is_empty() {
                        self.push(
                            DiagKind::Structure,
                            place.clone(),
                            format!("group `{name}` is empty"),
                            format!("nhóm `{name}` không có mục nào"),
                        );
                    }
                    self.nodes.push(Node {
                        name: name.to_string(),
                        kind: if g.repeat {
                            NodeKind::Repeat
                        } else {
                            NodeKind::Group
                        },
                        parent,
                        repeats: repeats.to_vec(),
                        path: path.clone(),
                        relevant: None,
                        required: Flag::No,
                        read_only: Flag::No,
                        constraint: None,
                        calculation: None,
                        default: None,
                        choice_filter: None,
                        repeat_count: None,
                        list: None,
                        range: None,
                        in_field_list,
                    });
                    let mut inner = repeats.to_vec();
                    if g.repeat {
                        inner.push(id);
                    }
                    let fl = in_field_list
                        || g.appearance.as_deref().is_some_and(|a| {
                            a.split_whitespace()
                                .any(|w| w == "field-list" || w == "table-list")
                        });
                    self.collect(&g.items, Some(id), &inner, path, fl);
                }
            }
            path.pop();
        }
    }

    /// pyxform's checks of the parameters of media, audit and geo questions.
    fn media_params(&mut self, q: &Question, place: &Place) {
        let Some(raw) = q.parameters.as_deref().filter(|p| !p.trim().is_empty()) else {
            return;
        };
        let params = parse_parameters(raw);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let accepted: &[&str] = match q.kind {
            QuestionType::Image => &["max-pixels", "app"],
            QuestionType::Audio => &["quality"],
            QuestionType::Audit => &[
                "track-changes",
                "track-changes-reasons",
                "identify-user",
                "location-priority",
                "location-min-interval",
                "location-max-age",
            ],
            QuestionType::Geopoint => &[
                "allow-mock-accuracy",
                "capture-accuracy",
                "warning-accuracy",
                "reference-geometry",
            ],
            QuestionType::Geotrace | QuestionType::Geoshape => {
                &["allow-mock-accuracy", "incremental", "reference-geometry"]
            }
            _ => return,
        };
        let mut problems: Vec<(String, String)> = Vec::new();
        if raw
            .split([' ', '\t', ',', ';'])
            .any(|kv| !kv.is_empty() && !kv.contains('='))
        {
            problems.push((
                format!("parameters must be `name=value` pairs, not `{raw}`"),
                format!("tham số phải là các cặp `tên=giá trị`, không phải `{raw}`"),
            ));
        }
        for (k, _) in &params {
            if !accepted.contains(&k.as_str()) {
                let list = accepted.join(", ");
                problems.push((
                    format!("parameter `{k}` is not accepted here (accepted: {list})"),
                    format!("không chấp nhận tham số `{k}` ở đây (được chấp nhận: {list})"),
                ));
            }
        }
        let int = |k: &str| get(k).map(|v| v.parse::<i64>().ok().filter(|n| *n >= 0));
        let one_of = |k: &str, allowed: &[&str], problems: &mut Vec<(String, String)>| {
            if let Some(v) = get(k)
                && !allowed.contains(&v)
            {
                let list = allowed.join(", ");
                problems.push((
                    format!("parameter `{k}` must be one of {list}, not `{v}`"),
                    format!("tham số `{k}` phải là một trong {list}, không phải `{v}`"),
                ));
            }
        };
        match q.kind {
            QuestionType::Image => {
                if let Some(None) = int("max-pixels") {
                    problems.push((
                        "parameter `max-pixels` must be a whole number".into(),
                        "tham số `max-pixels` phải là một số nguyên".into(),
                    ));
                }
            }
            QuestionType::Audio => one_of(
                "quality",
                &["voice-only", "low", "normal", "external"],
                &mut problems,
            ),
            QuestionType::Geopoint | QuestionType::Geotrace | QuestionType::Geoshape => {
                one_of("allow-mock-accuracy", &["true", "false"], &mut problems);
                one_of("incremental", &["true"], &mut problems);
                for k in ["capture-accuracy", "warning-accuracy"] {
                    if get(k).is_some_and(|v| v.parse::<f64>().is_err()) {
                        problems.push((
                            format!("parameter `{k}` must be a number"),
                            format!("tham số `{k}` phải là một số"),
                        ));
                    }
                }
            }
            QuestionType::Audit => {
                one_of("track-changes", &["true", "false"], &mut problems);
                one_of("identify-user", &["true", "false"], &mut problems);
                one_of("track-changes-reasons", &["on-form-edit"], &mut problems);
                let loc = [
                    "location-priority",
                    "location-min-interval",
                    "location-max-age",
                ];
                let given = loc.iter().filter(|k| get(k).is_some()).count();
                if given > 0 && given < 3 {
                    problems.push((
                        "to log locations in the audit, `location-priority`, `location-min-interval` and `location-max-age` are all required".into(),
                        "để ghi vị trí trong nhật ký, cần đủ cả `location-priority`, `location-min-interval` và `location-max-age`".into(),
                    ));
                } else if given == 3 {
                    one_of(
                        "location-priority",
                        &["no-power", "low-power", "balanced", "high-accuracy"],
                        &mut problems,
                    );
                    match (int("location-min-interval"), int("location-max-age")) {
                        (Some(Some(min)), Some(Some(max))) if max >= min => {}
                        (Some(Some(_)), Some(Some(_))) => problems.push((
                            "`location-max-age` must be at least `location-min-interval`".into(),
                            "`location-max-age` phải lớn hơn hoặc bằng `location-min-interval`".into(),
                        )),
                        _ => problems.push((
                            "`location-min-interval` and `location-max-age` must be whole numbers ≥ 0".into(),
                            "`location-min-interval` và `location-max-age` phải là số nguyên ≥ 0".into(),
                        )),
                    }
                }
            }
            _ => {}
        }
        for (en, vi) in problems {
            self.push(
                DiagKind::Type,
                Place {
                    property: Some("parameters".into()),
                    ..place.clone()
                },
                en,
                vi,
            );
        }
    }

    fn range_params(&mut self, q: &Question, place: &Place) -> Option<(f64, f64, f64)> {
        let (mut start, mut end, mut step) = (1.0, 10.0, 1.0);
        let mut ok = true;
        for kv in q
            .parameters
            .as_deref()
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        {
            if kv.is_empty() {
                continue;
            }
            let Some((k, v)) = kv.split_once('=') else {
                ok = false;
                continue;
            };
            let n = str_to_number(v);
            match k.trim() {
                "start" if !n.is_nan() => start = n,
                "end" if !n.is_nan() => end = n,
                "step" if !n.is_nan() && n > 0.0 => step = n,
                _ => ok = false,
            }
        }
        if !ok {
            self.push(
                DiagKind::Type,
                Place { property: Some("parameters".into()), ..place.clone() },
                format!("range parameters must be `start=… end=… step=…` with numbers, not `{}`", q.parameters.as_deref().unwrap_or("")),
                format!("tham số của thang đo phải có dạng `start=… end=… step=…` với các số, không phải `{}`", q.parameters.as_deref().unwrap_or("")),
            );
            return None;
        }
        Some((start, end, step))
    }

    fn parse_all(&mut self) {
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

    fn place(&self, id: u32, prop: &str, pos: Option<crate::expr::Position>) -> Place {
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
    fn check_expr(&mut self, e: &mut Expr, ctx: &Ctx, as_nodes: bool) -> Ty {
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

    /// Topological order of nodes; reports cycles.
    fn order(&mut self) -> Vec<u32> {
        let n = self.nodes.len();
        let mut deps: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                deps[i].insert(p);
            }
            let mut add = |e: &Expr| {
                e.walk(&mut |x| {
                    if let Expr::Ref { id, .. } = x
                        && (*id as usize) < n
                        && *id as usize != i
                    {
                        deps[i].insert(*id);
                    }
                })
            };
            for e in [&node.relevant, &node.calculation, &node.repeat_count]
                .into_iter()
                .flatten()
            {
                add(e);
            }
            if let Some(DefaultValue::Dynamic(e)) = &node.default {
                add(e);
            }
        }
        let self_refs: Vec<u32> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, node)| {
                let mut hit = false;
                if let Some(c) = &node.calculation {
                    c.walk(&mut |x| hit |= matches!(x, Expr::Ref { id, .. } if *id as usize == *i));
                }
                hit
            })
            .map(|(i, _)| i as u32)
            .collect();
        for i in self_refs {
            let name = self.nodes[i as usize].name.clone();
            let place = self.place(i, "calculation", None);
            self.push(
                DiagKind::Cycle,
                place,
                format!("the calculation of `{name}` refers to itself"),
                format!("công thức của `{name}` tham chiếu chính nó"),
            );
        }
        // Kahn's algorithm, smallest index first (document order).
        let mut indeg: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
        let mut users: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, d) in deps.iter().enumerate() {
            for &j in d {
                users[j as usize].push(i as u32);
            }
        }
        let mut ready: BTreeSet<u32> = (0..n as u32).filter(|&i| indeg[i as usize] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &u in &users[i as usize] {
                indeg[u as usize] -= 1;
                if indeg[u as usize] == 0 {
                    ready.insert(u);
                }
            }
        }
        if order.len() < n {
            let mut reported = BTreeSet::new();
            let left: BTreeSet<u32> = (0..n as u32).filter(|i| indeg[*i as usize] > 0).collect();
            for &start in &left {
                if reported.contains(&start) {
                    continue;
                }
                if let Some(cycle) = find_cycle(start, &deps, &left) {
                    if cycle.iter().any(|c| reported.contains(c)) {
                        continue;
                    }
                    reported.extend(cycle.iter().copied());
                    let names: Vec<String> = cycle
                        .iter()
                        .chain(cycle.first())
                        .map(|&c| format!("${{{}}}", self.nodes[c as usize].name))
                        .collect();
                    let first = cycle[0];
                    let prop = if self.nodes[first as usize].calculation.is_some() {
                        "calculation"
                    } else {
                        "relevant"
                    };
                    let place = self.place(first, prop, None);
                    let chain = names.join(" → ");
                    self.push(
                        DiagKind::Cycle,
                        place,
                        format!(
                            "calculations or conditions depend on each other in a cycle: {chain}"
                        ),
                        format!(
                            "các công thức hoặc điều kiện phụ thuộc lẫn nhau thành vòng: {chain}"
                        ),
                    );
                }
            }
        }
        order
    }
}

fn find_cycle(start: u32, deps: &[BTreeSet<u32>], left: &BTreeSet<u32>) -> Option<Vec<u32>> {
    // Walk dependencies inside `left` until a node repeats.
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut path = Vec::new();
    let mut cur = start;
    loop {
        if let Some(&i) = seen.get(&cur) {
            return Some(path[i..].to_vec());
        }
        seen.insert(cur, path.len());
        path.push(cur);
        cur = *deps[cur as usize].iter().find(|d| left.contains(d))?;
    }
}

struct Ctx {
    owner: Option<u32>,
    prop: &'static str,
    filter: Option<usize>,
    /// True in the choice filter of a select from a file: bare names are the file's columns,
    /// checked against the file when it is attached (`crate::media::check_media`).
    file_filter: bool,
}

/// True when node `id` is a select whose choices come from a form media file.
fn is_file_select(nodes: &[Node], id: Option<u32>) -> bool {
    id.and_then(|id| nodes.get(id as usize))
        .is_some_and(|n| matches!(&n.kind, NodeKind::Question(k) if k.file().is_some()))
}

/// XLSForm `parameters` as pyxform reads them: `key=value` pairs separated by spaces, `,` or
/// `;`; keys lower-cased, values lower-cased except `label` and `value`.
pub fn parse_parameters(raw: &str) -> Vec<(String, String)> {
    raw.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| {
            let k = k.to_lowercase();
            let v = if k == "label" || k == "value" {
                v.to_string()
            } else {
                v.to_lowercase()
            };
            (k, v)
        })
        .collect()
}
