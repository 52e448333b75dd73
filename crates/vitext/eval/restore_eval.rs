//! Diacritic-restoration evaluation on text nobody here wrote, against pyvi in the same run.
//!
//! Each held-out file (one sentence per line, accented, extracted from Debian packages by
//! `eval/extract.py`; never vendored) is normalised, its marks are stripped (`chars::fold`),
//! it is restored, and the result is compared syllable by syllable with the original
//! (case-insensitive). Rows: held-out sets; columns: the models and pyvi's
//! `ViUtils.add_accents` (run by `$PYVI_PYTHON`, default `python3`, when `pyvi` imports).
//!
//! ```text
//! restore_eval --test NAME=FILE... [--train FILE...] [--max N] [--no-pyvi] [--show N]
//!              [--min-accuracy PCT] [--adapt-max N]
//! ```
//!
//! With `--min-accuracy`, exits with status 1 when the default model scores below PCT on a
//! held-out set taken from a Debian package (a name ending in `-vi`): CI's guard against a
//! regression.
//!
//! * `default`: the model built into the crate (`restore::Model::default_model`);
//! * `trained here`: a model trained in this run on the `--train` files and the bundled corpus
//!   (checks that the committed model can be rebuilt, and what more text gives);
//! * `adapted`: the default model adapted as a deployment adapts it to its own accented items
//!   (`Model::with_text` at the server's weight, 0.3), by two-fold cross-adaptation: adapted
//!   to the odd-numbered sentences of the set it restores the even-numbered ones, and the
//!   other way round; no sentence is restored by a model that saw it (`--adapt-max N`: at
//!   most the first N sentences of the teaching half);
//! * the row `duluan corpus 1/10` holds out every tenth line of the bundled corpus and trains
//!   on the rest (plus the `--train` files); the default model saw those lines, so it has no
//!   figure there.

use duluan_vitext::restore::Model;
use duluan_vitext::{chars, corpus, normalize::normalize, tokens};

#[path = "python.rs"]
mod python;
use std::time::Instant;

const PYVI: &str = r#"
import sys
from pyvi import ViUtils
for line in sys.stdin:
    line = line.rstrip("\n")
    try:
        out = ViUtils.add_accents(line) if line.strip() else line
    except Exception:
        out = line  # pyvi fails on some words it does not know: the line is left as typed
    sys.stdout.write(str(out).replace("\n", " ") + "\n")
"#;

/// `(correct, total, correct among syllables that carry a mark, syllables with a mark)`.
fn score(gold: &[String], output: &[String]) -> [usize; 4] {
    let mut s = [0; 4];
    for (g, o) in gold.iter().zip(output) {
        let a = tokens::syllables(g);
        let o = normalize(o);
        let b = tokens::syllables(&o);
        for (i, x) in a.iter().enumerate() {
            let ok = b.get(i).is_some_and(|y| y.lower == x.lower);
            let marked = x.lower != x.folded;
            s[0] += ok as usize;
            s[1] += 1;
            s[2] += (ok && marked) as usize;
            s[3] += marked as usize;
        }
    }
    s
}

fn pyvi(lines: &[String]) -> Result<(Vec<String>, f64), String> {
    let python = std::env::var("PYVI_PYTHON").unwrap_or_else(|_| "python3".into());
    let t = Instant::now();
    let got = python::pipe_lines(&python, PYVI, lines)?;
    Ok((
        got,
        t.elapsed().as_secs_f64() * 1e3 / lines.len().max(1) as f64,
    ))
}

/// CPU time of this process so far (user + system, from `/proc/self/stat`; 0 elsewhere): on
/// a shared machine, wall time also counts the other processes' turns.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the file (utime, stime, in clock ticks of 1/100 s): 11 and 12
    // counting from the state after the ')'.
    (field(11) + field(12)) / 100.0
}

