//! What a respondent sees of a page: a [`StepView`] built from the forms engine's evaluation
//! (questions with their inputs, values, choices and issues; position among the relevant
//! pages; the add/remove controls of an open repeat's instance). Plain data, rendered by
//! whichever mode shows it (a web template, an e-mail, a telephone script, a paper layout).

use duluan_forms::{Engine, Evaluation, Page, QuestionType};

use crate::surveys::model::field_name;

/// One choice as shown.
pub struct ChoiceLine {
    /// Value stored.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected now.
    pub checked: bool,
    /// Element id.
    pub id: String,
}

/// One question as shown.
pub struct QuestionLine {
    /// Field name in the posted form.
    pub field: String,
    /// Input kind: `text`, `textarea`, `integer`, `decimal`, `date`, `time`, `datetime`,
    /// `one`, `dropdown`, `many`, `note`, `ack`.
    pub input: &'static str,
    /// Label.
    pub label: String,
    /// Hint.
    pub hint: String,
    /// Guidance for an interviewer (interviewer mode only; empty otherwise).
    pub guidance: String,
    /// Current value.
    pub value: String,
    /// Required.
    pub required: bool,
    /// Read-only.
    pub read_only: bool,
    /// Error shown beside it.
    pub error: Option<String>,
    /// Choices.
    pub choices: Vec<ChoiceLine>,
    /// A rank question: the choice at each position (empty when not ranked yet), one select
    /// per position.
    pub ranks: Vec<String>,
    /// A location question's shape for the map widget: `point`, `trace` or `shape` (empty for
    /// other questions).
    pub geo: &'static str,
}

/// "Add another" and "remove" for an instance of a repeat whose number of instances the
/// respondent decides (no `repeat_count`).
pub struct RepeatControls {
    /// The repeat's title.
    pub label: String,
    /// Button value adding an instance after this one: `add:NAME:0.1`.
    pub add: String,
    /// Button value removing this instance: `remove:NAME:0.1`.
    pub remove: String,
    /// More than one instance exists (the last one stays).
    pub can_remove: bool,
}

/// A page as shown.
pub struct StepView {
    /// Page id.
    pub page_id: String,
    /// Group title.
    pub title: String,
    /// The questions.
    pub questions: Vec<QuestionLine>,
    /// A previous page exists.
    pub has_prev: bool,
    /// No relevant page follows.
    pub is_last: bool,
    /// Position among the relevant pages, 1-based.
    pub position: usize,
    /// Number of relevant pages.
    pub total: usize,
    /// Add and remove buttons when the page belongs to an instance of an open repeat.
    pub repeat: Option<RepeatControls>,
}

impl StepView {
    /// A location question is on the page: it needs the map widget's script.
    pub fn has_map(&self) -> bool {
        self.questions
            .iter()
            .any(|q| !q.geo.is_empty() && !q.read_only)
    }
}

/// Choices of a select from a file past which it shows as a list box (a dropdown for one
/// choice, a multiple-selection list for several) instead of one line per choice.
pub const LONG_FILE_LIST: usize = 20;

fn input_of(kind: &QuestionType, appearance: Option<&str>, choices: usize) -> &'static str {
    let app = appearance.unwrap_or("");
    match kind {
        QuestionType::SelectOneFromFile(_)
            if app.contains("minimal") || choices > LONG_FILE_LIST =>
        {
            "dropdown"
        }
        QuestionType::SelectOneFromFile(_) => "one",
        QuestionType::SelectMultipleFromFile(_) if choices > LONG_FILE_LIST => "many-list",
        QuestionType::SelectMultipleFromFile(_) => "many",
        QuestionType::Text if app.contains("multiline") => "textarea",
        QuestionType::Integer => "integer",
        QuestionType::Decimal => "decimal",
        QuestionType::Date => "date",
        QuestionType::Time => "time",
        QuestionType::DateTime => "datetime",
        QuestionType::SelectOne(_) if app.contains("minimal") => "dropdown",
        QuestionType::SelectOne(_) | QuestionType::Range => "one",
        QuestionType::SelectMultiple(_) => "many",
        QuestionType::Rank(_) => "rank",
        QuestionType::Note => "note",
        QuestionType::Acknowledge => "ack",
        // Photos, recordings and files arrive only from OpenRosa devices (ODK Collect).
        k if k.is_media() => "media",
        QuestionType::Geopoint | QuestionType::Geotrace | QuestionType::Geoshape => "geo",
        _ => "text",
    }
}

