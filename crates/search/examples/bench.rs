//! Benchmark of `duluan-search`: indexes N synthetic Vietnamese opinion items on disk, then
//! times mixed searches, and a linear scan over folded texts as the reference in the same run.
//!
//! ```text
//! cargo run --release -p duluan-search --example bench -- --items 1000000
//! ```
//! Options: `--items N` (default 1,000,000), `--queries N` (default 1,200), `--scan N` (items
//! of the reference scan, default 100,000), `--dir PATH` (default: a new folder in the temporary
//! directory, removed at the end), `--memory MB` (writer budget, default 512).

use duluan_search::{Doc, Index, Options, Query, Sort};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Deterministic pseudo-random numbers (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const TOPICS: [(&str, &[&str]); 12] = [
    (
        "ngap-ung",
        &["ngập úng", "mưa lớn", "thoát nước", "triều cường"],
    ),
    ("gia-dien", &["giá điện", "hóa đơn tiền điện", "cắt điện"]),
    (
        "dat-dai",
        &[
            "giải phóng mặt bằng",
            "bồi thường đất",
            "sổ đỏ",
            "tranh chấp đất đai",
        ],
    ),
    (
        "y-te",
        &[
            "bệnh viện",
            "bảo hiểm y tế",
            "thiếu thuốc",
            "khám chữa bệnh",
        ],
    ),
    (
        "giao-duc",
        &["học phí", "sách giáo khoa", "dạy thêm", "tuyển sinh lớp 10"],
    ),
    (
        "giao-thong",
        &["ùn tắc giao thông", "tai nạn giao thông", "đường xuống cấp"],
    ),
    (
        "moi-truong",
        &["rác thải", "ô nhiễm không khí", "nước thải", "khói bụi"],
    ),
    (
        "an-sinh",
        &[
            "trợ cấp",
            "lương hưu",
            "người lao động mất việc",
            "nhà ở xã hội",
        ],
    ),
    (
        "dich-vu-cong",
        &[
            "thủ tục hành chính",
            "dịch vụ công trực tuyến",
            "cấp căn cước",
        ],
    ),
    (
        "nong-nghiep",
        &["giá lúa", "dịch bệnh gia súc", "hạn mặn", "phân bón"],
    ),
    ("an-ninh", &["lừa đảo qua mạng", "trộm cắp", "tín dụng đen"]),
    (
        "chuyen-doi-so",
        &["chữ ký số", "thanh toán không tiền mặt", "mạng chậm"],
    ),
];
const SOURCES: [&str; 5] = ["ctv", "bao-cao", "khao-sat", "bao-chi", "thu-don"];
const DIRECTIONS: [&str; 3] = ["tich-cuc", "tieu-cuc", "trung-tinh"];
const PROVINCES: i64 = 34;
const COMMUNES: i64 = 30;
const YEAR_START: i64 = 1_735_689_600; // 2025-01-01 UTC
const YEAR: i64 = 365 * 86_400;

fn province_id(p: i64) -> i64 {
    100 + p
}
fn commune_id(p: i64, c: i64) -> i64 {
    10_000 + p * 100 + c
}

/// Words of the bundled corpus, line by line (punctuation kept on the words).
fn corpus_lines() -> Vec<Vec<&'static str>> {
    duluan_vitext::corpus::lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 4)
        .collect()
}

/// Bare words (no punctuation) of the corpus, with repetitions (so drawing is Zipf-like).
fn corpus_words(lines: &[Vec<&'static str>]) -> Vec<String> {
    lines
        .iter()
        .flatten()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| w.chars().count() >= 2)
        .collect()
}

struct Generator {
    rng: Rng,
    lines: Vec<Vec<&'static str>>,
    words: Vec<String>,
}

impl Generator {
    fn sentence(&mut self, out: &mut String) {
        let pieces = 1 + self.rng.below(3);
        for _ in 0..pieces {
            let line = &self.lines[self.rng.below(self.lines.len())];
            let len = (4 + self.rng.below(10)).min(line.len());
            let from = self.rng.below(line.len() - len + 1);
            for w in &line[from..from + len] {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                if self.rng.chance(8) {
                    out.push_str(&self.words[self.rng.below(self.words.len())].to_lowercase());
                } else {
                    out.push_str(w.trim_end_matches(['.', ';', ':']));
                }
            }
        }
        out.push('.');
    }

