//! Online clustering of 100,000 short items: sentences of the bundled corpus with random
//! words dropped, some typed without diacritics; prints the time and the cluster sizes.
//!
//! `cargo run --release -p duluan-vitext --example bench_cluster [-- ITEMS]`

use duluan_vitext::{chars, cluster, corpus};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let lines: Vec<&str> = corpus::lines().collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        let line = lines[(next() % 200) as usize];
        let words: Vec<&str> = line.split(' ').filter(|_| next() % 5 != 0).collect();
        let text = words.join(" ");
        items.push(if next() % 3 == 0 {
            chars::fold(&text)
        } else {
            text
        });
    }
    let t = Instant::now();
    let mut c = cluster::Clusterer::new(cluster::Options::default());
    for it in &items {
        c.add(it);
    }
    let found = c.clusters(5);
    let secs = t.elapsed().as_secs_f64();
    let covered: usize = found.iter().map(|c| c.size).sum();
    println!(
        "{n} items (variants of 200 sentences): {:.2} s, {} clusters of 5+ items covering {covered} items",
        secs,
        found.len()
    );
    for cl in found.iter().take(3) {
        println!("  {} items: {}", cl.size, cl.label.join(", "));
    }
}
