//! XForm generation, continued: translations and guidance, interviewer wording, the case list,
//! pyxform's table-list header, the root name, and every corpus form.

use crate::util::form;
use crate::xform::{YN, bind, binds, checked, control, itemset, itext, settings, xform};
use duluan_forms::xform::{CASE_FIELD, CaseList, Mode, root_name, to_xform, to_xform_in_mode};
use duluan_forms::xlsform::import_xlsx;
use duluan_forms::{CheckedForm, Form, Text, check_form};
use std::path::Path;

#[test]
fn translations_guidance_and_default_language() {
    let mut f = form(
        &[
            &[
                "type",
                "name",
                "label::Tiếng Việt (vi)",
                "label::English (en)",
                "hint",
                "guidance_hint",
                "constraint",
                "constraint_message::Tiếng Việt (vi)",
                "constraint_message::English (en)",
            ],
            &[
                "integer",
                "age",
                "Tuổi",
                "Age",
                "",
                "Hỏi tuổi tròn",
                ". > 0",
                "Lớn hơn 0",
                "More than 0",
            ],
            &[
                "select_one yn",
                "ok",
                "Đồng ý?",
                "",
                "Chọn một",
                "",
                "",
                "",
                "",
            ],
        ],
        &[
            &[
                "list_name",
                "name",
                "label::Tiếng Việt (vi)",
                "label::English (en)",
            ],
            &["yn", "yes", "Có", "Yes"],
            &["yn", "no", "Không", "No"],
        ],
    );
    f.default_language = Some("vi".into());
    let c = check_form(&f).unwrap();
    let x = to_xform(&c, &settings(&c));
    assert!(x.contains("<translation lang=\"Tiếng Việt (vi)\" default=\"true()\">"));
    assert!(x.contains("<translation lang=\"English (en)\">"));
    // Text without a language (the hint column) belongs to the default language, as in pyxform.
    assert!(!x.contains("<translation lang=\"default\""));
    assert_eq!(x.matches("<translation ").count(), 2);
    assert_eq!(
        itext(&x, "English (en)", "/t/age:label").as_deref(),
        Some("Age")
    );
    assert_eq!(
        itext(&x, "Tiếng Việt (vi)", "/t/age:label").as_deref(),
        Some("Tuổi")
    );
    // A text missing in a language takes the default language's, as the engine shows it.
    assert_eq!(
        itext(&x, "English (en)", "/t/ok:label").as_deref(),
        Some("Đồng ý?")
    );
    assert_eq!(
        itext(&x, "English (en)", "/t/age:jr:constraintMsg").as_deref(),
        Some("More than 0")
    );
    assert_eq!(
        bind(&x, "/t/age", "jr:constraintMsg").as_deref(),
        Some("jr:itext('/t/age:jr:constraintMsg')")
    );
    assert!(x.contains("<label ref=\"jr:itext('/t/age:label')\"/>"));
    // Guidance only in itext, under the hint's id.
    assert!(x.contains("<hint ref=\"jr:itext('/t/age:hint')\"/>"));
    assert!(x.contains("<value form=\"guidance\">Hỏi tuổi tròn</value>"));
    assert_eq!(
        x.matches("<value form=\"guidance\">Hỏi tuổi tròn</value>")
            .count(),
        2
    );
    // A plain hint of a question without guidance stays plain.
    assert!(x.contains("<hint>Chọn một</hint>"));
    // Choices in itext.
    assert_eq!(itext(&x, "English (en)", "yn-1").as_deref(), Some("No"));
    assert_eq!(itemset(&x, "/t/ok"), "instance('yn')/root/item");
    assert!(x.contains("<item><itextId>yn-0</itextId><name>yes</name></item>"));
    assert!(x.contains("<label ref=\"jr:itext(itextId)\"/>"));
}

#[test]
fn interviewer_wording_in_interviewer_mode() {
    let c = checked(
        &[
            &["type", "name", "label", "interviewer_label"],
            &[
                "integer",
                "age",
                "How old are you?",
                "Ask: how old is the respondent?",
            ],
            &["text", "name", "Your name", ""],
        ],
        &[],
    );
    let s = settings(&c);
    let own = to_xform(&c, &s);
    assert!(own.contains("<label>How old are you?</label>"));
    assert!(!own.contains("Ask:"));
    let read = to_xform_in_mode(&c, &s, Mode::Interviewer);
    assert!(read.contains("<label>Ask: how old is the respondent?</label>"));
    assert!(read.contains("<label>Your name</label>"));
    assert_eq!(binds(&own), binds(&read));
}

