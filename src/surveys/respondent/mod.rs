//! The respondent engine (*người trả lời*): a questionnaire answered page by page, without
//! HTTP. It applies the posted answers of a page, adds and removes instances of open repeats,
//! decides where the respondent goes next (a page, with or without its issues, or completion),
//! builds what a page shows ([`StepView`]) and reads and writes the stored record.
//!
//! Rule: nothing here knows how the answers arrived. No axum, http, tower or askama type, no
//! `AppState`, `Ctx`, cookies, headers or status codes; inputs are the forms engine, the record,
//! the posted values as plain `(field, value)` pairs and the language ([`Tr`], the translation
//! helper); outputs are plain types ([`StepView`], [`Outcome`], [`Record`]). Every rule is
//! evaluated by the forms engine (`duluan_forms`), never here a second time.
//!
//! Callers: web collection (`collect.rs`: public link, token) and the designer's preview today;
//! e-mail, telephone, paper and OpenRosa collection call the same functions, so that a
//! questionnaire behaves the same in every mode.

#[cfg(test)]
mod tests;
mod view;

pub use view::{ChoiceLine, QuestionLine, RepeatControls, StepView, build_step};

use chrono::Utc;
use duluan_forms::{Engine, Evaluation, Mode, Options, QuestionType, Record};

use crate::surveys::model::{field_name, set_answer};
use crate::web::i18n::Tr;

/// The instances of the repeat `rid` under the instance `parent` of its enclosing repeats.
fn instances_mut<'a>(
    form: &duluan_forms::check::CheckedForm,
    record: &'a mut Record,
    rid: u32,
    parent: &[u32],
) -> Option<&'a mut Vec<Record>> {
    let node = &form.nodes[rid as usize];
    if node.repeats.len() != parent.len() {
        return None;
    }
    let mut current = record;
    for (r, &i) in node.repeats.iter().zip(parent) {
        let name = &form.nodes[*r as usize].name;
        match current.get_mut(name) {
            Some(duluan_forms::Answer::Repeat(v)) => current = v.get_mut(i as usize)?,
            _ => return None,
        }
    }
    let entry = current
        .entry(node.name.clone())
        .or_insert_with(|| duluan_forms::Answer::Repeat(Vec::new()));
    match entry {
        duluan_forms::Answer::Repeat(v) => Some(v),
        duluan_forms::Answer::Value(_) => None,
    }
}

/// Gives every repeat without `repeat_count` that was never answered one empty instance, so
/// that the respondent sees it (and can add more or remove it down to one).
pub fn ensure_open_repeats(form: &duluan_forms::check::CheckedForm, record: &mut Record) {
    fn walk(items: &[duluan_forms::Item], record: &mut Record) {
        for it in items {
            let duluan_forms::Item::Group(g) = it else {
                continue;
            };
            if !g.repeat {
                walk(&g.items, record);
                continue;
            }
            if g.repeat_count.is_none() && !record.contains_key(&g.name) {
                record.insert(
                    g.name.clone(),
                    duluan_forms::Answer::Repeat(vec![Record::new()]),
                );
            }
            if let Some(duluan_forms::Answer::Repeat(instances)) = record.get_mut(&g.name) {
                for inst in instances {
                    walk(&g.items, inst);
                }
            }
        }
    }
    walk(&form.form.items, record);
}

/// Adds an instance after, or removes, the instance `path` (`0.2`) of the open repeat `name`;
/// returns the instance key to show next. Only repeats without `repeat_count`; at most 200
/// instances; the last instance is never removed.
fn change_repeat(
    form: &duluan_forms::check::CheckedForm,
    record: &mut Record,
    name: &str,
    path: &str,
    add: bool,
) -> Option<Vec<u32>> {
    let &rid = form.by_name.get(name)?;
    if form.nodes[rid as usize].kind != duluan_forms::check::NodeKind::Repeat
        || form.group(rid).is_none_or(|g| g.repeat_count.is_some())
    {
        return None;
    }
    let key: Vec<u32> = path
        .split('.')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    let (&own, parent) = key.split_last()?;
    let instances = instances_mut(form, record, rid, parent)?;
    let own = own as usize;
    if own >= instances.len() {
        return None;
    }
    let next = if add {
        if instances.len() >= 200 {
            return None;
        }
        instances.insert(own + 1, Record::new());
        own + 1
    } else {
        if instances.len() <= 1 {
            return None;
        }
        instances.remove(own);
        own.saturating_sub(1)
    };
    let mut k = parent.to_vec();
    k.push(next as u32);
    Some(k)
}

/// The first page showing a question of instance `key` of the repeat `rid`.
fn page_of_instance(engine: &Engine, eval: &Evaluation, rid: u32, key: &[u32]) -> Option<String> {
    let form = engine.form();
    eval.pages
        .iter()
        .find(|p| {
            p.relevant
                && p.questions.iter().any(|&i| {
                    let q = &eval.questions[i];
                    form.node(&q.name).is_some_and(|n| {
                        n.repeats.get(key.len() - 1) == Some(&rid) && q.instance.starts_with(key)
                    })
                })
        })
        .map(|p| p.id.clone())
}

