//! Tests of the R bundle: literals, names, cells and a hostile form run through R.

use super::*;
use serde_json::json;

#[test]
fn literals_hold_anything_and_code_stays_ascii() {
    assert_eq!(r_literal("a\"b\\c", true), r#""a\"b\\c""#);
    assert_eq!(r_literal("x\ny\r\tz", true), r#""x\ny\r\tz""#);
    assert_eq!(r_literal("Nữ × 2", true), r#""N\u{1eef} \u{d7} 2""#);
    assert_eq!(r_literal("Nữ", false), "\"Nữ\"");
    // Bidirectional and line-breaking characters are escaped even in comments.
    assert_eq!(
        comment("a\u{202e}b\u{2028}c\u{85}"),
        r#""a\u{202e}b\u{2028}c\u{85}""#
    );
    assert_eq!(r_literal("😀", true), r#""\U{1f600}""#);
    assert!(code("a\0b").is_err());
    let c = comment("x\n) ; system(\"rm -rf /\") #");
    assert!(!c.contains('\n'), "{c}");
}

#[test]
fn only_plain_names_reach_the_code() {
    for yes in ["age", "q_1", "Q1.a", "a-b", "_x"] {
        assert!(is_plain_name(yes), "{yes}");
    }
    for no in ["", "tuổi", "a`b", "a b", "1a", ".weight", "a\\b", "a\"b"] {
        assert!(!is_plain_name(no), "{no}");
    }
}

#[test]
fn cells_read_back_exactly() {
    // What the script's `unprotect` does: one leading ' before quotes and a risky start.
    fn unprotect(c: &str) -> &str {
        match c.strip_prefix('\'') {
            Some(rest)
                if rest
                    .trim_start_matches('\'')
                    .starts_with(['-', '=', '+', '@', '\t', '\r']) =>
            {
                rest
            }
            _ => c,
        }
    }
    for (value, written) in [
        ("-3", "-3"),
        ("-2.5e-3", "-2.5e-3"),
        ("12", "12"),
        ("=1+1", "'=1+1"),
        ("-3a", "'-3a"),
        ("+84", "'+84"),
        ("'=x", "''=x"),
        ("'x", "'x"),
        ("tax land", "tax land"),
        ("", ""),
    ] {
        assert_eq!(cell(value), written, "{value}");
        assert_eq!(unprotect(written), value, "{written}");
    }
}

/// A questionnaire whose names, choices, answers and labels try to break out of the data
/// and of the script: R (when installed; required with `DULUAN_TEST_R=1`), run in the C
/// locale, reads them back and reproduces `model::compute` within 1e-9.
#[test]
fn odd_names_and_labels_survive_r_in_any_locale() {
    let label = |t: &str| json!({"vi": t, "en": t});
    let nasty = "x\n) ; q(\"no\") #\u{202e}";
    let form = json!({
        "id": "odd", "version": "1", "title": "odd", "default_language": "vi",
        "items": [
            {"kind": "question", "name": "tuổi", "type": "decimal", "label": label(nasty)},
            {"kind": "question", "name": "q-1", "type": "select_one odd", "label": label("q")},
            {"kind": "question", "name": "dv", "type": "select_multiple two", "label": label("m")},
        ],
        "choices": [
            {"name": "odd", "choices": [
                {"name": "a\"b", "label": label(nasty)},
                {"name": "=x", "label": label("=x")},
                {"name": "-3", "label": label("-3")},
                {"name": "Nữ", "label": label("Nữ")},
            ]},
            {"name": "two", "choices": [
                {"name": "x", "label": label("x")},
                {"name": "y", "label": label("y")},
            ]},
        ],
    });
    let engine = crate::surveys::engine_for(&form.to_string()).expect("the form checks");
    let ages = [
        "20", "21,5", "-3", "abc", "1e1", ".5", "+7", "33", "'=1", "40",
    ];
    let picks = ["a\"b", "=x", "-3", "Nữ"];
    let multi = ["x y", "x", "y  x", "y", "x"];
    let rows: Vec<model::Row> = (0..20)
        .map(|i| model::Row {
            answers: [
                ("tuổi".to_string(), ages[i % ages.len()].to_string()),
                ("q-1".to_string(), picks[i % picks.len()].to_string()),
                ("dv".to_string(), multi[i % multi.len()].to_string()),
            ]
            .into(),
            weight: Some(1.0 + i as f64 * 0.37),
            stratum: Some(["A", "B", "=C"][i % 3].to_string()),
        })
        .collect();
    let data = Data::from_rows(&rows);
    let settings = Settings {
        weighted: true,
        k: 2,
        level: 0.95,
        method: duluan_stats::CipropMethod::Logit,
        totals: false,
    };
    let spec = Spec {
        method: Method::None,
        tables: vec![],
        trim: None,
    };
    let about = About {
        survey_id: 7,
        title: nasty.to_string(),
        lang: "vi",
        period: (None, None),
    };
    let zip = bundle(engine.form(), &data, &spec, settings, &about).expect("a bundle");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        if f.name().unwrap() == "results.R" {
            script = String::from_utf8(bytes.clone()).unwrap();
        }
        std::fs::write(dir.path().join(f.name().unwrap().to_string()), bytes).unwrap();
    }
    // Names and labels never reach the code raw: the alias, escaped literals, no break-out.
    assert!(
        script.contains("`.q1`") && !script.contains("`tuổi`"),
        "{script}"
    );
    assert!(script.contains(r#"share("q-1", "a\"b", ~I(`q-1` == "a\"b"), dd)"#));
    assert!(script.contains(r#""N\u{1eef}""#));
    assert!(!script.contains('\u{202e}') && !script.contains("\n) ; q("));
    // Outside comments the script is ASCII (it parses alike in every locale).
    for l in script.lines().filter(|l| !l.starts_with('#')) {
        assert!(l.split_once("  # ").map_or(l, |x| x.0).is_ascii(), "{l}");
    }

    let required = std::env::var("DULUAN_TEST_R").is_ok_and(|v| v == "1");
    let run = std::process::Command::new("Rscript")
        .arg("results.R")
        .current_dir(dir.path())
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .output();
    let out = match run {
        Ok(out) => out,
        Err(e) => {
            assert!(!required, "DULUAN_TEST_R=1 but Rscript is missing: {e}");
            eprintln!("skipped: Rscript not found");
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("there is no package called") && !required {
        eprintln!("skipped: R's survey package not found");
        return;
    }
    assert!(out.status.success(), "{stderr}\n{script}");
    let text = std::fs::read_to_string(dir.path().join("r_results.csv")).unwrap();
    let mut r: Vec<(String, String, [f64; 3])> = Vec::new();
    for rec in csv::Reader::from_reader(text.as_bytes()).records() {
        let rec = rec.unwrap();
        let v = |k: usize| rec[k].parse::<f64>().unwrap_or(f64::NAN);
        r.push((rec[0].to_string(), rec[1].to_string(), [v(2), v(3), v(4)]));
    }
    let design = model::design(&data, true).unwrap();
    let ours = model::compute(engine.form(), &data, &design, settings, "vi", None).unwrap();
    let mut compared = 0;
    for q in &ours {
        let theirs: Vec<_> = r.iter().filter(|x| x.0 == q.name).collect();
        assert_eq!(theirs.len(), q.lines.len(), "{}: {text}", q.name);
        for (l, t) in q.lines.iter().zip(theirs) {
            let Some((e, lo, hi)) = l.value else { continue };
            for (a, b) in [e, lo, hi].into_iter().zip(t.2) {
                assert!((a - b).abs() <= 1e-9, "{} {}: ours {a}, R {b}", q.name, t.1);
                compared += 1;
            }
        }
    }
    // The mean of the numbers the page reads: 20, 21.5, -3, 10, 0.5, 7, 33, 40 (not "abc",
    // not "'=1"), and every share.
    assert!(compared >= 24, "{compared}: {text}");
    assert!(text.contains("\"q-1\",\"Nữ\""), "{text}");
    assert!(text.contains("\"tuổi\",\"mean\""), "{text}");
}

/// Runs the bundle of `data` through R and compares every figure `model` computes (hidden or
/// not) within 1e-9; `None` when R is absent (and not required). Returns how many numbers
/// were compared.
fn r_agrees(
    form: &CheckedForm,
    data: &Data,
    spec: &Spec,
    settings: Settings,
    case: &str,
    day: Option<chrono::NaiveDate>,
) -> Option<usize> {
    let about = About {
        survey_id: 1,
        title: case.to_string(),
        lang: "vi",
        period: (day, day),
    };
    let zip = bundle(form, data, spec, settings, &about).expect("a bundle");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        std::fs::write(dir.path().join(f.name().unwrap().to_string()), bytes).unwrap();
    }
    let required = std::env::var("DULUAN_TEST_R").is_ok_and(|v| v == "1");
    let out = match std::process::Command::new("Rscript")
        .arg("results.R")
        .current_dir(dir.path())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(!required, "DULUAN_TEST_R=1 but Rscript is missing: {e}");
            eprintln!("skipped: Rscript not found");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("there is no package called") && !required {
        eprintln!("skipped: R's survey package not found");
        return None;
    }
    let script = std::fs::read_to_string(dir.path().join("results.R")).unwrap();
    assert!(out.status.success(), "{case}: {stderr}\n{script}");
    let text = std::fs::read_to_string(dir.path().join("r_results.csv")).unwrap();
    let mut r: Vec<(String, String, [f64; 3], [f64; 3])> = Vec::new();
    for rec in csv::Reader::from_reader(text.as_bytes()).records() {
        let rec = rec.unwrap();
        let v = |k: usize| rec[k].parse::<f64>().unwrap_or(f64::NAN);
        r.push((
            rec[0].to_string(),
            rec[1].to_string(),
            [v(2), v(3), v(4)],
            [v(5), v(6), v(7)],
        ));
    }
    let prepared = model::prepare(data, spec, settings.weighted).unwrap();
    if spec.active() {
        assert!(
            matches!(prepared.weighting, Some(Ok(_))),
            "{case}: the weighting applies"
        );
    }
    let all = Settings {
        k: 0,
        ..prepared.settings(settings, data)
    };
    let within: Option<Vec<bool>> = day.map(|d| data.days.iter().map(|x| *x == Some(d)).collect());
    let ours = model::compute(form, data, &prepared.design, all, "vi", within.as_deref()).unwrap();
    let mut compared = 0;
    let mut totals = 0;
    let mut shares = 0;
    for q in &ours {
        let theirs: Vec<_> = r.iter().filter(|x| x.0 == q.name).collect();
        assert_eq!(theirs.len(), q.lines.len(), "{case}: {}: {text}", q.name);
        // A margin the weighting fixed has no variance but rounding: its interval is the
        // estimate on the page, noise (or, for beta, nonsense) in R.
        if spec.tables.iter().any(|t| t.variables.contains(&q.name)) {
            continue;
        }
        for (l, t) in q.lines.iter().zip(theirs) {
            let Some((e, lo, hi)) = l.value else { continue };
            for (a, b) in [e, lo, hi].into_iter().zip(t.2) {
                assert!(
                    (a - b).abs() <= 1e-9,
                    "{case}: {} {}: ours {a}, R {b}",
                    q.name,
                    t.1
                );
                compared += 1;
            }
            if q.kind != Kind::Mean {
                shares += 1;
            }
            // The number in the population: present on both sides or on neither.
            assert_eq!(
                l.total.is_some(),
                t.3[0].is_finite(),
                "{case}: {} {}",
                q.name,
                t.1
            );
            if let Some((e, lo, hi)) = l.total {
                for (a, b) in [e, lo, hi].into_iter().zip(t.3) {
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                        "{case}: total {} {}: ours {a}, R {b}",
                        q.name,
                        t.1
                    );
                    totals += 1;
                }
            }
        }
    }
    // Totals were estimated for every share the weights let stand for a population (here the
    // design weights of a sample: always).
    if all.totals {
        assert_eq!(totals, shares * 3, "{case}: totals of every share");
    }
    Some(compared)
}

#[test]
fn r_agrees_on_a_cluster_sample_by_every_interval_method_raked_or_not() {
    // A two-stage sample: 3 strata × 4 clusters × 5 interviews, unequal weights; a single
    // choice and a number. Every interval method, on the design alone and raked to a table.
    let label = |t: &str| json!({"vi": t});
    let form = json!({
        "id": "clu", "version": "1", "title": "clu", "default_language": "vi",
        "items": [
            {"kind": "question", "name": "sex", "type": "select_one sex", "label": label("sex")},
            {"kind": "question", "name": "view", "type": "select_one view", "label": label("view")},
            {"kind": "question", "name": "age", "type": "integer", "label": label("age")},
        ],
        "choices": [
            {"name": "sex", "choices": [
                {"name": "m", "label": label("m")}, {"name": "f", "label": label("f")}]},
            {"name": "view", "choices": [
                {"name": "a", "label": label("a")}, {"name": "b", "label": label("b")},
                {"name": "c", "label": label("c")}]},
        ],
    });
    let engine = crate::surveys::engine_for(&form.to_string()).expect("the form checks");
    let mut data = Data::default();
    for i in 0..60usize {
        let (h, c) = (i / 20, (i / 5) % 4);
        let age = (18 + (i * 7) % 50).to_string();
        let view = ["a", "b", "c", "a", "b"][(i * 3 + c) % 5];
        let sex = if (i + h) % 3 == 0 { "f" } else { "m" };
        data.push_with(
            [("sex", sex), ("view", view), ("age", age.as_str())],
            crate::surveys::results::model::data::Meta {
                weight: Some(10.0 + (c as f64) * 3.5 + h as f64),
                stratum: Some(format!("S{h}")),
                cluster: Some(format!("C{c}")),
                day: None,
                wave: 0,
            },
        );
    }
    let data = data.finish();
    assert!(data.has_clusters() && data.has_design());
    // Half the interviews completed on 1 March, half on 2 March: the cases filtered to one day
    // are a domain of the whole design in R too.
    let mut data = data;
    data.days = (0..60)
        .map(|i| chrono::NaiveDate::from_ymd_opt(2026, 3, 1 + (i % 2) as u32))
        .collect();
    let table = PopTable {
        id: 1,
        name: "sex".into(),
        variables: vec!["sex".into()],
        cells: vec![(vec!["m".into()], 700.0), (vec!["f".into()], 500.0)],
    };
    let mut compared = 0;
    for name in model::CI_METHODS {
        let settings = Settings {
            weighted: true,
            k: 0,
            level: 0.95,
            method: name.parse().unwrap(),
            totals: false,
        };
        // The design alone, or raked.
        let spec = if matches!(*name, "logit" | "mean") {
            Spec {
                method: Method::None,
                tables: vec![],
                trim: None,
            }
        } else {
            Spec {
                method: Method::Rake,
                tables: vec![table.clone()],
                trim: None,
            }
        };
        let case = format!("{name}, {:?}", spec.method);
        let Some(n) = r_agrees(engine.form(), &data, &spec, settings, &case, None) else {
            return;
        };
        compared += n;
    }
    // 5 methods × (5 shares + mean + median) × 3 numbers, less the 2 shares of the margin in
    // the 3 raked cases.
    assert_eq!(compared, 5 * 7 * 3 - 3 * 2 * 3);
    // One day only, on the design alone and raked.
    let settings = Settings {
        weighted: true,
        k: 0,
        level: 0.95,
        method: duluan_stats::CipropMethod::Logit,
        totals: false,
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2);
    let none = Spec {
        method: Method::None,
        tables: vec![],
        trim: None,
    };
    let raked = Spec {
        method: Method::Rake,
        tables: vec![table],
        trim: None,
    };
    for (spec, case) in [(none, "one day"), (raked, "one day, raked")] {
        let n = r_agrees(engine.form(), &data, &spec, settings, case, day).unwrap();
        assert!(n >= 5 * 3, "{case}: {n}");
    }
}
