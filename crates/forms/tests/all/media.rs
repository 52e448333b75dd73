//! Form media files: selects whose choices come from a CSV, XML or GeoJSON file (with a
//! choice filter over the file's rows), `pulldata()`, what a form needs from its files, and
//! the XForm pyxform writes for them.

use crate::util::{answers, form, opts};
use duluan_forms::media::{MediaTable, check_media, media_needs, parse_media};
use duluan_forms::xform::{XFormSettings, to_xform};
use duluan_forms::{Engine, IssueKind, check_form};
use std::collections::BTreeMap;

const VILLAGES: &str = "name,label,label::Tiếng Việt (vi),district,head\n\
    ck,Cai Khe,Cái Khế,nk,Lan\n\
    ah,An Hoa,An Hòa,nk,Minh\n\
    tn,Tan Loc,Tân Lộc,tn,Hai\n";

const PEOPLE: &str = "id,age\nck,34\nck,99\nah,41\n";

const SURVEY: &[&[&str]] = &[
    &["type", "name", "label", "choice_filter", "calculation"],
    &["text", "district", "District", "", ""],
    &[
        "select_one_from_file villages.csv",
        "village",
        "Village",
        "district=${district}",
        "",
    ],
    &[
        "select_multiple_from_file crops.xml",
        "crops",
        "Crops",
        "",
        "",
    ],
    &[
        "calculate",
        "age",
        "",
        "",
        "pulldata('people', 'age', 'id', ${village})",
    ],
    &[
        "calculate",
        "head",
        "",
        "",
        "pulldata('villages', 'head', 'name', ${village})",
    ],
];

fn tables() -> BTreeMap<String, MediaTable> {
    let mut t = BTreeMap::new();
    t.insert(
        "villages.csv".to_string(),
        parse_media("villages.csv", VILLAGES.as_bytes()).unwrap(),
    );
    t.insert(
        "people.csv".to_string(),
        parse_media("people.csv", PEOPLE.as_bytes()).unwrap(),
    );
    t.insert(
        "crops.xml".to_string(),
        parse_media(
            "crops.xml",
            b"<root><item><name>rice</name><label>Rice</label></item><item><name>corn</name><label>Corn</label></item></root>",
        )
        .unwrap(),
    );
    t
}

fn engine() -> Engine {
    Engine::with_media(check_form(&form(SURVEY, &[])).unwrap(), tables())
}

