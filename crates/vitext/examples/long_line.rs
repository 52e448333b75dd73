//! Robustness check: runs every line-level function on one line of N megabytes (default 10)
//! of Vietnamese text without punctuation, and on binary garbage, and prints the times.
//!
//! `cargo run --release -p duluan-vitext --example long_line [-- MB]`

use duluan_vitext::{chars, keyphrases, legacy, normalize, pii, restore, terms};
use std::time::Instant;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let unit = "nguoi dan phuong an khanh phan anh duong ngap sau sau mua lon ";
    let line = unit.repeat(mb * 1_000_000 / unit.len());
    let garbage: Vec<u8> = (0..mb * 1_000_000)
        .map(|i| (i * 7919 % 251) as u8)
        .collect();
    let (g, _) = legacy::decode_bytes(&garbage);
    for (name, text) in [("text", line.as_str()), ("garbage", g.as_str())] {
        let t = Instant::now();
        let n = normalize::normalize(text).len();
        println!(
            "{name}: normalize {:.2} s ({n} bytes)",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let n = chars::fold(text).len();
        println!("{name}: fold {:.2} s ({n})", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let n = restore::Model::default_model().restore(text).len();
        println!("{name}: restore {:.2} s ({n})", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let n = terms::Lexicon::default_lexicon().segment_joined(text).len();
        println!("{name}: tokenize {:.2} s ({n})", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let n = keyphrases::keyphrases(text, 5).len();
        println!(
            "{name}: keyphrases {:.2} s ({n})",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let n = pii::detect(text).len();
        println!("{name}: pii {:.2} s ({n})", t.elapsed().as_secs_f64());
    }
}
