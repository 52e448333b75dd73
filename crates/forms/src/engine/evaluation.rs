//! Turning the computed cells into the [`Evaluation`]: each question's state and issue, the
//! pages, the record to store and its title.

use super::validate::type_problem;
use super::{
    Answer, ChoiceView, Ctx, Evaluation, Issue, IssueKind, Mode, Page, QuestionState, Record, State,
};
use crate::check::{Flag, NodeKind};
use crate::eval::{EvalError, evaluate};
use crate::model::{QuestionType, Text};
use crate::value::Value;
use std::collections::HashMap;

impl<'a> State<'a> {
    pub(super) fn finish(self) -> Evaluation {
        let form = self.form;
        let mut questions = Vec::new();
        let mut index: HashMap<(u32, Vec<u32>), usize> = HashMap::new();
        for (id, node) in form.nodes.iter().enumerate() {
            let id = id as u32;
            let NodeKind::Question(kind) = &node.kind else {
                continue;
            };
            let Some(q) = form.question(id) else { continue };
            let mut keys: Vec<&Vec<u32>> = self.cells[id as usize].keys().collect();
            keys.sort();
            for key in keys {
                let cell = &self.cells[id as usize][key];
                let eval_flag = |f: &Flag| match f {
                    Flag::No => Ok(false),
                    Flag::Yes => Ok(true),
                    Flag::When(e) => self.eval_bool(e, id, key, &cell.value),
                };
                let mut issue = None;
                let required = eval_flag(&node.required);
                let read_only = eval_flag(&node.read_only).unwrap_or(false);
                let choices = if cell.relevant {
                    self.choices(id, key)
                } else {
                    Vec::new()
                };
                // Metadata a device fills with a value of a type (a start location) is checked too.
                if cell.relevant
                    && (kind.is_input() || kind.is_media() || *kind == QuestionType::StartGeopoint)
                {
                    match &required {
                        Err(e) => issue = Some(expression_issue(&self, e)),
                        Ok(true) if cell.value.is_empty() => {
                            issue = Some(Issue {
                                kind: IssueKind::Required,
                                message: self.message(
                                    &q.required_message,
                                    "Câu hỏi này bắt buộc phải trả lời.",
                                    "This question is required.",
                                ),
                            })
                        }
                        _ => {}
                    }
                    if issue.is_none() && !cell.value.is_empty() {
                        if let Some((vi, en)) =
                            type_problem(kind, &cell.value, &choices, node.range)
                        {
                            issue = Some(Issue {
                                kind: IssueKind::Type,
                                message: self.message(&Text::default(), &vi, &en),
                            });
                        } else if let Some(c) = &node.constraint {
                            match self.eval_bool(c, id, key, &cell.value) {
                                Ok(true) => {}
                                Ok(false) => {
                                    issue = Some(Issue {
                                        kind: IssueKind::Constraint,
                                        message: self.message(
                                            &q.constraint_message,
                                            "Câu trả lời này không hợp lệ.",
                                            "Sorry, this response is not allowed.",
                                        ),
                                    })
                                }
                                Err(e) => issue = Some(expression_issue(&self, &e)),
                            }
                        }
                    }
                }
                let label_text = match self.opts.mode {
                    Mode::Interviewer if !q.interviewer_label.is_empty() => &q.interviewer_label,
                    _ => &q.label,
                };
                index.insert((id, key.clone()), questions.len());
                questions.push(QuestionState {
                    name: node.name.clone(),
                    instance: key.clone(),
                    kind: kind.clone(),
                    relevant: cell.relevant,
                    required: required.unwrap_or(false),
                    read_only,
                    value: cell.value.clone(),
                    label: if cell.relevant {
                        self.render(label_text, id, key)
                    } else {
                        self.text(label_text)
                    },
                    hint: self.text(&q.hint),
                    guidance: match self.opts.mode {
                        Mode::Interviewer => self.text(&q.guidance_hint),
                        Mode::SelfCompletion => String::new(),
                    },
                    choices: choices
                        .into_iter()
                        .map(|(c, l)| ChoiceView {
                            name: c.name.clone(),
                            label: l,
                        })
                        .collect(),
                    issue,
                });
            }
        }
        // Sort questions by document order then instance: walk the body.
        let mut ordered = Vec::with_capacity(questions.len());
        let mut pages = Vec::new();
        let top: Vec<u32> = form
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.parent.is_none())
            .map(|(i, _)| i as u32)
            .collect();
        self.walk_pages(&top, &[], &index, &mut ordered, &mut pages, None);
        let mut remap = vec![usize::MAX; questions.len()];
        for (new, &old) in ordered.iter().enumerate() {
            remap[old] = new;
        }
        let mut slots: Vec<Option<QuestionState>> = questions.into_iter().map(Some).collect();
        let questions: Vec<QuestionState> =
            ordered.iter().filter_map(|&i| slots[i].take()).collect();
        for p in &mut pages {
            for q in &mut p.questions {
                *q = remap[*q];
            }
            p.relevant = p.questions.iter().any(|&i| questions[i].relevant);
        }
        let record = self.record(&top, &[]);
        let instance_name = form.instance_name.as_ref().and_then(|e| {
            let ctx = Ctx {
                st: &self,
                owner: u32::MAX,
                key: &[],
                current: Value::empty(),
                choice: None,
            };
            evaluate(e, &ctx).ok().map(|v| v.to_str())
        });
        Evaluation {
            questions,
            pages,
            record,
            instance_name,
        }
    }

    fn children(&self, id: u32) -> &'a [u32] {
        &self.form.children[id as usize]
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_pages(
        &self,
        ids: &[u32],
        key: &[u32],
        index: &HashMap<(u32, Vec<u32>), usize>,
        ordered: &mut Vec<usize>,
        pages: &mut Vec<Page>,
        page: Option<usize>,
    ) {
        for &id in ids {
            let node = &self.form.nodes[id as usize];
            let key_path = |k: &[u32]| {
                let mut s = node.name.clone();
                if !k.is_empty() {
                    s = format!(
                        "{}[{}]",
                        s,
                        k.iter()
                            .map(|i| (i + 1).to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
                s
            };
            match &node.kind {
                NodeKind::Question(kind) => {
                    let Some(&qi) = index.get(&(id, key.to_vec())) else {
                        continue;
                    };
                    ordered.push(qi);
                    if !kind.is_shown() {
                        continue;
                    }
                    match page {
                        Some(p) => pages[p].questions.push(qi),
                        None => pages.push(Page {
                            id: key_path(key),
                            title: String::new(),
                            appearance: None,
                            questions: vec![qi],
                            relevant: false,
                        }),
                    }
                }
                NodeKind::Group | NodeKind::Repeat => {
                    let field_list = page.is_none()
                        && self
                            .form
                            .group(id)
                            .and_then(|g| g.appearance.as_deref())
                            .is_some_and(|a| {
                                a.split_whitespace()
                                    .any(|w| w == "field-list" || w == "table-list")
                            });
                    let kids = self.children(id);
                    let keys: Vec<Vec<u32>> = if node.kind == NodeKind::Repeat {
                        let c = self.counts[id as usize].get(key).copied().unwrap_or(0);
                        (0..c).map(|i| [key, &[i]].concat()).collect()
                    } else {
                        vec![key.to_vec()]
                    };
                    for k in keys {
                        let p = if field_list {
                            let group = self.form.group(id);
                            let title = group.map_or(String::new(), |g| {
                                let t = match self.opts.mode {
                                    Mode::Interviewer if !g.interviewer_label.is_empty() => {
                                        &g.interviewer_label
                                    }
                                    _ => &g.label,
                                };
                                self.render(t, id, &k)
                            });
                            pages.push(Page {
                                id: key_path(&k),
                                title,
                                appearance: group.and_then(|g| g.appearance.clone()),
                                questions: Vec::new(),
                                relevant: false,
                            });
                            Some(pages.len() - 1)
                        } else {
                            page
                        };
                        self.walk_pages(kids, &k, index, ordered, pages, p);
                        if field_list && pages.last().is_some_and(|p| p.questions.is_empty()) {
                            pages.pop();
                        }
                    }
                }
            }
        }
    }

    fn record(&self, ids: &[u32], key: &[u32]) -> Record {
        let mut rec = Record::new();
        for &id in ids {
            let node = &self.form.nodes[id as usize];
            match &node.kind {
                NodeKind::Question(kind) => {
                    if *kind == QuestionType::Note {
                        continue;
                    }
                    if let Some(c) = self.cells[id as usize].get(key)
                        && c.relevant
                    {
                        rec.insert(node.name.clone(), Answer::Value(c.value.clone()));
                    }
                }
                NodeKind::Group => {
                    if self.cells[id as usize].get(key).is_some_and(|c| c.relevant) {
                        rec.extend(self.record(self.children(id), key));
                    }
                }
                NodeKind::Repeat => {
                    let c = self.counts[id as usize].get(key).copied().unwrap_or(0);
                    let kids = self.children(id);
                    let mut instances = Vec::new();
                    for i in 0..c {
                        let k = [key, &[i]].concat();
                        if self.cells[id as usize].get(&k).is_some_and(|c| c.relevant) {
                            instances.push(self.record(kids, &k));
                        }
                    }
                    if !instances.is_empty() {
                        rec.insert(node.name.clone(), Answer::Repeat(instances));
                    }
                }
            }
        }
        rec
    }
}

fn expression_issue(st: &State<'_>, e: &EvalError) -> Issue {
    Issue {
        kind: IssueKind::Expression,
        message: st.message(&Text::default(), &e.message_vi, &e.message_en),
    }
}
