//! Weighting against R: postStratify, rake, calibrate (linear, raking), trimWeights.

use duluan_stats::{CalFun, CalibrateOptions, Margin, ModelMatrix, RakeOptions, StatsError};

use crate::fixtures::{check, design};

fn margin(name: &str, counts: &[(&str, f64)]) -> Margin {
    Margin {
        name: name.into(),
        counts: counts.iter().map(|(l, c)| (l.to_string(), *c)).collect(),
    }
}

fn types() -> Margin {
    margin("stype", &[("E", 4421.0), ("H", 755.0), ("M", 1018.0)])
}

fn schwide() -> Margin {
    margin("sch_wide", &[("No", 1072.0), ("Yes", 5122.0)])
}

const CAL_TOTALS: [f64; 4] = [6194.0, 755.0, 1018.0, 3914069.0];

#[test]
fn post_stratification() {
    let (d, f) = design("clus1");
    let ps = d
        .post_stratify(&f.factor("stype").unwrap(), &types(), false)
        .unwrap();
    let m = ps.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("ps_mean_api00", "est1", m.estimate);
    check("ps_mean_api00", "se1", m.se);
    let t = ps.total(f.numeric("enroll").unwrap(), None).unwrap();
    check("ps_total_enroll", "est1", t.estimate);
    check("ps_total_enroll", "se1", t.se);
    let c = ps.level_totals(&f.factor("stype").unwrap(), None).unwrap();
    for (i, e) in c.iter().enumerate() {
        check("ps_count_stype", &format!("est{}", i + 1), e.estimate);
        check("ps_count_stype", &format!("se{}", i + 1), e.se);
    }
    let api = f.numeric("api00").unwrap();
    let by = ps
        .by(&f.factor("awards").unwrap(), |d, m| {
            Ok(vec![d.mean(api, Some(m))?])
        })
        .unwrap();
    for (i, (_, e)) in by.iter().enumerate() {
        check("ps_by_awards", &format!("est{}", i + 1), e[0].estimate);
        check("ps_by_awards", &format!("se{}", i + 1), e[0].se);
    }
}

#[test]
fn post_stratification_errors() {
    let (d, f) = design("clus1");
    let err = d
        .post_stratify(
            &f.factor("stype").unwrap(),
            &margin("stype", &[("E", 1.0), ("H", 2.0)]),
            false,
        )
        .unwrap_err();
    assert!(
        matches!(err, StatsError::BadMargin { ref margin, .. } if margin == "stype=M"),
        "{err}"
    );
    let err = d
        .post_stratify(
            &f.factor("stype").unwrap(),
            &margin("stype", &[("E", 1.0), ("H", 2.0), ("M", 3.0), ("X", 4.0)]),
            false,
        )
        .unwrap_err();
    assert!(
        matches!(err, StatsError::BadMargin { ref margin, .. } if margin == "stype=X"),
        "{err}"
    );
}

#[test]
fn raking() {
    let (d, f) = design("clus1");
    let st = f.factor("stype").unwrap();
    let sw = f.factor("sch_wide").unwrap();
    let (mt, ms) = (types(), schwide());
    let rk = d
        .rake(&[(&st, &mt), (&sw, &ms)], RakeOptions::default())
        .unwrap();
    let m = rk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("rake_mean_api00", "est1", m.estimate);
    check("rake_mean_api00", "se1", m.se);
    let t = rk.total(f.numeric("enroll").unwrap(), None).unwrap();
    check("rake_total_enroll", "est1", t.estimate);
    check("rake_total_enroll", "se1", t.se);
    let w = rk.weights();
    check("rake_weights", "sum", w.iter().sum());
    check("rake_weights", "first", w[0]);
    check("rake_weights", "max", w.iter().cloned().fold(0.0, f64::max));

    let (d, f) = design("strat");
    let aw = margin("awards", &[("No", 2000.0), ("Yes", 4194.0)]);
    let rk = d
        .rake(
            &[
                (&f.factor("sch_wide").unwrap(), &schwide()),
                (&f.factor("awards").unwrap(), &aw),
            ],
            RakeOptions::default(),
        )
        .unwrap();
    let m = rk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("rake_strat_mean_api00", "est1", m.estimate);
    check("rake_strat_mean_api00", "se1", m.se);
}

