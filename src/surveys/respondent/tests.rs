//! The respondent engine without a server: a small questionnaire stepped through page by page
//! with plain posted pairs, as any collection mode would.

use duluan_forms::{Answer, Engine, Form, Record};

use super::*;
use crate::surveys::model::field_name;
use crate::web::i18n::{Lang, Tr};

/// Three pages: a required, constrained age; a free comment; an open repeat of household
/// members (one page per instance).
fn engine() -> Engine {
    let form = serde_json::json!({
        "id": "t", "version": "1", "title": "T", "default_language": "English (en)",
        "items": [
            {"kind": "question", "name": "age", "type": "integer", "required": "yes",
             "constraint": ". >= 15", "label": {"English (en)": "Age"}},
            {"kind": "question", "name": "comment", "type": "text",
             "label": {"English (en)": "Comment"}},
            {"kind": "group", "name": "members", "repeat": true, "appearance": "field-list",
             "label": {"English (en)": "Member"},
             "items": [{"kind": "question", "name": "m_age", "type": "integer",
                        "label": {"English (en)": "Member's age"}}]}
        ],
        "choices": []
    });
    let form = Form::from_json(&form.to_string()).unwrap();
    Engine::from_form(&form).unwrap()
}

fn opts() -> Options {
    options(Tr(Lang::En))
}

/// The posted pairs of a page: its id, the move, and `(question, instance, value)` answers.
fn post(page: &str, nav: &str, answers: &[(&str, &[u32], &str)]) -> Vec<(String, String)> {
    let mut fields = vec![("page".into(), page.into()), ("nav".into(), nav.into())];
    for (name, instance, value) in answers {
        fields.push((field_name(name, instance), value.to_string()));
    }
    fields
}

fn shown(outcome: &Outcome) -> (String, bool) {
    match outcome {
        Outcome::Show { page, issues, .. } => (page.clone(), *issues),
        Outcome::Complete(_) => panic!("completed too early"),
    }
}

fn members(record: &Record) -> usize {
    match record.get("members") {
        Some(Answer::Repeat(v)) => v.len(),
        _ => 0,
    }
}

#[test]
fn pages_are_stepped_through_to_completion() {
    let engine = engine();
    let mut answers = Record::new();
    let first = show(&engine, &answers, "", false, &opts());
    assert_eq!((first.position, first.total), (1, 3));
    assert!(!first.has_prev && !first.is_last);
    assert_eq!(first.questions[0].label, "Age");
    assert!(first.questions[0].required);

    let out = step(
        &engine,
        &mut answers,
        &post(&first.page_id, "next", &[("age", &[], "42")]),
        &opts(),
    );
    let (second, issues) = shown(&out);
    assert!(!issues);
    assert_ne!(second, first.page_id);
    let view = show(&engine, &answers, &second, false, &opts());
    assert_eq!((view.position, view.has_prev), (2, true));

    // Back keeps the answer given.
    let out = step(&engine, &mut answers, &post(&second, "prev", &[]), &opts());
    assert_eq!(shown(&out).0, first.page_id);
    let view = show(&engine, &answers, &first.page_id, false, &opts());
    assert_eq!(view.questions[0].value, "42");

    let out = step(
        &engine,
        &mut answers,
        &post(&first.page_id, "next", &[]),
        &opts(),
    );
    // A posted page is the whole page: a field left out is an answer taken away.
    assert_eq!(shown(&out), (first.page_id.clone(), true));
    let out = step(
        &engine,
        &mut answers,
        &post(&first.page_id, "next", &[("age", &[], "42")]),
        &opts(),
    );
    assert_eq!(shown(&out).0, second);
    let out = step(
        &engine,
        &mut answers,
        &post(&second, "next", &[("comment", &[], "  ổn  ")]),
        &opts(),
    );
    let (third, _) = shown(&out);
    let view = show(&engine, &answers, &third, false, &opts());
    assert!(view.is_last);
    assert_eq!(view.questions[0].field, field_name("m_age", &[0]));

    let out = step(
        &engine,
        &mut answers,
        &post(&third, "next", &[("m_age", &[0], "7")]),
        &opts(),
    );
    let Outcome::Complete(record) = out else {
        panic!("the last valid page completes the response");
    };
    assert_eq!(record.get("age"), Some(&Answer::Value("42".into())));
    // Trimmed.
    assert_eq!(record.get("comment"), Some(&Answer::Value("ổn".into())));
    assert_eq!(members(&record), 1);
    assert_eq!(parse_record(&record_json(&record)), record);
}

