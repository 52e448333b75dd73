//! XForm generation (`xform::to_xform`): binds, instance and body as pyxform 4.x writes them,
//! checked on hand-written forms covering every question type, flags, groups, nested repeats,
//! choice filters and defaults (translations, wording, case list and the corpus are in
//! `xform_texts.rs`). The comparison with pyxform itself is `ci/xform-check.sh`.

use crate::util::form;
use duluan_forms::xform::{XFormSettings, to_xform};
use duluan_forms::{CheckedForm, check_form};
use std::collections::BTreeMap;

const JR: &str = "http://openrosa.org/javarosa";
const XF: &str = "http://www.w3.org/2002/xforms";

pub fn settings(form: &CheckedForm) -> XFormSettings {
    XFormSettings {
        form_id: form.form.id.clone(),
        version: form.form.version.clone(),
        title: form.form.title.clone(),
        case_list: None,
    }
}

pub fn checked(survey: &[&[&str]], choices: &[&[&str]]) -> CheckedForm {
    check_form(&form(survey, choices)).unwrap()
}

pub fn xform(survey: &[&[&str]], choices: &[&[&str]]) -> String {
    let f = checked(survey, choices);
    to_xform(&f, &settings(&f))
}

/// An attribute's name with the `jr:`/`odk:` prefix it is written with.
pub fn attr_name(a: &roxmltree::Attribute) -> String {
    match a.namespace() {
        Some(JR) => format!("jr:{}", a.name()),
        Some("http://www.opendatakit.org/xforms") => format!("odk:{}", a.name()),
        _ => a.name().to_string(),
    }
}

pub fn attrs(n: roxmltree::Node) -> BTreeMap<String, String> {
    n.attributes()
        .map(|a| (attr_name(&a), a.value().to_string()))
        .collect()
}

/// Every bind: nodeset → its other attributes.
pub fn binds(xml: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name((XF, "bind")))
        .map(|n| {
            let mut a = attrs(n);
            (a.remove("nodeset").unwrap(), a)
        })
        .collect()
}

/// One bind attribute.
pub fn bind(xml: &str, nodeset: &str, attr: &str) -> Option<String> {
    binds(xml)
        .get(nodeset)
        .unwrap_or_else(|| panic!("no bind {nodeset}"))
        .get(attr)
        .cloned()
}

/// The body control bound to `ref`: its tag (with `odk:`) and attributes.
pub fn control(xml: &str, reference: &str) -> (String, BTreeMap<String, String>) {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let body = doc
        .descendants()
        .find(|n| n.tag_name().name() == "body")
        .unwrap();
    let n = body
        .descendants()
        .find(|n| {
            n.attribute("ref") == Some(reference) || n.attribute("nodeset") == Some(reference)
        })
        .unwrap_or_else(|| panic!("no control {reference}"));
    let tag = match n.tag_name().namespace() {
        Some("http://www.opendatakit.org/xforms") => format!("odk:{}", n.tag_name().name()),
        _ => n.tag_name().name().to_string(),
    };
    (tag, attrs(n))
}

/// The `nodeset` of the itemset of the control bound to `ref`.
pub fn itemset(xml: &str, reference: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let n = doc
        .descendants()
        .find(|n| n.attribute("ref") == Some(reference) && n.tag_name().name() != "bind")
        .unwrap();
    n.children()
        .find(|c| c.has_tag_name((XF, "itemset")))
        .and_then(|c| c.attribute("nodeset"))
        .unwrap()
        .to_string()
}

/// The primary instance as `path=text` lines (`[t]` marks `jr:template`).
pub fn instance(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let inst = doc
        .descendants()
        .find(|n| n.has_tag_name((XF, "instance")) && n.attribute("id").is_none())
        .unwrap();
    let mut out = Vec::new();
    fn walk(n: roxmltree::Node, path: &str, out: &mut Vec<String>) {
        let here = format!("{path}/{}", n.tag_name().name());
        let t = if n.attribute((JR, "template")).is_some() {
            "[t]"
        } else {
            ""
        };
        let kids: Vec<_> = n.children().filter(|c| c.is_element()).collect();
        if kids.is_empty() {
            out.push(format!("{here}{t}={}", n.text().unwrap_or("")));
        } else {
            out.push(format!("{here}{t}"));
        }
        for k in kids {
            walk(k, &here, out);
        }
    }
    walk(inst.first_element_child().unwrap(), "", &mut out);
    out
}

