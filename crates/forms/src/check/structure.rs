//! Choice lists, names, the tree of groups and repeats, and the audit: what is checked
//! before any expression is parsed.

use super::{Checker, Flag, Node, NodeKind, is_valid_name};
use crate::diag::{DiagKind, Place};
use crate::model::{Item, QuestionType};
use std::collections::BTreeSet;

impl<'a> Checker<'a> {
    /// The audit log is `meta/audit` in the XForm: one per form, not inside a repeat.
    pub(super) fn check_audit(&mut self) {
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

    pub(super) fn check_lists(&mut self) {
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

    pub(super) fn collect(
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
}
