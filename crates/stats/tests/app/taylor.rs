//! Taylor-linearisation estimates on the api designs against R (svymean, svytotal, svyratio,
//! svyvar, proportions, svyby, svyquantile, svyciprop, svychisq, subset, lonely PSUs).

use duluan_stats::{
    ChisqStatistic, CipropMethod, Design, DesignSpec, Interval, LonelyPsu, QuantileRule, StatsError,
};

use crate::fixtures::{check, check_tol, data, design};

const DESIGNS: &[&str] = &[
    "strat",
    "strat_frac",
    "strat_nofpc",
    "nest",
    "clus1",
    "clus1_wr",
    "clus2",
    "clus2_wr",
    "srs",
];

fn not_na(y: &[f64]) -> Vec<bool> {
    y.iter().map(|v| !v.is_nan()).collect()
}

#[test]
fn means_with_deff_ci_and_df() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let case = format!("{name}_mean_api00");
        let m = d.mean(f.numeric("api00").unwrap(), None).unwrap();
        check(&case, "est1", m.estimate);
        check(&case, "se1", m.se);
        check(&case, "deff1", m.deff.unwrap());
        check(&case, "df", m.df);
        let (lo, hi) = m.ci(0.95, Interval::T);
        check(&case, "lo1", lo);
        check(&case, "hi1", hi);
    }
}

#[test]
fn totals_with_deff() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let case = format!("{name}_total_enroll");
        let y = f.numeric("enroll").unwrap();
        let t = d.total(y, Some(&not_na(y))).unwrap();
        check(&case, "est1", t.estimate);
        check(&case, "se1", t.se);
        check(&case, "deff1", t.deff.unwrap());
    }
}

#[test]
fn ratios() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let case = format!("{name}_ratio");
        let r = d
            .ratio(
                f.numeric("api00").unwrap(),
                f.numeric("api99").unwrap(),
                None,
            )
            .unwrap();
        check(&case, "est1", r.estimate);
        check(&case, "se1", r.se);
        check(&case, "deff1", r.deff.unwrap());
    }
}

#[test]
fn population_variances() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let case = format!("{name}_var_api00");
        let v = d.variance(f.numeric("api00").unwrap(), None).unwrap();
        check(&case, "est1", v.estimate);
        check(&case, "se1", v.se);
    }
}

#[test]
fn proportions_and_level_counts() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let case = format!("{name}_prop_awards");
        let p = d.proportions(&f.factor("awards").unwrap(), None).unwrap();
        for (i, e) in p.iter().enumerate() {
            check(&case, &format!("est{}", i + 1), e.estimate);
            check(&case, &format!("se{}", i + 1), e.se);
            check(&case, &format!("deff{}", i + 1), e.deff.unwrap());
        }
        let case = format!("{name}_count_stype");
        let c = d.level_totals(&f.factor("stype").unwrap(), None).unwrap();
        for (i, e) in c.iter().enumerate() {
            check(&case, &format!("est{}", i + 1), e.estimate);
            check(&case, &format!("se{}", i + 1), e.se);
            // R gives NaN or Inf deffs for strata counts of a stratified design with fpc.
            let want = crate::fixtures::r(&case, &format!("deff{}", i + 1));
            if want.is_finite() {
                check(&case, &format!("deff{}", i + 1), e.deff.unwrap());
            }
        }
    }
}

#[test]
fn domains_like_svyby() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let api = f.numeric("api00").unwrap();
        let stype = f.factor("stype").unwrap();
        let by = d
            .by(&stype, |d, mask| Ok(vec![d.mean(api, Some(mask))?]))
            .unwrap();
        let fast = d.means_by(&[api], &stype).unwrap();
        let case = format!("{name}_by_stype_mean");
        for (i, ((_, e), (_, g))) in by.iter().zip(&fast).enumerate() {
            check(&case, &format!("est{}", i + 1), e[0].estimate);
            check(&case, &format!("se{}", i + 1), e[0].se);
            check(&case, &format!("deff{}", i + 1), e[0].deff.unwrap());
            check(&case, &format!("est{}", i + 1), g[0].estimate);
            check(&case, &format!("se{}", i + 1), g[0].se);
            check(&case, &format!("deff{}", i + 1), g[0].deff.unwrap());
        }
        let enroll = f.numeric("enroll").unwrap();
        let ok = not_na(enroll);
        let awards = f.factor("awards").unwrap();
        let by = d
            .by(&awards, |d, mask| {
                let m: Vec<bool> = mask.iter().zip(&ok).map(|(a, b)| *a && *b).collect();
                Ok(vec![d.total(enroll, Some(&m))?])
            })
            .unwrap();
        let case = format!("{name}_by_awards_total");
        for (i, (_, e)) in by.iter().enumerate() {
            check(&case, &format!("est{}", i + 1), e[0].estimate);
            check(&case, &format!("se{}", i + 1), e[0].se);
        }
        let case = format!("{name}_domainE_mean_api00");
        let mask: Vec<bool> = stype.codes.iter().map(|&c| c == 0).collect();
        let m = d.mean(api, Some(&mask)).unwrap();
        check(&case, "est1", m.estimate);
        check(&case, "se1", m.se);
        check(&case, "deff1", m.deff.unwrap());
        check(&case, "df", m.df);
    }
}

#[test]
fn quantiles_math_and_hf7_with_woodruff_intervals() {
    for name in DESIGNS {
        let (d, f) = design(name);
        for (rule, tag) in [(QuantileRule::Math, "math"), (QuantileRule::Hf7, "hf7")] {
            let case = format!("{name}_quantile_{tag}");
            let q = d
                .quantiles(
                    f.numeric("api00").unwrap(),
                    &[0.25, 0.5, 0.75],
                    rule,
                    0.95,
                    None,
                    None,
                )
                .unwrap();
            for (i, e) in q.iter().enumerate() {
                check(&case, &format!("est{}", i + 1), e.estimate);
                check(&case, &format!("lo{}", i + 1), e.lower);
                check(&case, &format!("hi{}", i + 1), e.upper);
                check(&case, &format!("se{}", i + 1), e.se);
            }
        }
    }
}

