//! Trains the diacritic-restoration model on the bundled corpus and on text files (one
//! sentence per line, accented), and writes it (`restore::Model::to_bytes`). With the
//! default options, the way the built-in model is trained (`Model::train_with_corpus`);
//! with `--order` or `--min-count`, one model of all the text.
//!
//! ```text
//! restore_train OUT [--order N] [--min-count C1,C2,C3,C4] FILE...
//! ```
//!
//! `models/build.sh` runs it on text extracted from Debian packages to rebuild
//! `models/restore-vi.bin`.

use duluan_vitext::{corpus, normalize::normalize, restore};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: restore_train OUT [--order N] [--min-count C1,C2,C3,C4] FILE...");
        std::process::exit(2);
    };
    let mut options = restore::TrainOptions::default();
    let mut files = Vec::new();
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--order" => options.order = it.next().and_then(|s| s.parse().ok()).unwrap_or(4),
            "--min-count" => {
                options.min_count = it
                    .next()
                    .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or_default()
            }
            f => files.push(f.to_string()),
        }
    }
    let corpus: Vec<String> = corpus::lines().map(normalize).collect();
    let mut lines: Vec<String> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(normalize));
    }
    let t = Instant::now();
    let general: Vec<&str> = lines.iter().map(String::as_str).collect();
    let corpus: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let model = if options == restore::TrainOptions::default() {
        restore::Model::train_with_corpus(&general, &corpus)
    } else {
        let all = general.iter().chain(&corpus).copied();
        restore::Model::train_with(all, &options)
    };
    let bytes = model.to_bytes();
    std::fs::write(out, &bytes).unwrap_or_else(|e| panic!("{out}: {e}"));
    eprintln!(
        "{} lines, {:?}, trained in {:.1} s, {} bytes -> {out}",
        lines.len() + corpus.len(),
        model,
        t.elapsed().as_secs_f64(),
        bytes.len()
    );
}
