//! AAPOR outcome rates: a hand-computed fixture, zero denominators, the disposition-code
//! mapping and its errors, and order properties that hold for any counts.

use duluan_stats::StatsError;
use duluan_stats::aapor::{Category, Counts, Rates, category};
use proptest::prelude::*;

fn close(got: Option<f64>, want: f64, name: &str) {
    let got = got.unwrap_or_else(|| panic!("{name} is None"));
    assert!((got - want).abs() < 1e-12, "{name}: {got} != {want}");
}

fn fixture() -> Counts {
    Counts {
        i: 40.0,
        p: 10.0,
        r: 15.0,
        nc: 20.0,
        o: 5.0,
        uh: 6.0,
        uo: 4.0,
        ne: 10.0,
    }
}

#[test]
fn fixture_by_hand() {
    // I = 40, P = 10, R = 15, NC = 20, O = 5, UH = 6, UO = 4, NE = 10, e = 0.8.
    // I+P = 50; R+NC+O = 40; UH+UO = 10; e(UH+UO) = 8.
    // Denominators: all = 50+40+10 = 100; with e = 50+40+8 = 98; known = 50+40 = 90;
    // COOP1/2: 50+15+5 = 70; COOP3/4: 50+15 = 65;
    // CON numerator 70; CON1: 70+20+10 = 100; CON2: 70+20+8 = 98; CON3: 70+20 = 90.
    let c = fixture();
    let r = c.rates(0.8).unwrap();
    assert_eq!(r.e, 0.8);
    close(r.rr1, 2.0 / 5.0, "RR1"); // 40/100
    close(r.rr2, 1.0 / 2.0, "RR2"); // 50/100
    close(r.rr3, 20.0 / 49.0, "RR3"); // 40/98
    close(r.rr4, 25.0 / 49.0, "RR4"); // 50/98
    close(r.rr5, 4.0 / 9.0, "RR5"); // 40/90
    close(r.rr6, 5.0 / 9.0, "RR6"); // 50/90
    close(r.coop1, 4.0 / 7.0, "COOP1"); // 40/70
    close(r.coop2, 5.0 / 7.0, "COOP2"); // 50/70
    close(r.coop3, 8.0 / 13.0, "COOP3"); // 40/65
    close(r.coop4, 10.0 / 13.0, "COOP4"); // 50/65
    close(r.ref1, 3.0 / 20.0, "REF1"); // 15/100
    close(r.ref2, 15.0 / 98.0, "REF2"); // 15/98
    close(r.ref3, 1.0 / 6.0, "REF3"); // 15/90
    close(r.con1, 7.0 / 10.0, "CON1"); // 70/100
    close(r.con2, 5.0 / 7.0, "CON2"); // 70/98
    close(r.con3, 7.0 / 9.0, "CON3"); // 70/90
    // e_resolved = (40+10+15+20+5) / (90+10) = 90/100.
    close(c.e_resolved(), 9.0 / 10.0, "e_resolved");
    assert_eq!(c.total(), 110.0); // 90 eligible + 10 unknown + 10 not eligible
}

#[test]
fn from_codes_and_combining() {
    let codes = [
        "1.1", "1.1", "1.2", "2.11", "2.112", "2.12", "2.21", "2.221", "2.31", "2.333", "3.11",
        "3.19", "3.21", "3.91", "4.10", "4.20", "4.70",
    ];
    let c = Counts::from_codes(codes).unwrap();
    let want = Counts {
        i: 2.0,
        p: 1.0,
        r: 3.0,
        nc: 2.0,
        o: 2.0,
        uh: 2.0,
        uo: 2.0,
        ne: 3.0,
    };
    assert_eq!(c, want);
    // Owned strings work too, and counts per mode add up to the combined counts.
    let web = Counts::from_codes(codes[..8].iter().map(|s| s.to_string())).unwrap();
    let phone = Counts::from_codes(&codes[8..]).unwrap();
    assert_eq!(web + phone, c);
    let mut sum = web;
    sum += phone;
    assert_eq!(sum, c);
    // Weighted tallies.
    let mut w = Counts::default();
    w.tally(Category::Complete, 1.5);
    w.tally(Category::Complete, 2.0);
    w.tally(Category::NotEligible, 0.25);
    assert_eq!(w.get(Category::Complete), 3.5);
    assert_eq!(w.ne, 0.25);
    // The first bad code is the error.
    assert_eq!(
        Counts::from_codes(["1.1", "5.1", "x"]),
        Err(StatsError::UnknownDisposition { code: "5.1".into() })
    );
}

