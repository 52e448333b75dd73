//! The checker and the XLSForm importer report every error with its place.

use crate::util::try_form;
use duluan_forms::{DiagKind, Lang};

const YN: &[&[&str]] = &[
    &["list_name", "name", "label"],
    &["yn", "yes", "Yes"],
    &["yn", "no", "No"],
];

/// Expected: (row, column, kind, fragment of the English message, expression line:column or "").
type Expected<'a> = (usize, &'a str, DiagKind, &'a str, &'a str);

fn check(survey: &[&[&str]], choices: &[&[&str]], expected: &[Expected]) {
    let errors = try_form(survey, choices).expect_err("errors expected");
    let shown: Vec<String> = errors.iter().map(|d| d.render(Lang::En)).collect();
    assert_eq!(errors.len(), expected.len(), "{shown:#?}");
    for (d, (row, col, kind, fragment, pos)) in errors.iter().zip(expected) {
        assert_eq!(d.place.row, Some(*row), "{shown:#?}");
        assert_eq!(d.place.column.as_deref(), Some(*col), "{shown:#?}");
        assert_eq!(d.kind, *kind, "{shown:#?}");
        assert!(
            d.message_en.contains(fragment),
            "{} does not contain {fragment}",
            d.message_en
        );
        assert!(!d.message_vi.is_empty() && d.message_vi != d.message_en);
        let p = d
            .place
            .expression
            .map(|p| format!("{}:{}", p.line, p.column))
            .unwrap_or_default();
        assert_eq!(p, *pos, "{shown:#?}");
    }
}

const H: &[&str] = &[
    "type",
    "name",
    "label",
    "relevant",
    "calculation",
    "constraint",
];

#[test]
fn unknown_names_functions_and_arity() {
    check(
        &[
            H,
            &["integer", "age", "Age", "", "", ". > 0"],
            &["text", "x", "X", "${agee} > 3", "", ""],
            &["calculate", "c", "", "", "nosuch(${age})", ""],
            &["calculate", "d", "", "", "concat(substr('a'), round())", ""],
        ],
        &[],
        &[
            (
                3,
                "relevant",
                DiagKind::UnknownName,
                "unknown question `${agee}`",
                "1:1",
            ),
            (
                4,
                "calculation",
                DiagKind::UnknownFunction,
                "unknown function `nosuch()`",
                "1:1",
            ),
            (
                5,
                "calculation",
                DiagKind::Arity,
                "`substr()` takes 2 to 3 arguments, not 1",
                "1:8",
            ),
            (
                5,
                "calculation",
                DiagKind::Arity,
                "`round()` takes 1 to 2 arguments, not 0",
                "1:21",
            ),
        ],
    );
}

#[test]
fn syntax_errors_have_positions() {
    check(
        &[
            H,
            &["integer", "age", "Age", "", "", ". >= 0 and\n. <"],
            &["text", "t", "T", "${age} > 'x", "", ""],
        ],
        &[],
        &[
            (2, "constraint", DiagKind::Syntax, "expected a value", "2:4"),
            (
                3,
                "relevant",
                DiagKind::Syntax,
                "unterminated string",
                "1:10",
            ),
        ],
    );
}

#[test]
fn type_mistakes() {
    check(
        &[
            H,
            &["select_one yn", "q", "Q", "", "", ""],
            &["date", "d", "D", "${q} = 'maybe'", "", ""],
            &["integer", "n", "N", "${d} < 'yesterday'", "", ""],
            &["text", "t", "T", "selected(${q}, 'yess')", "", ""],
            &["calculate", "c", "", "", "${n} + 'abc'", ""],
            &[
                "calculate",
                "c2",
                "",
                "",
                "count-selected(${n}) + count('x')",
                "",
            ],
            &["calculate", "c3", "", "", "int('abc') + position(..)", ""],
            &["integer", "m", "M", "${n} > 'many'", "", "regex(., '[')"],
        ],
        YN,
        &[
            (
                3,
                "relevant",
                DiagKind::Type,
                "'maybe' is not a choice of list `yn`",
                "1:8",
            ),
            (
                4,
                "relevant",
                DiagKind::Type,
                "'yesterday', which is not a date",
                "1:8",
            ),
            (
                5,
                "relevant",
                DiagKind::Type,
                "'yess' is not a choice of list `yn`",
                "1:16",
            ),
            (
                6,
                "calculation",
                DiagKind::Type,
                "'abc' is not a number",
                "1:8",
            ),
            (
                7,
                "calculation",
                DiagKind::Type,
                "needs a select question, but this is a `integer` question",
                "1:16",
            ),
            (
                7,
                "calculation",
                DiagKind::Type,
                "argument 1 of `count()` must be a reference",
                "1:30",
            ),
            (
                8,
                "calculation",
                DiagKind::Type,
                "'abc' is not a number",
                "1:5",
            ),
            (
                8,
                "calculation",
                DiagKind::Type,
                "`position(..)` can only be used inside a repeat",
                "1:23",
            ),
            (
                9,
                "constraint",
                DiagKind::Syntax,
                "invalid regular expression",
                "1:10",
            ),
            (
                9,
                "relevant",
                DiagKind::Type,
                "'many' is not a number",
                "1:8",
            ),
        ],
    );
}