#[test]
fn raking_that_cannot_converge_names_the_margin() {
    let (d, f) = design("clus1");
    let st = f.factor("stype").unwrap();
    let sw = f.factor("sch_wide").unwrap();
    let (mt, ms) = (types(), schwide());
    let err = d
        .rake(
            &[(&st, &mt), (&sw, &ms)],
            RakeOptions {
                maxit: 1,
                epsilon: 1e-12,
            },
        )
        .unwrap_err();
    match err {
        StatsError::NoConvergence {
            margin,
            off,
            iterations,
        } => {
            assert!(margin.starts_with("stype="), "{margin}");
            assert!(off.abs() > 1.0, "{off}");
            assert_eq!(iterations, 1);
        }
        e => panic!("{e}"),
    }
}

#[test]
fn calibration_linear_and_raking() {
    let (d, f) = design("clus1");
    let x = ModelMatrix::from_frame(&f, &["stype", "api99"]).unwrap();
    assert_eq!(x.names, ["(Intercept)", "stypeH", "stypeM", "api99"]);
    for (calfun, tag) in [(CalFun::Linear, "linear"), (CalFun::Raking, "raking")] {
        let opts = CalibrateOptions {
            calfun,
            ..Default::default()
        };
        let cal = d.calibrate(&x, &CAL_TOTALS, opts).unwrap();
        let m = cal.mean(f.numeric("api00").unwrap(), None).unwrap();
        check(&format!("cal_{tag}_mean_api00"), "est1", m.estimate);
        check(&format!("cal_{tag}_mean_api00"), "se1", m.se);
        let t = cal.total(f.numeric("enroll").unwrap(), None).unwrap();
        check(&format!("cal_{tag}_total_enroll"), "est1", t.estimate);
        check(&format!("cal_{tag}_total_enroll"), "se1", t.se);
        check(&format!("cal_{tag}_weights"), "first", cal.weights()[0]);
        // Calibrated weights reproduce the population totals.
        for (col, total) in x.columns.iter().zip(CAL_TOTALS) {
            let est: f64 = col.iter().zip(cal.weights()).map(|(a, w)| a * w).sum();
            assert!(
                (est - total).abs() <= 1e-6 * total,
                "{tag}: {est} vs {total}"
            );
        }
    }
}

#[test]
fn calibration_that_cannot_converge() {
    let (d, f) = design("clus1");
    let x = ModelMatrix::from_frame(&f, &["api99"]).unwrap();
    // Raking cannot make every weight positive and reach a negative total.
    let err = d
        .calibrate(
            &x,
            &[6194.0, -5.0],
            CalibrateOptions {
                calfun: CalFun::Raking,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, StatsError::NoConvergence { .. }), "{err}");
}

#[test]
fn trimming() {
    let (d, f) = design("strat");
    let tw = d.trim_weights(10.0, 40.0, false).unwrap();
    let m = tw.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("trim_mean_api00", "est1", m.estimate);
    check("trim_mean_api00", "se1", m.se);
    check("trim_weights", "first", tw.weights()[0]);
    check(
        "trim_weights",
        "max",
        tw.weights().iter().cloned().fold(0.0, f64::max),
    );
}

#[test]
fn bounded_calibration() {
    let (d, f) = design("clus1");
    let x = ModelMatrix::from_frame(&f, &["stype", "api99"]).unwrap();
    for (calfun, tag) in [(CalFun::Linear, "linear"), (CalFun::Raking, "raking")] {
        let opts = CalibrateOptions {
            calfun,
            bounds: Some((0.6, 1.6)),
            ..Default::default()
        };
        let cal = d.calibrate(&x, &CAL_TOTALS, opts).unwrap();
        let m = cal.mean(f.numeric("api00").unwrap(), None).unwrap();
        check(&format!("cal_bounded_{tag}_mean_api00"), "est1", m.estimate);
        check(&format!("cal_bounded_{tag}_mean_api00"), "se1", m.se);
        check(
            &format!("cal_bounded_{tag}_weights"),
            "first",
            cal.weights()[0],
        );
        let max = cal.weights().iter().cloned().fold(0.0, f64::max);
        check(&format!("cal_bounded_{tag}_weights"), "max", max);
    }
}