/// The page `page_id` of an evaluation, as shown; issues only when `show_issues`.
pub fn build_step(
    engine: &Engine,
    eval: &Evaluation,
    page_id: &str,
    show_issues: bool,
) -> StepView {
    let relevant: Vec<&str> = eval
        .pages
        .iter()
        .filter(|p| p.relevant)
        .map(|p| p.id.as_str())
        .collect();
    let position = relevant.iter().position(|p| *p == page_id).unwrap_or(0) + 1;
    let page = eval.pages.iter().find(|p| p.id == page_id);
    let mut questions = Vec::new();
    if let Some(page) = page {
        for &i in &page.questions {
            let q = &eval.questions[i];
            if !q.relevant || !q.kind.is_shown() {
                continue;
            }
            let appearance = engine
                .form()
                .by_name
                .get(&q.name)
                .and_then(|&id| engine.form().question(id))
                .and_then(|qq| qq.appearance.clone());
            let field = field_name(&q.name, &q.instance);
            let input = input_of(&q.kind, appearance.as_deref(), q.choices.len());
            let mut choices: Vec<ChoiceLine> = q
                .choices
                .iter()
                .enumerate()
                .map(|(k, c)| ChoiceLine {
                    checked: if input == "many" || input == "many-list" {
                        q.value.split(' ').any(|v| v == c.name)
                    } else {
                        q.value == c.name
                    },
                    value: c.name.clone(),
                    label: c.label.clone(),
                    id: format!("{}-{k}", field.replace('.', "-")),
                })
                .collect();
            if matches!(q.kind, QuestionType::Range) {
                let (start, end, step) = engine
                    .form()
                    .node(&q.name)
                    .and_then(|n| n.range)
                    .unwrap_or((1.0, 5.0, 1.0));
                let mut v = start;
                let mut k = 0;
                while v <= end + 1e-9 && k < 100 {
                    let s = if v.fract() == 0.0 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    };
                    choices.push(ChoiceLine {
                        checked: q.value == s,
                        id: format!("{}-{k}", field.replace('.', "-")),
                        label: s.clone(),
                        value: s,
                    });
                    v += step.max(1e-6);
                    k += 1;
                }
            }
            let ranks = if input == "rank" {
                let mut r: Vec<String> = q.value.split_whitespace().map(str::to_string).collect();
                r.resize(q.choices.len().max(r.len()), String::new());
                r
            } else {
                Vec::new()
            };
            questions.push(QuestionLine {
                field,
                input,
                label: q.label.clone(),
                hint: q.hint.clone(),
                guidance: q.guidance.clone(),
                value: if input == "datetime" {
                    q.value.chars().take(16).collect()
                } else {
                    q.value.clone()
                },
                required: q.required,
                read_only: q.read_only,
                error: if show_issues {
                    q.issue.as_ref().map(|i| i.message.clone())
                } else {
                    None
                },
                choices,
                ranks,
                geo: match q.kind {
                    QuestionType::Geopoint => "point",
                    QuestionType::Geotrace => "trace",
                    QuestionType::Geoshape => "shape",
                    _ => "",
                },
            });
        }
    }
    let repeat = page.and_then(|p| repeat_controls(engine, eval, p));
    StepView {
        page_id: page_id.to_string(),
        title: page.map(|p| p.title.clone()).unwrap_or_default(),
        questions,
        has_prev: position > 1,
        is_last: eval.next_page(Some(page_id)).is_none(),
        position,
        total: relevant.len(),
        repeat,
    }
}

/// The innermost repeat without `repeat_count` holding the questions of `page`, with the
/// instance key of the page: `(repeat node id, key)`.
fn open_repeat_of(engine: &Engine, eval: &Evaluation, page: &Page) -> Option<(u32, Vec<u32>)> {
    let form = engine.form();
    let q = page.questions.first().map(|&i| &eval.questions[i])?;
    let node = form.node(&q.name)?;
    let &rid = node.repeats.last()?;
    let open = form.group(rid).is_some_and(|g| g.repeat_count.is_none());
    let depth = node.repeats.len();
    (open && q.instance.len() == depth).then(|| (rid, q.instance.clone()))
}

fn repeat_controls(engine: &Engine, eval: &Evaluation, page: &Page) -> Option<RepeatControls> {
    let (rid, key) = open_repeat_of(engine, eval, page)?;
    let form = engine.form();
    let name = &form.nodes[rid as usize].name;
    // A one-page repeat's page carries its title in the respondent's language; otherwise the
    // title in the questionnaire's default language.
    let label = Some(page.title.clone())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            form.group(rid).and_then(|g| {
                g.label
                    .get("", form.form.default_language.as_deref())
                    .map(str::to_string)
            })
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| name.clone());
    let parent = &key[..key.len() - 1];
    let count = eval
        .questions
        .iter()
        .filter(|q| {
            form.node(&q.name)
                .is_some_and(|n| n.repeats.len() == key.len() && n.repeats.last() == Some(&rid))
                && q.instance.starts_with(parent)
        })
        .map(|q| q.instance[key.len() - 1])
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let path = key
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(".");
    Some(RepeatControls {
        label,
        add: format!("add:{name}:{path}"),
        remove: format!("remove:{name}:{path}"),
        can_remove: count > 1,
    })
}
