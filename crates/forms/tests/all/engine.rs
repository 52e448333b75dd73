//! The response engine against ODK's documented behaviour and hand-computed values.

use crate::util::{answers, engine, now, opts, record};
use duluan_forms::{Answer, IssueKind, Mode, Options};

const YN: &[&[&str]] = &[
    &[
        "list_name",
        "name",
        "label::Tiếng Việt (vi)",
        "label::English (en)",
    ],
    &["yn", "yes", "Có", "Yes"],
    &["yn", "no", "Không", "No"],
];

#[test]
fn non_relevant_group_hides_descendants_and_clears_values() {
    let e = engine(
        &[
            &["type", "name", "label", "relevant", "calculation"],
            &["select_one yn", "worker", "Works?", "", ""],
            &["begin group", "job", "Job", "${worker} = 'yes'", ""],
            &["text", "employer", "Employer", "", ""],
            &["begin group", "inner", "Inner", "", ""],
            &["integer", "hours", "Hours", "", ""],
            &["end group", "", "", "", ""],
            &["end group", "", "", "", ""],
            &[
                "calculate",
                "seen",
                "",
                "",
                "concat('[', ${employer}, '|', ${hours}, ']')",
            ],
        ],
        YN,
    );
    let a = answers(&[("worker", "no"), ("employer", "ACME"), ("hours", "40")]);
    let r = e.evaluate(&a, &opts("en"));
    for name in ["employer", "hours"] {
        let q = r.question(name).unwrap();
        assert!(!q.relevant, "{name}");
        assert_eq!(q.value, "", "{name} is cleared");
        assert!(!r.record.contains_key(name), "{name} is not submitted");
    }
    assert_eq!(
        r.question("seen").unwrap().value,
        "[|]",
        "expressions see cleared values"
    );
    let a = answers(&[("worker", "yes"), ("employer", "ACME"), ("hours", "40")]);
    let r = e.evaluate(&a, &opts("en"));
    assert!(r.question("hours").unwrap().relevant);
    assert_eq!(r.record["seen"], Answer::Value("[ACME|40]".into()));
}

#[test]
fn constraints_see_dot_and_only_check_answers() {
    let e = engine(
        &[
            &[
                "type",
                "name",
                "label",
                "constraint",
                "constraint_message::Tiếng Việt (vi)",
                "constraint_message::English (en)",
                "required",
                "required_message::English (en)",
            ],
            &[
                "integer",
                "age",
                "Age",
                ". >= 15 and . <= 120",
                "Tuổi từ 15 đến 120",
                "Age 15 to 120",
                "yes",
                "Please give your age",
            ],
            &[
                "text",
                "phone",
                "Phone",
                "regex(., '^0[0-9]{9}$')",
                "",
                "",
                "",
                "",
            ],
        ],
        &[],
    );
    let check = |age: &str,
                 phone: &str,
                 lang: &str,
                 age_issue: Option<(IssueKind, &str)>,
                 phone_ok: bool| {
        let r = e.evaluate(&answers(&[("age", age), ("phone", phone)]), &opts(lang));
        let got = r
            .question("age")
            .unwrap()
            .issue
            .as_ref()
            .map(|i| (i.kind, i.message.as_str()));
        assert_eq!(got, age_issue, "age={age} lang={lang}");
        assert_eq!(
            r.question("phone").unwrap().issue.is_none(),
            phone_ok,
            "phone={phone}"
        );
        assert_eq!(r.is_complete(), age_issue.is_none() && phone_ok);
    };
    check("34", "", "en", None, true);
    check(
        "14",
        "",
        "en",
        Some((IssueKind::Constraint, "Age 15 to 120")),
        true,
    );
    check(
        "121",
        "",
        "vi",
        Some((IssueKind::Constraint, "Tuổi từ 15 đến 120")),
        true,
    );
    check(
        "",
        "",
        "en",
        Some((IssueKind::Required, "Please give your age")),
        true,
    );
    check(
        "",
        "",
        "vi",
        Some((IssueKind::Required, "Please give your age")),
        true,
    );
    check(
        "3x",
        "",
        "en",
        Some((IssueKind::Type, "Enter a whole number.")),
        true,
    );
    check(
        "3x",
        "",
        "vi",
        Some((IssueKind::Type, "Hãy nhập một số nguyên.")),
        true,
    );
    check("40", "0912345678", "en", None, true);
    check("40", "912345678", "en", None, false);
}

