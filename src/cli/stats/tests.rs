//! Unit tests of `duluan stats`: estimates, weighting files, replicates, formats, sample sizes
//! and draws.

use std::path::PathBuf;

use super::*;

const DATA: &str = "id,stratum,psu,w,y,x,group\n\
    1,a,1,10,3,1,u\n2,a,1,10,4,2,v\n3,a,2,10,5,2,u\n4,a,2,10,6,3,v\n\
    5,b,3,20,7,3,u\n6,b,3,20,8,4,v\n7,b,4,20,9,4,u\n8,b,4,20,10,5,v\n";

fn args() -> EstimateArgs {
    EstimateArgs {
        ids: Some("psu".into()),
        strata: Some("stratum".into()),
        weights: Some("w".into()),
        lonely_psu: "fail".into(),
        qrule: "math".into(),
        prop_method: "logit".into(),
        table_statistic: "F".into(),
        calfun: "linear".into(),
        bootstrap_replicates: 20,
        level: 0.95,
        interval: "t".into(),
        ..Default::default()
    }
}

fn run_rows(a: &EstimateArgs) -> Vec<Row> {
    estimate(a, DATA.as_bytes(), &SideFiles::default()).unwrap()
}

#[test]
fn mean_matches_the_engine() {
    let mut a = args();
    a.mean = vec!["y".into()];
    a.deff = true;
    let rows = run_rows(&a);
    assert_eq!(rows.len(), 1);
    // Weighted mean: (10·18 + 20·34) / 120.
    assert!((rows[0].estimate - (10.0 * 18.0 + 20.0 * 34.0) / 120.0).abs() < 1e-12);
    assert!(rows[0].se.unwrap() > 0.0 && rows[0].deff.is_some());
    assert_eq!(rows[0].df, Some(2.0));
}

#[test]
fn unknown_columns_are_listed_with_the_existing_ones() {
    let mut a = args();
    a.mean = vec!["nope".into(), "y".into()];
    a.by = Some("zz".into());
    let err = estimate(&a, DATA.as_bytes(), &SideFiles::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`nope`, `zz`"), "{err}");
    assert!(err.contains("id, stratum, psu, w, y, x, group"), "{err}");
}

#[test]
fn by_ratio_quantile_prop_and_table() {
    let mut a = args();
    a.mean = vec!["y".into()];
    a.by = Some("group".into());
    a.ratio = vec!["y/x".into()];
    a.quantile = vec!["y:0.5".into()];
    a.prop = vec!["group".into()];
    let rows = run_rows(&a);
    let stats: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.statistic.as_str(), r.domain.as_deref()))
        .collect();
    assert_eq!(stats.iter().filter(|s| s.0 == "mean").count(), 2);
    assert!(stats.contains(&("ratio", Some("u"))));
    assert!(stats.contains(&("quantile", Some("v"))));
    let mut a = args();
    a.table = vec!["group+stratum".into()];
    let rows = run_rows(&a);
    assert_eq!(rows[0].statistic, "chisq_F");
    assert!(rows[0].p_value.is_some());
}

#[test]
fn weighting_files() {
    let mut a = args();
    a.total = vec!["y".into()];
    let side = SideFiles {
        poststratify: Some(b"group,Freq\nu,100\nv,200\n".to_vec()),
        ..Default::default()
    };
    let rows = estimate(&a, DATA.as_bytes(), &side).unwrap();
    // Post-stratified total of y: 100·mean_u + 200·mean_v.
    let mu = (10.0 * 8.0 + 20.0 * 16.0) / 60.0;
    let mv = (10.0 * 10.0 + 20.0 * 18.0) / 60.0;
    assert!((rows[0].estimate - (100.0 * mu + 200.0 * mv)).abs() < 1e-9);
    let side = SideFiles {
        rake: Some(
            b"variable,level,Freq\ngroup,u,100\ngroup,v,200\nstratum,a,150\nstratum,b,150\n"
                .to_vec(),
        ),
        ..Default::default()
    };
    assert!(estimate(&a, DATA.as_bytes(), &side).is_ok());
    let side = SideFiles {
        calibrate: Some(b"name,total\n(Intercept),300\nx,900\n".to_vec()),
        ..Default::default()
    };
    let mut b = args();
    b.total = vec!["x".into()];
    let rows = estimate(&b, DATA.as_bytes(), &side).unwrap();
    assert!((rows[0].estimate - 900.0).abs() < 1e-6);
    let side = SideFiles {
        calibrate: Some(b"name,total\n(Intercept),300\nnothere,900\n".to_vec()),
        ..Default::default()
    };
    let err = estimate(&b, DATA.as_bytes(), &side)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothere"), "{err}");
}

