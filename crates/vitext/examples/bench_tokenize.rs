//! Throughput of normalise + tokenise (segment into terms) against pyvi's
//! `ViTokenizer.tokenize` on the same text, in the same run.
//!
//! `cargo run --release -p duluan-vitext --example bench_tokenize [-- MEGABYTES]`
//! (needs `python3` with `pip install pyvi` for the reference; without it only our figure prints).

use duluan_vitext::{corpus, normalize, terms::Lexicon};
use std::time::Instant;

const PYVI: &str = r#"
import sys, time
from pyvi import ViTokenizer
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
t = time.perf_counter()
n = 0
for l in lines:
    n += len(ViTokenizer.tokenize(l))
print(time.perf_counter() - t)
"#;

fn main() {
    let mb: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let lines: Vec<&str> = corpus::lines().collect();
    let mut text = String::new();
    let mut i = 0;
    while (text.len() as f64) < mb * 1e6 {
        text.push_str(lines[i % lines.len()]);
        text.push('\n');
        i += 1;
    }
    let bytes = text.len() as f64;
    let lex = Lexicon::default_lexicon();
    let t = Instant::now();
    let mut out = 0usize;
    for l in text.lines() {
        out += lex.segment_joined(&normalize::normalize(l)).len();
    }
    let ours = t.elapsed().as_secs_f64();
    println!(
        "text: {:.1} MB, {} lines (bundled corpus repeated)",
        bytes / 1e6,
        text.lines().count()
    );
    println!(
        "duluan-vitext normalize+tokenize: {:.3} s, {:.2} MB/s (output {out} bytes)",
        ours,
        bytes / 1e6 / ours
    );
    if std::env::args().any(|a| a == "--no-pyvi") {
        return;
    }
    let path = std::env::temp_dir().join("duluan-vitext-bench-tokenize.txt");
    if std::fs::write(&path, &text).is_err() {
        return;
    }
    let run = std::process::Command::new("python3")
        .args(["-c", PYVI])
        .arg(&path)
        .output();
    match run {
        Ok(o) if o.status.success() => {
            let secs: f64 = String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse()
                .unwrap_or(f64::NAN);
            println!(
                "pyvi ViTokenizer.tokenize: {:.3} s, {:.2} MB/s",
                secs,
                bytes / 1e6 / secs
            );
            println!("speed ratio (ours / pyvi): {:.1}x", secs / ours);
        }
        _ => println!("pyvi not available (pip install pyvi)"),
    }
    let _ = std::fs::remove_file(&path);
}
