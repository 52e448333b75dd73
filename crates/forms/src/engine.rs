//! The response engine shared by every collection mode (web, email, telephone, paper entry).
//!
//! Given a checked form, the answers so far ([`Record`]), a language, a mode and the clock
//! ([`Options`]), [`Engine::evaluate`] says for every question instance whether it is relevant,
//! required, read-only and valid (with a message in the chosen language), its value (computed
//! ones included), its wording and choices, how the form is cut into pages, and the record to
//! store. It is a pure function of its inputs: the same inputs give the same output.
//!
//! ODK semantics: a non-relevant group or repeat instance hides everything inside it; the value
//! of a non-relevant question is cleared (expressions see `''`) and is not in the stored record;
//! a constraint is checked only on a non-empty answer and sees the answer as `.`; calculations,
//! relevance conditions, defaults and repeat counts are evaluated in dependency order (computed
//! when the form was checked); an absent answer takes the question's default, an answer present
//! but empty stays empty; `once()` keeps the value the record already holds.

use crate::check::{CheckedForm, DefaultValue, Flag, NodeKind};
use crate::eval::{Env, EvalError, evaluate};
use crate::expr::Expr;
use crate::media::MediaTable;
use crate::model::{Choice, ChoiceList, QuestionType, Text};
use crate::value::{DateTime, Days, Value, parse_date, parse_datetime, parse_time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Answers: question name → value, repeat name → instances. Groups do not nest; repeats do.
///
/// JSON: `{"age": "34", "members": [{"member_name": "Lan"}, {"member_name": "Minh"}]}`.
pub type Record = BTreeMap<String, Answer>;

/// One entry of a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A question's value (always a string, as in ODK).
    Value(String),
    /// The instances of a repeat.
    Repeat(Vec<Record>),
}

/// Who reads the questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The respondent reads (web, email, paper).
    #[default]
    SelfCompletion,
    /// An interviewer reads them out (telephone, face to face): `interviewer_label` wording.
    Interviewer,
}

/// The context of an evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// Language: a full XLSForm language name or its code (`vi`, `en`).
    pub language: String,
    /// Mode.
    pub mode: Mode,
    /// The clock: `now()`; `today()` is its local date.
    pub now: DateTime,
}

impl Options {
    /// Options for a language and mode at an instant.
    pub fn new(language: &str, mode: Mode, now: DateTime) -> Options {
        Options {
            language: language.to_string(),
            mode,
            now,
        }
    }
}

/// Why an answer is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Required and empty.
    Required,
    /// Not of the question's type (not a number, not a choice, …).
    Type,
    /// The constraint is false.
    Constraint,
    /// An expression could not be evaluated.
    Expression,
}

/// A problem with an answer, with the message to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// What kind.
    pub kind: IssueKind,
    /// The message in the requested language.
    pub message: String,
}

/// A choice as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceView {
    /// The value stored.
    pub name: String,
    /// The label in the requested language.
    pub label: String,
}

/// The state of one question instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionState {
    /// Variable name.
    pub name: String,
    /// Indices (from 0) of the enclosing repeat instances, outermost first.
    pub instance: Vec<u32>,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Asked?
    pub relevant: bool,
    /// Must be answered?
    pub required: bool,
    /// Shown but not editable?
    pub read_only: bool,
    /// The value (computed for calculations; empty when not relevant).
    pub value: String,
    /// Wording in the language and mode, with `${name}` replaced by values.
    pub label: String,
    /// Hint in the language.
    pub hint: String,
    /// Guidance for the interviewer (`guidance_hint`) in interviewer mode; empty otherwise.
    pub guidance: String,
    /// Choices offered (after the choice filter), for selects and rank.
    pub choices: Vec<ChoiceView>,
    /// Why the answer is not accepted, if it is not.
    pub issue: Option<Issue>,
}

