//! XForm instances: `write_instance` → `read_instance` gives the record back (hand-written
//! records of every corpus form, and generated records of a form with every type, groups and
//! nested repeats), instances as ODK Collect writes them, and refusals with their place.

use crate::util::record;
use crate::xform::{checked, settings};
use crate::xform_texts::corpus;
use duluan_forms::xform::{
    Instance, MAX_DEPTH, MAX_ELEMENTS, MAX_INSTANCE_BYTES, read_instance, read_instance_for,
    write_instance, write_instance_from,
};
use duluan_forms::{Answer, CheckedForm, Record};
use proptest::prelude::*;

fn roster() -> CheckedForm {
    checked(
        &[
            &["type", "name", "label", "appearance"],
            &["text", "head", "Head", ""],
            &["begin group", "loc", "Location", "field-list"],
            &["select_one yn", "urban", "Urban", ""],
            &["date", "visit", "Visit", ""],
            &["end group", "", "", ""],
            &["begin repeat", "member", "Member", ""],
            &["text", "name", "Name", ""],
            &["integer", "age", "Age", ""],
            &["begin group", "work", "Work", ""],
            &["select_multiple jobs", "jobs", "Jobs", ""],
            &["end group", "", "", ""],
            &["begin repeat", "trip", "Trip", ""],
            &["time", "left", "Left", ""],
            &["decimal", "km", "Km", ""],
            &["end repeat", "", "", ""],
            &["end repeat", "", "", ""],
            &["begin group", "tbl", "Rate", "table-list"],
            &["select_one yn", "r1", "R1", ""],
            &["end group", "", "", ""],
            &["hidden", "n", "", ""],
            &["note", "bye", "Bye", ""],
            &["acknowledge", "ok", "OK?", ""],
        ],
        &[
            &["list_name", "name", "label"],
            &["yn", "yes", "Yes"],
            &["yn", "no", "No"],
            &["jobs", "farm", "Farm"],
            &["jobs", "shop", "Shop"],
        ],
    )
}

fn round_trip(form: &CheckedForm, r: &Record) -> Instance {
    let xml = write_instance(form, r, "uuid:1b4f");
    let inst = read_instance(form, xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(&inst.record, r, "{xml}");
    assert_eq!(inst.instance_id, "uuid:1b4f");
    assert_eq!(inst.form_id, form.form.id);
    inst
}

#[test]
fn records_come_back_from_their_instance() {
    let f = roster();
    let r = record(
        r#"{"head": "Nguyễn Văn A & <B>", "urban": "yes", "visit": "2026-12-05",
            "member": [
              {"name": "Lan", "age": "34", "jobs": "farm shop",
               "trip": [{"left": "07:30:00.000+07:00", "km": "2.5"}, {"km": "4"}]},
              {"name": "  Minh\r\n ", "trip": []},
              {}
            ],
            "r1": "no", "n": "3", "ok": "OK"}"#,
    );
    // An empty list of instances and an absent repeat read the same.
    let mut expected = r.clone();
    if let Some(Answer::Repeat(ms)) = expected.get_mut("member") {
        ms[1].remove("trip");
    }
    let xml = write_instance(&f, &r, "uuid:x");
    let inst = read_instance(&f, xml.as_bytes()).unwrap();
    assert_eq!(inst.record, expected);
    assert_eq!(inst.version.as_deref(), Some("1"));
    assert_eq!((inst.case, inst.deprecated_id), (None, None));
    assert!(inst.files.is_empty());
    round_trip(&f, &expected);
}

#[test]
fn every_field_of_an_instance_comes_back() {
    let f = roster();
    let inst = Instance {
        form_id: "survey_17".into(),
        version: Some("2026-12".into()),
        instance_id: "uuid:new".into(),
        deprecated_id: Some("uuid:old".into()),
        case: Some("HH-0042".into()),
        record: record(r#"{"head": "A"}"#),
        files: vec![],
    };
    let xml = write_instance_from(&f, &inst);
    assert!(xml.contains("<duluan_case>HH-0042</duluan_case>"));
    assert_eq!(read_instance(&f, xml.as_bytes()).unwrap(), inst);
    // Checked against the id the server served; another version is the caller's call.
    let mut served = settings(&f);
    served.form_id = "survey_17".into();
    served.version = "2027-01".into();
    assert_eq!(
        read_instance_for(&f, &served, xml.as_bytes()).unwrap(),
        inst
    );
    served.form_id = "survey_18".into();
    let e = read_instance_for(&f, &served, xml.as_bytes()).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("/t"));
    assert_eq!(
        e.message_en,
        "this instance is for form `survey_17`, expected `survey_18`"
    );
}

