//! Spike detection over days of 1,000,000 items: four days of synthetic items in 300 series
//! (30 topics × 10 areas) with a daily rhythm, one million per day (the first three are the
//! seasonal baseline of the fourth), and three injected spikes on the last day; prints the
//! time of `spikes::detect` over all four million items and what it found.
//!
//! `cargo run --release -p duluan-vitext --example bench_spikes [-- ITEMS_ON_LAST_DAY]`

use duluan_vitext::{corpus, spikes};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let last_day: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let lines: Vec<&str> = corpus::lines().collect();
    let series: Vec<String> = (0..30)
        .flat_map(|t| (0..10).map(move |a| format!("topic{t}/area{a}")))
        .collect();
    let areas: Vec<String> = (0..10).map(|a| format!("area{a}")).collect();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    // Hourly weights of a daily rhythm.
    let rhythm: Vec<u64> = (0..24)
        .map(|h| if (7..22).contains(&h) { 6 } else { 1 })
        .collect();
    let total_w: u64 = rhythm.iter().sum();
    let mut items: Vec<spikes::Item> = Vec::with_capacity(last_day * 4 + 1200);
    const DAYS: i64 = 4;
    for day in 0..DAYS {
        let n = last_day;
        for _ in 0..n {
            let mut r = rng.below(total_w);
            let mut hour = 0;
            while r >= rhythm[hour] {
                r -= rhythm[hour];
                hour += 1;
            }
            let s = rng.below(series.len() as u64) as usize;
            items.push(spikes::Item {
                time: day * 86_400 + hour as i64 * 3600 + rng.below(3600) as i64,
                series: &series[s],
                text: lines[rng.below(lines.len() as u64) as usize],
                negative: Some(rng.below(10) == 0),
                area: Some(&areas[s % 10]),
            });
        }
    }
    // Three local spikes on the last day.
    for (k, s) in [5usize, 77, 201].iter().enumerate() {
        for i in 0..400 {
            items.push(spikes::Item {
                time: (DAYS - 1) * 86_400 + (10 + k as i64) * 3600 + i,
                series: &series[*s],
                text: "Người dân bức xúc vì mất điện kéo dài cả buổi sáng",
                negative: Some(true),
                area: Some(&areas[s % 10]),
            });
        }
    }
    println!("{} items, {} series", items.len(), series.len());
    let t = Instant::now();
    let found = spikes::detect(
        &items,
        &spikes::Options {
            min_volume: 50,
            z_threshold: 4.0,
            ..spikes::Options::default()
        },
    );
    let secs = t.elapsed().as_secs_f64();
    println!(
        "spikes::detect: {:.2} s for {} days ({:.2} s per day of {last_day} items), {} spikes",
        secs,
        DAYS,
        secs / DAYS as f64,
        found.len()
    );
    let mut injected = 0;
    for s in &found {
        if s.top_terms.iter().any(|t| t.contains("mất điện")) {
            injected += 1;
        }
    }
    println!("spikes explained by the injected terms: {injected}");
}
