//! Replicate weights against R: JK1, JKn, BRR (totals), supplied BRR weights, post-stratified
//! JK1; seeded bootstrap properties.

use duluan_stats::{Margin, RepDesign, RepType, StatsError};

use crate::fixtures::{check, data, design};

#[test]
fn jackknives() {
    let (d, f) = design("clus1");
    let jk = d.replicates(RepType::Jk1, 0).unwrap();
    assert_eq!(jk.n_replicates(), 15);
    let m = jk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("jk1_mean_api00", "est1", m.estimate);
    check("jk1_mean_api00", "se1", m.se);
    let t = jk.total(f.numeric("enroll").unwrap(), None).unwrap();
    check("jk1_total_enroll", "est1", t.estimate);
    check("jk1_total_enroll", "se1", t.se);

    let (d, f) = design("clus1_wr");
    let m = d
        .replicates(RepType::Jk1, 0)
        .unwrap()
        .mean(f.numeric("api00").unwrap(), None)
        .unwrap();
    check("jk1_nofpc_mean_api00", "se1", m.se);

    let (d, f) = design("nest");
    let jk = d.replicates(RepType::Jkn, 0).unwrap();
    let m = jk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("jkn_mean_api00", "est1", m.estimate);
    check("jkn_mean_api00", "se1", m.se);
    let t = jk.total(f.numeric("enroll").unwrap(), None).unwrap();
    check("jkn_total_enroll", "se1", t.se);
    let r = jk
        .ratio(
            f.numeric("api00").unwrap(),
            f.numeric("api99").unwrap(),
            None,
        )
        .unwrap();
    check("jkn_ratio", "est1", r.estimate);
    check("jkn_ratio", "se1", r.se);
}

#[test]
fn jk1_is_refused_for_stratified_designs() {
    let (d, _) = design("nest");
    assert!(matches!(
        d.replicates(RepType::Jk1, 0),
        Err(StatsError::InvalidArgument { .. })
    ));
    let (d, _) = design("nest");
    assert!(d.replicates(RepType::Brr, 0).is_err());
}

#[test]
fn brr_and_fay_totals_equal_r() {
    let (d, f) = design("pair");
    let enroll = f.numeric("enroll").unwrap();
    let brr = d.replicates(RepType::Brr, 0).unwrap();
    assert_eq!(brr.n_replicates(), 4);
    let t = brr.total(enroll, None).unwrap();
    check("brr_total_enroll", "est1", t.estimate);
    // Fully balanced half-samples give the same variance of a total whatever the Hadamard matrix.
    check("brr_total_enroll", "se1", t.se);
    let fay = d.replicates(RepType::Fay(0.3), 0).unwrap();
    let tf = fay.total(enroll, None).unwrap();
    check("brr_total_enroll", "se1", tf.se);
    let m = brr.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("brr_mean_api00", "est1", m.estimate);
}

#[test]
fn supplied_replicate_weights() {
    let f = data("brr_supplied");
    let reps: Vec<Vec<f64>> = f
        .names()
        .iter()
        .filter(|n| n.starts_with("rw"))
        .map(|n| f.numeric(n).unwrap().to_vec())
        .collect();
    let d = RepDesign::from_weights(
        f.numeric("pw").unwrap().to_vec(),
        reps,
        RepType::Brr,
        None,
        None,
    )
    .unwrap();
    let m = d.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("supplied_brr_mean_api00", "est1", m.estimate);
    check("supplied_brr_mean_api00", "se1", m.se);
    check("brr_mean_api00", "se1", m.se);
}

#[test]
fn post_stratified_jackknife() {
    let (d, f) = design("clus1");
    let margin = Margin {
        name: "stype".into(),
        counts: vec![
            ("E".into(), 4421.0),
            ("H".into(), 755.0),
            ("M".into(), 1018.0),
        ],
    };
    let jk = d
        .replicates(RepType::Jk1, 0)
        .unwrap()
        .post_stratify(&f.factor("stype").unwrap(), &margin)
        .unwrap();
    let m = jk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("jk1_ps_mean_api00", "est1", m.estimate);
    check("jk1_ps_mean_api00", "se1", m.se);
}

#[test]
fn raked_jackknife() {
    let (d, f) = design("clus1");
    let types = Margin {
        name: "stype".into(),
        counts: vec![
            ("E".into(), 4421.0),
            ("H".into(), 755.0),
            ("M".into(), 1018.0),
        ],
    };
    let schwide = Margin {
        name: "sch_wide".into(),
        counts: vec![("No".into(), 1072.0), ("Yes".into(), 5122.0)],
    };
    let (st, sw) = (f.factor("stype").unwrap(), f.factor("sch_wide").unwrap());
    let jk = d
        .replicates(RepType::Jk1, 0)
        .unwrap()
        .rake(
            &[(&st, &types), (&sw, &schwide)],
            duluan_stats::RakeOptions::default(),
        )
        .unwrap();
    let m = jk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("jk1_rake_mean_api00", "est1", m.estimate);
    check("jk1_rake_mean_api00", "se1", m.se);
}