#[test]
fn calculations_run_in_dependency_order() {
    let e = engine(
        &[
            &["type", "name", "label", "calculation", "relevant"],
            &["calculate", "total", "", "${subtotal} + ${tax}", ""],
            &["calculate", "tax", "", "round(${subtotal} * 0.1, 2)", ""],
            &["calculate", "subtotal", "", "${price} * ${qty}", ""],
            &["decimal", "price", "Price", "", ""],
            &["integer", "qty", "Quantity", "", ""],
            &["note", "big", "Big order: ${total}", "", "${total} > 100"],
        ],
        &[],
    );
    let r = e.evaluate(&answers(&[("price", "12.5"), ("qty", "9")]), &opts("en"));
    assert_eq!(r.question("subtotal").unwrap().value, "112.5");
    assert_eq!(r.question("tax").unwrap().value, "11.25");
    assert_eq!(r.question("total").unwrap().value, "123.75");
    let big = r.question("big").unwrap();
    assert!(big.relevant);
    assert_eq!(big.label, "Big order: 123.75");
    assert!(!r.record.contains_key("big"), "notes are not stored");
    let r = e.evaluate(&answers(&[("price", "1"), ("qty", "2")]), &opts("en"));
    assert!(!r.question("big").unwrap().relevant);
}

#[test]
fn repeats_position_count_sum_and_indexed_repeat() {
    let e = engine(
        &[
            &[
                "type",
                "name",
                "label",
                "calculation",
                "relevant",
                "constraint",
            ],
            &["integer", "size", "Household size", "", "", ""],
            &["begin repeat", "members", "Members", "", "", ""],
            &["text", "mname", "Name", "", "", ""],
            &["integer", "mage", "Age", "", "", ". < 130"],
            &["calculate", "pos", "", "position(..)", "", ""],
            &[
                "select_one yn",
                "school",
                "In school?",
                "",
                "${mage} < 25",
                "",
            ],
            &[
                "calculate",
                "label_line",
                "",
                "concat(position(..), ': ', ${mname}, ' of ', ${size})",
                "",
                "",
            ],
            &[
                "calculate",
                "of_n",
                "",
                "concat(position(..), '/', count(${members}))",
                "",
                "",
            ],
            &["end repeat", "", "", "", "", ""],
            &["calculate", "n", "", "count(${members})", "", ""],
            &["calculate", "total_age", "", "sum(${mage})", "", ""],
            &["calculate", "oldest", "", "max(${mage})", "", ""],
            &[
                "calculate",
                "second",
                "",
                "indexed-repeat(${mname}, ${members}, 2)",
                "",
                "",
            ],
            &[
                "calculate",
                "pupils",
                "",
                "count-non-empty(${school})",
                "",
                "",
            ],
            &["calculate", "anyone_old", "", "${mage} > 60", "", ""],
            &[
                "note",
                "mismatch",
                "Size mismatch",
                "",
                "${n} != ${size}",
                "",
            ],
        ],
        YN,
    );
    let a = record(
        r#"{"size": "4", "members": [
            {"mname": "Lan", "mage": "44", "school": "no"},
            {"mname": "Minh", "mage": "19", "school": "yes"},
            {"mname": "An", "mage": "70", "school": "yes"}]}"#,
    );
    let r = e.evaluate(&a, &opts("en"));
    let v = |n: &str| r.question(n).unwrap().value.clone();
    assert_eq!(v("n"), "3");
    assert_eq!(v("total_age"), "133");
    assert_eq!(v("oldest"), "70");
    assert_eq!(v("second"), "Minh");
    assert_eq!(v("pupils"), "1", "school is cleared where age >= 25");
    assert_eq!(v("anyone_old"), "true");
    assert_eq!(r.question_at("pos", &[2]).unwrap().value, "3");
    assert_eq!(
        r.question_at("label_line", &[1]).unwrap().value,
        "2: Minh of 4"
    );
    assert_eq!(
        r.question_at("of_n", &[0]).unwrap().value,
        "1/3",
        "count() of the enclosing repeat counts all instances"
    );
    assert!(!r.question_at("school", &[0]).unwrap().relevant);
    assert!(r.question_at("school", &[1]).unwrap().relevant);
    assert!(r.question("mismatch").unwrap().relevant);
    let Answer::Repeat(members) = &r.record["members"] else {
        panic!()
    };
    assert_eq!(members.len(), 3);
    assert!(!members[0].contains_key("school"));
    assert_eq!(members[1]["school"], Answer::Value("yes".into()));
    // Pages: size, then one page per question per instance.
    let ids: Vec<&str> = r.pages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids[..4], ["size", "mname[1]", "mage[1]", "school[1]"]);
}