/// The value of an `itext` text in a language (default form).
pub fn itext(xml: &str, lang: &str, id: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let tr = doc
        .descendants()
        .find(|n| n.tag_name().name() == "translation" && n.attribute("lang") == Some(lang))?;
    let text = tr.children().find(|n| n.attribute("id") == Some(id))?;
    let v = text
        .children()
        .find(|v| v.tag_name().name() == "value" && v.attribute("form").is_none())?;
    Some(
        v.descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect(),
    )
}

pub const YN: &[&[&str]] = &[
    &["list_name", "name", "label"],
    &["yn", "yes", "Yes"],
    &["yn", "no", "No"],
];

#[test]
fn every_question_type_has_pyxforms_bind_type_and_control() {
    let x = xform(
        &[
            &["type", "name", "label", "calculation", "parameters"],
            &["text", "t", "T", "", ""],
            &["integer", "i", "I", "", ""],
            &["decimal", "d", "D", "", ""],
            &["select_one yn", "s1", "S1", "", ""],
            &["select_multiple yn", "sm", "SM", "", ""],
            &["rank yn", "rk", "RK", "", ""],
            &["range", "rg", "RG", "", "start=0 end=1 step=0.1"],
            &["range", "stars", "Stars", "", "start=1 end=5 step=1"],
            &["date", "dt", "DT", "", ""],
            &["time", "tm", "TM", "", ""],
            &["dateTime", "dtm", "DTM", "", ""],
            &["note", "nt", "NT", "", ""],
            &["calculate", "c", "", "1 + 1", ""],
            &["hidden", "h", "", "", ""],
            &["acknowledge", "ak", "AK", "", ""],
        ],
        YN,
    );
    let check = |name: &str, ty: &str, tag: Option<&str>| {
        let path = format!("/t/{name}");
        assert_eq!(bind(&x, &path, "type").as_deref(), Some(ty), "{name}");
        match tag {
            Some(tag) => assert_eq!(control(&x, &path).0, tag, "{name}"),
            None => assert!(!x.contains(&format!("ref=\"{path}\"")), "{name}"),
        }
    };
    check("t", "string", Some("input"));
    check("i", "int", Some("input"));
    check("d", "decimal", Some("input"));
    check("s1", "string", Some("select1"));
    check("sm", "string", Some("select"));
    check("rk", "odk:rank", Some("odk:rank"));
    check("rg", "decimal", Some("range"));
    check("stars", "int", Some("range"));
    check("dt", "date", Some("input"));
    check("tm", "time", Some("input"));
    check("dtm", "dateTime", Some("input"));
    check("nt", "string", Some("input"));
    check("c", "string", None);
    check("h", "string", None);
    check("ak", "string", Some("trigger"));
    assert_eq!(bind(&x, "/t/nt", "readonly").as_deref(), Some("true()"));
    assert_eq!(bind(&x, "/t/c", "calculate").as_deref(), Some("1 + 1"));
    let (_, rg) = control(&x, "/t/rg");
    assert_eq!(
        (&rg["start"][..], &rg["end"][..], &rg["step"][..]),
        ("0", "1", "0.1")
    );
    assert_eq!(itemset(&x, "/t/s1"), "instance('yn')/root/item");
    // Secondary instance of the list, plain labels.
    assert!(
        x.contains("<instance id=\"yn\"><root><item><name>yes</name><label>Yes</label></item>")
    );
    // Header, meta.
    assert!(x.contains("<h:title>Test</h:title>"));
    assert!(x.contains("<model odk:xforms-version=\"1.0.0\">"));
    let b = binds(&x);
    assert_eq!(
        b["/t/meta/instanceID"],
        [
            ("type", "string"),
            ("readonly", "true()"),
            ("jr:preload", "uid")
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    );
    assert!(!b.contains_key("/t/meta/instanceName"));
    assert_eq!(instance(&x)[0], "/t");
}

#[test]
fn flags_expressions_and_messages() {
    let x = xform(
        &[
            &[
                "type",
                "name",
                "label",
                "required",
                "required_message",
                "constraint",
                "constraint_message",
                "relevant",
                "read_only",
            ],
            &[
                "integer",
                "age",
                "Age",
                "yes",
                "Needed",
                ". >= 15 and . < 120",
                "15+",
                "",
                "",
            ],
            &[
                "text",
                "why",
                "Why",
                "${age} > 60",
                "",
                "",
                "",
                "${age} != ''",
                "no",
            ],
            &["text", "locked", "L", "no", "", "", "", "", "${age} < 18"],
            &["begin group", "g", "G", "", "", "", "", "${age} >= 18", ""],
            &["text", "inside", "In", "", "", "", "", "", ""],
            &["end group", "", "", "", "", "", "", "", ""],
        ],
        &[],
    );
    let b = binds(&x);
    let age = &b["/t/age"];
    assert_eq!(age["required"], "true()");
    assert_eq!(age["jr:requiredMsg"], "Needed");
    assert_eq!(age["constraint"], ". >= 15 and . < 120");
    assert_eq!(age["jr:constraintMsg"], "15+");
    let why = &b["/t/why"];
    assert_eq!(why["required"], " /t/age  > 60");
    assert_eq!(why["relevant"], " /t/age  != ''");
    assert!(!why.contains_key("readonly"));
    assert_eq!(b["/t/locked"]["readonly"], " /t/age  < 18");
    assert!(!b["/t/locked"].contains_key("required"));
    assert_eq!(b["/t/g"].get("relevant").unwrap(), " /t/age  >= 18");
    assert!(!b["/t/g"].contains_key("type"));
    assert_eq!(b["/t/g/inside"]["type"], "string");
    assert_eq!(control(&x, "/t/g").0, "group");
    // XML-escaped in the text, read back unescaped above.
    assert!(x.contains("constraint=\". &gt;= 15 and . &lt; 120\""));
}

#[test]
fn repeats_use_relative_paths_as_pyxform() {
    let x = xform(
        &[
            &[
                "type",
                "name",
                "label",
                "relevant",
                "calculation",
                "repeat_count",
            ],
            &["integer", "n", "N", "", "", ""],
            &["begin repeat", "person", "Person", "", "", "${n}"],
            &["text", "name", "Name", "", "", ""],
            &["integer", "age", "Age of ${name}", "", "", ""],
            &["begin group", "g", "G", "", "", ""],
            &["text", "nick", "Nick", "${age} > 10", "", ""],
            &["end group", "", "", "", "", ""],
            &["begin repeat", "child", "Child", "", "", "${age} - 15"],
            &["text", "cname", "Child of ${name}", "", "", ""],
            &["calculate", "pos", "", "", "position(..)", ""],
            &["calculate", "older", "", "", "${age} - ${n}", ""],
            &["end repeat", "", "", "", "", ""],
            &["end repeat", "", "", "", "", ""],
            &["calculate", "total", "", "", "count(${person})", ""],
            &[
                "calculate",
                "first",
                "",
                "",
                "indexed-repeat(${name}, ${person}, 1)",
                "",
            ],
        ],
        &[],
    );
    let b = binds(&x);
    assert_eq!(b["/t/person/g/nick"]["relevant"], " ../../age  > 10");
    assert_eq!(b["/t/person/child/pos"]["calculate"], "position(..)");
    assert_eq!(
        b["/t/person/child/older"]["calculate"],
        " ../../age  -  /t/n "
    );
    assert_eq!(b["/t/total"]["calculate"], "count( /t/person )");
    assert_eq!(
        b["/t/first"]["calculate"],
        "indexed-repeat( /t/person/name ,  /t/person , 1)"
    );
    // jr:count: a plain reference directly, an expression through pyxform's `child_count`.
    let (tag, person) = control(&x, "/t/person");
    assert_eq!(tag, "group");
    let (_, person_repeat) = {
        let doc = roxmltree::Document::parse(&x).unwrap();
        let r = doc
            .descendants()
            .find(|n| {
                n.tag_name().name() == "repeat" && n.attribute("nodeset") == Some("/t/person")
            })
            .unwrap();
        ((), attrs(r))
    };
    assert!(person.is_empty() || !person.contains_key("jr:count"));
    assert_eq!(person_repeat["jr:count"], " /t/n ");
    assert_eq!(b["/t/person/child_count"]["calculate"], " ../age  - 15");
    assert_eq!(b["/t/person/child_count"]["readonly"], "true()");
    assert!(x.contains("<repeat nodeset=\"/t/person/child\" jr:count=\" ../child_count \">"));
    // Labels with references are outputs, relative in the repeat.
    assert!(x.contains("<label>Age of <output value=\" ../name \"/></label>"));
    assert!(x.contains("<label>Child of <output value=\" ../../name \"/></label>"));
    // Template and one instance at the top; nested repeats follow their parent's kind.
    let inst = instance(&x);
    let lines: Vec<&str> = inst.iter().map(String::as_str).collect();
    assert_eq!(
        lines,
        [
            "/t",
            "/t/n=",
            "/t/person[t]",
            "/t/person/name=",
            "/t/person/age=",
            "/t/person/g",
            "/t/person/g/nick=",
            "/t/person/child_count=",
            "/t/person/child[t]",
            "/t/person/child/cname=",
            "/t/person/child/pos=",
            "/t/person/child/older=",
            "/t/person",
            "/t/person/name=",
            "/t/person/age=",
            "/t/person/g",
            "/t/person/g/nick=",
            "/t/person/child_count=",
            "/t/person/child",
            "/t/person/child/cname=",
            "/t/person/child/pos=",
            "/t/person/child/older=",
            "/t/total=",
            "/t/first=",
            "/t/meta",
            "/t/meta/instanceID=",
        ]
    );
}

#[test]
fn choice_filters_become_predicates() {
    let x = xform(
        &[
            &["type", "name", "label", "choice_filter"],
            &["select_one prov", "p", "P", ""],
            &["select_one comm", "c", "C", "prov = ${p}"],
            &["begin repeat", "r", "R", ""],
            &["select_one prov", "rp", "RP", ""],
            &[
                "select_multiple comm",
                "rc",
                "RC",
                "prov = ${rp} or ${p} = ''",
            ],
            &["end repeat", "", "", ""],
        ],
        &[
            &["list_name", "name", "label", "prov"],
            &["prov", "92", "Cần Thơ", ""],
            &["prov", "01", "Hà Nội", ""],
            &["comm", "31117", "Ninh Kiều", "92"],
            &["comm", "00004", "Ba Đình", "01"],
        ],
    );
    assert_eq!(
        itemset(&x, "/t/c"),
        "instance('comm')/root/item[prov =  /t/p ]"
    );
    assert_eq!(
        itemset(&x, "/t/r/rc"),
        "instance('comm')/root/item[prov =  current()/../rp  or  /t/p  = '']"
    );
    assert!(x.contains("<item><name>31117</name><label>Ninh Kiều</label><prov>92</prov></item>"));
}

#[test]
fn defaults_literal_in_the_instance_dynamic_by_setvalue() {
    let x = xform(
        &[
            &["type", "name", "label", "default"],
            &["integer", "n", "N", "5"],
            &["date", "d", "D", "today()"],
            &["begin repeat", "r", "R", ""],
            &["text", "who", "Who", "concat('x', ${n})"],
            &["text", "lit", "Lit", "a & b"],
            &["end repeat", "", "", ""],
        ],
        &[],
    );
    let inst = instance(&x);
    assert!(inst.contains(&"/t/n=5".to_string()));
    assert!(inst.contains(&"/t/d=".to_string()));
    assert_eq!(inst.iter().filter(|l| *l == "/t/r/lit=a & b").count(), 2);
    assert!(
        x.contains("<setvalue ref=\"/t/d\" event=\"odk-instance-first-load\" value=\"today()\"/>")
    );
    assert!(x.contains(
        "<setvalue ref=\"/t/r/who\" event=\"odk-instance-first-load\" value=\"concat('x',  /t/n )\"/>"
    ));
    // Inside the repeat element, for each new instance.
    assert!(x.contains(
        "<setvalue ref=\"/t/r/who\" event=\"odk-new-repeat\" value=\"concat('x',  /t/n )\"/></repeat>"
    ));
}
