//! Loads the R fixtures and compares numbers to 1e-9 relative.

use std::collections::HashMap;
use std::sync::OnceLock;

use duluan_stats::{Design, DesignSpec, Frame, LonelyPsu};

/// Relative tolerance for every comparison with R.
pub const TOL: f64 = 1e-9;

fn expected() -> &'static HashMap<(String, String), f64> {
    static E: OnceLock<HashMap<(String, String), f64>> = OnceLock::new();
    E.get_or_init(|| {
        let f = Frame::from_csv(include_bytes!("../fixtures/expected.csv")).unwrap();
        let case = f.strings("case").unwrap();
        let key = f.strings("key").unwrap();
        let value = f.numeric("value").unwrap();
        case.into_iter()
            .zip(key)
            .zip(value.iter().copied())
            .collect()
    })
}

/// The value R computed for `case` / `key`.
pub fn r(case: &str, key: &str) -> f64 {
    *expected()
        .get(&(case.to_string(), key.to_string()))
        .unwrap_or_else(|| panic!("no R value for {case}/{key}"))
}

/// Asserts `got` equals R's value to 1e-9 relative (NaN equals NaN).
pub fn check(case: &str, key: &str, got: f64) {
    check_tol(case, key, got, TOL);
}

/// Like [`check`] with an explicit relative tolerance.
pub fn check_tol(case: &str, key: &str, got: f64, tol: f64) {
    let want = r(case, key);
    if want.is_nan() && got.is_nan() {
        return;
    }
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= tol || (got - want).abs() <= tol * 1e-3,
        "{case}/{key}: got {got:.17e}, R {want:.17e}, rel err {err:.3e}"
    );
}

/// Data sets written by R.
pub fn data(name: &str) -> Frame {
    let bytes: &[u8] = match name {
        "apistrat" => include_bytes!("../fixtures/apistrat.csv"),
        "apiclus1" => include_bytes!("../fixtures/apiclus1.csv"),
        "apiclus2" => include_bytes!("../fixtures/apiclus2.csv"),
        "apisrs" => include_bytes!("../fixtures/apisrs.csv"),
        "lonely" => include_bytes!("../fixtures/lonely.csv"),
        "brr_supplied" => include_bytes!("../fixtures/brr_supplied.csv"),
        other => panic!("no data set {other}"),
    };
    Frame::from_csv(bytes).unwrap()
}

/// Data set, ids, strata, weights, fpc columns and nest flag of a fixture design.
type DesignRow = (
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
    bool,
);

/// The designs of make_fixtures.R, by name, with their data.
pub fn design(name: &str) -> (Design, Frame) {
    let (set, ids, strata, weights, fpc, nest): DesignRow = match name {
        "strat" => ("apistrat", &[], Some("stype"), Some("pw"), &["fpc"], false),
        "strat_frac" => ("apistrat", &[], Some("stype"), Some("pw"), &["frac"], false),
        "strat_nofpc" => ("apistrat", &[], Some("stype"), Some("pw"), &[], false),
        "nest" => ("apistrat", &["dnum"], Some("stype"), Some("pw"), &[], true),
        "pair" => ("apistrat", &["psu2"], Some("stype"), Some("pw"), &[], true),
        "clus1" => ("apiclus1", &["dnum"], None, Some("pw"), &["fpc"], false),
        "clus1_wr" => ("apiclus1", &["dnum"], None, Some("pw"), &[], false),
        "clus2" => (
            "apiclus2",
            &["dnum", "snum"],
            None,
            None,
            &["fpc1", "fpc2"],
            false,
        ),
        "clus2_wr" => ("apiclus2", &["dnum", "snum"], None, Some("pw"), &[], false),
        "srs" => ("apisrs", &[], None, None, &["fpc"], false),
        other => panic!("no design {other}"),
    };
    let frame = data(set);
    let spec = DesignSpec {
        ids: ids.iter().map(|c| frame.factor(c).unwrap()).collect(),
        strata: strata.map(|s| frame.factor(s).unwrap()),
        weights: weights.map(|w| frame.numeric(w).unwrap().to_vec()),
        probs: None,
        fpc: fpc
            .iter()
            .map(|c| frame.numeric(c).unwrap().to_vec())
            .collect(),
        nest,
        lonely_psu: LonelyPsu::Fail,
    };
    (Design::new(frame.rows(), spec).unwrap(), frame)
}
