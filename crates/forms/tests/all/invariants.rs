//! Properties of the response engine on the corpus forms with random answers: it never panics,
//! it is deterministic, a non-relevant question is empty and not stored, the record holds only
//! relevant values, and storing the record then evaluating it again changes nothing.

use crate::util::opts;
use duluan_forms::xlsform::import_xlsx;
use duluan_forms::{Answer, Engine, Evaluation, Record, check_form};
use proptest::prelude::*;
use std::path::Path;

fn engine(name: &str) -> Engine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    Engine::new(check_form(&import_xlsx(&std::fs::read(path).unwrap()).unwrap()).unwrap())
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("yes".to_string()),
        Just("OK".to_string()),
        Just("92".to_string()),
        Just("31120".to_string()),
        Just("head".to_string()),
        Just("office online".to_string()),
        "[1-5]",
        "-?[0-9]{1,3}(\\.[0-9])?",
        "(19[5-9][0-9]|20[0-2][0-9])-0[1-9]-[0-2][1-9]",
        "[0-2][0-9]:[0-5][0-9]",
        "\\PC{0,12}",
    ]
}

fn answers(names: Vec<String>, repeat: Option<&'static str>) -> impl Strategy<Value = Record> {
    let n = names.len();
    (
        proptest::collection::vec(proptest::option::of(value()), n),
        proptest::collection::vec(
            proptest::collection::vec(proptest::option::of(value()), n),
            0..4,
        ),
    )
        .prop_map(move |(top, instances)| {
            let fill = |vals: &Vec<Option<String>>| -> Record {
                names
                    .iter()
                    .zip(vals)
                    .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), Answer::Value(v))))
                    .collect()
            };
            let mut rec = fill(&top);
            if let Some(r) = repeat {
                rec.insert(
                    r.to_string(),
                    Answer::Repeat(instances.iter().map(fill).collect()),
                );
            }
            rec
        })
}

fn check_invariants(e: &Engine, a: &Record) -> Result<(), TestCaseError> {
    let r: Evaluation = e.evaluate(a, &opts("vi"));
    prop_assert_eq!(&r, &e.evaluate(a, &opts("vi")));
    for q in &r.questions {
        if !q.relevant {
            prop_assert_eq!(
                q.value.as_str(),
                "",
                "{} is not relevant but has a value",
                q.name
            );
            prop_assert!(q.issue.is_none());
        }
    }
    fn names(rec: &Record, out: &mut Vec<String>) {
        for (k, v) in rec {
            match v {
                Answer::Value(_) => out.push(k.clone()),
                Answer::Repeat(instances) => instances.iter().for_each(|i| names(i, out)),
            }
        }
    }
    let mut stored = Vec::new();
    names(&r.record, &mut stored);
    for n in &stored {
        prop_assert!(
            r.questions.iter().any(|q| &q.name == n && q.relevant),
            "{} stored but never relevant",
            n
        );
    }
    prop_assert_eq!(r.is_complete(), r.issues().next().is_none());
    // Re-evaluating the stored record gives the same record (a fixed point).
    let again = e.evaluate(&r.record, &opts("vi"));
    prop_assert_eq!(again.record, r.record);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn household_invariants(a in answers(
        ["interview_date", "hh_id", "hh_size", "member_name", "sex", "dob", "relation", "education", "income", "interviewer"].map(String::from).to_vec(),
        Some("member"),
    )) {
        check_invariants(&engine("household_roster.xlsx"), &a)?;
    }

    #[test]
    fn public_services_invariants(a in answers(
        ["consent", "province", "commune", "age", "gender", "used_service", "channels", "sat_time", "sat_staff", "sat_fee", "sat_online", "reason"].map(String::from).to_vec(),
        None,
    )) {
        check_invariants(&engine("khao_sat_dich_vu_cong.xlsx"), &a)?;
    }
}