#[test]
fn nested_repeats_and_repeat_count() {
    let e = engine(
        &[
            &["type", "name", "label", "calculation", "repeat_count"],
            &["integer", "plots", "Plots", "", ""],
            &["begin repeat", "plot", "Plot", "", "${plots}"],
            &["begin repeat", "crop", "Crop", "", ""],
            &["decimal", "area", "Area", "", ""],
            &["calculate", "where", "", "concat(position(..))", ""],
            &["end repeat", "", "", "", ""],
            &["calculate", "plot_area", "", "sum(${area})", ""],
            &["end repeat", "", "", "", ""],
            &["calculate", "all_area", "", "sum(${area})", ""],
            &[
                "calculate",
                "first_of_second",
                "",
                "indexed-repeat(${area}, ${plot}, 2, ${crop}, 1)",
                "",
            ],
        ],
        &[],
    );
    let a = record(
        r#"{"plots": "2", "plot": [{"crop": [{"area": "1.5"}, {"area": "2"}]}, {"crop": [{"area": "4"}]}, {"crop": [{"area": "100"}]}]}"#,
    );
    let r = e.evaluate(&a, &opts("en"));
    assert_eq!(r.question_at("plot_area", &[0]).unwrap().value, "3.5");
    assert_eq!(r.question_at("plot_area", &[1]).unwrap().value, "4");
    assert!(
        r.question_at("plot_area", &[2]).is_none(),
        "repeat_count limits instances"
    );
    assert_eq!(r.question("all_area").unwrap().value, "7.5");
    assert_eq!(r.question("first_of_second").unwrap().value, "4");
    assert_eq!(r.question_at("where", &[0, 1]).unwrap().value, "2");
    let a = record(r#"{"plots": "3"}"#);
    let r = e.evaluate(&a, &opts("en"));
    let Answer::Repeat(p) = &r.record["plot"] else {
        panic!()
    };
    assert_eq!(p.len(), 3, "repeat_count creates instances");
}

#[test]
fn defaults_read_only_once_and_absent_versus_empty() {
    let e = engine(
        &[
            &[
                "type",
                "name",
                "label",
                "default",
                "read_only",
                "calculation",
            ],
            &["integer", "people", "People", "1", "", ""],
            &["date", "visit", "Visit date", "today()", "", ""],
            &["text", "code", "Code", "", "yes", ""],
            &[
                "text",
                "stamp",
                "Stamp",
                "",
                "${people} > 5",
                "once(concat('v', ${people}))",
            ],
        ],
        &[],
    );
    let r = e.evaluate(&answers(&[]), &opts("en"));
    assert_eq!(r.question("people").unwrap().value, "1");
    assert_eq!(r.question("visit").unwrap().value, "2026-11-28");
    assert!(r.question("code").unwrap().read_only);
    assert!(!r.question("stamp").unwrap().read_only);
    assert_eq!(r.question("stamp").unwrap().value, "v1");
    let r = e.evaluate(&answers(&[("people", ""), ("stamp", "v7")]), &opts("en"));
    assert_eq!(
        r.question("people").unwrap().value,
        "",
        "an answer present but empty stays empty"
    );
    assert_eq!(
        r.question("stamp").unwrap().value,
        "v7",
        "once() keeps the stored value"
    );
    let r = e.evaluate(&answers(&[("people", "9")]), &opts("en"));
    assert!(r.question("stamp").unwrap().read_only);
}

#[test]
fn cascading_selects_with_choice_filters_and_choice_names() {
    let e = engine(
        &[
            &["type", "name", "label", "choice_filter", "calculation"],
            &["select_one province", "province", "Province", "", ""],
            &[
                "select_one commune",
                "commune",
                "Commune",
                "province = ${province}",
                "",
            ],
            &[
                "calculate",
                "commune_name",
                "",
                "",
                "jr:choice-name(${commune}, '${commune}')",
            ],
        ],
        &[
            &[
                "list_name",
                "name",
                "label::Tiếng Việt (vi)",
                "label::English (en)",
                "province",
            ],
            &["province", "92", "Cần Thơ", "Can Tho", ""],
            &["province", "01", "Hà Nội", "Ha Noi", ""],
            &[
                "commune",
                "31117",
                "Phường Ninh Kiều",
                "Ninh Kieu Ward",
                "92",
            ],
            &["commune", "31120", "Phường Cái Khế", "Cai Khe Ward", "92"],
            &["commune", "00004", "Phường Ba Đình", "Ba Dinh Ward", "01"],
        ],
    );
    let r = e.evaluate(
        &answers(&[("province", "92"), ("commune", "31120")]),
        &opts("vi"),
    );
    let c = r.question("commune").unwrap();
    let names: Vec<&str> = c.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(names, ["Phường Ninh Kiều", "Phường Cái Khế"]);
    assert!(c.issue.is_none());
    assert_eq!(r.question("commune_name").unwrap().value, "Phường Cái Khế");
    let r = e.evaluate(
        &answers(&[("province", "01"), ("commune", "31120")]),
        &opts("en"),
    );
    let c = r.question("commune").unwrap();
    assert_eq!(c.choices.len(), 1);
    assert_eq!(
        c.issue.as_ref().unwrap().message,
        "Choose one of the options offered."
    );
    assert_eq!(r.question("commune_name").unwrap().value, "Cai Khe Ward");
}

#[test]
fn wording_per_language_and_mode() {
    let e = engine(
        &[
            &[
                "type",
                "name",
                "label::Tiếng Việt (vi)",
                "label::English (en)",
                "interviewer_label::Tiếng Việt (vi)",
                "hint::English (en)",
                "guidance_hint::Tiếng Việt (vi)",
            ],
            &[
                "text",
                "name_q",
                "Họ tên của bạn?",
                "Your name?",
                "Xin anh/chị cho biết họ tên?",
                "First and last",
                "Ghi đủ họ và tên",
            ],
            &[
                "note",
                "hello",
                "Xin chào ${name_q}!",
                "Hello ${name_q}!",
                "",
                "",
                "",
            ],
        ],
        &[],
    );
    let a = answers(&[("name_q", "Lan")]);
    let r = e.evaluate(&a, &opts("vi"));
    assert_eq!(r.question("name_q").unwrap().label, "Họ tên của bạn?");
    assert_eq!(r.question("hello").unwrap().label, "Xin chào Lan!");
    assert_eq!(
        r.question("name_q").unwrap().hint,
        "First and last",
        "falls back to a language that has it"
    );
    assert_eq!(
        r.question("name_q").unwrap().guidance,
        "",
        "guidance is for interviewers"
    );
    let r = e.evaluate(&a, &Options::new("vi", Mode::Interviewer, now()));
    assert_eq!(r.question("name_q").unwrap().guidance, "Ghi đủ họ và tên");
    assert_eq!(
        r.question("name_q").unwrap().label,
        "Xin anh/chị cho biết họ tên?"
    );
    let r = e.evaluate(&a, &Options::new("en", Mode::Interviewer, now()));
    assert_eq!(
        r.question("hello").unwrap().label,
        "Hello Lan!",
        "no interviewer wording: the label"
    );
}

#[test]
fn pages_follow_field_lists_and_relevance() {
    let e = engine(
        &[
            &[
                "type",
                "name",
                "label",
                "relevant",
                "appearance",
                "calculation",
            ],
            &["select_one yn", "consent", "Consent?", "", "", ""],
            &[
                "begin group",
                "likert",
                "Satisfaction",
                "${consent} = 'yes'",
                "field-list",
                "",
            ],
            &["select_one yn", "s1", "Roads", "", "likert", ""],
            &["select_one yn", "s2", "Schools", "", "likert", ""],
            &["end group", "", "", "", "", ""],
            &["calculate", "hidden_calc", "", "", "", "1"],
            &["text", "comment", "Comment", "", "", ""],
        ],
        YN,
    );
    let r = e.evaluate(&answers(&[("consent", "no")]), &opts("en"));
    let ids: Vec<&str> = r.pages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["consent", "likert", "comment"]);
    assert_eq!(r.next_page(None).unwrap().id, "consent");
    assert_eq!(
        r.next_page(Some("consent")).unwrap().id,
        "comment",
        "the non-relevant group is skipped"
    );
    assert_eq!(r.previous_page("comment").unwrap().id, "consent");
    assert_eq!(r.next_page(Some("comment")), None);
    let r = e.evaluate(
        &answers(&[("consent", "yes"), ("s1", "maybe")]),
        &opts("en"),
    );
    assert_eq!(r.next_page(Some("consent")).unwrap().id, "likert");
    assert_eq!(r.pages[1].questions.len(), 2);
    assert_eq!(
        (r.pages[1].title.as_str(), r.pages[1].appearance.as_deref()),
        ("Satisfaction", Some("field-list"))
    );
    assert_eq!(r.pages[0].title, "");
    assert!(!r.page_is_valid("likert"));
    assert!(r.page_is_valid("consent"));
}

