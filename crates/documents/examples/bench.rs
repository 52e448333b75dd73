//! Times a synthesis-sized report to DOCX and PDF (ten runs each, the median printed).
//!
//! `cargo run --release -p duluan-documents --example bench`
//!
//! The document: 12 sections of a heading and four paragraphs (60 headings and paragraphs),
//! 5 tables of 20 rows and 3 results charts. The first run of each format is counted like
//! the others; it also parses the fonts once per process (PDF).

use std::time::{Duration, Instant};

#[path = "../tests/documents/sample.rs"]
mod sample;

const RUNS: usize = 10;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(mut f: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        bytes = f();
        times.push(started.elapsed());
    }
    let first = times[0];
    (median(times), first, bytes)
}

fn main() {
    let doc = sample::synthesis(12, 5, 20, 3);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "synthesis report: {} blocks, {RUNS} runs each, {cores} cores",
        doc.blocks.len()
    );
    let (docx, docx_first, docx_bytes) = time(|| duluan_documents::to_docx(&doc).unwrap().len());
    println!("DOCX: median {docx:.1?} (first {docx_first:.1?}), {docx_bytes} bytes");
    let (pdf, pdf_first, pdf_bytes) = time(|| duluan_documents::to_pdf(&doc).unwrap().len());
    println!("PDF:  median {pdf:.1?} (first {pdf_first:.1?}), {pdf_bytes} bytes");
}