#[test]
fn case_list_is_a_required_first_select_from_the_csv() {
    let c = checked(&[&["type", "name", "label"], &["text", "a", "A"]], &[]);
    let mut s = settings(&c);
    s.form_id = "survey_17".into();
    s.version = "2026-12".into();
    s.case_list = Some(CaseList {
        file: "cases.csv".into(),
        label: Text::default()
            .with("Tiếng Việt (vi)", "Hộ được phỏng vấn")
            .with("English (en)", "Household"),
    });
    let x = to_xform(&c, &s);
    assert!(x.contains("<instance id=\"cases\" src=\"jr://file-csv/cases.csv\"/>"));
    assert!(x.contains("<t id=\"survey_17\" version=\"2026-12\"><duluan_case/><a/>"));
    let path = format!("/t/{CASE_FIELD}");
    assert_eq!(bind(&x, &path, "required").as_deref(), Some("true()"));
    assert_eq!(bind(&x, &path, "type").as_deref(), Some("string"));
    let body_start = x.find("<h:body>").unwrap();
    assert!(x[body_start..].starts_with(&format!(
        "<h:body><select1 ref=\"{path}\"><label ref=\"jr:itext('{path}:label')\"/><itemset nodeset=\"instance('cases')/root/item\"><value ref=\"name\"/><label ref=\"label\"/></itemset></select1>"
    )));
    assert_eq!(
        itext(&x, "Tiếng Việt (vi)", &format!("{path}:label")).as_deref(),
        Some("Hộ được phỏng vấn")
    );
}

#[test]
fn table_list_groups_get_pyxforms_header() {
    let x = xform(
        &[
            &["type", "name", "label", "appearance"],
            &["text", "a", "A", ""],
            &["begin group", "tbl", "Rate each", "table-list"],
            &["select_one yn", "q1", "First", ""],
            &["select_one yn", "q2", "Second", "minimal"],
            &["end group", "", "", ""],
        ],
        YN,
    );
    // Rows of the export: header 1, a 2, begin group 3, q1 4.
    let b = binds(&x);
    assert_eq!(
        b["/t/tbl/generated_table_list_label_3"]["readonly"],
        "true()"
    );
    assert_eq!(
        b["/t/tbl/reserved_name_for_field_list_labels_4"]["type"],
        "string"
    );
    let (_, g) = control(&x, "/t/tbl");
    assert_eq!(g["appearance"], "field-list");
    assert_eq!(
        control(&x, "/t/tbl/reserved_name_for_field_list_labels_4").1["appearance"],
        "label"
    );
    assert_eq!(control(&x, "/t/tbl/q2").1["appearance"], "list-nolabel");
    assert!(x.contains(
        "<input ref=\"/t/tbl/generated_table_list_label_3\"><label>Rate each</label></input>"
    ));
}

#[test]
fn root_is_the_form_id_when_it_is_an_ascii_name() {
    let mut f = form(&[&["type", "name", "label"], &["text", "a", "A"]], &[]);
    for (id, root) in [
        ("household_2026", "household_2026"),
        ("2026_survey", "data"),
        ("khảo_sát", "data"),
        ("a b", "data"),
    ] {
        f.id = id.into();
        let c = check_form(&f).unwrap();
        assert_eq!(root_name(&c), root, "{id}");
        let x = to_xform(&c, &settings(&c));
        assert!(binds(&x).contains_key(&format!("/{root}/a")), "{id}");
    }
}

fn corpus_forms() -> Vec<(String, Form)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("xlsx") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            out.push((name, import_xlsx(&std::fs::read(&path).unwrap()).unwrap()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn corpus() -> Vec<(String, CheckedForm)> {
    corpus_forms()
        .into_iter()
        .map(|(n, f)| (n, check_form(&f).unwrap()))
        .collect()
}

#[test]
fn every_corpus_form_has_a_bind_per_node_and_a_control_per_shown_question() {
    let forms = corpus();
    assert_eq!(forms.len(), 6);
    for (name, f) in &forms {
        let x = to_xform(f, &settings(f));
        let b = binds(&x);
        let root = root_name(f);
        assert_eq!(root, f.form.id, "{name}");
        for q in f.form.questions() {
            let path = b
                .keys()
                .find(|k| {
                    k.ends_with(&format!("/{}", q.name)) && k.starts_with(&format!("/{root}/"))
                })
                .unwrap_or_else(|| panic!("{name}: no bind for {}", q.name));
            if q.kind.is_shown() {
                control(&x, path);
            }
        }
        assert!(
            b.contains_key(&format!("/{root}/meta/instanceID")),
            "{name}"
        );
        assert_eq!(
            b.contains_key(&format!("/{root}/meta/instanceName")),
            f.form.instance_name.is_some(),
            "{name}"
        );
        let langs = f.form.languages();
        let translations = x.matches("<translation ").count();
        assert!(
            translations == langs.len() || (translations == 0 && langs == [""]),
            "{name}"
        );
        assert_eq!(
            x.matches("default=\"true()\"").count(),
            usize::from(translations > 0),
            "{name}"
        );
    }
}