#[test]
fn every_type_is_validated() {
    let e = engine(
        &[
            &["type", "name", "label", "parameters"],
            &["integer", "i", "I", ""],
            &["decimal", "d", "D", ""],
            &["range", "r", "R", "start=1 end=5 step=1"],
            &["date", "dt", "Dt", ""],
            &["time", "t", "T", ""],
            &["dateTime", "ts", "Ts", ""],
            &["select_one yn", "s1", "S1", ""],
            &["select_multiple yn", "sm", "Sm", ""],
            &["rank yn", "rk", "Rk", ""],
            &["acknowledge", "ack", "Ack", ""],
            &["text", "tx", "Tx", ""],
        ],
        YN,
    );
    let check = |name: &str, value: &str, ok: bool| {
        let r = e.evaluate(&answers(&[(name, value)]), &opts("en"));
        let q = r.question(name).unwrap();
        assert_eq!(q.issue.is_none(), ok, "{name}={value}: {:?}", q.issue);
    };
    for (n, good, bad) in [
        ("i", "-12", "1.5"),
        ("d", "1.5", "1,5"),
        ("r", "3", "6"),
        ("r", "5", "2.5"),
        ("dt", "2026-02-28", "2026-02-29"),
        ("t", "23:59", "24:00"),
        ("ts", "2026-11-28T10:00:00+07:00", "2026-11-28"),
        ("s1", "yes", "maybe"),
        ("sm", "yes no", "yes yes"),
        ("rk", "no yes", "yes"),
        ("ack", "OK", "yes"),
        ("tx", "anything at all", ""),
    ] {
        check(n, good, true);
        if !bad.is_empty() {
            check(n, bad, false);
        }
    }
}