#[test]
fn replicates_and_formats() {
    let mut a = args();
    a.mean = vec!["y".into()];
    a.quantile = vec!["y:0.5".into()];
    a.prop = vec!["group".into()];
    a.table = vec!["group+stratum".into()];
    a.variance = vec!["y".into()];
    a.replicates = Some("jkn".into());
    let rows = run_rows(&a);
    for stat in ["mean", "variance", "quantile", "proportion", "chisq_F"] {
        assert!(rows.iter().any(|r| r.statistic == stat), "no {stat}");
    }
    for f in [Format::Table, Format::Json, Format::Csv] {
        let s = render(&rows, f).unwrap();
        assert!(s.contains("mean") && s.contains("estimate"), "{s}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&render(&rows, Format::Json).unwrap()).unwrap();
    assert!(json[0]["se"].as_f64().unwrap() > 0.0);
    assert!(json[0]["ci_lower"].is_number());
}

#[test]
fn replicates_with_raking_and_calibration() {
    let mut a = args();
    a.mean = vec!["y".into()];
    a.replicates = Some("jkn".into());
    let side = SideFiles {
        rake: Some(
            b"variable,level,Freq\ngroup,u,100\ngroup,v,200\nstratum,a,150\nstratum,b,150\n"
                .to_vec(),
        ),
        ..Default::default()
    };
    let rows = estimate(&a, DATA.as_bytes(), &side).unwrap();
    assert!(rows[0].se.unwrap() > 0.0);
    let side = SideFiles {
        calibrate: Some(b"name,total\n(Intercept),300\n".to_vec()),
        ..Default::default()
    };
    let err = estimate(&a, DATA.as_bytes(), &side)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not available with replicate"), "{err}");
}

#[test]
fn supplied_replicate_weights() {
    let data = "w,y,r1,r2,r3,r4\n1,2,2,0,2,0\n1,4,0,2,2,0\n1,6,2,0,0,2\n1,8,0,2,0,2\n";
    let mut a = args();
    a.ids = None;
    a.strata = None;
    a.mean = vec!["y".into()];
    a.repweights = Some("r".into());
    a.replicates = Some("brr".into());
    let rows = estimate(&a, data.as_bytes(), &SideFiles::default()).unwrap();
    // Replicate means 4, 6, 3, 7 around their mean 5: BRR variance (1+1+4+4)/4 = 2.5.
    assert!((rows[0].estimate - 5.0).abs() < 1e-12);
    assert!((rows[0].se.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
    a.repweights = Some("zz".into());
    let err = estimate(&a, data.as_bytes(), &SideFiles::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no column starts with"), "{err}");
}

#[test]
fn lonely_psu_error_is_clear() {
    let mut a = args();
    a.ids = Some("id".into());
    a.mean = vec!["y".into()];
    let data = "id,stratum,w,y,psu\n1,a,1,1,1\n2,b,1,2,2\n3,b,1,3,3\n";
    let err = estimate(&a, data.as_bytes(), &SideFiles::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("stratum `a`"), "{err}");
}

#[test]
fn sample_size_and_allocation() {
    let a = SampleSizeArgs {
        moe: Some(0.03),
        n: None,
        p: None,
        sd: None,
        level: 0.95,
        deff: 1.0,
        population: None,
        response_rate: 0.5,
        strata_file: None,
        allocation: "proportional".into(),
        format: Format::Csv,
    };
    let s = sample_size(&a, Some(b"stratum,size\nx,3000\ny,1000\n".to_vec())).unwrap();
    assert!(
        s.contains("completes,1068") && s.contains("contacts,2136"),
        "{s}"
    );
    assert!(
        s.contains("stratum x,801") && s.contains("stratum y,267"),
        "{s}"
    );
}

#[test]
fn draws_are_reproducible() {
    let frame = "id,s,size\n".to_string()
        + &(0..100)
            .map(|i| format!("{i},{},{}\n", i % 4, i % 7 + 1))
            .collect::<String>();
    for (method, extra) in [
        ("srs", None),
        ("stratified", Some("s")),
        ("pps", None),
        ("two-stage", None),
    ] {
        let a = DrawArgs {
            frame: PathBuf::new(),
            method: method.into(),
            n: if method == "two-stage" { 2 } else { 8 },
            seed: 5,
            strata: extra.map(String::from),
            size: Some("size".into()),
            cluster: Some("s".into()),
            per_cluster: 2,
            output: None,
        };
        let one = draw(&a, frame.as_bytes()).unwrap();
        assert_eq!(one, draw(&a, frame.as_bytes()).unwrap());
        assert!(one.starts_with("id,s,size,_prob,_weight\n"), "{one}");
    }
}