#[test]
fn proportion_intervals() {
    let methods = [
        (CipropMethod::Logit, "logit"),
        (CipropMethod::Asin, "asin"),
        (CipropMethod::Beta, "beta"),
        (CipropMethod::Mean, "mean"),
        (CipropMethod::Xlogit, "xlogit"),
    ];
    for name in DESIGNS {
        let (d, f) = design(name);
        let yes: Vec<f64> = f
            .factor("sch_wide")
            .unwrap()
            .codes
            .iter()
            .map(|&c| if c == 1 { 1.0 } else { 0.0 })
            .collect();
        for (m, tag) in methods {
            let case = format!("{name}_ciprop_{tag}");
            let p = d.ciprop(&yes, m, 0.95, None).unwrap();
            check(&case, "est1", p.estimate.estimate);
            check(&case, "se1", p.estimate.se);
            check(&case, "lo1", p.lower);
            check(&case, "hi1", p.upper);
        }
        // R's profile likelihood interpolates a spline through profile points: 1e-3.
        let case = format!("{name}_ciprop_likelihood");
        let p = d
            .ciprop(&yes, CipropMethod::Likelihood, 0.95, None)
            .unwrap();
        check(&case, "est1", p.estimate.estimate);
        check_tol(&case, "lo1", p.lower, 1e-3);
        check_tol(&case, "hi1", p.upper, 1e-3);
    }
}

#[test]
fn rao_scott_tables() {
    for name in DESIGNS {
        let (d, f) = design(name);
        let a = f.factor("sch_wide").unwrap();
        let b = f.factor("stype").unwrap();
        let t = d.chisq(&a, &b, ChisqStatistic::F).unwrap();
        let case = format!("{name}_chisq_F");
        check(&case, "statistic", t.statistic);
        check(&case, "ndf", t.ndf);
        check(&case, "ddf", t.ddf);
        check(&case, "p", t.p_value);
        let t = d.chisq(&a, &b, ChisqStatistic::Chisq).unwrap();
        let case = format!("{name}_chisq_Chisq");
        check(&case, "statistic", t.statistic);
        check(&case, "ndf", t.ndf);
        check(&case, "p", t.p_value);
    }
}

fn lonely_design(rule: LonelyPsu) -> Result<(Design, duluan_stats::Frame), StatsError> {
    let f = data("lonely");
    let d = Design::new(
        f.rows(),
        DesignSpec {
            strata: Some(f.factor("stype").unwrap()),
            weights: Some(f.numeric("pw").unwrap().to_vec()),
            lonely_psu: rule,
            ..Default::default()
        },
    )?;
    Ok((d, f))
}

#[test]
fn lonely_psu_rules() {
    for (rule, tag) in [
        (LonelyPsu::Adjust, "adjust"),
        (LonelyPsu::Average, "average"),
        (LonelyPsu::Remove, "remove"),
        (LonelyPsu::Certainty, "certainty"),
    ] {
        let (d, f) = lonely_design(rule).unwrap();
        let m = d.mean(f.numeric("api00").unwrap(), None).unwrap();
        check(&format!("lonely_{tag}"), "est1", m.estimate);
        check(&format!("lonely_{tag}"), "se1", m.se);
        let t = d.total(f.numeric("enroll").unwrap(), None).unwrap();
        check(&format!("lonely_{tag}_total"), "est1", t.estimate);
        check(&format!("lonely_{tag}_total"), "se1", t.se);
    }
    let (d, f) = lonely_design(LonelyPsu::Fail).unwrap();
    let err = d.mean(f.numeric("api00").unwrap(), None).unwrap_err();
    assert!(
        matches!(err, StatsError::LonelyPsu { ref stratum, stage: 1 } if stratum == "H"),
        "{err}"
    );
}

#[test]
fn quantiles_and_proportion_intervals_in_domains() {
    let (d, f) = design("strat");
    let stype = f.factor("stype").unwrap();
    let e: Vec<bool> = stype.codes.iter().map(|&c| c == 0).collect();
    let q = d
        .quantiles(
            f.numeric("api00").unwrap(),
            &[0.1, 0.5],
            QuantileRule::Math,
            0.95,
            None,
            Some(&e),
        )
        .unwrap();
    for (i, x) in q.iter().enumerate() {
        check("domain_quantile", &format!("est{}", i + 1), x.estimate);
        check("domain_quantile", &format!("lo{}", i + 1), x.lower);
        check("domain_quantile", &format!("hi{}", i + 1), x.upper);
    }
    let (d, f) = design("clus1");
    let stype = f.factor("stype").unwrap();
    let e: Vec<bool> = stype.codes.iter().map(|&c| c == 0).collect();
    let yes: Vec<f64> = f
        .factor("sch_wide")
        .unwrap()
        .codes
        .iter()
        .map(|&c| if c == 1 { 1.0 } else { 0.0 })
        .collect();
    for (m, tag) in [
        (CipropMethod::Beta, "beta"),
        (CipropMethod::Logit, "logit"),
        (CipropMethod::Asin, "asin"),
    ] {
        let p = d.ciprop(&yes, m, 0.95, Some(&e)).unwrap();
        let case = format!("domain_ciprop_{tag}");
        check(&case, "est1", p.estimate.estimate);
        check(&case, "lo1", p.lower);
        check(&case, "hi1", p.upper);
    }
}