#[test]
fn corpus_records_round_trip() {
    let records = [
        (
            "bao_cao_nhanh_ctv.xlsx",
            r#"{"topic": "kt", "subtopic": "gia", "summary": "Giá xăng tăng, người dân lo lắng",
                "scope": "local", "direction": "lolang bxuc", "intensity": "4", "negative": "yes"}"#,
        ),
        (
            "household_roster.xlsx",
            r#"{"interview_date": "2026-12-01", "hh_id": "31117-0001", "hh_size": "2",
                "member": [{"member_no": "1", "member_name": "Lan", "sex": "2", "relation": "head"},
                           {"member_no": "2", "member_name": "Minh", "income": "12.5"}],
                "n_members": "2", "interviewer": "CTV-000"}"#,
        ),
        (
            "khao_sat_dich_vu_cong.xlsx",
            r#"{"consent": "OK", "province": "92", "commune": "31117", "age": "45",
                "channels": "office online", "sat_time": "4", "sat_staff": "5", "sat_mean": "4.5"}"#,
        ),
        (
            "tham_do_chinh_sach_dien_thoai.xlsx",
            r#"{"agree": "yes", "heard": "some", "support": "7", "priorities": "b a c",
                "best_time": "08:00", "completed": "complete"}"#,
        ),
    ];
    let forms = corpus();
    for (name, json) in records {
        let (_, f) = forms.iter().find(|(n, _)| n == name).unwrap();
        let r = record(json);
        for key in r.keys() {
            assert!(f.node(key).is_some(), "{name}: {key}");
        }
        round_trip(f, &r);
    }
}

#[test]
fn an_instance_as_odk_collect_sends_it() {
    let f = roster();
    let xml = r#"<?xml version='1.0' ?><t id="t" version="1" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
      <duluan_case>HH-7</duluan_case>
      <head>Bà Tư</head>
      <loc><urban> yes </urban><visit/></loc>
      <member jr:template=""><name>template, ignored</name><age/><work><jobs/></work></member>
      <member><name>Tư</name><age>71</age><work><jobs>farm</jobs></work>
        <trip><left>06:00:00.000+07:00</left><km/></trip></member>
      <tbl><generated_table_list_label_18/><reserved_name_for_field_list_labels_19/><r1>yes</r1></tbl>
      <n>1</n><bye/><ok>OK</ok>
      <meta><instanceID>uuid:aa</instanceID><deprecatedID>uuid:99</deprecatedID><instanceName>Bà Tư</instanceName></meta>
    </t>"#;
    let inst = read_instance(&f, xml.as_bytes()).unwrap();
    assert_eq!(
        inst.record,
        record(
            r#"{"head": "Bà Tư", "urban": "yes",
                "member": [{"name": "Tư", "age": "71", "jobs": "farm", "trip": [{"left": "06:00:00.000+07:00"}]}],
                "r1": "yes", "n": "1", "ok": "OK"}"#
        )
    );
    assert_eq!(inst.case.as_deref(), Some("HH-7"));
    assert_eq!(inst.deprecated_id.as_deref(), Some("uuid:99"));
    assert_eq!(inst.instance_id, "uuid:aa");
}

