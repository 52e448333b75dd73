//! Property tests of invariants that hold for any data.

use duluan_stats::planning::allocate;
use duluan_stats::{
    Allocation, CalibrateOptions, Design, DesignSpec, Factor, Frame, Margin, ModelMatrix,
    StratumPlan,
};
use proptest::prelude::*;

/// Rows: (stratum 0..3, psu 0..6, weight, y).
fn rows() -> impl Strategy<Value = Vec<(u8, u8, f64, f64)>> {
    prop::collection::vec((0u8..3, 0u8..6, 1.0f64..50.0, -100.0f64..100.0), 12..60)
}

fn design_of(rows: &[(u8, u8, f64, f64)], strata: bool) -> Option<Design> {
    let n = rows.len();
    let st: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
    let psu: Vec<String> = rows.iter().map(|r| format!("{}-{}", r.0, r.1)).collect();
    Design::new(
        n,
        DesignSpec {
            ids: vec![Factor::from_strs(&psu)],
            strata: strata.then(|| Factor::from_strs(&st)),
            weights: Some(rows.iter().map(|r| r.2).collect()),
            lonely_psu: duluan_stats::LonelyPsu::Certainty,
            ..Default::default()
        },
    )
    .ok()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn post_stratified_weights_reproduce_population_counts(rows in rows(), pops in prop::collection::vec(1.0f64..1e6, 3)) {
        let Some(d) = design_of(&rows, false) else { return Ok(()) };
        let f = Factor::from_strs(&rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>());
        let margin = Margin {
            name: "s".into(),
            counts: f.levels.iter().map(|l| (l.clone(), pops[l.parse::<usize>().unwrap()])).collect(),
        };
        let ps = d.post_stratify(&f, &margin, false).unwrap();
        let counts = ps.level_totals(&f, None).unwrap();
        for (e, (_, pop)) in counts.iter().zip(&margin.counts) {
            prop_assert!(close(e.estimate, *pop), "{} vs {}", e.estimate, pop);
            // A post-stratified count has no sampling variance.
            prop_assert!(e.se <= 1e-7 * pop, "se {}", e.se);
        }
    }

    #[test]
    fn srs_formulas_are_the_stratified_ones_with_one_stratum(rows in rows()) {
        let one: Vec<(u8, u8, f64, f64)> = rows.iter().map(|r| (0, r.1, r.2, r.3)).collect();
        let (Some(a), Some(b)) = (design_of(&one, false), design_of(&one, true)) else { return Ok(()) };
        let y: Vec<f64> = one.iter().map(|r| r.3).collect();
        let (ma, mb) = (a.mean(&y, None).unwrap(), b.mean(&y, None).unwrap());
        prop_assert!(close(ma.estimate, mb.estimate));
        prop_assert!(close(ma.se, mb.se));
        let (ta, tb) = (a.total(&y, None).unwrap(), b.total(&y, None).unwrap());
        prop_assert!(close(ta.se, tb.se));
    }

    #[test]
    fn means_do_not_depend_on_the_scale_of_weights(rows in rows(), k in 0.01f64..100.0) {
        let scaled: Vec<(u8, u8, f64, f64)> = rows.iter().map(|r| (r.0, r.1, r.2 * k, r.3)).collect();
        let (Some(a), Some(b)) = (design_of(&rows, true), design_of(&scaled, true)) else { return Ok(()) };
        let y: Vec<f64> = rows.iter().map(|r| r.3).collect();
        let (ma, mb) = (a.mean(&y, None).unwrap(), b.mean(&y, None).unwrap());
        prop_assert!(close(ma.estimate, mb.estimate));
        prop_assert!(close(ma.se, mb.se));
        // A whole-sample domain is the full sample.
        let all = vec![true; y.len()];
        let md = a.mean(&y, Some(&all)).unwrap();
        prop_assert!(close(ma.se, md.se));
    }

    #[test]
    fn linear_calibration_reproduces_totals(rows in rows(), t0 in 100.0f64..1e5, t1 in -1e5f64..1e5) {
        let Some(d) = design_of(&rows, true) else { return Ok(()) };
        let y: Vec<f64> = rows.iter().map(|r| r.3).collect();
        let x = ModelMatrix { names: vec!["(Intercept)".into(), "y".into()], columns: vec![vec![1.0; y.len()], y.clone()] };
        let Ok(c) = d.calibrate(&x, &[t0, t1], CalibrateOptions::default()) else { return Ok(()) };
        let est: f64 = y.iter().zip(c.weights()).map(|(a, w)| a * w).sum();
        let n: f64 = c.weights().iter().sum();
        prop_assert!((est - t1).abs() <= 1e-6 * t1.abs().max(1.0) * 100.0, "{est} vs {t1}");
        prop_assert!(close(n, t0));
    }

    #[test]
    fn allocations_sum_to_n_within_sizes(sizes in prop::collection::vec((1u32..500, 0.1f64..10.0, 0.5f64..5.0), 1..8), frac in 0.0f64..1.0) {
        let strata: Vec<StratumPlan> = sizes.iter().enumerate().map(|(i, &(n, sd, c))| StratumPlan { name: i.to_string(), size: n as f64, sd, cost: c }).collect();
        let total: u32 = sizes.iter().map(|s| s.0).sum();
        let n = (total as f64 * frac).floor() as u64;
        for method in [Allocation::Proportional, Allocation::Neyman, Allocation::Optimal] {
            let a = allocate(n, &strata, method).unwrap();
            prop_assert_eq!(a.iter().sum::<u64>(), n);
            for (x, s) in a.iter().zip(&strata) {
                prop_assert!(*x as f64 <= s.size);
            }
        }
    }

    #[test]
    fn csv_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Frame::from_csv(&bytes);
    }
}
