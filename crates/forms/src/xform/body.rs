//! The body of a checked form's XForm: the case question, then a control per question (none
//! for calculations and hidden fields), groups, repeats with their `jr:count` and their
//! `odk-new-repeat` `setvalue`s, and pyxform's table-list header.

use super::paths::{Child, is_table_list, plain_reference};
use super::write::{Gen, number};
use super::xml;
use super::{CASE_FIELD, CASE_INSTANCE};
use crate::check::NodeKind;
use crate::model::QuestionType;

impl Gen<'_> {
    /// The body: the case question, then every control.
    pub(super) fn body(&mut self) -> String {
        let mut out = String::new();
        if let Some(cases) = &self.settings.case_list {
            let path = format!("/{}/{CASE_FIELD}", self.l.root);
            let label = self.text_element("label", &path, &cases.label.clone(), None, &[]);
            out.push_str(&format!(
                "<select1 ref=\"{}\">{label}<itemset nodeset=\"instance('{CASE_INSTANCE}')/root/item\"><value ref=\"name\"/><label ref=\"label\"/></itemset></select1>",
                xml::attr(&path)
            ));
        }
        let top = self.l.top.clone();
        for c in &top {
            out.push_str(&self.control(c));
        }
        out
    }

    fn itemset(&self, id: u32, with_filter: bool) -> String {
        let form = self.form();
        let node = &form.nodes[id as usize];
        let Some(list) = node.list else {
            return self.file_itemset(id);
        };
        let mut nodeset = format!("instance('{}')/root/item", form.form.choices[list].name);
        if with_filter && let Some(f) = form.question(id).and_then(|q| q.choice_filter.as_deref()) {
            let pred = self.l.expression(f, &self.l.context_of(id), true);
            nodeset.push_str(&format!("[{pred}]"));
        }
        let label = if self.list_uses_itext(list) {
            "jr:itext(itextId)"
        } else {
            "label"
        };
        format!(
            "<itemset nodeset=\"{}\"><value ref=\"name\"/><label ref=\"{label}\"/></itemset>",
            xml::attr(&nodeset)
        )
    }

    /// The itemset of a select from a file, as pyxform writes it: the file's secondary
    /// instance, the choice filter as a predicate, the `value=`/`label=` columns.
    fn file_itemset(&self, id: u32) -> String {
        let form = self.form();
        let Some(q) = form.question(id) else {
            return String::new();
        };
        let Some(file) = q.kind.file() else {
            return String::new();
        };
        let mut nodeset = format!("instance('{}')/root/item", crate::media::instance_id(file));
        if let Some(f) = q.choice_filter.as_deref().filter(|f| !f.trim().is_empty()) {
            let pred = self.l.expression(f, &self.l.context_of(id), true);
            nodeset.push_str(&format!("[{pred}]"));
        }
        let (value, label) = crate::media::value_label_columns(q);
        format!(
            "<itemset nodeset=\"{}\"><value ref=\"{}\"/><label ref=\"{}\"/></itemset>",
            xml::attr(&nodeset),
            xml::attr(&value),
            xml::attr(&label)
        )
    }

    /// The control of one child of the data tree (empty for nodes without one).
    fn control(&mut self, c: &Child) -> String {
        let form = self.l.form;
        let path = self.l.child_path(c);
        let attr = |k: &str, v: Option<&str>| match v {
            Some(v) => format!(" {k}=\"{}\"", xml::attr(v)),
            None => String::new(),
        };
        let id = match c {
            Child::Node(id) => *id,
            Child::RepeatCount { .. } => return String::new(),
            Child::TableLabel { group, .. } => {
                let g = form.group(*group).expect("a table-list is a group");
                let text = self.wording(&g.label, &g.interviewer_label).clone();
                let ctx = self.l.context_inside(*group);
                let label = self.text_element("label", &path, &text, None, &ctx);
                return format!("<input{}>{label}</input>", attr("ref", Some(&path)));
            }
            Child::TableHeader { select, .. } => {
                let tag = match &form.nodes[*select as usize].kind {
                    NodeKind::Question(QuestionType::SelectMultiple(_)) => "select",
                    NodeKind::Question(QuestionType::Rank(_)) => "odk:rank",
                    _ => "select1",
                };
                let items = self.itemset(*select, false);
                return format!(
                    "<{tag}{}{}>{items}</{tag}>",
                    attr("ref", Some(&path)),
                    attr("appearance", Some("label"))
                );
            }
        };
        let node = &form.nodes[id as usize];
        let ctx = self.l.context_of(id);
        match &node.kind {
            NodeKind::Question(kind) => {
                let Some(q) = form.question(id) else {
                    return String::new();
                };
                let tag = match kind {
                    QuestionType::Calculate | QuestionType::Hidden => return String::new(),
                    k if k.is_metadata() => return String::new(),
                    k if k.is_media() => "upload",
                    QuestionType::SelectOne(_) | QuestionType::SelectOneFromFile(_) => "select1",
                    QuestionType::SelectMultiple(_) | QuestionType::SelectMultipleFromFile(_) => {
                        "select"
                    }
                    QuestionType::Rank(_) => "odk:rank",
                    QuestionType::Range => "range",
                    QuestionType::Acknowledge => "trigger",
                    _ => "input",
                };
                let appearance = if self.l.list_nolabel[id as usize] {
                    Some("list-nolabel")
                } else {
                    q.appearance.as_deref().filter(|a| !a.trim().is_empty())
                };
                let mut attrs = attr("ref", Some(&path)) + &attr("appearance", appearance);
                if let Some(m) = media_type(kind) {
                    attrs += &attr("mediatype", Some(m));
                }
                if kind.is_geo() {
                    // pyxform: geo parameters that are control attributes.
                    let params =
                        crate::check::parse_parameters(q.parameters.as_deref().unwrap_or(""));
                    let get =
                        |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                    if *kind == QuestionType::Geopoint {
                        attrs += &attr("accuracyThreshold", get("capture-accuracy"));
                        attrs += &attr("unacceptableAccuracyThreshold", get("warning-accuracy"));
                    } else if get("incremental").is_some() {
                        attrs += &attr("incremental", Some("true"));
                    }
                }
                if let (QuestionType::Range, Some((a, b, s))) = (kind, node.range) {
                    attrs += &(attr("start", Some(&number(a)))
                        + &attr("end", Some(&number(b)))
                        + &attr("step", Some(&number(s))));
                }
                let text = self.wording(&q.label, &q.interviewer_label).clone();
                let label = self.text_element("label", &path, &text, None, &ctx);
                let hint = self.text_element("hint", &path, &q.hint, Some(&q.guidance_hint), &ctx);
                let items = if q.kind.list().is_some() || q.kind.file().is_some() {
                    self.itemset(id, true)
                } else {
                    String::new()
                };
                format!("<{tag}{attrs}>{label}{hint}{items}</{tag}>")
            }
            NodeKind::Group | NodeKind::Repeat => {
                let Some(g) = form.group(id) else {
                    return String::new();
                };
                let table = is_table_list(g.appearance.as_deref());
                let text = self.wording(&g.label, &g.interviewer_label).clone();
                let label = if table {
                    String::new()
                } else {
                    self.text_element("label", &path, &text, None, &ctx)
                };
                let inner = self.l.inner[id as usize].clone();
                let mut kids = String::new();
                for k in &inner {
                    kids.push_str(&self.control(k));
                }
                let appearance = if table {
                    let rest = g
                        .appearance
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .filter(|w| *w != "table-list");
                    Some(
                        std::iter::once("field-list")
                            .chain(rest)
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                } else {
                    g.appearance.clone().filter(|a| !a.trim().is_empty())
                };
                if node.kind == NodeKind::Group {
                    return format!(
                        "<group{}{}>{label}{kids}</group>",
                        attr("ref", Some(&path)),
                        attr("appearance", appearance.as_deref())
                    );
                }
                let count = g.repeat_count.as_deref().map(|c| match plain_reference(c) {
                    Some(_) => self.l.expression(c, &ctx, false),
                    None => self.l.count_reference(id),
                });
                kids.push_str(&self.repeat_setvalues(id));
                format!(
                    "<group{}>{label}<repeat{}{}{}>{kids}</repeat></group>",
                    attr("ref", Some(&path)),
                    attr("nodeset", Some(&path)),
                    attr("appearance", appearance.as_deref()),
                    attr("jr:count", count.as_deref())
                )
            }
        }
    }

    /// `setvalue`s on `odk-new-repeat` for the dynamic defaults of a repeat's own questions
    /// (those not in a nested repeat).
    fn repeat_setvalues(&self, repeat: u32) -> String {
        let form = self.form();
        let mut out = String::new();
        for (i, node) in form.nodes.iter().enumerate() {
            if node.repeats.last() != Some(&repeat) {
                continue;
            }
            if let Some(value) = self.dynamic_default(i as u32) {
                out.push_str(&format!(
                    "<setvalue ref=\"{}\" event=\"odk-new-repeat\" value=\"{}\"/>",
                    xml::attr(&self.l.paths[i]),
                    xml::attr(&value)
                ));
            }
        }
        out
    }
}

/// The `mediatype` of an upload control, as pyxform writes it.
fn media_type(kind: &QuestionType) -> Option<&'static str> {
    Some(match kind {
        QuestionType::Image => "image/*",
        QuestionType::Audio => "audio/*",
        QuestionType::Video => "video/*",
        QuestionType::File => "application/*",
        _ => return None,
    })
}
