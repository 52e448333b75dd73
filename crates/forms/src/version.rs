//! Versions: a published form is immutable; a new version keeps variable names so that survey
//! waves (before a policy, after it) compare.
//!
//! The app stores each published version; editing goes through a new draft checked with
//! [`check_new_version`] against the last published one.

use crate::diag::{DiagKind, Diagnostic, Place};
use crate::model::{Form, QuestionType};
use std::collections::HashMap;

/// Refuses to edit a published form.
pub fn ensure_editable(form: &Form) -> Result<(), Box<Diagnostic>> {
    if form.published {
        Err(Box::new(Diagnostic::new(
            DiagKind::Version,
            format!(
                "version {} of form `{}` is published and cannot change: make a new version",
                form.version, form.id
            ),
            format!(
                "phiên bản {} của biểu mẫu `{}` đã công bố, không thể sửa: hãy tạo phiên bản mới",
                form.version, form.id
            ),
        )))
    } else {
        Ok(())
    }
}

/// A draft of the next version: a copy of `published` with a new version string, not published.
pub fn new_draft(published: &Form, version: &str) -> Form {
    Form {
        version: version.to_string(),
        published: false,
        ..published.clone()
    }
}

/// Checks that `draft` can follow `published`: same form id, a different version, and every
/// variable of the published version still there with the same type, choice list and choice
/// values (new questions and new choices may be added).
pub fn check_new_version(published: &Form, draft: &Form) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut push = |item: Option<&str>, en: String, vi: String| {
        out.push(Diagnostic {
            kind: DiagKind::Version,
            place: Place {
                item: item.map(str::to_string),
                ..Place::default()
            },
            message_en: en,
            message_vi: vi,
        });
    };
    if draft.id != published.id {
        push(
            None,
            format!(
                "the form id changed from `{}` to `{}`",
                published.id, draft.id
            ),
            format!(
                "mã biểu mẫu đã đổi từ `{}` thành `{}`",
                published.id, draft.id
            ),
        );
    }
    if draft.version == published.version {
        push(
            None,
            format!("the new version must not reuse version `{}`", draft.version),
            format!(
                "phiên bản mới không được dùng lại số phiên bản `{}`",
                draft.version
            ),
        );
    }
    let new: HashMap<&str, &QuestionType> = draft
        .questions()
        .into_iter()
        .map(|q| (q.name.as_str(), &q.kind))
        .collect();
    for q in published.questions() {
        let name = q.name.as_str();
        match new.get(name) {
            None => push(
                Some(name),
                format!("variable `{name}` was removed: waves would no longer compare"),
                format!("biến `{name}` đã bị xoá: các đợt khảo sát sẽ không so sánh được"),
            ),
            Some(kind) if **kind != q.kind => push(
                Some(name),
                format!(
                    "variable `{name}` changed type from `{}` to `{kind}`",
                    q.kind
                ),
                format!("biến `{name}` đã đổi kiểu từ `{}` thành `{kind}`", q.kind),
            ),
            Some(_) => {
                if let Some(list) = q.kind.list() {
                    let (Some(old), Some(newl)) = (published.list(list), draft.list(list)) else {
                        continue;
                    };
                    for c in &old.choices {
                        if !newl.choices.iter().any(|n| n.name == c.name) {
                            push(
                                Some(name),
                                format!(
                                    "choice `{}` of list `{list}` was removed: answers of earlier waves would lose their meaning",
                                    c.name
                                ),
                                format!(
                                    "lựa chọn `{}` của danh sách `{list}` đã bị xoá: câu trả lời của các đợt trước sẽ mất nghĩa",
                                    c.name
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Choice, ChoiceList, Item, Question, Text};

    fn form() -> Form {
        Form {
            id: "wave".into(),
            version: "2026-01".into(),
            title: "Wave".into(),
            items: vec![
                Item::Question(Question {
                    name: "age".into(),
                    kind: QuestionType::Integer,
                    label: Text::plain("Age"),
                    ..Question::default()
                }),
                Item::Question(Question {
                    name: "trust".into(),
                    kind: QuestionType::SelectOne("l5".into()),
                    label: Text::plain("Trust"),
                    ..Question::default()
                }),
            ],
            choices: vec![ChoiceList {
                name: "l5".into(),
                choices: (1..=5)
                    .map(|i| Choice {
                        name: i.to_string(),
                        label: Text::plain(&i.to_string()),
                        ..Choice::default()
                    })
                    .collect(),
            }],
            ..Form::default()
        }
    }

    #[test]
    fn published_forms_are_immutable() {
        let mut f = form();
        assert!(ensure_editable(&f).is_ok());
        f.published = true;
        assert!(
            ensure_editable(&f)
                .unwrap_err()
                .message_en
                .contains("cannot change")
        );
        let d = new_draft(&f, "2026-06");
        assert!(ensure_editable(&d).is_ok());
        assert!(check_new_version(&f, &d).is_empty());
    }

    #[test]
    fn new_versions_keep_variables() {
        let old = form();
        let mut new = new_draft(&old, "2026-01");
        new.items.remove(0);
        if let Item::Question(q) = &mut new.items[0] {
            q.kind = QuestionType::SelectMultiple("l5".into());
        }
        new.choices[0].choices.pop();
        let msgs: Vec<String> = check_new_version(&old, &new)
            .into_iter()
            .map(|d| d.message_en)
            .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("must not reuse version"));
        assert!(msgs[1].contains("`age` was removed"));
        assert!(msgs[2].contains("changed type from `select_one l5` to `select_multiple l5`"));
        let mut added = new_draft(&old, "2");
        added.choices[0].choices.push(Choice {
            name: "9".into(),
            label: Text::plain("Don't know"),
            ..Choice::default()
        });
        added.choices[0].choices.remove(0);
        let msgs: Vec<String> = check_new_version(&old, &added)
            .into_iter()
            .map(|d| d.message_en)
            .collect();
        assert_eq!(
            msgs,
            [
                "choice `1` of list `l5` was removed: answers of earlier waves would lose their meaning"
            ]
        );
    }
}
