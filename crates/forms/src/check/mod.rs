//! The form checker: names, types, choice lists, every expression (syntax, unknown names,
//! arity, types) and cycles among calculations and relevance conditions.
//!
//! [`check_form`] returns every problem at once, or a [`CheckedForm`]: the form with its
//! expressions parsed and resolved and an evaluation order, ready for the response engine.

mod expression;
mod order;
mod params;
mod properties;
mod structure;

pub use params::parse_parameters;

use crate::diag::{DiagKind, Diagnostic, Place};
use crate::expr::{Expr, parse_expression};
use crate::functions::Func;
use crate::model::{Form, Group, Item, Question, QuestionType};
use std::collections::HashMap;

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
    fn push(&mut self, kind: DiagKind, place: Place, en: String, vi: String) {
        self.diags.push(Diagnostic {
            kind,
            place,
            message_en: en,
            message_vi: vi,
        });
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