#[test]
fn calibrated_jackknife() {
    let (d, f) = design("clus1");
    let x = duluan_stats::ModelMatrix::from_frame(&f, &["stype", "api99"]).unwrap();
    let jk = d.replicates(RepType::Jk1, 0).unwrap();
    for (calfun, tag) in [
        (duluan_stats::CalFun::Linear, "linear"),
        (duluan_stats::CalFun::Raking, "raking"),
    ] {
        let opts = duluan_stats::CalibrateOptions {
            calfun,
            ..Default::default()
        };
        let cal = jk
            .calibrate(&x, &[6194.0, 755.0, 1018.0, 3914069.0], opts)
            .unwrap();
        let m = cal.mean(f.numeric("api00").unwrap(), None).unwrap();
        let case = format!("jk1_cal_{tag}_mean_api00");
        check(&case, "est1", m.estimate);
        check(&case, "se1", m.se);
    }
}

#[test]
fn replicate_quantiles_and_degf() {
    use duluan_stats::QuantileRule;
    let (d, f) = design("clus1");
    let jk = d.replicates(RepType::Jk1, 0).unwrap();
    check("jk1_degf", "df", jk.degf());
    let v = jk.variance(f.numeric("api00").unwrap(), None).unwrap();
    check("jk1_var_api00", "est1", v.estimate);
    check("jk1_var_api00", "se1", v.se);
    let m = jk.mean(f.numeric("api00").unwrap(), None).unwrap();
    check("jk1_deff", "mean", m.deff.unwrap());
    let t = jk.total(f.numeric("enroll").unwrap(), None).unwrap();
    check("jk1_deff", "total", t.deff.unwrap());
    let q = jk
        .quantiles(
            f.numeric("api00").unwrap(),
            &[0.25, 0.5],
            QuantileRule::Math,
            0.95,
            None,
            None,
        )
        .unwrap();
    for (i, x) in q.iter().enumerate() {
        check("jk1_quantile", &format!("est{}", i + 1), x.estimate);
        check("jk1_quantile", &format!("lo{}", i + 1), x.lower);
        check("jk1_quantile", &format!("hi{}", i + 1), x.upper);
        check("jk1_quantile", &format!("se{}", i + 1), x.se);
    }
    let yes: Vec<f64> = f
        .factor("sch_wide")
        .unwrap()
        .codes
        .iter()
        .map(|&c| if c == 1 { 1.0 } else { 0.0 })
        .collect();
    use duluan_stats::CipropMethod as M;
    for (m, tag) in [
        (M::Logit, "logit"),
        (M::Asin, "asin"),
        (M::Beta, "beta"),
        (M::Mean, "mean"),
        (M::Xlogit, "xlogit"),
    ] {
        let p = jk.ciprop(&yes, m, 0.95, None).unwrap();
        let case = format!("jk1_ciprop_{tag}");
        check(&case, "est1", p.estimate.estimate);
        check(&case, "lo1", p.lower);
        check(&case, "hi1", p.upper);
    }
    let (a, b) = (f.factor("sch_wide").unwrap(), f.factor("stype").unwrap());
    let t = jk.chisq(&a, &b, duluan_stats::ChisqStatistic::F).unwrap();
    check("jk1_chisq_F", "statistic", t.statistic);
    check("jk1_chisq_F", "ndf", t.ndf);
    check("jk1_chisq_F", "ddf", t.ddf);
    check("jk1_chisq_F", "p", t.p_value);
    let t = jk
        .chisq(&a, &b, duluan_stats::ChisqStatistic::Chisq)
        .unwrap();
    check("jk1_chisq_Chisq", "statistic", t.statistic);
    check("jk1_chisq_Chisq", "p", t.p_value);
    let (d, f) = design("nest");
    let jn = d.replicates(RepType::Jkn, 0).unwrap();
    check("jkn_degf", "df", jn.degf());
    let q = jn
        .quantiles(
            f.numeric("api00").unwrap(),
            &[0.5],
            QuantileRule::Hf7,
            0.95,
            None,
            None,
        )
        .unwrap();
    check("jkn_quantile", "est1", q[0].estimate);
    check("jkn_quantile", "lo1", q[0].lower);
    check("jkn_quantile", "hi1", q[0].upper);
}

#[test]
fn seeded_bootstrap_is_reproducible_and_close_to_taylor() {
    let (d, f) = design("strat_nofpc");
    let api = f.numeric("api00").unwrap();
    let a = d.replicates(RepType::Bootstrap(400), 2026).unwrap();
    let b = d.replicates(RepType::Bootstrap(400), 2026).unwrap();
    assert_eq!(a.replicate_weights(), b.replicate_weights());
    let c = d.replicates(RepType::Bootstrap(400), 2027).unwrap();
    assert_ne!(a.replicate_weights(), c.replicate_weights());
    let taylor = d.mean(api, None).unwrap().se;
    let boot = a.mean(api, None).unwrap().se;
    assert!(
        (boot / taylor - 1.0).abs() < 0.15,
        "bootstrap {boot} vs Taylor {taylor}"
    );
    // Each replicate resamples as many PSUs as each stratum has.
    let strata = f.factor("stype").unwrap();
    for w in a.replicate_weights() {
        for s in 0..strata.n_levels() {
            let (mut k, mut n) = (0.0, 0.0);
            for i in 0..w.len() {
                if strata.codes[i] as usize == s {
                    k += w[i] / d.weights()[i];
                    n += 1.0;
                }
            }
            assert_eq!(k, n);
        }
    }
}