/// A page: questions shown together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// Stable id: the group or question name with instance indices, e.g. `members[1]/age`.
    pub id: String,
    /// Title of a group page (its label in the language and mode, `${name}` filled in); empty
    /// for a single-question page.
    pub title: String,
    /// The group's appearance (`field-list`, `table-list` for a matrix), if a group page.
    pub appearance: Option<String>,
    /// Indices into [`Evaluation::questions`].
    pub questions: Vec<usize>,
    /// True when at least one of its questions is relevant.
    pub relevant: bool,
}

/// The result of [`Engine::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Every question instance in document order (calculations and hidden fields too).
    pub questions: Vec<QuestionState>,
    /// Pages in order (non-relevant ones included, flagged).
    pub pages: Vec<Page>,
    /// The record to store: relevant values only, computed values included.
    pub record: Record,
    /// Title of the record (`instance_name`), if the form has one.
    pub instance_name: Option<String>,
}

impl Evaluation {
    /// True when no relevant question has an issue.
    pub fn is_complete(&self) -> bool {
        self.questions
            .iter()
            .all(|q| !q.relevant || q.issue.is_none())
    }

    /// The relevant questions with an issue.
    pub fn issues(&self) -> impl Iterator<Item = &QuestionState> {
        self.questions
            .iter()
            .filter(|q| q.relevant && q.issue.is_some())
    }

    /// The state of question `name` in its first (or only) instance.
    pub fn question(&self, name: &str) -> Option<&QuestionState> {
        self.questions.iter().find(|q| q.name == name)
    }

    /// The state of question `name` in a given repeat instance.
    pub fn question_at(&self, name: &str, instance: &[u32]) -> Option<&QuestionState> {
        self.questions
            .iter()
            .find(|q| q.name == name && q.instance == instance)
    }

    /// The first relevant page after the page `current` (or the first page for `None`).
    pub fn next_page(&self, current: Option<&str>) -> Option<&Page> {
        let start = match current {
            None => 0,
            Some(id) => self.pages.iter().position(|p| p.id == id)? + 1,
        };
        self.pages[start..].iter().find(|p| p.relevant)
    }

    /// The last relevant page before the page `current`.
    pub fn previous_page(&self, current: &str) -> Option<&Page> {
        let end = self.pages.iter().position(|p| p.id == current)?;
        self.pages[..end].iter().rev().find(|p| p.relevant)
    }

    /// True when the relevant questions of page `id` have no issue (may move on).
    pub fn page_is_valid(&self, id: &str) -> bool {
        self.pages.iter().find(|p| p.id == id).is_some_and(|p| {
            p.questions
                .iter()
                .all(|&i| !self.questions[i].relevant || self.questions[i].issue.is_none())
        })
    }
}

/// Runs forms. Build it once per form version, call [`Engine::evaluate`] on every page.
#[derive(Debug, Clone)]
pub struct Engine {
    form: CheckedForm,
    media: std::sync::Arc<Media>,
}

/// The version's media files, parsed once: the tables `pulldata()` reads and, per select from
/// a file, its choices.
#[derive(Debug, Default)]
struct Media {
    tables: BTreeMap<String, MediaTable>,
    /// Node id → the choices of a select from a file, with their index by name.
    lists: HashMap<u32, (ChoiceList, HashMap<String, usize>)>,
}

#[derive(Debug, Clone, Default)]
struct Cell {
    value: String,
    relevant: bool,
}

struct State<'a> {
    form: &'a CheckedForm,
    media: &'a Media,
    input: &'a Record,
    opts: &'a Options,
    fallback: Option<&'a str>,
    today: Days,
    /// Per node: instance key → cell.
    cells: Vec<BTreeMap<Vec<u32>, Cell>>,
    /// Per repeat node: parent instance key → number of instances.
    counts: Vec<BTreeMap<Vec<u32>, u32>>,
}

/// Most instances of one repeat under one parent instance (a guard against a runaway
/// `repeat_count`).
pub const MAX_REPEAT_INSTANCES: u32 = 1000;

/// Most instances of one repeat in the whole record (nested repeats multiply).
pub const MAX_TOTAL_INSTANCES: u32 = 10_000;