#[test]
fn a_select_from_a_file_offers_the_filtered_rows_and_accepts_only_their_values() {
    let e = engine();
    let ev = e.evaluate(&answers(&[("district", "nk")]), &opts("vi"));
    let q = ev.question("village").unwrap();
    let offered: Vec<(&str, &str)> = q
        .choices
        .iter()
        .map(|c| (c.name.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(offered, [("ck", "Cái Khế"), ("ah", "An Hòa")]);
    let ev = e.evaluate(&answers(&[("district", "nk")]), &opts("en"));
    assert_eq!(ev.question("village").unwrap().choices[0].label, "Cai Khe");
    // A value of the file the filter leaves out, and one not in the file, are refused.
    for bad in ["tn", "nowhere"] {
        let ev = e.evaluate(
            &answers(&[("district", "nk"), ("village", bad)]),
            &opts("en"),
        );
        let issue = ev.question("village").unwrap().issue.clone().unwrap();
        assert_eq!(issue.kind, IssueKind::Type, "{bad}");
    }
    let ev = e.evaluate(
        &answers(&[
            ("district", "nk"),
            ("village", "ah"),
            ("crops", "rice corn"),
        ]),
        &opts("en"),
    );
    assert!(ev.is_complete(), "{:?}", ev.issues().collect::<Vec<_>>());
    let ev = e.evaluate(&answers(&[("crops", "rice wheat")]), &opts("en"));
    assert!(ev.question("crops").unwrap().issue.is_some());
}

#[test]
fn pulldata_takes_the_first_matching_row_and_is_empty_without_one() {
    let e = engine();
    let ev = e.evaluate(
        &answers(&[("district", "nk"), ("village", "ck")]),
        &opts("en"),
    );
    assert_eq!(ev.question("age").unwrap().value, "34");
    assert_eq!(ev.question("head").unwrap().value, "Lan");
    let ev = e.evaluate(
        &answers(&[("district", "tn"), ("village", "tn")]),
        &opts("en"),
    );
    assert_eq!(ev.question("age").unwrap().value, "");
    assert_eq!(ev.question("head").unwrap().value, "Hai");
    // Without its files the engine offers nothing and pulls nothing.
    let bare = Engine::new(check_form(&form(SURVEY, &[])).unwrap());
    let ev = bare.evaluate(
        &answers(&[("district", "nk"), ("village", "ck")]),
        &opts("en"),
    );
    assert!(ev.question("village").unwrap().choices.is_empty());
    assert!(ev.question("village").unwrap().issue.is_some());
    assert_eq!(ev.question("age").unwrap().value, "");
}

#[test]
fn a_form_says_which_files_and_columns_it_reads() {
    let f = form(SURVEY, &[]);
    let needs: Vec<(String, Vec<String>, String)> = media_needs(&f)
        .into_iter()
        .map(|n| (n.file, n.columns, n.question))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        needs,
        [
            (
                "villages.csv".into(),
                s(&["name", "label", "district", "head"]),
                "village".into()
            ),
            ("crops.xml".into(), s(&["name", "label"]), "crops".into()),
            ("people.csv".into(), s(&["age", "id"]), "age".into()),
        ]
    );
    assert!(check_media(&f, &tables()).is_empty());
    let mut t = tables();
    t.remove("crops.xml");
    t.insert(
        "people.csv".into(),
        parse_media("people.csv", b"id,years\nck,34\n").unwrap(),
    );
    let problems: Vec<String> = check_media(&f, &t).iter().map(|p| p.messages().0).collect();
    assert_eq!(
        problems,
        [
            "question `crops` reads the media file `crops.xml`, which is not attached to this version",
            "the media file `people.csv` has no column `age`, which question `age` reads",
        ]
    );
}

#[test]
fn the_xform_reads_the_files_as_pyxform_writes_it() {
    let f = form(SURVEY, &[]);
    let checked = check_form(&f).unwrap();
    let x = to_xform(
        &checked,
        &XFormSettings {
            form_id: "t".into(),
            version: "1".into(),
            title: "T".into(),
            case_list: None,
        },
    );
    for part in [
        r#"<instance id="villages" src="jr://file-csv/villages.csv"/>"#,
        r#"<instance id="crops" src="jr://file/crops.xml"/>"#,
        r#"<instance id="people" src="jr://file-csv/people.csv"/>"#,
        r#"<itemset nodeset="instance('villages')/root/item[district= /t/district ]"><value ref="name"/><label ref="label"/></itemset>"#,
        r#"<select ref="/t/crops">"#,
        r#"calculate="pulldata('people', 'age', 'id',  /t/village )""#,
    ] {
        assert!(x.contains(part), "{part}\n{x}");
    }
    roxmltree::Document::parse(&x).unwrap();
}

/// A CSV cell as a spreadsheet program writes it: quoted when it holds a comma, a quote or a
/// line break, quotes doubled.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

proptest::proptest! {
    #[test]
    fn any_table_written_as_csv_reads_back(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-zA-Zà-ỹ0-9 ,\"\n]{0,8}", 3),
            0..20,
        )
    ) {
        let header = ["name", "label", "x"];
        let mut csv = header.join(",") + "\r\n";
        for r in &rows {
            csv += &r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",");
            csv += "\r\n";
        }
        let t = parse_media("t.csv", csv.as_bytes()).unwrap();
        proptest::prop_assert_eq!(&t.columns, &header.map(String::from).to_vec());
        // Three empty cells are `,,`, a row of its own (only a blank line is skipped).
        proptest::prop_assert_eq!(t.rows, rows);
    }
}