#[test]
fn zero_denominators() {
    // Nothing at all: every rate is None, and e cannot be estimated.
    let empty = Counts::default();
    assert_eq!(empty.e_resolved(), None);
    let r = empty.rates(0.5).unwrap();
    for (name, v) in all(&r) {
        assert_eq!(v, None, "{name}");
    }
    // Only unknown-eligibility cases, e = 0: the e = 1 rates are 0, the others have no
    // denominator.
    let unknown = Counts {
        uh: 3.0,
        uo: 2.0,
        ..Default::default()
    };
    assert_eq!(unknown.e_resolved(), None);
    let r = unknown.rates(0.0).unwrap();
    assert_eq!(
        (r.rr1, r.rr2, r.ref1, r.con1),
        (Some(0.0), Some(0.0), Some(0.0), Some(0.0))
    );
    assert_eq!((r.rr3, r.rr4, r.ref2, r.con2), (None, None, None, None));
    assert_eq!((r.rr5, r.rr6, r.ref3, r.con3), (None, None, None, None));
    assert_eq!((r.coop1, r.coop3), (None, None));
    // Only non-contacts: no one contacted, so no cooperation rate, but a contact rate of 0.
    let nc = Counts {
        nc: 4.0,
        ..Default::default()
    };
    let r = nc.rates(1.0).unwrap();
    assert_eq!(
        (r.coop1, r.coop2, r.coop3, r.coop4),
        (None, None, None, None)
    );
    assert_eq!((r.rr1, r.con3), (Some(0.0), Some(0.0)));
    // Only not eligible: e = 0, no rate.
    let ne = Counts {
        ne: 7.0,
        ..Default::default()
    };
    assert_eq!(ne.e_resolved(), Some(0.0));
    assert!(
        all(&ne.rates(0.0).unwrap())
            .iter()
            .all(|(_, v)| v.is_none())
    );
    // Others only: COOP3/4 have no denominator but COOP1/2 do.
    let o = Counts {
        o: 2.0,
        ..Default::default()
    };
    let r = o.rates(0.3).unwrap();
    assert_eq!((r.coop1, r.coop3), (Some(0.0), None));
}