fn args(flag: &str) -> Vec<String> {
    let all: Vec<String> = std::env::args().collect();
    let mut out = Vec::new();
    let mut on = false;
    for a in &all[1..] {
        if a.starts_with("--") {
            on = a == flag;
        } else if on {
            out.push(a.clone());
        }
    }
    out
}

/// Non-empty lines, normalised; `#` comments skipped in held-out sets (`comments`), kept in
/// training text as `restore_train` keeps them.
fn read_lines(path: &str, max: usize, comments: bool) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !(l.trim().is_empty() || comments && l.starts_with('#')))
        .take(max)
        .map(normalize)
        .collect()
}

fn pct(s: [usize; 4]) -> String {
    format!("{:.2} %", 100.0 * s[0] as f64 / s[1].max(1) as f64)
}

/// The weight of a deployment's own text in its adapted model (`ADAPT_WEIGHT` in the server's
/// `monitoring::learn`).
const ADAPT_WEIGHT: f64 = 0.3;

struct Row {
    name: String,
    gold: Vec<String>,
    default_ok: bool,
}

fn main() {
    let max: usize = args("--max")
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let show: usize = args("--show")
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let adapt_max: usize = args("--adapt-max")
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let use_pyvi = !std::env::args().any(|a| a == "--no-pyvi");
    let train_files = args("--train");
    let mut train: Vec<String> = Vec::new();
    for f in &train_files {
        train.extend(read_lines(f, usize::MAX, false));
    }
    let corpus_lines: Vec<&str> = corpus::lines().collect();
    let mut rows: Vec<Row> = args("--test")
        .iter()
        .map(|t| {
            let (name, path) = t.split_once('=').unwrap_or((t, t));
            Row {
                name: name.to_string(),
                gold: read_lines(path, max, true),
                default_ok: true,
            }
        })
        .collect();
    // Sentences of a held-out set that also occur in the training text are dropped.
    let seen: std::collections::HashSet<&str> = train.iter().map(String::as_str).collect();
    for r in &mut rows {
        let before = r.gold.len();
        r.gold.retain(|g| !seen.contains(g.as_str()));
        if r.gold.len() != before {
            eprintln!(
                "{}: {} sentences also in the training text dropped",
                r.name,
                before - r.gold.len()
            );
        }
    }
    rows.push(Row {
        name: "duluan corpus 1/10".into(),
        gold: corpus_lines
            .iter()
            .step_by(10)
            .map(|l| normalize(l))
            .collect(),
        default_ok: false,
    });

    let t = Instant::now();
    let default = Model::default_model();
    let default_load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let general: Vec<&str> = train.iter().map(String::as_str).collect();
    let with_corpus = |corpus: &[&'static str]| Model::train_with_corpus(&general, corpus);
    let here = (!train.is_empty()).then(|| with_corpus(&corpus_lines));
    let here_time = t.elapsed().as_secs_f64();
    let corpus_rest: Vec<&str> = corpus_lines
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 0)
        .map(|(_, l)| *l)
        .collect();
    let here_fold = with_corpus(&corpus_rest);
    let corpus_only_fold = Model::train(corpus_rest.iter().copied());

    println!(
        "default model: {} syllable forms, {} bytes serialised, ready in {:.2} s",
        default.vocabulary_size(),
        default.to_bytes().len(),
        default_load
    );
    if let Some(h) = &here {
        println!(
            "trained here on {} lines ({} files) + the bundled corpus in {:.1} s: {} syllable forms, {} bytes",
            train.len(),
            train_files.len(),
            here_time,
            h.vocabulary_size(),
            h.to_bytes().len()
        );
    }
    println!();
    println!(
        "| held-out set | sentences | syllables | with marks | default | adapted (other half) | trained here | bundled corpus only | pyvi | ms/sentence default: CPU mean (wall p99: best of 3 / one run) | ms/sentence pyvi |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let min_accuracy: Option<f64> = args("--min-accuracy").first().and_then(|s| s.parse().ok());
    let mut below = Vec::new();
    let mut shown = 0;
    for r in &rows {
        let folded: Vec<String> = r.gold.iter().map(|l| chars::fold(l)).collect();
        let none = score(&r.gold, &folded);
        let run = |m: &Model| {
            let cpu = cpu_seconds();
            let mut times: Vec<f64> = Vec::with_capacity(folded.len());
            let out: Vec<String> = folded
                .iter()
                .map(|l| {
                    let t = Instant::now();
                    let r = m.restore(l);
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    r
                })
                .collect();
            let ms = (cpu_seconds() - cpu) * 1e3 / folded.len().max(1) as f64;
            // Each sentence twice more, its fastest of the three kept: on a shared machine
            // the slowest sentences are mostly the ones another process interrupted.
            let mut best = times.clone();
            for _ in 0..2 {
                for (l, b) in folded.iter().zip(&mut best) {
                    let t = Instant::now();
                    std::hint::black_box(m.restore(l));
                    *b = b.min(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            let p99 = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v.get(v.len() * 99 / 100).copied().unwrap_or(0.0)
            };
            (score(&r.gold, &out), (ms, p99(best), p99(times)), out)
        };
        let (d, dms, dout) = if r.default_ok {
            let (s, (ms, best99, wall99), out) = run(default);
            let acc = 100.0 * s[0] as f64 / s[1].max(1) as f64;
            if r.name.ends_with("-vi") && min_accuracy.is_some_and(|m| acc < m) {
                below.push(format!("{}: {acc:.2} %", r.name));
            }
            (pct(s), format!("{ms:.3} ({best99:.2} / {wall99:.2})"), out)
        } else {
            ("n/a (seen)".into(), "".into(), Vec::new())
        };
        let adapted = if r.default_ok {
            // Two folds: odd-numbered sentences teach, even-numbered ones are restored; then
            // the other way round.
            let mut total = [0; 4];
            for half in 0..2 {
                let teach = r
                    .gold
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 2 == half)
                    .take(adapt_max);
                let own = default.with_text(teach.map(|(_, g)| g.as_str()), ADAPT_WEIGHT);
                let (gold, input): (Vec<String>, Vec<String>) = r
                    .gold
                    .iter()
                    .zip(&folded)
                    .enumerate()
                    .filter(|(i, _)| i % 2 != half)
                    .map(|(_, (g, f))| (g.clone(), f.clone()))
                    .unzip();
                let out: Vec<String> = input.iter().map(|l| own.restore(l)).collect();
                let s = score(&gold, &out);
                for (t, x) in total.iter_mut().zip(s) {
                    *t += x;
                }
            }
            pct(total)
        } else {
            "–".into()
        };
        let h = if r.default_ok {
            here.as_ref().map(|m| pct(run(m).0))
        } else {
            Some(pct(run(&here_fold).0))
        }
        .unwrap_or_else(|| "–".into());
        let c = if r.default_ok {
            "–".to_string()
        } else {
            pct(run(&corpus_only_fold).0)
        };
        let (p, pms) = if use_pyvi {
            match pyvi(&folded) {
                Ok((out, ms)) => (pct(score(&r.gold, &out)), format!("{ms:.3}")),
                Err(e) => {
                    eprintln!("pyvi: {e}");
                    ("not run".into(), "".into())
                }
            }
        } else {
            ("not run".into(), "".into())
        };
        println!(
            "| {} | {} | {} | {:.1} % | {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.gold.len(),
            none[1],
            100.0 - 100.0 * none[0] as f64 / none[1].max(1) as f64,
            d,
            adapted,
            h,
            c,
            p,
            dms,
            pms
        );
        for (g, o) in r.gold.iter().zip(&dout) {
            if shown < show && normalize(o).to_lowercase() != g.to_lowercase() {
                eprintln!("gold: {g}\nours: {o}\n");
                shown += 1;
            }
        }
    }
    if !below.is_empty() {
        eprintln!(
            "default model below {:?} %: {}",
            min_accuracy.unwrap_or_default(),
            below.join(", ")
        );
        std::process::exit(1);
    }
}