#[test]
fn namespaces_do_not_matter() {
    // Enketo-style: the XForms namespace as default, `orx:` on meta.
    let f = roster();
    let xml = r#"<t xmlns="http://www.w3.org/2002/xforms" xmlns:orx="http://openrosa.org/xforms" id="t">
      <head>x</head><orx:meta><orx:instanceID>uuid:e</orx:instanceID></orx:meta></t>"#;
    let inst = read_instance(&f, xml.as_bytes()).unwrap();
    assert_eq!(inst.record, record(r#"{"head": "x"}"#));
    assert_eq!(inst.instance_id, "uuid:e");
    assert_eq!(inst.version, None);
}

/// Refusals: (instance, path of the error, words of the English message).
fn refused(f: &CheckedForm, xml: &[u8], path: Option<&str>, words: &str) {
    let e = read_instance(f, xml).expect_err(words);
    assert_eq!(e.path.as_deref(), path, "{}", e.message_en);
    assert!(e.message_en.contains(words), "{}", e.message_en);
    assert!(!e.message_vi.is_empty() && e.message_vi != e.message_en);
}

#[test]
fn bad_instances_are_refused_with_their_place() {
    let f = roster();
    let meta = "<meta><instanceID>uuid:1</instanceID></meta>";
    let wrap = |inner: &str| format!("<t id=\"t\">{inner}{meta}</t>");
    refused(
        &f,
        format!("<household id=\"household\">{meta}</household>").as_bytes(),
        Some("/household"),
        "expected `t`",
    );
    refused(
        &f,
        wrap("<nope/>").as_bytes(),
        Some("/t/nope"),
        "not in the form",
    );
    refused(
        &f,
        wrap("<loc><urban>yes</urban><extra/></loc>").as_bytes(),
        Some("/t/loc/extra"),
        "not in the form",
    );
    refused(
        &f,
        wrap("<member/><member><trip><gone>1</gone></trip></member>").as_bytes(),
        Some("/t/member[2]/trip[1]/gone"),
        "not in the form",
    );
    refused(
        &f,
        wrap("<head>a</head><head>b</head>").as_bytes(),
        Some("/t/head"),
        "more than once",
    );
    refused(
        &f,
        wrap("<head><b>bold</b></head>").as_bytes(),
        Some("/t/head"),
        "contains elements",
    );
    refused(
        &f,
        wrap("<loc>text</loc>").as_bytes(),
        Some("/t/loc"),
        "text where",
    );
    refused(
        &f,
        b"<t id=\"t\"><head>a</head></t>",
        Some("/t/meta/instanceID"),
        "no `meta/instanceID`",
    );
    refused(
        &f,
        format!("<t>{meta}</t>").as_bytes(),
        Some("/t"),
        "no form id",
    );
    refused(
        &f,
        wrap("<meta><instanceID>uuid:2</instanceID><audit/></meta>").as_bytes(),
        Some("/t/meta/audit"),
        "not in the form",
    );
    refused(&f, b"<t id=\"t\"><head>a</t>", None, "not well-formed");
    refused(&f, b"", None, "not well-formed");
    refused(&f, b"<t id=\"t\">\xff</t>", None, "not UTF-8");
}

#[test]
fn hostile_instances_are_bounded() {
    let f = roster();
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><t id="t"><head>&c;</head><meta><instanceID>uuid:1</instanceID></meta></t>"#;
    refused(&f, bomb.as_bytes(), None, "DTD");
    let external = r#"<!DOCTYPE t SYSTEM "file:///etc/passwd"><t id="t"/>"#;
    refused(&f, external.as_bytes(), None, "DTD");
    let huge = vec![b' '; MAX_INSTANCE_BYTES + 1];
    refused(&f, &huge, None, "at most");
    let many = format!("<t id=\"t\">{}</t>", "<head/>".repeat(MAX_ELEMENTS + 1));
    assert!(many.len() < MAX_INSTANCE_BYTES);
    refused(&f, many.as_bytes(), None, "more than 100000 elements");
    let deep = format!(
        "<t id=\"t\">{}{}</t>",
        "<loc>".repeat(MAX_DEPTH),
        "</loc>".repeat(MAX_DEPTH)
    );
    let e = read_instance(&f, deep.as_bytes()).unwrap_err();
    assert!(e.message_en.contains("deeper than 64"), "{}", e.message_en);
    assert!(e.path.unwrap().starts_with("/t/loc/loc/"));
    // Far deeper than the limit, still an error and no stack overflow.
    let very_deep = format!(
        "<t id=\"t\">{}{}</t>",
        "<a>".repeat(200_000),
        "</a>".repeat(200_000)
    );
    assert!(read_instance(&f, very_deep.as_bytes()).is_err());
}

#[test]
fn vietnamese_messages_are_nfc() {
    // NFC: no combining marks (U+0300–U+036F, U+0323 …) after a letter that has a precomposed form.
    let f = roster();
    let cases: [&[u8]; 4] = [
        b"<x id=\"x\"/>",
        b"<t id=\"t\"><nope/></t>",
        b"<!DOCTYPE t><t/>",
        b"<t id=\"t\"><head>a</head><head>b</head><meta><instanceID>u</instanceID></meta></t>",
    ];
    for xml in cases {
        let e = read_instance(&f, xml).unwrap_err();
        assert!(
            !e.message_vi
                .chars()
                .any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
            "{}",
            e.message_vi
        );
    }
}

/// Answers for a question of the roster, as the strategy draws them.
fn value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 àáạảãăắằẳẵặâấầẩẫậđèéẹẻẽêếềểễệìíịỉĩòóọỏõôốồổỗộơớờởỡợùúụủũưứừửữựỳýỵỷỹ<>&'\"\\]\\[.-]{1,20}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn trip() -> impl Strategy<Value = Record> {
    (proptest::option::of(value()), proptest::option::of(value())).prop_map(|(l, k)| {
        let mut r = Record::new();
        if let Some(l) = l {
            r.insert("left".into(), Answer::Value(l));
        }
        if let Some(k) = k {
            r.insert("km".into(), Answer::Value(k));
        }
        r
    })
}

fn member() -> impl Strategy<Value = Record> {
    (
        proptest::option::of(value()),
        proptest::option::of(value()),
        proptest::collection::vec(trip(), 0..3),
    )
        .prop_map(|(name, jobs, trips)| {
            let mut r = Record::new();
            if let Some(n) = name {
                r.insert("name".into(), Answer::Value(n));
            }
            if let Some(j) = jobs {
                r.insert("jobs".into(), Answer::Value(j));
            }
            if !trips.is_empty() {
                r.insert("trip".into(), Answer::Repeat(trips));
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn generated_records_round_trip(
        head in proptest::option::of(value()),
        visit in proptest::option::of(value()),
        members in proptest::collection::vec(member(), 0..4),
        r1 in proptest::option::of(value()),
    ) {
        let f = roster();
        let mut r = Record::new();
        for (k, v) in [("head", head), ("visit", visit), ("r1", r1)] {
            if let Some(v) = v {
                r.insert(k.into(), Answer::Value(v));
            }
        }
        if !members.is_empty() {
            r.insert("member".into(), Answer::Repeat(members));
        }
        let xml = write_instance(&f, &r, "uuid:p");
        let back = read_instance(&f, xml.as_bytes());
        prop_assert_eq!(back.map(|i| i.record), Ok(r));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..500)) {
        let _ = read_instance(&roster(), &bytes);
    }
}