    fn doc(&mut self, id: i64) -> Doc {
        let topic = self.rng.below(TOPICS.len());
        let mut text = String::with_capacity(400);
        let sentences = 1 + self.rng.below(4);
        let topic_at = self.rng.below(sentences);
        for s in 0..sentences {
            self.sentence(&mut text);
            if s == topic_at {
                text.pop();
                text.push_str(", ");
                let phrase: &str = self.rng.pick::<&str>(TOPICS[topic].1);
                text.push_str(phrase);
                text.push('.');
            }
        }
        if self.rng.chance(50) {
            text = duluan_vitext::chars::fold(&text);
        }
        let p = self.rng.below(PROVINCES as usize) as i64;
        let c = self.rng.below(COMMUNES as usize) as i64;
        Doc {
            id,
            text,
            title: None,
            source: self.rng.pick(&SOURCES).to_string(),
            topic: Some(TOPICS[topic].0.to_string()),
            direction: Some(self.rng.pick(&DIRECTIONS).to_string()),
            areas: vec![1, province_id(p), commune_id(p, c)],
            time: YEAR_START + (self.rng.next() % YEAR as u64) as i64,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Single,
    Two,
    Phrase,
    SingleFiltered,
    TwoScoped,
    PhraseScopedTimed,
    FiltersOnly,
}

const KINDS: [Kind; 7] = [
    Kind::Single,
    Kind::Two,
    Kind::Phrase,
    Kind::SingleFiltered,
    Kind::TwoScoped,
    Kind::PhraseScopedTimed,
    Kind::FiltersOnly,
];

fn make_queries(g: &mut Generator, n: usize) -> Vec<(Kind, Query, String)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let sort = if (i / KINDS.len()).is_multiple_of(2) {
            Sort::Relevance
        } else {
            Sort::Newest
        };
        let marks = g.rng.chance(50);
        let maybe_fold = |s: String| {
            if marks {
                s
            } else {
                duluan_vitext::chars::fold(&s)
            }
        };
        let word = |g: &mut Generator| g.words[g.rng.below(g.words.len())].clone();
        let pair = |g: &mut Generator| {
            let line = g.lines[g.rng.below(g.lines.len())].clone();
            let at = g.rng.below(line.len() - 1);
            let clean = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
            format!("{} {}", clean(line[at]), clean(line[at + 1]))
        };
        let topic_phrase = |g: &mut Generator| {
            let t = g.rng.below(TOPICS.len());
            g.rng.pick(TOPICS[t].1).to_string()
        };
        let scope = |g: &mut Generator| {
            let k = 1 + g.rng.below(3);
            (0..k)
                .map(|_| province_id(g.rng.below(PROVINCES as usize) as i64))
                .collect::<Vec<_>>()
        };
        let mut q = Query {
            sort,
            limit: 20,
            ..Query::default()
        };
        let mut scan_word = String::new();
        match kind {
            Kind::Single => {
                let w = word(g);
                scan_word = duluan_vitext::chars::fold(&w.to_lowercase());
                q.text = maybe_fold(w);
            }
            Kind::Two => q.text = maybe_fold(pair(g)),
            Kind::Phrase => {
                let p = if g.rng.chance(50) {
                    topic_phrase(g)
                } else {
                    pair(g)
                };
                q.text = format!("\"{}\"", maybe_fold(p));
            }
            Kind::SingleFiltered => {
                q.text = maybe_fold(word(g));
                q.sources = vec![
                    g.rng.pick(&SOURCES).to_string(),
                    g.rng.pick(&SOURCES).to_string(),
                ];
                q.topics = vec![TOPICS[g.rng.below(TOPICS.len())].0.to_string()];
                q.directions = vec![g.rng.pick(&DIRECTIONS).to_string()];
            }
            Kind::TwoScoped => {
                q.text = maybe_fold(pair(g));
                q.scope = Some(scope(g));
            }
            Kind::PhraseScopedTimed => {
                q.text = format!("\"{}\"", maybe_fold(topic_phrase(g)));
                q.scope = Some(scope(g));
                let from = YEAR_START + (g.rng.next() % (YEAR as u64 * 3 / 4)) as i64;
                q.from = Some(from);
                q.to = Some(from + (30 + g.rng.below(60) as i64) * 86_400);
            }
            Kind::FiltersOnly => {
                let p = g.rng.below(PROVINCES as usize) as i64;
                q.scope = Some(vec![province_id(p)]);
                q.area = Some(commune_id(p, g.rng.below(COMMUNES as usize) as i64));
                q.topics = vec![TOPICS[g.rng.below(TOPICS.len())].0.to_string()];
            }
        }
        out.push((kind, q, scan_word));
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1_000.0
}

fn summary(label: &str, times: &mut [Duration]) -> f64 {
    times.sort();
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len().max(1) as f64;
    println!(
        "  {label:<22} n={:<5} mean {:>7.2} ms  p50 {:>7.2}  p95 {:>7.2}  p99 {:>7.2}  max {:>7.2}",
        times.len(),
        mean * 1_000.0,
        percentile(times, 0.50),
        percentile(times, 0.95),
        percentile(times, 0.99),
        percentile(times, 1.0),
    );
    percentile(times, 0.95)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs the queries, returns the p95 of single-word queries and prints the table.
fn run_queries(index: &Index, queries: &[(Kind, Query, String)]) -> (f64, f64) {
    // Warm-up: a first pass over a few queries (page cache, lazy structures).
    for (_, q, _) in queries.iter().take(50) {
        index.search(q).expect("search");
    }
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut all = Vec::with_capacity(queries.len());
    let mut hits_total = 0usize;
    for (kind, q, _) in queries {
        let t = Instant::now();
        let hits = index.search(q).expect("search");
        let e = t.elapsed();
        hits_total += hits.total;
        all.push(e);
        by_kind[KINDS.iter().position(|k| k == kind).unwrap()].push(e);
    }
    let p95 = summary("all queries", &mut all);
    let mut single = 0.0;
    for (k, times) in KINDS.iter().zip(by_kind.iter_mut()) {
        let p = summary(&format!("{k:?}"), times);
        if *k == Kind::Single {
            single = p;
        }
    }
    println!(
        "  mean hits per query: {:.0}",
        hits_total as f64 / queries.len() as f64
    );
    (p95, single)
}

fn main() {
    let mut items = 1_000_000usize;
    let mut n_queries = 1_200usize;
    let mut scan_items = 100_000usize;
    let mut memory_mb = 512usize;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--items" => items = value().parse().expect("--items N"),
            "--queries" => n_queries = value().parse().expect("--queries N"),
            "--scan" => scan_items = value().parse().expect("--scan N"),
            "--memory" => memory_mb = value().parse().expect("--memory MB"),
            "--dir" => dir = Some(PathBuf::from(value())),
            other => panic!("unknown argument {other}"),
        }
    }
    let (dir, remove) = match dir {
        Some(d) => (d, false),
        None => (
            std::env::temp_dir().join(format!("duluan-search-bench-{}", std::process::id())),
            true,
        ),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "duluan-search bench: {items} items, {n_queries} queries, {cores} cores, index in {}",
        dir.display()
    );