impl Engine {
    /// An engine for a checked form.
    pub fn new(form: CheckedForm) -> Engine {
        Engine::with_media(form, BTreeMap::new())
    }

    /// An engine for a checked form and its version's media files (file name → table, see
    /// [`crate::media::parse_media`]): a select from a file offers the file's rows (its
    /// `choice_filter` over them) and accepts only their values; `pulldata()` reads the
    /// tables. A file the form names and `tables` lacks offers no choice and pulls nothing.
    pub fn with_media(form: CheckedForm, tables: BTreeMap<String, MediaTable>) -> Engine {
        let mut lists = HashMap::new();
        for (id, node) in form.nodes.iter().enumerate() {
            let NodeKind::Question(kind) = &node.kind else {
                continue;
            };
            let (Some(file), Some(q)) = (kind.file(), form.question(id as u32)) else {
                continue;
            };
            let Some(table) = tables.get(file) else {
                continue;
            };
            let (value, label) = crate::media::value_label_columns(q);
            let list = table.choices(file, &value, &label);
            let mut index = HashMap::new();
            for (i, c) in list.choices.iter().enumerate() {
                index.entry(c.name.clone()).or_insert(i);
            }
            lists.insert(id as u32, (list, index));
        }
        Engine {
            form,
            media: std::sync::Arc::new(Media { tables, lists }),
        }
    }

    /// The choices a select from a file offers before any choice filter (its file's rows);
    /// `None` for another question or when its file was not given.
    pub fn file_choices(&self, question: u32) -> Option<&ChoiceList> {
        self.media.lists.get(&question).map(|(list, _)| list)
    }

    /// The names of the media files the engine was given.
    pub fn media_files(&self) -> impl Iterator<Item = &str> {
        self.media.tables.keys().map(String::as_str)
    }

    /// Checks a form and builds its engine.
    pub fn from_form(form: &crate::model::Form) -> Result<Engine, Vec<crate::diag::Diagnostic>> {
        crate::check::check_form(form).map(Engine::new)
    }

    /// The checked form.
    pub fn form(&self) -> &CheckedForm {
        &self.form
    }

    /// Evaluates the answers so far.
    pub fn evaluate(&self, answers: &Record, opts: &Options) -> Evaluation {
        let f = &self.form;
        let n = f.nodes.len();
        let mut st = State {
            form: f,
            media: &self.media,
            input: answers,
            opts,
            fallback: f.form.default_language.as_deref(),
            today: opts.now.local_date(),
            cells: vec![BTreeMap::new(); n],
            counts: vec![BTreeMap::new(); n],
        };
        for &id in &f.order {
            st.compute(id);
        }
        st.finish()
    }
}

fn depth(form: &CheckedForm, id: u32) -> usize {
    let node = &form.nodes[id as usize];
    node.repeats.len() + usize::from(node.kind == NodeKind::Repeat)
}

impl<'a> State<'a> {
    /// Every instance key of the repeats `chain` (instances of the last repeat included).
    fn instances(&self, chain: &[u32], prefix: &[u32]) -> Vec<Vec<u32>> {
        let mut keys = vec![prefix.to_vec()];
        for &r in &chain[prefix.len().min(chain.len())..] {
            let mut next = Vec::new();
            for k in keys {
                let c = self.counts[r as usize].get(&k).copied().unwrap_or(0);
                for i in 0..c {
                    let mut kk = k.clone();
                    kk.push(i);
                    next.push(kk);
                }
            }
            keys = next;
        }
        keys
    }