#[test]
fn instance_name_and_determinism() {
    let mut f = crate::util::form(&[&["type", "name", "label"], &["text", "who", "Who"]], &[]);
    f.instance_name = Some("concat('Phiếu ', ${who})".into());
    let e = duluan_forms::Engine::from_form(&f).unwrap();
    let a = answers(&[("who", "Lan")]);
    let r1 = e.evaluate(&a, &opts("vi"));
    let r2 = e.evaluate(&a, &opts("vi"));
    assert_eq!(r1, r2);
    assert_eq!(r1.instance_name.as_deref(), Some("Phiếu Lan"));
}

#[test]
fn runaway_repeat_counts_are_capped() {
    let e = engine(
        &[
            &["type", "name", "label", "repeat_count"],
            &["integer", "n", "N", ""],
            &["begin repeat", "outer", "Outer", "${n}"],
            &["begin repeat", "inner", "Inner", "${n}"],
            &["text", "t", "T", ""],
            &["end repeat", "", "", ""],
            &["end repeat", "", "", ""],
        ],
        &[],
    );
    let r = e.evaluate(&answers(&[("n", "1e9")]), &opts("en"));
    assert!(
        r.questions.iter().all(|q| q.name == "n"),
        "'1e9' is not an XPath number: no instances"
    );
    let r = e.evaluate(&answers(&[("n", "100000")]), &opts("en"));
    let inner = r.questions.iter().filter(|q| q.name == "t").count();
    assert_eq!(inner as u32, duluan_forms::engine::MAX_TOTAL_INSTANCES);
    assert_eq!(r.question("n").unwrap().value, "100000");
}