#[test]
fn a_required_or_invalid_answer_keeps_the_respondent_on_the_page() {
    let engine = engine();
    let mut answers = Record::new();
    let first = show(&engine, &answers, "", false, &opts()).page_id;

    let out = step(
        &engine,
        &mut answers,
        &post(&first, "next", &[("age", &[], "")]),
        &opts(),
    );
    assert_eq!(shown(&out), (first.clone(), true));
    let view = show(&engine, &answers, &first, true, &opts());
    assert!(
        view.questions[0].error.is_some(),
        "the required question says why"
    );
    // Without issues asked for (first showing), no error is shown.
    assert!(
        show(&engine, &answers, &first, false, &opts()).questions[0]
            .error
            .is_none()
    );

    let out = step(
        &engine,
        &mut answers,
        &post(&first, "next", &[("age", &[], "9")]),
        &opts(),
    );
    assert_eq!(
        shown(&out),
        (first.clone(), true),
        "the constraint refuses 9"
    );

    // "Save" keeps the page and says so, whatever the answers.
    let out = step(
        &engine,
        &mut answers,
        &post(&first, "save", &[("age", &[], "")]),
        &opts(),
    );
    assert!(
        matches!(out, Outcome::Show { ref page, issues: false, saved: true } if *page == first)
    );

    // A page that does not exist leads to the first page, not to completion.
    let out = step(&engine, &mut answers, &post("nope", "next", &[]), &opts());
    assert_eq!(shown(&out), (first, false));
}

#[test]
fn a_repeat_instance_is_added_and_removed_down_to_one() {
    let engine = engine();
    let mut answers = Record::new();
    ensure_open_repeats(engine.form(), &mut answers);
    assert_eq!(
        members(&answers),
        1,
        "an open repeat starts with one instance"
    );
    let eval = engine.evaluate(&answers, &opts());
    let page = eval
        .pages
        .iter()
        .find(|p| {
            p.questions
                .iter()
                .any(|&i| eval.questions[i].name == "m_age")
        })
        .unwrap()
        .id
        .clone();
    let view = show(&engine, &answers, &page, false, &opts());
    let controls = view.repeat.expect("an open repeat's page has controls");
    assert_eq!(controls.add, "add:members:0");
    assert!(!controls.can_remove, "the last instance stays");

    let out = step(
        &engine,
        &mut answers,
        &post(&page, &controls.add, &[("m_age", &[0], "30")]),
        &opts(),
    );
    let (next, issues) = shown(&out);
    assert!(!issues);
    assert_eq!(members(&answers), 2);
    let view = show(&engine, &answers, &next, false, &opts());
    assert_eq!(
        view.questions[0].field,
        field_name("m_age", &[1]),
        "the new instance is shown"
    );
    let controls = view.repeat.unwrap();
    assert!(controls.can_remove);

    let out = step(
        &engine,
        &mut answers,
        &post(&next, &controls.remove, &[]),
        &opts(),
    );
    assert_eq!(members(&answers), 1);
    let view = show(&engine, &answers, &shown(&out).0, false, &opts());
    assert_eq!(
        view.questions[0].value, "30",
        "the first instance kept its answer"
    );

    // Removing the last one is refused: the record keeps it.
    step(
        &engine,
        &mut answers,
        &post(&page, "remove:members:0", &[]),
        &opts(),
    );
    assert_eq!(members(&answers), 1);
}

#[test]
fn an_unreadable_record_reads_as_empty() {
    assert!(parse_record("not json").is_empty());
    assert_eq!(record_json(&Record::new()), "{}");
}