#[test]
fn cycles_among_calculations() {
    check(
        &[
            H,
            &["calculate", "a", "", "", "${b} + 1", ""],
            &["calculate", "b", "", "", "${c} * 2", ""],
            &["calculate", "c", "", "", "${a}", ""],
            &["calculate", "self", "", "", "${self} + 1", ""],
            &["integer", "ok", "OK", "", "", ""],
        ],
        &[],
        &[
            (
                2,
                "calculation",
                DiagKind::Cycle,
                "${a} → ${b} → ${c} → ${a}",
                "",
            ),
            (5, "calculation", DiagKind::Cycle, "refers to itself", ""),
        ],
    );
}

#[test]
fn relevance_cycles_too() {
    check(
        &[
            H,
            &["text", "a", "A", "${b} = 'x'", "", ""],
            &["text", "b", "B", "${a} = 'y'", "", ""],
        ],
        &[],
        &[(2, "relevant", DiagKind::Cycle, "${a} → ${b} → ${a}", "")],
    );
}

#[test]
fn structure_names_and_lists() {
    check(
        &[
            &["type", "name", "label"],
            &["integer", "age", "Age"],
            &["text", "age", "Again"],
            &["select_one nolist", "s", "S"],
            &["geopint", "gps", "Where"],
            &["begin group", "g", "G"],
            &["text", "1bad", "Bad"],
            &["end repeat", "", ""],
            &["text", "", "No name"],
            &["note", "n", ""],
            &["end group", "", ""],
            &["begin repeat", "r", "R"],
            &["simserial", "st", ""],
        ],
        &[
            &["list_name", "name", "label"],
            &["yn", "yes", "Yes"],
            &["yn", "yes", "Again"],
            &["yn", "no", ""],
        ],
        &[
            (
                3,
                "name",
                DiagKind::DuplicateName,
                "the name `age` is used twice",
                "",
            ),
            (
                4,
                "type",
                DiagKind::MissingList,
                "choice list `nolist` does not exist",
                "",
            ),
            (
                5,
                "type",
                DiagKind::UnknownType,
                "unknown question type `geopint`",
                "",
            ),
            (
                7,
                "name",
                DiagKind::InvalidName,
                "`1bad` is not a valid name",
                "",
            ),
            (
                8,
                "type",
                DiagKind::Structure,
                "`end repeat` closes the group begun on row 6",
                "",
            ),
            (9, "name", DiagKind::InvalidName, "the name is missing", ""),
            (
                10,
                "label",
                DiagKind::Missing,
                "question `n` has no label",
                "",
            ),
            (
                11,
                "type",
                DiagKind::Structure,
                "`end group` without a matching begin",
                "",
            ),
            (
                12,
                "type",
                DiagKind::Structure,
                "repeat `r` is never closed",
                "",
            ),
            (
                3,
                "name",
                DiagKind::DuplicateName,
                "choice `yes` appears twice in list `yn`",
                "",
            ),
        ],
    );
}

#[test]
fn missing_sheets_and_columns() {
    use crate::util::sheet;
    use duluan_forms::xlsform::import_sheets;
    let errs = import_sheets(&[sheet("questions", &[&["type", "name"]])]).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].kind, DiagKind::Sheet);
    assert!(
        errs[0].message_en.contains("sheets found: questions"),
        "{}",
        errs[0].message_en
    );
    let errs = import_sheets(&[sheet("survey", &[&["label"], &["Hello"]])]).unwrap_err();
    let msgs: Vec<&str> = errs.iter().map(|d| d.message_en.as_str()).collect();
    assert!(msgs.contains(&"the `type` column is missing"), "{msgs:?}");
    assert!(msgs.contains(&"the `name` column is missing"), "{msgs:?}");
}

#[test]
fn aliases_and_translations_are_accepted() {
    let f = crate::util::form(
        &[
            &[
                "Type",
                "Name",
                "Label::Tiếng Việt (vi)",
                "label::English (en)",
                "relevance",
                "jr:count",
                "constraint message::English (en)",
                "bind::required",
                "readonly",
                "choice filter",
                "interviewer_label::English (en)",
            ],
            &[
                "select one yn",
                "q",
                "Câu hỏi",
                "Question",
                "",
                "",
                "",
                "yes",
                "",
                "",
                "Read: question",
            ],
            &[
                "begin_repeat",
                "r",
                "Lặp",
                "Repeat",
                "${q} = 'yes'",
                "3",
                "",
                "",
                "",
                "",
                "",
            ],
            &[
                "int", "n", "Số", "Number", "", "", "Too big", "", "true", "", "",
            ],
            &["end_repeat", "", "", "", "", "", "", "", "", "", ""],
            &[
                "select all that apply yn",
                "m",
                "Nhiều",
                "Many",
                "",
                "",
                "",
                "",
                "",
                "name != 'no'",
                "",
            ],
        ],
        &[
            &[
                "list name",
                "value",
                "label::Tiếng Việt (vi)",
                "label::English (en)",
            ],
            &["yn", "yes", "Có", "Yes"],
            &["yn", "no", "Không", "No"],
        ],
    );
    let json = f.to_json();
    for needle in [
        "\"select_one yn\"",
        "\"required\": \"yes\"",
        "\"repeat_count\": \"3\"",
        "\"read_only\": \"true\"",
        "\"choice_filter\": \"name != 'no'\"",
        "\"select_multiple yn\"",
        "\"Tiếng Việt (vi)\": \"Có\"",
        "Read: question",
        "Too big",
    ] {
        assert!(json.contains(needle), "{needle} not in {json}");
    }
    assert_eq!(f.languages(), ["English (en)", "Tiếng Việt (vi)"]);
}

