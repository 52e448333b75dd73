//! Word-segmentation agreement with underthesea, on text nobody here wrote.
//!
//! Vietnamese writes a space between syllables, not between words: `người dân` is one word of
//! two syllables. No segmented Vietnamese text is available to the build under a usable
//! licence, so underthesea's `word_tokenize` (a CRF trained on the VLSP 2013 treebank, run by
//! `$PYVI_PYTHON` when it imports; its model ships in its PyPI wheel, nothing is downloaded at
//! run time) is the second opinion the issue names: for each held-out file (one sentence per
//! line, accented), ours (`terms::Lexicon::default_lexicon().segment_joined`, the work of
//! `duluan text tokenize`) and pyvi's `ViTokenizer.tokenize` are compared with underthesea's
//! output, word by word.
//!
//! A word is a span of syllables (letters only; punctuation and numbers are left out of the
//! comparison). A line whose syllables differ between two outputs (a tool that splits or
//! joins characters differently) is skipped for that pair and counted. Precision, recall and
//! F1 are over words of at least one syllable; "multi-syllable F1" counts only the words of
//! two or more syllables, where the systems differ. The row "every syllable a word" is the
//! trivial baseline.
//!
//! ```text
//! segment_eval NAME=FILE... [--max N] [--train FILE... [--options COUNT,PMI,T]]
//! ```
//!
//! With `--train`, a further row: a lexicon learned in this run from those files (one sentence
//! per line, accented) and the bundled corpus (`Lexicon::learn`, with `--options` when given),
//! joined with the built-in lexicon's terms.
//! The peers' output of each set is kept in the temporary folder, named by a hash of the
//! set's text, and reused while the text is unchanged.

use duluan_vitext::terms::{LearnOptions, Lexicon};
use duluan_vitext::tokens::{self, Kind};
use duluan_vitext::{corpus, normalize::normalize};
use std::collections::HashSet;

#[path = "python.rs"]
mod python;

const PEERS: &str = r#"
import sys
from underthesea import word_tokenize
try:
    from pyvi import ViTokenizer
except Exception:
    ViTokenizer = None
for line in sys.stdin:
    line = line.rstrip("\n")
    try:
        u = word_tokenize(line, format="text") if line.strip() else ""
    except Exception:
        u = ""
    try:
        p = ViTokenizer.tokenize(line) if ViTokenizer and line.strip() else ""
    except Exception:
        p = ""
    sys.stdout.write(u.replace("\n", " ").replace("\t", " ") + "\t" + p.replace("\n", " ").replace("\t", " ") + "\n")
"#;

/// Syllables (lower case) and word spans of a segmented line: words are separated by spaces,
/// syllables inside a word joined by `_`.
fn words(segmented: &str) -> (Vec<String>, HashSet<(usize, usize)>) {
    let mut syl = Vec::new();
    let mut spans = HashSet::new();
    for tok in segmented.split_whitespace() {
        let start = syl.len();
        for part in tok.split('_') {
            for t in tokens::tokenize(part) {
                if t.kind == Kind::Word {
                    syl.push(tokens::lower(t.text));
                }
            }
        }
        if syl.len() > start {
            spans.insert((start, syl.len()));
        }
    }
    (syl, spans)
}

#[derive(Default)]
struct Tally {
    /// Matched, predicted, reference: all words, then words of two syllables or more.
    all: [usize; 3],
    multi: [usize; 3],
    skipped: usize,
}

impl Tally {
    fn add(&mut self, ours: &str, reference: &str) {
        let (a, wa) = words(ours);
        let (b, wb) = words(reference);
        if a != b {
            self.skipped += 1;
            return;
        }
        let multi = |s: &&(usize, usize)| s.1 - s.0 > 1;
        self.all[0] += wa.intersection(&wb).count();
        self.all[1] += wa.len();
        self.all[2] += wb.len();
        self.multi[0] += wa.intersection(&wb).filter(multi).count();
        self.multi[1] += wa.iter().filter(multi).count();
        self.multi[2] += wb.iter().filter(multi).count();
    }