    let lines = corpus_lines();
    let words = corpus_words(&lines);
    let mut g = Generator {
        rng: Rng(20_251_117),
        lines,
        words,
    };

    let index = Index::open_with(
        &dir,
        Options {
            writer_memory: memory_mb << 20,
            writer_threads: 0,
        },
    )
    .expect("open index");
    let mut scan_texts: Vec<String> = Vec::with_capacity(scan_items.min(items));
    let (mut gen_time, mut index_time) = (Duration::ZERO, Duration::ZERO);
    let mut text_bytes = 0usize;
    let batch = 10_000;
    let mut id = 0i64;
    while (id as usize) < items {
        let t = Instant::now();
        let n = batch.min(items - id as usize);
        let docs: Vec<Doc> = (0..n).map(|k| g.doc(id + k as i64)).collect();
        for d in &docs {
            text_bytes += d.text.len();
            if scan_texts.len() < scan_items {
                scan_texts.push(duluan_vitext::chars::fold(&d.text.to_lowercase()));
            }
        }
        gen_time += t.elapsed();
        let t = Instant::now();
        index.upsert(&docs).expect("upsert");
        index_time += t.elapsed();
        id += n as i64;
    }
    let t = Instant::now();
    index.commit().expect("commit");
    index_time += t.elapsed();
    println!(
        "indexing: {items} items ({:.0} MiB of text) in {:.1} s (+{:.1} s generating): {:.0} items/s",
        text_bytes as f64 / 1_048_576.0,
        index_time.as_secs_f64(),
        gen_time.as_secs_f64(),
        items as f64 / index_time.as_secs_f64()
    );
    println!(
        "index: {} docs, {} segments, {:.0} MiB on disk; peak RSS {:.0} MiB",
        index.num_docs(),
        index.segments(),
        dir_size(&dir) as f64 / 1_048_576.0,
        peak_rss_mib()
    );

    let queries = make_queries(&mut g, n_queries);
    println!(
        "queries as indexed ({} segments), latency including snippets:",
        index.segments()
    );
    run_queries(&index, &queries);

    let t = Instant::now();
    index.optimize().expect("optimize");
    println!(
        "optimize: {:.1} s, {} segment(s), {:.0} MiB on disk",
        t.elapsed().as_secs_f64(),
        index.segments(),
        dir_size(&dir) as f64 / 1_048_576.0
    );
    println!("queries after optimize:");
    let (_, single_p95) = run_queries(&index, &queries);

    // Reference: linear scan of the folded texts of the first items for the single words.
    let mut scan_times = Vec::new();
    let mut matched = 0usize;
    for (kind, _, w) in &queries {
        if *kind != Kind::Single {
            continue;
        }
        let t = Instant::now();
        let count = scan_texts
            .iter()
            .filter(|text| text.split(|c: char| !c.is_alphanumeric()).any(|x| x == w))
            .count();
        scan_times.push(t.elapsed());
        matched += count;
    }
    let n_scan = scan_times.len();
    println!(
        "reference: linear scan of {} folded texts:",
        scan_texts.len()
    );
    let scan_p95 = summary("scan single word", &mut scan_times);
    println!(
        "  mean matches {:.0}; scan p95 / index p95 (single word, {} items vs {}): {:.1}x",
        matched as f64 / n_scan.max(1) as f64,
        scan_texts.len(),
        items,
        scan_p95 / single_p95
    );
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    drop(index);
    if remove {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
