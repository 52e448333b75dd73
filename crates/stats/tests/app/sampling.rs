//! Planning and draws: properties and reproducibility (the draw algorithms are ours).

use duluan_stats::draw::{self, pps_probabilities};
use duluan_stats::planning::{margin_of_error, sample_size};
use duluan_stats::{Factor, Plan, Target};

#[test]
fn sample_size_and_margin_agree() {
    for (plan, moe) in [
        (Plan::default(), 0.03),
        (
            Plan {
                deff: 1.7,
                population: Some(25_000.0),
                ..Plan::default()
            },
            0.04,
        ),
        (
            Plan {
                target: Target::Proportion(0.2),
                level: 0.99,
                ..Plan::default()
            },
            0.02,
        ),
        (
            Plan {
                target: Target::Mean(12.5),
                population: Some(800.0),
                ..Plan::default()
            },
            1.5,
        ),
    ] {
        let s = sample_size(&plan, moe).unwrap();
        let e = margin_of_error(&plan, s.completes as f64).unwrap();
        assert!(e <= moe + 1e-12, "{plan:?}: n {} gives ±{e}", s.completes);
        let e_less = margin_of_error(&plan, s.completes as f64 - 1.0).unwrap();
        assert!(e_less > moe, "{plan:?}: n-1 already reaches ±{moe}");
    }
}

#[test]
fn planning_errors() {
    assert!(
        sample_size(
            &Plan {
                response_rate: 0.0,
                ..Plan::default()
            },
            0.03
        )
        .is_err()
    );
    assert!(sample_size(&Plan::default(), 0.0).is_err());
    assert!(
        sample_size(
            &Plan {
                level: 1.0,
                ..Plan::default()
            },
            0.03
        )
        .is_err()
    );
    assert!(
        margin_of_error(
            &Plan {
                population: Some(10.0),
                ..Plan::default()
            },
            11.0
        )
        .is_err()
    );
}

#[test]
fn srs_draws_are_reproducible_and_sized() {
    let a = draw::srs(10_000, 250, 7).unwrap();
    let b = draw::srs(10_000, 250, 7).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.rows.len(), 250);
    assert!(a.rows.windows(2).all(|w| w[0] < w[1]));
    assert_ne!(a, draw::srs(10_000, 250, 8).unwrap());
    assert!(draw::srs(10, 11, 1).is_err());
    assert!(a.weights().iter().all(|&w| (w - 40.0).abs() < 1e-12));
}

#[test]
fn stratified_draws_take_the_sizes_asked() {
    let labels: Vec<String> = (0..1000)
        .map(|i| ["a", "b", "c"][i % 3].to_string())
        .collect();
    let f = Factor::from_strs(&labels);
    let s = draw::stratified(&f, &[10, 20, 0], 99).unwrap();
    let mut count = [0; 3];
    for &r in &s.rows {
        count[f.codes[r] as usize] += 1;
    }
    assert_eq!(count, [10, 20, 0]);
    assert_eq!(s, draw::stratified(&f, &[10, 20, 0], 99).unwrap());
    assert!(draw::stratified(&f, &[400, 1, 1], 1).is_err());
}

#[test]
fn systematic_pps_hits_its_inclusion_probabilities() {
    let sizes: Vec<f64> = (1..=40).map(|i| (i * i % 17 + 1) as f64).collect();
    let n = 8;
    let pi = pps_probabilities(&sizes, n).unwrap();
    assert!((pi.iter().sum::<f64>() - n as f64).abs() < 1e-9);
    let mut hits = vec![0.0; sizes.len()];
    let draws = 4000;
    for seed in 0..draws {
        let s = draw::systematic_pps(&sizes, n, seed).unwrap();
        assert_eq!(s.rows.len(), n);
        for &r in &s.rows {
            hits[r] += 1.0;
        }
    }
    for (i, (h, p)) in hits.iter().zip(&pi).enumerate() {
        let freq = h / draws as f64;
        let sd = (p * (1.0 - p) / draws as f64).sqrt();
        assert!(
            (freq - p).abs() < 5.0 * sd + 1e-9,
            "unit {i}: {freq} vs {p}"
        );
    }
}

#[test]
fn certainty_units_are_always_drawn() {
    let sizes = [1000.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    for seed in 0..50 {
        let s = draw::systematic_pps(&sizes, 3, seed).unwrap();
        assert_eq!(s.rows[0], 0);
        assert_eq!(s.probs[0], 1.0);
    }
}

#[test]
fn two_stage_draws() {
    let labels: Vec<String> = (0..2000)
        .map(|i| format!("c{}", i % 50 + (i % 7)))
        .collect();
    let f = Factor::from_strs(&labels);
    let s = draw::two_stage(&f, 10, 5, 3).unwrap();
    assert_eq!(s, draw::two_stage(&f, 10, 5, 3).unwrap());
    let mut clusters: Vec<u32> = s.rows.iter().map(|&r| f.codes[r]).collect();
    clusters.dedup();
    clusters.sort();
    clusters.dedup();
    assert_eq!(clusters.len(), 10);
    assert_eq!(s.rows.len(), 50);
    // Weights estimate the frame size without bias; one draw is close.
    let total: f64 = s.weights().iter().sum();
    assert!((total / 2000.0 - 1.0).abs() < 0.5, "{total}");
}