    fn cells(&self) -> String {
        let f = |c: [usize; 3]| {
            let p = c[0] as f64 / c[1].max(1) as f64;
            let r = c[0] as f64 / c[2].max(1) as f64;
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            (p, r, f1)
        };
        let (p, r, f1) = f(self.all);
        let (_, _, m) = f(self.multi);
        format!("{p:.3} | {r:.3} | **{f1:.3}** | {m:.3} | {}", self.skipped)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut max = usize::MAX;
    let mut sets = Vec::new();
    let mut train = Vec::new();
    let mut options = LearnOptions::default();
    let mut it = args.iter();
    let mut training = false;
    while let Some(a) = it.next() {
        if a == "--max" {
            max = it.next().and_then(|s| s.parse().ok()).unwrap_or(max);
        } else if a == "--train" {
            training = true;
        } else if a == "--options" {
            let v: Vec<f64> = it
                .next()
                .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
                .unwrap_or_default();
            if let [c, p, t] = v[..] {
                options = LearnOptions {
                    min_count: c as u32,
                    min_pmi: p,
                    min_t: t,
                };
            }
        } else if training {
            train.push(a.clone());
        } else {
            sets.push(a.split_once('=').unwrap_or((a, a)));
        }
    }
    let python = std::env::var("PYVI_PYTHON").unwrap_or_else(|_| "python3".into());
    let lexicon = Lexicon::default_lexicon();
    let learned = (!train.is_empty()).then(|| {
        let mut lines: Vec<String> = corpus::lines().map(normalize).collect();
        for f in &train {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(normalize));
        }
        let mut lex = Lexicon::learn(lines.iter().map(String::as_str), &options);
        // The built-in lexicon's terms kept too: learned on more text, the thresholds pass
        // fewer of the public-life corpus's terms.
        for (t, sc) in Lexicon::default_lexicon().terms() {
            lex.insert(t, sc);
        }
        eprintln!(
            "learned {} terms from {} lines with {options:?}",
            lex.len(),
            lines.len()
        );
        lex
    });
    println!(
        "| held-out set | sentences | system | precision | recall | F1 | multi-syllable F1 | lines skipped |"
    );
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, path) in sets {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .take(max)
            .map(normalize)
            .collect();
        let peers = cached_peers(&python, &text, &lines);
        let Ok(peers) = peers else {
            println!(
                "| {name} | {} | underthesea not run ({}) | | | | | |",
                lines.len(),
                peers.err().unwrap_or_default()
            );
            continue;
        };
        let (mut ours, mut pyvi, mut trivial, mut more) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        let mut pyvi_ran = false;
        for (line, (u, p)) in lines.iter().zip(&peers) {
            ours.add(&lexicon.segment_joined(line), u);
            if let Some(l) = &learned {
                more.add(&l.segment_joined(line), u);
            }
            trivial.add(line, u);
            if !p.is_empty() {
                pyvi_ran = true;
                pyvi.add(p, u);
            }
        }
        let n = lines.len();
        println!("| {name} | {n} | duluan-vitext | {} |", ours.cells());
        if learned.is_some() {
            println!(
                "| {name} | {n} | duluan-vitext, lexicon learned here | {} |",
                more.cells()
            );
        }
        if pyvi_ran {
            println!("| {name} | {n} | pyvi `ViTokenizer` | {} |", pyvi.cells());
        }
        println!(
            "| {name} | {n} | every syllable a word | {} |",
            trivial.cells()
        );
    }
}

/// [`run_peers`], kept in the temporary folder under a hash of the text and the line count,
/// and reused while they match.
fn cached_peers(
    python: &str,
    text: &str,
    lines: &[String],
) -> Result<Vec<(String, String)>, String> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    lines.len().hash(&mut h);
    let key = format!("{:016x}", h.finish());
    let cache = std::env::temp_dir().join(format!("vitext-segment-peers-{key}.tsv"));
    if let Ok(kept) = std::fs::read_to_string(&cache)
        && let Some((k, rest)) = kept.split_once('\n')
        && k == key
    {
        let got: Vec<(String, String)> = rest
            .lines()
            .map(|l| {
                let (u, p) = l.split_once('\t').unwrap_or((l, ""));
                (u.to_string(), p.to_string())
            })
            .collect();
        if got.len() == lines.len() {
            return Ok(got);
        }
    }
    let got = run_peers(python, lines)?;
    let body: String = got.iter().map(|(u, p)| format!("{u}\t{p}\n")).collect();
    let _ = std::fs::write(&cache, format!("{key}\n{body}"));
    Ok(got)
}

/// underthesea's and pyvi's segmentation of each line (pyvi's empty when it is missing).
fn run_peers(python: &str, lines: &[String]) -> Result<Vec<(String, String)>, String> {
    Ok(python::pipe_lines(python, PEERS, lines)?
        .into_iter()
        .map(|l| match l.split_once('\t') {
            Some((u, p)) => (u.to_string(), p.to_string()),
            None => (l, String::new()),
        })
        .collect())
}
