//! Throughput of normalise + tokenise (segment into terms) against pyvi's
//! `ViTokenizer.tokenize` on the same text, in the same run.
//!
//! `cargo run --release -p duluan-vitext --example bench_tokenize [-- MEGABYTES]` (default 6).
//! Times are wall and CPU (user + system); the CPU ratio is the fair one on a shared machine.
//! (needs `python3` with `pip install pyvi` for the reference; without it only our figure prints).

use duluan_vitext::{corpus, normalize, terms::Lexicon};
use std::time::Instant;

const PYVI: &str = r#"
import sys, time
from pyvi import ViTokenizer
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
t = time.perf_counter()
c = time.process_time()
n = 0
for l in lines:
    n += len(ViTokenizer.tokenize(l))
print(time.perf_counter() - t, time.process_time() - c)
"#;

fn main() {
    let mb: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6.0);
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
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let mut out = 0usize;
    for l in text.lines() {
        out += lex.segment_joined(&normalize::normalize(l)).len();
    }
    let ours = t.elapsed().as_secs_f64();
    let ours_cpu = cpu_seconds() - cpu0;
    println!(
        "text: {:.1} MB, {} lines (bundled corpus repeated)",
        bytes / 1e6,
        text.lines().count()
    );
    println!(
        "duluan-vitext normalize+tokenize: {:.3} s wall, {:.3} s CPU, {:.2} MB/s of CPU (output {out} bytes)",
        ours,
        ours_cpu,
        bytes / 1e6 / ours_cpu
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
            let out = String::from_utf8_lossy(&o.stdout);
            let mut it = out
                .split_whitespace()
                .map(|x| x.parse::<f64>().unwrap_or(f64::NAN));
            let (wall, cpu) = (it.next().unwrap_or(f64::NAN), it.next().unwrap_or(f64::NAN));
            println!(
                "pyvi ViTokenizer.tokenize: {:.3} s wall, {:.3} s CPU, {:.2} MB/s of CPU",
                wall,
                cpu,
                bytes / 1e6 / cpu
            );
            println!(
                "speed ratio (ours / pyvi): {:.1}x by CPU time, {:.1}x by wall time",
                cpu / ours_cpu,
                wall / ours
            );
        }
        _ => println!("pyvi not available (pip install pyvi)"),
    }
    let _ = std::fs::remove_file(&path);
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; clock ticks
/// of 1/100 s), so that the comparison is fair on a machine shared with other work.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields after the command name start at field 3; utime is field 14, stime field 15.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
