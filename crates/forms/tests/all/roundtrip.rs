//! import(export(form)) == form, for generated forms (proptest), through sheets and through
//! real `.xlsx` bytes; and bad files give errors, never panics.

use duluan_forms::xlsform::{export_sheets, export_xlsx, import_sheets, import_xlsx};
use duluan_forms::{
    Choice, ChoiceList, DiagKind, Form, Group, Item, Question, QuestionType, Text, check_form,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const LANGS: [&str; 3] = ["", "Tiếng Việt (vi)", "English (en)"];

fn words() -> impl Strategy<Value = String> {
    // Vietnamese letters without the Unicode spaces hidden in À-ỹ (cells are trimmed on import).
    "[A-Za-zÀ-ỹđĐ0-9&&[^\\p{White_Space}]][A-Za-zÀ-ỹđĐ0-9 ,.?']{0,12}[A-Za-zÀ-ỹđĐ0-9?&&[^\\p{White_Space}]]"
}

fn text(required: bool) -> impl Strategy<Value = Text> {
    proptest::collection::btree_map(
        proptest::sample::select(LANGS.to_vec()).prop_map(str::to_string),
        words(),
        if required { 1..3 } else { 0..3 },
    )
    .prop_map(|m: BTreeMap<String, String>| Text(m))
}

fn opt(s: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(proptest::sample::select(s.to_vec()).prop_map(str::to_string))
}

/// A question of a random type; `list` is a choice list that exists.
fn question(list: String) -> impl Strategy<Value = Question> {
    let kinds = vec![
        QuestionType::Text,
        QuestionType::Integer,
        QuestionType::Decimal,
        QuestionType::SelectOne(list.clone()),
        QuestionType::SelectMultiple(list.clone()),
        QuestionType::Rank(list),
        QuestionType::Range,
        QuestionType::Date,
        QuestionType::Time,
        QuestionType::DateTime,
        QuestionType::Note,
        QuestionType::Calculate,
        QuestionType::Hidden,
        QuestionType::Acknowledge,
        QuestionType::Geopoint,
        QuestionType::Geotrace,
        QuestionType::Geoshape,
        QuestionType::Image,
        QuestionType::Audio,
        QuestionType::Video,
        QuestionType::File,
        QuestionType::Barcode,
        QuestionType::Start,
        QuestionType::End,
        QuestionType::Today,
        QuestionType::DeviceId,
        QuestionType::Username,
    ];
    (
        proptest::sample::select(kinds),
        (
            text(true),
            text(false),
            text(false),
            text(false),
            text(false),
            text(false),
        ),
        (
            opt(&["yes", "no", "${base} != ''"]),
            opt(&["${base} != 'x'", "string-length(.) < 100"]),
            opt(&["${base} != ''", "not(${base} = 'skip')"]),
        ),
        (
            opt(&["1", "today()", "${base}"]),
            opt(&["yes", "${base} = 'lock'"]),
            opt(&["minimal", "likert", "field-list"]),
        ),
    )
        .prop_map(
            |(
                kind,
                (label, il, hint, guidance_hint, rm, cm),
                (required, constraint, relevant),
                (default, read_only, appearance),
            )| {
                let calculation =
                    (kind == QuestionType::Calculate).then(|| "concat(${base}, '!')".to_string());
                let parameters =
                    (kind == QuestionType::Range).then(|| "start=1 end=5 step=1".to_string());
                let default = if matches!(
                    kind,
                    QuestionType::Text
                        | QuestionType::Integer
                        | QuestionType::Decimal
                        | QuestionType::Hidden
                ) {
                    default
                } else {
                    None
                };
                Question {
                    name: String::new(),
                    kind,
                    label,
                    interviewer_label: il,
                    hint,
                    guidance_hint,
                    required,
                    required_message: rm,
                    constraint,
                    constraint_message: cm,
                    relevant,
                    calculation,
                    default,
                    read_only,
                    choice_filter: None,
                    appearance,
                    parameters,
                }
            },
        )
}

fn items(depth: u32) -> BoxedStrategy<Vec<Item>> {
    let leaf = question("l0".into()).prop_map(Item::Question);
    if depth == 0 {
        return proptest::collection::vec(leaf, 1..4).boxed();
    }
    let group = (
        any::<bool>(),
        text(false),
        opt(&["${base} != 'no'"]),
        opt(&["field-list", "table-list"]),
        opt(&["2", "${n}"]),
        items(depth - 1),
    )
        .prop_map(|(repeat, label, relevant, appearance, count, items)| {
            Item::Group(Group {
                name: String::new(),
                repeat,
                label,
                interviewer_label: Text::default(),
                relevant,
                appearance,
                repeat_count: if repeat { count } else { None },
                items,
            })
        });
    proptest::collection::vec(prop_oneof![3 => leaf, 1 => group], 1..5).boxed()
}

fn rename(items: &mut [Item], next: &mut usize) {
    for it in items {
        *next += 1;
        match it {
            Item::Question(q) => q.name = format!("q{next}"),
            Item::Group(g) => {
                g.name = format!("g{next}");
                rename(&mut g.items, next);
            }
        }
    }
}

fn form() -> impl Strategy<Value = Form> {
    let choices = proptest::collection::vec((text(true), proptest::option::of("[a-z]{1,6}")), 1..5);
    (
        words(),
        words(),
        words(),
        opt(&["Tiếng Việt (vi)", "English (en)"]),
        opt(&["concat('Phiếu ', ${base})"]),
        any::<bool>(),
        items(2),
        choices,
    )
        .prop_map(
            |(
                id,
                version,
                title,
                default_language,
                instance_name,
                published,
                mut body,
                choices,
            )| {
                rename(&mut body, &mut 0);
                let base = Item::Question(Question {
                    name: "base".into(),
                    kind: QuestionType::Text,
                    label: Text::plain("Base"),
                    ..Question::default()
                });
                let n = Item::Question(Question {
                    name: "n".into(),
                    kind: QuestionType::Integer,
                    label: Text::default().with("English (en)", "How many?"),
                    ..Question::default()
                });
                let mut items = vec![base, n];
                items.extend(body);
                let choices = choices
                    .into_iter()
                    .enumerate()
                    .map(|(i, (label, region))| Choice {
                        name: format!("c{i}"),
                        label,
                        columns: region
                            .map(|r| [("region".to_string(), r)].into_iter().collect())
                            .unwrap_or_default(),
                    })
                    .collect();
                Form {
                    id,
                    version,
                    title,
                    default_language,
                    instance_name,
                    public_key: None,
                    published,
                    items,
                    choices: vec![ChoiceList {
                        name: "l0".into(),
                        choices,
                    }],
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn sheets_round_trip(f in form()) {
        prop_assert!(check_form(&f).is_ok(), "{:?}", check_form(&f).err());
        let back = import_sheets(&export_sheets(&f));
        prop_assert_eq!(back.as_ref().ok(), Some(&f), "{:?}", back.as_ref().err());
        let json = Form::from_json(&f.to_json()).unwrap();
        prop_assert_eq!(json, f);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn xlsx_round_trip(f in form()) {
        let bytes = export_xlsx(&f).unwrap();
        let back = import_xlsx(&bytes);
        prop_assert_eq!(back.as_ref().ok(), Some(&f), "{:?}", back.as_ref().err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        prop_assert!(import_xlsx(&bytes).is_err());
    }
}

#[test]
fn files_that_are_not_forms() {
    let e = import_xlsx(b"").unwrap_err();
    assert_eq!((e.len(), e[0].kind), (1, DiagKind::File));
    assert!(e[0].message_en.contains("empty"));
    let e = import_xlsx(b"type,name,label\ntext,a,A\n").unwrap_err();
    assert_eq!(e[0].kind, DiagKind::File);
    assert!(
        e[0].message_en.contains("not a spreadsheet"),
        "{}",
        e[0].message_en
    );
    // A workbook without a survey sheet.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("Sheet1")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    let e = import_xlsx(&book.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(e[0].kind, DiagKind::Sheet);
    assert!(e[0].message_vi.contains("Sheet1"));
}

/// Writes 60 generated forms as `.xlsx` to `$DULUAN_FORMS_EXPORT_DIR` (when set) for
/// `ci/pyxform-check.sh`, so pyxform also sees every column and type combination the
/// generator produces, not only the corpus.
#[test]
fn export_samples_for_pyxform() {
    let Some(dir) = std::env::var_os("DULUAN_FORMS_EXPORT_DIR") else {
        return;
    };
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..60 {
        let f = form().new_tree(&mut runner).unwrap().current();
        let path = std::path::Path::new(&dir).join(format!("generated_{i:02}.xlsx"));
        std::fs::write(path, export_xlsx(&f).unwrap()).unwrap();
    }
}