/// Engine options for a respondent in the interface language.
pub fn options(tr: Tr) -> Options {
    let now = Utc::now();
    Options::new(
        tr.lang().code(),
        Mode::SelfCompletion,
        duluan_forms::DateTime {
            epoch_ms: now.timestamp_millis(),
            offset_minutes: 420,
        },
    )
}

/// What a posted step leads to.
pub enum Outcome {
    /// Show this page (with issues when the respondent tried to move on).
    Show {
        /// Page id.
        page: String,
        /// Show the issues.
        issues: bool,
        /// The answers were saved for later.
        saved: bool,
    },
    /// Every page is valid: the response is complete; the record to store.
    Complete(Record),
}

/// Applies the posted answers of a page to `answers` and decides where to go. `fields` are the
/// posted `(field, value)` pairs: `page` names the page answered, `nav` the move (`prev`,
/// `save`, `add:REPEAT:0.1`, `remove:REPEAT:0.1`, anything else is "next"), and each question's
/// field (`model::field_name`) its value, repeated for a multiple choice. Only the relevant,
/// writable questions of that page are taken; values are trimmed, NFC-normalised and cut at
/// 10,000 characters.
pub fn step(
    engine: &Engine,
    answers: &mut Record,
    fields: &[(String, String)],
    opts: &Options,
) -> Outcome {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let current = get("page").to_string();
    let nav = get("nav").to_string();
    ensure_open_repeats(engine.form(), answers);
    let before = engine.evaluate(answers, opts);
    if let Some(page) = before.pages.iter().find(|p| p.id == current) {
        for &i in &page.questions {
            let q = &before.questions[i];
            if !q.relevant || !q.kind.is_input() || q.read_only {
                continue;
            }
            let field = field_name(&q.name, &q.instance);
            let values: Vec<&str> = fields
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            let mut value = values.join(" ");
            if matches!(q.kind, QuestionType::DateTime) && value.len() == 16 {
                value.push_str(":00");
            }
            let value: String = unicode_normalization::UnicodeNormalization::nfc(value.as_str())
                .take(10_000)
                .collect();
            set_answer(answers, engine.form(), &q.name, &q.instance, value);
        }
    }
    let change = nav
        .strip_prefix("add:")
        .map(|r| (true, r))
        .or_else(|| nav.strip_prefix("remove:").map(|r| (false, r)));
    if let Some((add, rest)) = change {
        let (name, path) = rest.rsplit_once(':').unwrap_or((rest, ""));
        let next = change_repeat(engine.form(), answers, name, path, add);
        let after = engine.evaluate(answers, opts);
        let page = next
            .and_then(|k| {
                let rid = *engine.form().by_name.get(name)?;
                page_of_instance(engine, &after, rid, &k)
            })
            .unwrap_or(current);
        return Outcome::Show {
            page,
            issues: false,
            saved: false,
        };
    }
    let after = engine.evaluate(answers, opts);
    let known = after.pages.iter().any(|p| p.id == current && p.relevant);
    let first = || {
        after
            .next_page(None)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    if !known {
        return Outcome::Show {
            page: first(),
            issues: false,
            saved: false,
        };
    }
    match nav.as_str() {
        "prev" => Outcome::Show {
            page: after
                .previous_page(&current)
                .map(|p| p.id.clone())
                .unwrap_or(current),
            issues: false,
            saved: false,
        },
        "save" => Outcome::Show {
            page: current,
            issues: false,
            saved: true,
        },
        _ => {
            if !after.page_is_valid(&current) {
                return Outcome::Show {
                    page: current,
                    issues: true,
                    saved: false,
                };
            }
            match after.next_page(Some(&current)) {
                Some(p) => Outcome::Show {
                    page: p.id.clone(),
                    issues: false,
                    saved: false,
                },
                None if after.is_complete() => Outcome::Complete(after.record.clone()),
                None => {
                    let bad = after
                        .pages
                        .iter()
                        .find(|p| p.relevant && !after.page_is_valid(&p.id))
                        .map(|p| p.id.clone())
                        .unwrap_or_else(first);
                    Outcome::Show {
                        page: bad,
                        issues: true,
                        saved: false,
                    }
                }
            }
        }
    }
}

/// The page `page` as shown for `answers`: open repeats get their first instance, and a page
/// that is unknown or not relevant now falls back to the first relevant page.
pub fn show(
    engine: &Engine,
    answers: &Record,
    page: &str,
    issues: bool,
    opts: &Options,
) -> StepView {
    let mut answers = answers.clone();
    ensure_open_repeats(engine.form(), &mut answers);
    let eval = engine.evaluate(&answers, opts);
    let page = if eval.pages.iter().any(|p| p.id == page && p.relevant) {
        page.to_string()
    } else {
        eval.next_page(None)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    build_step(engine, &eval, &page, issues)
}

/// A stored record read back; unreadable data reads as an empty record (the respondent starts
/// over rather than being stuck).
pub fn parse_record(data: &str) -> Record {
    serde_json::from_str(data).unwrap_or_default()
}

/// A record as stored.
pub fn record_json(r: &Record) -> String {
    serde_json::to_string(r).unwrap_or_else(|_| "{}".into())
}