#[test]
fn bad_e_and_counts() {
    let c = fixture();
    for e in [-0.1, 1.000001, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = c.rates(e).unwrap_err();
        assert!(
            matches!(&err, StatsError::InvalidArgument { name, .. } if name == "e"),
            "{e}: {err}"
        );
    }
    assert!(c.rates(0.0).is_ok() && c.rates(1.0).is_ok());
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let c = Counts {
            uo: bad,
            ..fixture()
        };
        let err = c.rates(0.5).unwrap_err();
        assert!(
            matches!(&err, StatsError::InvalidArgument { name, .. } if name == "UO"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn code_mapping() {
    use Category::*;
    let cases = [
        ("1.1", Complete),
        ("1.2", Partial),
        ("2.10", Refusal),
        ("2.11", Refusal),
        ("2.111", Refusal),
        ("2.112", Refusal),
        ("2.12", Refusal),
        ("2.121", Refusal),
        ("2.13", Refusal),
        ("2.20", NonContact),
        ("2.21", NonContact),
        ("2.22", NonContact),
        ("2.221", NonContact),
        ("2.25", NonContact),
        ("2.27", NonContact),
        ("2.30", Other),
        ("2.31", Other),
        ("2.32", Other),
        ("2.331", Other),
        ("2.36", Other),
        ("2.90", Other),
        ("3.10", UnknownHousehold),
        ("3.11", UnknownHousehold),
        ("3.13", UnknownHousehold),
        ("3.161", UnknownHousehold),
        ("3.19", UnknownHousehold),
        ("3.20", UnknownOther),
        ("3.21", UnknownOther),
        ("3.30", UnknownOther),
        ("3.31", UnknownOther),
        ("3.40", UnknownOther),
        ("3.90", UnknownOther),
        ("3.91", UnknownOther),
        ("4.10", NotEligible),
        ("4.20", NotEligible),
        ("4.31", NotEligible),
        ("4.42", NotEligible),
        ("4.51", NotEligible),
        ("4.70", NotEligible),
        ("4.80", NotEligible),
        ("4.90", NotEligible),
    ];
    for (code, want) in cases {
        assert_eq!(category(code), Ok(want), "{code}");
    }
    let abbrevs: Vec<&str> = Category::ALL.iter().map(|c| c.abbrev()).collect();
    assert_eq!(abbrevs, ["I", "P", "R", "NC", "O", "UH", "UO", "NE"]);
}

#[test]
fn code_errors() {
    let bad = [
        "", "9.9", "1", "abc", "1.0", "1.3", "1.10", "1.11", "2", "2.", "2.0", "2.00", "2.1",
        "3.1", "4.7", "2.1111", "0.10", "5.10", "2.1a", "2,11", " 1.1", "1.1 ", "2.-1", "３.10",
        "2.01", "4.05",
    ];
    for code in bad {
        let err = category(code).unwrap_err();
        assert_eq!(
            err,
            StatsError::UnknownDisposition { code: code.into() },
            "{code:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&format!("`{code}`")), "{msg}");
    }
}

fn all(r: &Rates) -> [(&'static str, Option<f64>); 16] {
    [
        ("RR1", r.rr1),
        ("RR2", r.rr2),
        ("RR3", r.rr3),
        ("RR4", r.rr4),
        ("RR5", r.rr5),
        ("RR6", r.rr6),
        ("COOP1", r.coop1),
        ("COOP2", r.coop2),
        ("COOP3", r.coop3),
        ("COOP4", r.coop4),
        ("REF1", r.ref1),
        ("REF2", r.ref2),
        ("REF3", r.ref3),
        ("CON1", r.con1),
        ("CON2", r.con2),
        ("CON3", r.con3),
    ]
}

/// A count: often zero, else a whole number or a weighted total.
fn count() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), (0u32..1000).prop_map(f64::from), 0.0f64..1e6,]
}

fn counts() -> impl Strategy<Value = Counts> {
    prop::array::uniform8(count()).prop_map(|[i, p, r, nc, o, uh, uo, ne]| Counts {
        i,
        p,
        r,
        nc,
        o,
        uh,
        uo,
        ne,
    })
}

/// `a <= b` when both rates exist.
fn le(a: Option<f64>, b: Option<f64>, what: &str) -> std::result::Result<(), TestCaseError> {
    if let (Some(a), Some(b)) = (a, b) {
        prop_assert!(a <= b, "{}: {} > {}", what, a, b);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rates_are_ordered(c in counts(), e in prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0]) {
        let r = c.rates(e).unwrap();
        for (name, v) in all(&r) {
            if let Some(v) = v {
                prop_assert!((0.0..=1.0).contains(&v), "{} = {}", name, v);
            }
        }
        le(r.rr1, r.rr3, "RR1 <= RR3")?;
        le(r.rr3, r.rr5, "RR3 <= RR5")?;
        le(r.rr2, r.rr4, "RR2 <= RR4")?;
        le(r.rr4, r.rr6, "RR4 <= RR6")?;
        le(r.rr1, r.rr2, "RR1 <= RR2")?;
        le(r.rr3, r.rr4, "RR3 <= RR4")?;
        le(r.rr5, r.rr6, "RR5 <= RR6")?;
        le(r.coop1, r.coop2, "COOP1 <= COOP2")?;
        le(r.coop3, r.coop4, "COOP3 <= COOP4")?;
        le(r.coop1, r.coop3, "COOP1 <= COOP3")?;
        le(r.coop2, r.coop4, "COOP2 <= COOP4")?;
        le(r.ref1, r.ref2, "REF1 <= REF2")?;
        le(r.ref2, r.ref3, "REF2 <= REF3")?;
        le(r.con1, r.con2, "CON1 <= CON2")?;
        le(r.con2, r.con3, "CON2 <= CON3")?;
        // A denominator that includes more cases is zero only when the smaller one is.
        prop_assert!(r.rr1.is_some() || r.rr3.is_none());
        prop_assert!(r.rr3.is_some() || r.rr5.is_none());
        prop_assert!(r.con1.is_some() || r.con3.is_none());
        // e = 1 counts every unknown case, e = 0 none.
        let one = c.rates(1.0).unwrap();
        prop_assert_eq!((one.rr3, one.rr4, one.ref2, one.con2), (one.rr1, one.rr2, one.ref1, one.con1));
        let zero = c.rates(0.0).unwrap();
        prop_assert_eq!((zero.rr3, zero.rr4, zero.ref2, zero.con2), (zero.rr5, zero.rr6, zero.ref3, zero.con3));
        // The default e is a proportion and yields valid rates.
        if let Some(e) = c.e_resolved() {
            prop_assert!((0.0..=1.0).contains(&e));
            prop_assert!(c.rates(e).is_ok());
        }
    }

    #[test]
    fn category_never_panics(code in "\\PC{0,6}") {
        let _ = category(&code);
    }

    #[test]
    fn well_formed_codes_map(major in 2u8..=4, group in 1u8..=9, rest in "[0-9]{1,2}") {
        let code = format!("{major}.{group}{rest}");
        let want = match (major, group) {
            (2, 1) => Category::Refusal,
            (2, 2) => Category::NonContact,
            (2, _) => Category::Other,
            (3, 1) => Category::UnknownHousehold,
            (3, _) => Category::UnknownOther,
            _ => Category::NotEligible,
        };
        prop_assert_eq!(category(&code), Ok(want));
    }
}
