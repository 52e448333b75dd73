//! Fuzzes the checker, the evaluator and the response engine: the input is an expression
//! (used as a relevance condition, a calculation and a constraint of a small form with a
//! repeat) followed by answers; nothing may panic.
#![no_main]

use duluan_forms::value::parse_datetime;
use duluan_forms::{Answer, Engine, MapEnv, Mode, Options, Record, check_form, evaluate, parse_expression};
use duluan_forms::{Choice, ChoiceList, Form, Group, Item, Question, QuestionType, Text};
use libfuzzer_sys::fuzz_target;

fn q(name: &str, kind: QuestionType) -> Question {
    Question { name: name.into(), kind, label: Text::plain(name), ..Question::default() }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (src, rest) = text.split_once('\n').unwrap_or((text, ""));
    let answers: Vec<&str> = rest.split('\n').collect();
    if let Ok(e) = parse_expression(src) {
        let env = MapEnv::new().with("a", answers.first().copied().unwrap_or("")).with("b", "x y");
        let _ = evaluate(&e, &env);
    }
    let mut calc = q("c", QuestionType::Calculate);
    calc.calculation = Some(src.to_string());
    let mut num = q("n", QuestionType::Integer);
    num.relevant = Some(src.to_string());
    num.constraint = Some(src.to_string());
    let mut sel = q("s", QuestionType::SelectMultiple("l".into()));
    sel.choice_filter = Some(src.to_string());
    let rep = Group { name: "r".into(), repeat: true, label: Text::plain("r"), items: vec![Item::Question(q("a", QuestionType::Text)), Item::Question(num)], ..Group::default() };
    let form = Form {
        id: "f".into(),
        items: vec![Item::Question(sel), Item::Group(rep), Item::Question(calc)],
        choices: vec![ChoiceList { name: "l".into(), choices: ["x", "y"].iter().map(|n| Choice { name: n.to_string(), label: Text::plain(n), ..Choice::default() }).collect() }],
        ..Form::default()
    };
    if let Ok(checked) = check_form(&form) {
        let engine = Engine::new(checked);
        let mut record = Record::new();
        record.insert("s".into(), Answer::Value(answers.first().copied().unwrap_or("").into()));
        let instances = answers.iter().skip(1).take(4).map(|a| [("a".to_string(), Answer::Value(a.to_string())), ("n".to_string(), Answer::Value(a.to_string()))].into_iter().collect()).collect();
        record.insert("r".into(), Answer::Repeat(instances));
        let now = parse_datetime("2026-11-28T10:00:00+07:00").unwrap();
        let r = engine.evaluate(&record, &Options::new("en", Mode::SelfCompletion, now));
        let _ = r.next_page(None);
    }
});
