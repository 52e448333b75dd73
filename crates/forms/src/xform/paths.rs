//! The data tree of a form's XForm: its root name, each node's path, the nodes pyxform adds
//! (table-list headers, repeat counts), and `${name}` references turned into paths.

use crate::check::{CheckedForm, NodeKind, is_valid_name};
use crate::expr::{Expr, parse_expression, split_template};

/// The name of the primary instance's root element: the form id when it is an ASCII XML name
/// (every XML parser agrees on those), else `data` (pyxform's name).
pub fn root_name(form: &CheckedForm) -> String {
    let id = form.form.id.trim();
    if is_valid_name(id)
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    {
        id.to_string()
    } else {
        "data".to_string()
    }
}

/// One element of the data tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Child {
    /// A node of the checked form.
    Node(u32),
    /// pyxform's note carrying a `table-list` group's label.
    TableLabel { name: String, group: u32 },
    /// pyxform's header select of a `table-list` group (the choice labels as column titles),
    /// placed before the group's first select `select`.
    TableHeader { name: String, select: u32 },
    /// pyxform's calculate holding a repeat count that is not a plain `${name}`.
    RepeatCount { name: String, repeat: u32 },
}

/// The data tree of a checked form.
pub(crate) struct Layout<'a> {
    pub(crate) form: &'a CheckedForm,
    pub(crate) root: String,
    /// The root's children.
    pub(crate) top: Vec<Child>,
    /// Each group's or repeat's children (empty for questions).
    pub(crate) inner: Vec<Vec<Child>>,
    /// Each node's absolute path.
    pub(crate) paths: Vec<String>,
    /// Each node's enclosing groups and repeats, outermost first.
    pub(crate) ancestors: Vec<Vec<u32>>,
    /// The `audit` question, which pyxform moves to `meta/audit`.
    pub(crate) audit: Option<u32>,
    /// Selects pyxform writes as rows of a `table-list` (appearance `list-nolabel`).
    pub(crate) list_nolabel: Vec<bool>,
    /// pyxform's table-list state while laying out, in document order: set by the begin of a
    /// `table-list` group (`Some(header written)`), cleared by the end of any group, so a
    /// group nested in a table-list keeps it until its own end.
    table_state: Option<bool>,
}

/// True for a `table-list` group (pyxform turns it into a field-list with a header).
pub(crate) fn is_table_list(appearance: Option<&str>) -> bool {
    appearance.is_some_and(|a| a.split_whitespace().any(|w| w == "table-list"))
}

/// A repeat count that is exactly `${name}` (used directly as `jr:count`).
pub(crate) fn plain_reference(src: &str) -> Option<&str> {
    let s = src.trim();
    let name = s.strip_prefix("${")?.strip_suffix('}')?;
    is_valid_name(name).then_some(name)
}