/// The stored JSON form is an API: its shape must not change by accident.
#[test]
fn stored_json_shape_is_stable() {
    let f = crate::util::form(
        &[
            &[
                "type",
                "name",
                "label::Tiếng Việt (vi)",
                "interviewer_label::Tiếng Việt (vi)",
                "required",
                "relevant",
            ],
            &["begin repeat", "members", "Thành viên", "", "", "${n} > 0"],
            &["select_one yn", "q", "Câu hỏi", "Hỏi: câu hỏi", "yes", ""],
            &["end repeat", "", "", "", "", ""],
            &["integer", "n", "Số", "", "", ""],
        ],
        &[
            &["list_name", "name", "label::Tiếng Việt (vi)", "region"],
            &["yn", "yes", "Có", "south"],
            &["yn", "no", "Không", ""],
        ],
    );
    let expected = r#"{
  "id": "t",
  "version": "1",
  "title": "Test",
  "items": [
    {
      "kind": "group",
      "name": "members",
      "repeat": true,
      "label": {
        "Tiếng Việt (vi)": "Thành viên"
      },
      "relevant": "${n} > 0",
      "items": [
        {
          "kind": "question",
          "name": "q",
          "type": "select_one yn",
          "label": {
            "Tiếng Việt (vi)": "Câu hỏi"
          },
          "interviewer_label": {
            "Tiếng Việt (vi)": "Hỏi: câu hỏi"
          },
          "required": "yes"
        }
      ]
    },
    {
      "kind": "question",
      "name": "n",
      "type": "integer",
      "label": {
        "Tiếng Việt (vi)": "Số"
      }
    }
  ],
  "choices": [
    {
      "name": "yn",
      "choices": [
        {
          "name": "yes",
          "label": {
            "Tiếng Việt (vi)": "Có"
          },
          "columns": {
            "region": "south"
          }
        },
        {
          "name": "no",
          "label": {
            "Tiếng Việt (vi)": "Không"
          }
        }
      ]
    }
  ]
}"#;
    assert_eq!(f.to_json(), expected);
    assert_eq!(duluan_forms::Form::from_json(expected).unwrap(), f);
    assert!(
        duluan_forms::Form::from_json(r#"{"items": [], "colour": 1}"#).is_err(),
        "unknown fields are refused"
    );
}

#[test]
fn non_relevant_repeat_instances_are_hidden_and_not_stored() {
    let e = engine(
        &[
            &["type", "name", "label", "relevant", "calculation"],
            &["select_one yn", "any", "Any?", "", ""],
            &[
                "begin repeat",
                "items",
                "Items",
                "${any} = 'yes' and position(..) != 2",
                "",
            ],
            &["text", "item", "Item", "", ""],
            &["end repeat", "", "", "", ""],
            &["calculate", "joined", "", "", "join('+', ${item})"],
        ],
        YN,
    );
    let a = record(r#"{"any": "yes", "items": [{"item": "a"}, {"item": "b"}, {"item": "c"}]}"#);
    let r = e.evaluate(&a, &opts("en"));
    assert!(!r.question_at("item", &[1]).unwrap().relevant);
    assert_eq!(
        r.question("joined").unwrap().value,
        "a++c",
        "the hidden instance's value is cleared"
    );
    let Answer::Repeat(items) = &r.record["items"] else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    let r = e.evaluate(
        &record(r#"{"any": "no", "items": [{"item": "a"}]}"#),
        &opts("en"),
    );
    assert!(!r.record.contains_key("items"));
    assert!(
        r.pages
            .iter()
            .all(|p| !p.id.starts_with("item[") || !p.relevant)
    );
}
