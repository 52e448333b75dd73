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

mod compute;
mod env;
mod evaluation;
mod validate;

pub use validate::{is_plain_file_name, parse_geopoint};

use crate::check::{CheckedForm, NodeKind};
use crate::media::MediaTable;
use crate::model::{Choice, ChoiceList, QuestionType};
use crate::value::{DateTime, Days, Value};
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

struct Ctx<'s, 'a> {
    st: &'s State<'a>,
    owner: u32,
    key: &'s [u32],
    current: Value,
    choice: Option<&'a Choice>,
}