impl<'a> Layout<'a> {
    pub(crate) fn new(form: &'a CheckedForm) -> Layout<'a> {
        let n = form.nodes.len();
        let mut layout = Layout {
            form,
            root: root_name(form),
            top: Vec::new(),
            inner: vec![Vec::new(); n],
            paths: vec![String::new(); n],
            ancestors: vec![Vec::new(); n],
            audit: None,
            list_nolabel: vec![false; n],
            table_state: None,
        };
        let top: Vec<u32> = (0..n as u32)
            .filter(|&i| form.nodes[i as usize].parent.is_none())
            .collect();
        // The row of each item in duluan's XLSForm export (header on row 1), which pyxform uses
        // to name the nodes it adds.
        let mut row = 2usize;
        let root_path = format!("/{}", layout.root);
        layout.top = layout.children(&top, None, &root_path, &[], &mut row);
        layout
    }

    fn children(
        &mut self,
        ids: &[u32],
        group: Option<u32>,
        parent_path: &str,
        ancestors: &[u32],
        row: &mut usize,
    ) -> Vec<Child> {
        let form = self.form;
        let mut out = Vec::new();
        let table =
            group.filter(|&g| is_table_list(form.group(g).and_then(|g| g.appearance.as_deref())));
        if let Some(g) = table {
            self.table_state = Some(false);
            if form.group(g).is_some_and(|g| !g.label.is_empty()) {
                out.push(Child::TableLabel {
                    name: format!("generated_table_list_label_{}", *row - 1),
                    group: g,
                });
            }
        }
        for &id in ids {
            let node = &form.nodes[id as usize];
            let path = format!("{parent_path}/{}", node.name);
            self.paths[id as usize] = path.clone();
            self.ancestors[id as usize] = ancestors.to_vec();
            match &node.kind {
                NodeKind::Question(crate::model::QuestionType::Audit) => {
                    // pyxform: the audit log is always `meta/audit`, wherever its row is.
                    self.paths[id as usize] = format!("/{}/meta/audit", self.root);
                    self.ancestors[id as usize] = Vec::new();
                    self.audit = Some(id);
                    *row += 1;
                }
                NodeKind::Question(kind) => {
                    if let Some(header_done) = self.table_state
                        && kind.list().is_some()
                    {
                        if !header_done {
                            self.table_state = Some(true);
                            out.push(Child::TableHeader {
                                name: format!("reserved_name_for_field_list_labels_{row}"),
                                select: id,
                            });
                        }
                        self.list_nolabel[id as usize] = true;
                    }
                    *row += 1;
                    out.push(Child::Node(id));
                }
                NodeKind::Group | NodeKind::Repeat => {
                    let repeat_count = form
                        .group(id)
                        .and_then(|g| g.repeat_count.as_deref())
                        .filter(|c| node.kind == NodeKind::Repeat && plain_reference(c).is_none());
                    if repeat_count.is_some() {
                        out.push(Child::RepeatCount {
                            name: format!("{}_count", node.name),
                            repeat: id,
                        });
                    }
                    *row += 1;
                    let mut inner_ancestors = ancestors.to_vec();
                    inner_ancestors.push(id);
                    let kids = form.children[id as usize].clone();
                    let inner = self.children(&kids, Some(id), &path, &inner_ancestors, row);
                    self.inner[id as usize] = inner;
                    // pyxform: the end of any group ends the table-list.
                    self.table_state = None;
                    *row += 1;
                    out.push(Child::Node(id));
                }
            }
        }
        out
    }

    /// The path of a child of the data tree.
    pub(crate) fn child_path(&self, child: &Child) -> String {
        match child {
            Child::Node(id) => self.paths[*id as usize].clone(),
            Child::TableLabel { name, group } => format!("{}/{name}", self.paths[*group as usize]),
            Child::TableHeader { name, select } => {
                format!("{}/{name}", self.parent_path(*select))
            }
            Child::RepeatCount { name, repeat } => {
                format!("{}/{name}", self.parent_path(*repeat))
            }
        }
    }

    /// The path of a node's parent (the root's for top-level nodes).
    pub(crate) fn parent_path(&self, id: u32) -> String {
        match self.form.nodes[id as usize].parent {
            Some(p) => self.paths[p as usize].clone(),
            None => format!("/{}", self.root),
        }
    }

    /// The `jr:count` of a repeat whose count pyxform holds in a calculate `REPEAT_count`
    /// (the repeat's sibling): relative inside an enclosing repeat, as pyxform writes it.
    pub(crate) fn count_reference(&self, repeat: u32) -> String {
        let name = format!("{}_count", self.form.nodes[repeat as usize].name);
        let in_repeat = self.ancestors[repeat as usize]
            .iter()
            .any(|&a| self.form.nodes[a as usize].kind == NodeKind::Repeat);
        if in_repeat {
            format!(" ../{name} ")
        } else {
            format!(" {}/{name} ", self.parent_path(repeat))
        }
    }

    /// The context of expressions written on a node: its enclosing groups and repeats.
    pub(crate) fn context_of(&self, id: u32) -> Vec<u32> {
        self.ancestors[id as usize].clone()
    }

    /// The context of expressions written on a node's children.
    pub(crate) fn context_inside(&self, id: u32) -> Vec<u32> {
        let mut c = self.ancestors[id as usize].clone();
        c.push(id);
        c
    }

    /// The path of `target` as written in an expression of a node whose enclosing groups and
    /// repeats are `context`: relative (`../name`) when both are in a common repeat, as pyxform
    /// writes it, else absolute; surrounded by spaces, as pyxform writes it.
    pub(crate) fn reference(&self, target: u32, context: &[u32], use_current: bool) -> String {
        let target_anc = &self.ancestors[target as usize];
        let common = context
            .iter()
            .zip(target_anc.iter())
            .take_while(|(a, b)| a == b)
            .count();
        let in_common_repeat = context[..common]
            .iter()
            .any(|&a| self.form.nodes[a as usize].kind == NodeKind::Repeat);
        if !in_common_repeat {
            return format!(" {} ", self.paths[target as usize]);
        }
        let steps = context.len() - common + 1;
        let mut rel = vec![".."; steps].join("/");
        for &a in &target_anc[common..] {
            rel.push('/');
            rel.push_str(&self.form.nodes[a as usize].name);
        }
        rel.push('/');
        rel.push_str(&self.form.nodes[target as usize].name);
        if use_current {
            format!(" current()/{rel} ")
        } else {
            format!(" {rel} ")
        }
    }

    /// An XLSForm expression with every `${name}` replaced by its path (as pyxform does: also
    /// inside string literals, where `jr:choice-name` reads a path; absolute inside the
    /// repeat and node arguments of `indexed-repeat`).
    pub(crate) fn expression(&self, src: &str, context: &[u32], use_current: bool) -> String {
        let absolute = indexed_repeat_spans(src);
        let mut out = String::with_capacity(src.len() + 16);
        let mut pos = 0;
        for (literal, name) in split_template(src) {
            out.push_str(literal);
            pos += literal.len();
            let Some(name) = name else { continue };
            let written = name.len() + 3;
            match self.form.by_name.get(name) {
                Some(&id) => {
                    if absolute.iter().any(|&(s, e)| pos >= s && pos < e) {
                        out.push_str(&format!(" {} ", self.paths[id as usize]));
                    } else {
                        out.push_str(&self.reference(id, context, use_current));
                    }
                }
                None => out.push_str(&src[pos..pos + written]),
            }
            pos += written;
        }
        out
    }

    /// A label or hint as XForm markup: text escaped, `${name}` as `<output value="…"/>`.
    pub(crate) fn label_markup(&self, text: &str, context: &[u32]) -> String {
        let mut out = String::new();
        for (literal, name) in split_template(text) {
            out.push_str(&super::xml::text(literal));
            let Some(name) = name else { continue };
            match self.form.by_name.get(name) {
                Some(&id) => {
                    let value = self.reference(id, context, false);
                    out.push_str(&format!("<output value=\"{}\"/>", super::xml::attr(&value)));
                }
                None => out.push_str(&super::xml::text(&format!("${{{name}}}"))),
            }
        }
        out
    }
}

/// Byte ranges of the arguments of `indexed-repeat` that pyxform writes as absolute paths (the
/// node, the repeats; not the positions).
fn indexed_repeat_spans(src: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if !src.contains("indexed-repeat") {
        return spans;
    }
    if let Ok(e) = parse_expression(src) {
        e.walk(&mut |x| {
            if let Expr::Call { name, args, .. } = x
                && name == "indexed-repeat"
            {
                for i in [0, 1, 3, 5] {
                    if let Some(a) = args.get(i) {
                        let s = a.span();
                        spans.push((s.start, s.end));
                    }
                }
            }
        });
    }
    spans
}
