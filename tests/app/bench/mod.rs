//! Every benchmark of the server, in one place: `#[ignore]`d tests, run on demand and never timed
//! in CI. Each compares against a reference measured in the same run. All of them, in release:
//!
//! ```text
//! cargo test --release -p duluan --test app bench:: -- --ignored --nocapture --test-threads 1
//! ```
//!
//! One of them: name it (`bench::foundation`, `bench::surveys::bench_exports`, …) instead of
//! `bench::`. With `DULUAN_TEST_POSTGRES_URL=postgres://…` the ones on the test harness run on
//! PostgreSQL (a fresh database each, as the other tests).
//!
//! | test | what it times | reference in the same run | results |
//! | --- | --- | --- | --- |
//! | `documents::synthesis_of_2000_streams_to_pdf_and_docx` | the demo city's monthly synthesis with 2,000 streams merged into 200 city streams: drafted from the data through HTTP, rendered to PDF and to DOCX | the HTML draft page of the same synthesis | `docs/benchmarks/documents.md` |
//! | `fieldwork_email::invitations_queued_restarted_and_delivered` | a frame imported, drawn and released by e-mail; the invitations queued by the job, cut off mid-way and run again (exactly one per case checked); a share delivered to an SMTP sink (aiosmtpd) | the pace the administrator sets (mails per minute) | `docs/benchmarks/fieldwork.md` |
//! | `fieldwork_email_kill::invitations_survive_kill_9_of_the_server` | a `duluan serve` process fielding e-mail cases by its own jobs into an SMTP sink, killed with SIGKILL a third of the way and started again; exactly one invitation per case checked in the outbox and at the sink (SQLite only) | the pace asked (10,000 a minute) | `docs/benchmarks/fieldwork.md` |
//! | `fieldwork_phone::next_case_among_100000` | "next case" through HTTP among 100,000 released telephone cases, 20 interviewers at once, none given twice | recording an outcome (UPDATE, event, audit) | `docs/benchmarks/fieldwork.md` |
//! | `foundation::tree_queries` | the national list plus hamlets loaded in one import; subtree membership, permission check, roll-up as of a date, subtree count | a primary-key `SELECT` on the same database | `docs/benchmarks/foundation.md` |
//! | `monitoring::ingest_and_alerts` | items through the ingest API until indexed; one spike-detection run and one clustering run at a day's volume | the same rows inserted by the store (no HTTP, no checks, no index) | `docs/benchmarks/monitoring.md` |
//! | `national::national_scale_on_one_node` | the national list, 100,000 collaborators and 10,000,000 items stored while the server's indexer follows; per million: storing rate, index lag, memory; then search, overview, collaborators pages and a detection run over it all, as a national and a province analyst | one item by primary key; `COUNT(*)` of the items | `docs/benchmarks/national.md` |
//! | `openrosa::a_thousand_devices_send_through_a_kill_9` | 1,000 devices each sending 10 interviews with a 24 KiB photo over OpenRosa to a `duluan serve --demo` process, killed with SIGKILL a third of the way and restarted while the devices resend; exactly one response, instance record and photo per instance checked (SQLite only) | the HEAD request (device authentication only) under the same load | `docs/benchmarks/openrosa.md` |
//! | `reporting::completeness_and_synthesis` | the completeness page (3,321 units × 24 months) and the synthesis page (10,000 streams) through HTTP | one aggregate `COUNT`; loading the month's streams | `docs/benchmarks/reporting.md` |
//! | `results::results_page_of_100000_interviews` | the results page of 100,000 interviews × 60 questions raked to two tables, a crosstab, a cut by domain, through HTTP; peak memory | the same page unweighted; the raw read of the records | `docs/benchmarks/results.md` |
//! | `surveys::bench_submissions_over_http` | JSON submissions to a `duluan serve --demo` process, closed loop and paced (SQLite only) | raw batched SQLite inserts of the same rows | `docs/benchmarks/surveys.md` |
//! | `surveys::bench_exports` | CSV, `.sav` and `.dta` exports of complete responses × 100 questions (SQLite only) | — (time and peak memory against the targets) | `docs/benchmarks/surveys.md` |
//!
//! Sizes are environment variables (defaults are the figures of the results pages):
//!
//! | variable | default | benchmark |
//! | --- | --- | --- |
//! | `DULUAN_BENCH_EMAIL_CASES` | 100000 | fieldwork e-mail: households in the frame, all invited |
//! | `DULUAN_BENCH_EMAIL_DELIVER` | 2000 | fieldwork e-mail: mails delivered to the SMTP sink |
//! | `DULUAN_BENCH_EMAIL_KILL_CASES` | 100000 | fieldwork e-mail with kill -9: cases invited |
//! | `DULUAN_BENCH_PHONE_CASES`, `DULUAN_BENCH_PHONE_INTERVIEWERS`, `DULUAN_BENCH_PHONE_ROUNDS` | 100000, 20, 50 | fieldwork_phone: telephone cases, interviewers at once, claims each |
//! | `DULUAN_BENCH_HAMLETS` | 10 | foundation: hamlets generated under each commune |
//! | `DULUAN_BENCH_ITERATIONS` | 2000 | foundation: repetitions of each timed query (a tenth for the roll-up) |
//! | `DULUAN_BENCH_ITEMS` | 100000 | monitoring: items sent through the ingest API |
//! | `DULUAN_BENCH_API_CLIENTS` | 4 | monitoring: concurrent API clients |
//! | `DULUAN_BENCH_DAY_ITEMS` | 1000000 | monitoring: items stored for the alert run (one day's volume) |
//! | `DULUAN_BENCH_HISTORY_DAYS` | 7 | monitoring: days of history at the same volume (the baselines need 3) |
//! | `DULUAN_BENCH_NATIONAL_ITEMS`, `DULUAN_BENCH_NATIONAL_COLLABORATORS` | 10000000, 100000 | national: items stored, collaborators |
//! | `DULUAN_BENCH_OPENROSA_DEVICES`, `DULUAN_BENCH_OPENROSA_EACH` | 1000, 10 | openrosa: devices at once, interviews each |
//! | `DULUAN_BENCH_HTTP_CLIENTS` | 1000 | surveys: concurrent submitting clients |
//! | `DULUAN_BENCH_SECONDS` | 10 | surveys: length of each submission run (closed loop, then paced at one post per client every 200 ms) |
//! | `DULUAN_BENCH_RAW_ROWS` | 100000 | surveys: rows of the raw-insert reference |
//! | `DULUAN_BENCH_EXPORT_ROWS` | 1000000 | surveys: responses exported |
//! | `DULUAN_BENCH_RESULTS_ROWS` | 100000 | results: interviews of the results page |
//! | `DULUAN_BENCH_SERVER_LOG`, `DULUAN_BENCH_RUST_LOG` | none, `error` | surveys: where the server's log goes and its filter |
//!
//! The engine crates keep their own benchmarks (`crates/*/examples/bench*.rs`);
//! `docs/benchmarks.md` lists every benchmark of the repository with its command.

mod documents;
pub(crate) mod fieldwork_email;
mod fieldwork_email_kill;
mod fieldwork_phone;
mod foundation;
mod monitoring;
mod national;
mod openrosa;
mod reporting;
mod results;
mod surveys;

/// The value of environment variable `name`, or `default` when it is unset or not a number.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// A memory figure of process `pid` (`self` for this one) from `/proc/<pid>/status`, in MiB:
/// `VmRSS` (resident now) or `VmHWM` (its peak); 0 when unreadable.
pub fn status_mib(pid: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// The peak resident memory of this process so far, in MiB.
pub fn peak_rss_mib() -> f64 {
    status_mib("self", "VmHWM")
}

/// `n` words drawn from `words` by a xorshift sequence started at `seed`, joined by spaces:
/// the generated texts of the benchmarks (the same seed gives the same text).
pub fn words_text(words: &[&str], n: usize, seed: u64) -> String {
    let mut s = String::new();
    let mut x = seed;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(words[(x % words.len() as u64) as usize]);
    }
    s
}

/// Resets the peak resident memory of this process, so that the next figure is a benchmark's own.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
