//! Fuzzes the XForm instance reader (what a device submits, the server's most exposed input)
//! against a form with a group, a nested repeat, a select, a photo and a location, and writes
//! the XForm of the same form; whatever the bytes, nothing may panic, and an instance that reads
//! is written back and read again to the same record.
#![no_main]

use duluan_forms::xform::{read_instance, to_xform, write_instance_from, XFormSettings};
use duluan_forms::{check_form, Choice, ChoiceList, Form, Group, Item, Question, QuestionType, Text};
use libfuzzer_sys::fuzz_target;

fn q(name: &str, kind: QuestionType) -> Item {
    Item::Question(Question { name: name.into(), kind, label: Text::plain(name), ..Question::default() })
}

fuzz_target!(|data: &[u8]| {
    let inner = Group { name: "people".into(), repeat: true, label: Text::plain("p"), items: vec![q("age", QuestionType::Integer), q("pic", QuestionType::Image)], ..Group::default() };
    let hh = Group { name: "hh".into(), label: Text::plain("h"), items: vec![q("where", QuestionType::Geopoint), Item::Group(inner)], ..Group::default() };
    let form = Form {
        id: "f".into(),
        version: "1".into(),
        items: vec![q("s", QuestionType::SelectMultiple("l".into())), Item::Group(hh), q("note", QuestionType::Text)],
        choices: vec![ChoiceList { name: "l".into(), choices: ["x", "y"].iter().map(|n| Choice { name: n.to_string(), label: Text::plain(n), ..Choice::default() }).collect() }],
        ..Form::default()
    };
    let Ok(checked) = check_form(&form) else { return };
    let _ = to_xform(&checked, &XFormSettings { form_id: "duluan_1".into(), version: "1".into(), title: "t".into(), case_list: None });
    if let Ok(instance) = read_instance(&checked, data) {
        let again = write_instance_from(&checked, &instance);
        let back = read_instance(&checked, again.as_bytes()).expect("an instance written by us reads");
        assert_eq!(back.record, instance.record);
    }
});