#[test]
fn misspelt_columns_are_errors_other_unknown_columns_are_ignored() {
    check(
        &[
            &[
                "type",
                "name",
                "lable::English (en)",
                "relevent",
                "media::image",
                "$kuid",
                "guidance_hint",
            ],
            &["text", "a", "A", "${a} = ''", "", "k1", "g"],
        ],
        &[],
        &[
            (
                1,
                "lable::English (en)",
                DiagKind::Column,
                "unknown column `lable::English (en)`: did you mean `label`?",
                "",
            ),
            (
                1,
                "relevent",
                DiagKind::Column,
                "did you mean `relevant`?",
                "",
            ),
            (
                2,
                "label",
                DiagKind::Missing,
                "question `a` has no label",
                "",
            ),
        ],
    );
}

#[test]
fn a_misnamed_choices_sheet_is_named_in_the_error() {
    use crate::util::sheet;
    use duluan_forms::xlsform::import_sheets;
    let errs = import_sheets(&[
        sheet(
            "survey",
            &[&["type", "name", "label"], &["select_one yn", "q", "Q"]],
        ),
        sheet(
            "choice",
            &[&["list_name", "name", "label"], &["yn", "yes", "Yes"]],
        ),
    ])
    .unwrap_err();
    let shown: Vec<String> = errs.iter().map(|d| d.render(Lang::En)).collect();
    assert_eq!(
        shown,
        [
            "survey, row 2, column type: choice list `yn` does not exist",
            "choices: the form has select questions but no `choices` sheet (sheets found: survey, choice)",
        ]
    );
}

#[test]
fn absurd_nesting_is_an_error_not_a_stack_overflow() {
    use crate::util::sheet;
    use duluan_forms::xlsform::import_sheets;
    let mut rows: Vec<Vec<String>> = vec![vec!["type".into(), "name".into(), "label".into()]];
    for i in 0..100_000 {
        rows.push(vec!["begin group".into(), format!("g{i}"), "G".into()]);
    }
    let mut s = sheet("survey", &[]);
    s.rows = rows;
    let errs = import_sheets(&[s]).unwrap_err();
    assert!(
        errs.iter()
            .any(|d| d.message_en == "groups are nested more than 32 deep"
                && d.place.row == Some(34))
    );
}

#[test]
fn single_expressions_are_checked_against_a_form() {
    use duluan_forms::{MapEnv, check_expression, check_form, evaluate};
    let f = crate::util::form(
        &[
            &["type", "name", "label"],
            &["select_one yn", "q", "Q"],
            &["integer", "n", "N"],
            &["begin repeat", "r", "R"],
            &["text", "t", "T"],
            &["end repeat", "", ""],
        ],
        YN,
    );
    let checked = check_form(&f).unwrap();
    let check = |owner: Option<&str>, prop: &str, src: &str, expected: &[(&str, &str)]| {
        let got: Vec<(String, String)> = match check_expression(&checked, owner, prop, src) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .map(|d| {
                    (
                        d.place
                            .expression
                            .map(|p| format!("{}:{}", p.line, p.column))
                            .unwrap_or_default(),
                        d.message_en.clone(),
                    )
                })
                .collect(),
        };
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, expected, "{src}");
    };
    check(Some("n"), "constraint", ". > 0 and ${q} = 'yes'", &[]);
    check(
        Some("n"),
        "constraint",
        ". > 0 and ${q} = 'maybe'",
        &[("1:18", "'maybe' is not a choice of list `yn`")],
    );
    check(
        None,
        "relevant",
        "${nn} > 1",
        &[("1:1", "unknown question `${nn}`")],
    );
    check(
        None,
        "relevant",
        "${n} >",
        &[("1:7", "expected a value, found the end of the expression")],
    );
    check(Some("t"), "calculation", "concat(position(..), ${t})", &[]);
    check(
        Some("n"),
        "calculation",
        "position(..)",
        &[("1:10", "`position(..)` can only be used inside a repeat")],
    );
    check(
        Some("q"),
        "choice_filter",
        "name != 'no' and colour = 'red'",
        &[("1:18", "choice list `yn` has no column `colour`")],
    );
    check(
        Some("zz"),
        "relevant",
        "1",
        &[("", "unknown question `zz`")],
    );
    let e = check_expression(&checked, None, "relevant", "${n} >= 18").unwrap();
    assert!(
        evaluate(&e, &MapEnv::new().with("n", "20"))
            .unwrap()
            .to_bool()
    );
}
