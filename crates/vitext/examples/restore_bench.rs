//! Diacritic restoration accuracy against pyvi, in the same run.
//!
//! Splits the bundled corpus (every 10th line held out, or `--fold K` for another tenth),
//! trains on the rest, strips the marks of the held-out lines, restores them with our model and
//! with pyvi's `ViUtils.add_accents` (through `python3`, `pip install pyvi`), and prints the
//! syllable accuracy of both (case-insensitive).
//!
//! `cargo run --release -p duluan-vitext --example restore_bench [-- --fold K | --external FILE]`

use duluan_vitext::{chars, corpus, restore, tokens};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

fn accuracy(gold: &[&str], output: &[String]) -> (usize, usize) {
    let (mut ok, mut total) = (0, 0);
    for (g, o) in gold.iter().zip(output) {
        let a = tokens::syllables(g);
        let b = tokens::syllables(o);
        for (i, x) in a.iter().enumerate() {
            total += 1;
            if b.get(i).is_some_and(|y| y.lower == x.lower) {
                ok += 1;
            }
        }
    }
    (ok, total)
}

const PYVI: &str = r#"
import sys
from pyvi import ViUtils
for line in sys.stdin:
    line = line.rstrip("\n")
    out = ViUtils.add_accents(line) if line.strip() else line
    sys.stdout.write(str(out).replace("\n", " ") + "\n")
"#;

fn main() {
    let fold: usize = std::env::args()
        .skip_while(|a| a != "--fold")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let lines: Vec<&str> = corpus::lines().collect();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    // `--external FILE`: train on the whole corpus, test on another text (lines; `#` comments
    // and the `[[kind:text]]` markup of the PII evaluation set are removed).
    let external: Option<String> = std::env::args()
        .skip_while(|a| a != "--external")
        .nth(1)
        .map(|p| {
            let raw = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
            raw.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| duluan_vitext::pii::parse_labelled(l).map(|x| x.0))
                .collect::<Vec<_>>()
                .join("\n")
        });
    if let Some(ext) = &external {
        train = lines.clone();
        test = ext.lines().collect();
    } else {
        for (i, l) in lines.iter().enumerate() {
            if i % 10 == fold {
                test.push(*l)
            } else {
                train.push(*l)
            }
        }
    }
    let t0 = Instant::now();
    let model = restore::Model::train(train.iter().copied());
    let train_time = t0.elapsed();
    let bytes = model.to_bytes();
    let t_load = Instant::now();
    let reloaded = restore::Model::from_bytes(&bytes)
        .map(|m| m.vocabulary_size())
        .unwrap_or(0);
    println!(
        "model: {} syllables, {} bytes serialised, reloaded in {:.1} ms",
        reloaded,
        bytes.len(),
        t_load.elapsed().as_secs_f64() * 1e3
    );
    let stripped: Vec<String> = test.iter().map(|l| chars::fold(l)).collect();
    let t1 = Instant::now();
    let ours: Vec<String> = stripped.iter().map(|l| model.restore(l)).collect();
    let our_time = t1.elapsed();
    let (ok, total) = accuracy(&test, &ours);
    let baseline: Vec<String> = stripped.iter().map(|l| tokens::lower(l)).collect();
    let (bok, _) = accuracy(&test, &baseline);
    println!(
        "held-out lines: {} ({} syllables), training lines: {}",
        test.len(),
        total,
        train.len()
    );
    println!(
        "no restoration (marks stripped): {:.2}%",
        100.0 * bok as f64 / total as f64
    );
    println!(
        "duluan-vitext: {:.2}% ({ok}/{total}), trained in {:.1} ms, restored in {:.1} ms",
        100.0 * ok as f64 / total as f64,
        train_time.as_secs_f64() * 1e3,
        our_time.as_secs_f64() * 1e3
    );
    let t2 = Instant::now();
    let child = Command::new("python3")
        .args(["-c", PYVI])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let Ok(mut child) = child else {
        println!("pyvi: python3 not found");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        for l in &stripped {
            let _ = writeln!(stdin, "{l}");
        }
    }
    let out = child.wait_with_output().expect("pyvi run");
    if !out.status.success() {
        println!("pyvi failed (pip install pyvi)");
        return;
    }
    let py_time = t2.elapsed();
    let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let (pok, _) = accuracy(&test, &theirs);
    println!(
        "pyvi ViUtils.add_accents: {:.2}% ({pok}/{total}), {:.1} ms including interpreter start",
        100.0 * pok as f64 / total as f64,
        py_time.as_secs_f64() * 1e3
    );
    println!(
        "error ratio pyvi/ours: {:.2}",
        (total - pok) as f64 / (total - ok).max(1) as f64
    );
    if std::env::args().any(|a| a == "--show") {
        for ((g, o), p) in test.iter().zip(&ours).zip(&theirs) {
            if o.to_lowercase() != g.to_lowercase() {
                println!("gold: {g}\nours: {o}\npyvi: {p}\n");
            }
        }
    }
}