    fn input_record(&self, chain: &[u32], key: &[u32]) -> Option<&'a Record> {
        let mut rec = self.input;
        for (r, &i) in chain.iter().zip(key) {
            match rec.get(&self.form.nodes[*r as usize].name)? {
                Answer::Repeat(v) => rec = v.get(i as usize)?,
                Answer::Value(_) => return None,
            }
        }
        Some(rec)
    }

    fn parent_relevant(&self, id: u32, key: &[u32]) -> bool {
        match self.form.nodes[id as usize].parent {
            None => true,
            Some(p) => {
                let d = depth(self.form, p);
                self.cells[p as usize]
                    .get(&key[..d.min(key.len())])
                    .is_some_and(|c| c.relevant)
            }
        }
    }

    fn eval_bool(
        &self,
        e: &Expr,
        owner: u32,
        key: &[u32],
        current: &str,
    ) -> Result<bool, EvalError> {
        let ctx = Ctx {
            st: self,
            owner,
            key,
            current: Value::Str(current.to_string()),
            choice: None,
        };
        Ok(evaluate(e, &ctx)?.to_bool())
    }

    fn compute(&mut self, id: u32) {
        let form = self.form;
        let node = &form.nodes[id as usize];
        let parent_keys = self.instances(&node.repeats, &[]);
        match &node.kind {
            NodeKind::Repeat => {
                let mut total = 0u32;
                for pk in parent_keys {
                    let count = match &node.repeat_count {
                        Some(e) => {
                            let ctx = Ctx {
                                st: self,
                                owner: id,
                                key: &pk,
                                current: Value::empty(),
                                choice: None,
                            };
                            let n = evaluate(e, &ctx).map(|v| v.to_num()).unwrap_or(0.0);
                            if n.is_finite() && n > 0.0 {
                                (n as u32).min(MAX_REPEAT_INSTANCES)
                            } else {
                                0
                            }
                        }
                        None => match self
                            .input_record(&node.repeats, &pk)
                            .and_then(|r| r.get(&node.name))
                        {
                            Some(Answer::Repeat(v)) => (v.len() as u32).min(MAX_REPEAT_INSTANCES),
                            _ => 0,
                        },
                    };
                    let count = count.min(MAX_TOTAL_INSTANCES.saturating_sub(total));
                    total += count;
                    self.counts[id as usize].insert(pk.clone(), count);
                    for i in 0..count {
                        let mut key = pk.clone();
                        key.push(i);
                        let rel = self.parent_relevant(id, &key)
                            && node
                                .relevant
                                .as_ref()
                                .is_none_or(|e| self.eval_bool(e, id, &key, "").unwrap_or(false));
                        self.cells[id as usize].insert(
                            key,
                            Cell {
                                value: String::new(),
                                relevant: rel,
                            },
                        );
                    }
                }
            }
            NodeKind::Group => {
                for key in parent_keys {
                    let rel = self.parent_relevant(id, &key)
                        && node
                            .relevant
                            .as_ref()
                            .is_none_or(|e| self.eval_bool(e, id, &key, "").unwrap_or(false));
                    self.cells[id as usize].insert(
                        key,
                        Cell {
                            value: String::new(),
                            relevant: rel,
                        },
                    );
                }
            }
            NodeKind::Question(_) => {
                for key in parent_keys {
                    let raw = match self
                        .input_record(&node.repeats, &key)
                        .and_then(|r| r.get(&node.name))
                    {
                        Some(Answer::Value(v)) => Some(v.clone()),
                        _ => None,
                    };
                    let cur = raw.clone().unwrap_or_default();
                    let rel = self.parent_relevant(id, &key)
                        && node
                            .relevant
                            .as_ref()
                            .is_none_or(|e| self.eval_bool(e, id, &key, &cur).unwrap_or(false));
                    let value = if !rel {
                        String::new()
                    } else if let Some(calc) = &node.calculation {
                        let ctx = Ctx {
                            st: self,
                            owner: id,
                            key: &key,
                            current: Value::Str(cur),
                            choice: None,
                        };
                        evaluate(calc, &ctx).map(|v| v.to_str()).unwrap_or_default()
                    } else if let Some(v) = raw {
                        v
                    } else {
                        match &node.default {
                            Some(DefaultValue::Literal(s)) => s.clone(),
                            Some(DefaultValue::Dynamic(e)) => {
                                let ctx = Ctx {
                                    st: self,
                                    owner: id,
                                    key: &key,
                                    current: Value::empty(),
                                    choice: None,
                                };
                                evaluate(e, &ctx).map(|v| v.to_str()).unwrap_or_default()
                            }
                            None => String::new(),
                        }
                    };
                    self.cells[id as usize].insert(
                        key,
                        Cell {
                            value,
                            relevant: rel,
                        },
                    );
                }
            }
        }
    }

    fn text(&self, t: &Text) -> String {
        t.get(&self.opts.language, self.fallback)
            .unwrap_or("")
            .to_string()
    }

    fn render(&self, t: &Text, owner: u32, key: &[u32]) -> String {
        let raw = self.text(t);
        if !raw.contains("${") {
            return raw;
        }
        let mut out = String::new();
        for (lit, name) in crate::expr::split_template(&raw) {
            out.push_str(lit);
            if let Some(name) = name
                && let Some(&id) = self.form.by_name.get(name)
            {
                let ctx = Ctx {
                    st: self,
                    owner,
                    key,
                    current: Value::empty(),
                    choice: None,
                };
                let v = ctx.value_of(id).map(|v| match v {
                    Value::Nodes(ns) => ns.join(", "),
                    other => other.to_str(),
                });
                out.push_str(&v.unwrap_or_default());
            }
        }
        out
    }

    fn choices(&self, id: u32, key: &[u32]) -> Vec<(&'a Choice, String)> {
        let form = self.form;
        let node = &form.nodes[id as usize];
        let list = match node.list {
            Some(li) => &form.form.choices[li],
            None => match self.media.lists.get(&id) {
                Some((list, _)) => list,
                None => return Vec::new(),
            },
        };
        list.choices
            .iter()
            .filter(|ch| match &node.choice_filter {
                None => true,
                Some(e) => {
                    let ctx = Ctx {
                        st: self,
                        owner: id,
                        key,
                        current: Value::empty(),
                        choice: Some(ch),
                    };
                    evaluate(e, &ctx).is_ok_and(|v| v.to_bool())
                }
            })
            .map(|ch| {
                // A choice without a label shows its name (as ODK Collect does).
                let label = if ch.label.is_empty() {
                    ch.name.clone()
                } else {
                    self.text(&ch.label)
                };
                (ch, label)
            })
            .collect()
    }

    fn message(&self, custom: &Text, vi: &str, en: &str) -> String {
        let m = self.text(custom);
        if !m.is_empty() {
            return m;
        }
        let lang = &self.opts.language;
        if crate::model::language_matches(lang, "en") || lang.to_lowercase().starts_with("english")
        {
            en.to_string()
        } else {
            vi.to_string()
        }
    }

    fn finish(self) -> Evaluation {
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

/// Checks a non-empty value against its type; returns (Vietnamese, English) messages.
fn type_problem(
    kind: &QuestionType,
    v: &str,
    choices: &[(&Choice, String)],
    range: Option<(f64, f64, f64)>,
) -> Option<(String, String)> {
    let offered = |x: &str| choices.iter().any(|(c, _)| c.name == x);
    let bad = |vi: &str, en: &str| Some((vi.to_string(), en.to_string()));
    match kind {
        QuestionType::Integer => {
            let t = v.trim();
            let body = t.strip_prefix('-').unwrap_or(t);
            if body.is_empty()
                || !body.bytes().all(|b| b.is_ascii_digit())
                || t.parse::<i64>().is_err()
            {
                return bad("Hãy nhập một số nguyên.", "Enter a whole number.");
            }
        }
        QuestionType::Decimal => {
            if crate::value::parse_number(v).is_nan() {
                return bad("Hãy nhập một số.", "Enter a number.");
            }
        }
        QuestionType::Range => {
            let n = crate::value::parse_number(v);
            let (start, end, step) = range.unwrap_or((1.0, 10.0, 1.0));
            let (lo, hi) = if start <= end {
                (start, end)
            } else {
                (end, start)
            };
            let steps = ((n - start) / step).abs();
            if n.is_nan() || n < lo || n > hi || (steps - steps.round()).abs() > 1e-9 {
                return Some((
                    format!(
                        "Hãy chọn một giá trị từ {} đến {}.",
                        crate::value::format_number(start),
                        crate::value::format_number(end)
                    ),
                    format!(
                        "Choose a value from {} to {}.",
                        crate::value::format_number(start),
                        crate::value::format_number(end)
                    ),
                ));
            }
        }
        QuestionType::Date => {
            if parse_date(v).is_none() {
                return bad(
                    "Hãy nhập ngày theo dạng YYYY-MM-DD.",
                    "Enter a date as YYYY-MM-DD.",
                );
            }
        }
        QuestionType::Time => {
            if parse_time(v).is_none() {
                return bad("Hãy nhập giờ theo dạng HH:MM.", "Enter a time as HH:MM.");
            }
        }
        QuestionType::DateTime => {
            if parse_datetime(v).is_none() {
                return bad(
                    "Hãy nhập ngày giờ theo dạng YYYY-MM-DDTHH:MM.",
                    "Enter a date and time as YYYY-MM-DDTHH:MM.",
                );
            }
        }
        QuestionType::SelectOne(_) | QuestionType::SelectOneFromFile(_) => {
            if !offered(v.trim()) {
                return bad(
                    "Hãy chọn một trong các lựa chọn được đưa ra.",
                    "Choose one of the options offered.",
                );
            }
        }
        QuestionType::SelectMultiple(_)
        | QuestionType::SelectMultipleFromFile(_)
        | QuestionType::Rank(_) => {
            let mut seen = Vec::new();
            for t in v.split_whitespace() {
                if !offered(t) || seen.contains(&t) {
                    return bad(
                        "Hãy chọn trong các lựa chọn được đưa ra, mỗi lựa chọn một lần.",
                        "Choose among the options offered, each at most once.",
                    );
                }
                seen.push(t);
            }
            if matches!(kind, QuestionType::Rank(_)) && seen.len() != choices.len() {
                return bad("Hãy xếp hạng tất cả các lựa chọn.", "Rank every option.");
            }
        }
        QuestionType::Acknowledge => {
            if v != "OK" {
                return bad(
                    "Giá trị xác nhận phải là OK.",
                    "The acknowledgement value must be OK.",
                );
            }
        }
        QuestionType::Text
        | QuestionType::Note
        | QuestionType::Calculate
        | QuestionType::Hidden
        | QuestionType::Barcode
        | QuestionType::Start
        | QuestionType::End
        | QuestionType::Today
        | QuestionType::DeviceId
        | QuestionType::Username
        | QuestionType::PhoneNumber
        | QuestionType::SimSerial
        | QuestionType::SubscriberId
        | QuestionType::Email
        | QuestionType::BackgroundAudio => {}
        QuestionType::Geopoint | QuestionType::StartGeopoint => {
            if let Err((vi, en)) = parse_geopoint(v) {
                return Some((vi, en));
            }
        }
        QuestionType::Geotrace | QuestionType::Geoshape => {
            let shape = *kind == QuestionType::Geoshape;
            let mut points = Vec::new();
            for (i, p) in v.split(';').enumerate() {
                if p.trim().is_empty() && i > 0 && i + 1 == v.split(';').count() {
                    // ODK Collect may end the list with `;`.
                    continue;
                }
                match parse_geopoint(p) {
                    Ok(pt) => points.push(pt),
                    Err((vi, en)) => {
                        return Some((
                            format!("Điểm thứ {}: {vi}", i + 1),
                            format!("Point {}: {en}", i + 1),
                        ));
                    }
                }
            }
            if shape {
                let closed = points.len() >= 4
                    && points.first().map(|p| (p[0], p[1])) == points.last().map(|p| (p[0], p[1]));
                if !closed {
                    return bad(
                        "Một vùng cần ít nhất 4 điểm, điểm cuối trùng với điểm đầu.",
                        "A shape needs at least 4 points, the last one equal to the first.",
                    );
                }
            } else if points.len() < 2 {
                return bad(
                    "Một đường cần ít nhất 2 điểm, cách nhau bởi dấu `;`.",
                    "A line needs at least 2 points, separated by `;`.",
                );
            }
        }
        QuestionType::Image
        | QuestionType::Audio
        | QuestionType::Video
        | QuestionType::File
        | QuestionType::Audit => {
            if !is_plain_file_name(v) {
                return bad(
                    "Tệp đính kèm phải là một tên tệp đơn giản (chữ, số, `.`, `-`, `_`), không có đường dẫn.",
                    "An attachment must be a plain file name (letters, digits, `.`, `-`, `_`), without a path.",
                );
            }
        }
    }
    None
}

struct Ctx<'s, 'a> {
    st: &'s State<'a>,
    owner: u32,
    key: &'s [u32],
    current: Value,
    choice: Option<&'a Choice>,
}

impl Ctx<'_, '_> {
    fn owner_chain(&self) -> &[u32] {
        if self.owner == u32::MAX {
            &[]
        } else {
            &self.st.form.chains[self.owner as usize]
        }
    }

    /// Values of node `id` seen from this context: one value or a node-set.
    fn value_of(&self, id: u32) -> Result<Value, EvalError> {
        let form = self.st.form;
        let target = &form.chains[id as usize];
        let own = self.owner_chain();
        let is_repeat = form.nodes[id as usize].kind == NodeKind::Repeat;
        // A repeat seen from inside itself still means all its instances (an absolute path).
        let shared = target.len() - usize::from(is_repeat);
        let common = target
            .iter()
            .zip(own)
            .take_while(|(a, b)| a == b)
            .count()
            .min(self.key.len())
            .min(shared);
        let cells = &self.st.cells[id as usize];
        if common == target.len() && !is_repeat {
            return Ok(Value::Str(
                cells
                    .get(&self.key[..common])
                    .map(|c| c.value.clone())
                    .unwrap_or_default(),
            ));
        }
        let keys = self.st.instances(target, &self.key[..common]);
        Ok(Value::Nodes(
            keys.iter()
                .map(|k| cells.get(k).map(|c| c.value.clone()).unwrap_or_default())
                .collect(),
        ))
    }
}

impl Env for Ctx<'_, '_> {
    fn reference(&self, id: u32, name: &str) -> Result<Value, EvalError> {
        let id = if (id as usize) < self.st.form.nodes.len() {
            id
        } else {
            *self
                .st
                .form
                .by_name
                .get(name)
                .ok_or_else(|| unknown(name))?
        };
        self.value_of(id)
    }

    fn count(&self, id: u32, name: &str) -> Result<usize, EvalError> {
        Ok(match self.reference(id, name)? {
            Value::Nodes(v) => v.len(),
            _ => 1,
        })
    }

    fn current(&self) -> Value {
        self.current.clone()
    }

    fn position(&self) -> Result<f64, EvalError> {
        match self.key.last() {
            Some(i) => Ok(f64::from(*i) + 1.0),
            None => Err(EvalError::new(
                "`position(..)` is used outside a repeat",
                "`position(..)` được dùng ngoài nhóm lặp",
            )),
        }
    }

    fn indexed(
        &self,
        field: (u32, &str),
        steps: &[((u32, &str), f64)],
    ) -> Result<Value, EvalError> {
        let form = self.st.form;
        let id = field.0;
        if id as usize >= form.nodes.len() {
            return Err(unknown(field.1));
        }
        let target = &form.chains[id as usize];
        let own = self.owner_chain();
        let mut key = Vec::new();
        for (k, r) in target.iter().enumerate() {
            if let Some((_, idx)) = steps.iter().find(|((sid, _), _)| sid == r) {
                if !idx.is_finite() || *idx < 1.0 {
                    return Ok(Value::empty());
                }
                key.push((*idx as u32).saturating_sub(1));
            } else if own.get(k) == Some(r) && k < self.key.len() {
                key.push(self.key[k]);
            } else {
                key.push(0);
            }
        }
        Ok(Value::Str(
            self.st.cells[id as usize]
                .get(&key)
                .map(|c| c.value.clone())
                .unwrap_or_default(),
        ))
    }

    fn choice_label(&self, select: (u32, &str), value: &str) -> Result<String, EvalError> {
        let form = self.st.form;
        if let Some((list, index)) = self.st.media.lists.get(&select.0) {
            let ch = index.get(value).map(|&i| &list.choices[i]);
            return Ok(ch.map(|c| self.st.text(&c.label)).unwrap_or_default());
        }
        let li = form
            .nodes
            .get(select.0 as usize)
            .and_then(|n| n.list)
            .ok_or_else(|| unknown(select.1))?;
        let ch = form.choice_index[li]
            .get(value)
            .map(|&i| &form.form.choices[li].choices[i]);
        Ok(ch.map(|c| self.st.text(&c.label)).unwrap_or_default())
    }

    fn choice_column(&self, name: &str) -> Result<Value, EvalError> {
        let Some(ch) = self.choice else {
            return Err(EvalError::new(
                format!("`{name}` can only be used in a choice filter"),
                format!("`{name}` chỉ dùng được trong bộ lọc lựa chọn"),
            ));
        };
        Ok(Value::Str(match name {
            "name" => ch.name.clone(),
            "label" => self.st.text(&ch.label),
            other => match other.strip_prefix("label::") {
                Some(lang) => ch.label.0.get(lang).cloned().unwrap_or_default(),
                None => ch.columns.get(other).cloned().unwrap_or_default(),
            },
        }))
    }

    fn pulldata(&self, file: &str, column: &str, key_column: &str, key: &str) -> Value {
        let file = crate::media::pulldata_file(file);
        Value::Str(
            self.st
                .media
                .tables
                .get(&file)
                .and_then(|t| t.lookup(column, key_column, key))
                .unwrap_or("")
                .to_string(),
        )
    }

    fn today(&self) -> Days {
        self.st.today
    }

    fn now(&self) -> DateTime {
        self.st.opts.now
    }

    fn regex(&self, pattern: &str) -> Option<&regex::Regex> {
        self.st.form.regexes.get(pattern)
    }
}

fn unknown(name: &str) -> EvalError {
    EvalError::new(
        format!("unknown question `${{{name}}}`"),
        format!("không có câu hỏi `${{{name}}}`"),
    )
}

/// A point as ODK writes it, `lat lon [alt [acc]]`: latitude in [-90, 90], longitude in
/// [-180, 180], altitude and accuracy numbers when present. Returns the numbers, or
/// (Vietnamese, English) messages.
pub fn parse_geopoint(v: &str) -> Result<Vec<f64>, (String, String)> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let nums: Vec<f64> = parts
        .iter()
        .map(|p| p.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .unwrap_or_default();
    if !(2..=4).contains(&parts.len()) || nums.len() != parts.len() {
        return Err((
            "Hãy nhập một vị trí dạng `vĩ độ kinh độ [độ cao] [độ chính xác]`.".into(),
            "Enter a location as `latitude longitude [altitude] [accuracy]`.".into(),
        ));
    }
    if !(-90.0..=90.0).contains(&nums[0]) {
        return Err((
            "Vĩ độ phải nằm trong khoảng từ -90 đến 90.".into(),
            "The latitude must be between -90 and 90.".into(),
        ));
    }
    if !(-180.0..=180.0).contains(&nums[1]) {
        return Err((
            "Kinh độ phải nằm trong khoảng từ -180 đến 180.".into(),
            "The longitude must be between -180 and 180.".into(),
        ));
    }
    Ok(nums)
}

/// True for an attachment name without a path: letters, digits, `.`, `-`, `_`, not `.` or `..`.
pub fn is_plain_file_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 255
        && v != "."
        && v != ".."
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}
