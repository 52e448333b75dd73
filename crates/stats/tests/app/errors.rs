//! Bad input gives clear errors, never a panic.

use duluan_stats::{Design, DesignSpec, Factor, Frame, StatsError};

fn spec_with(f: impl FnOnce(&mut DesignSpec)) -> DesignSpec {
    let mut s = DesignSpec {
        strata: Some(Factor::from_strs(&["a", "a", "b", "b"])),
        weights: Some(vec![1.0, 2.0, 3.0, 4.0]),
        ..Default::default()
    };
    f(&mut s);
    s
}

fn check_err(spec: DesignSpec, want: fn(&StatsError) -> bool) {
    let err = Design::new(4, spec).unwrap_err();
    assert!(want(&err), "unexpected error {err}");
    assert!(!err.to_string().is_empty());
}

#[test]
fn design_errors() {
    check_err(
        spec_with(|s| s.weights = Some(vec![1.0, 0.0, 1.0, 1.0])),
        |e| matches!(e, StatsError::BadWeight { row: 2, .. }),
    );
    check_err(
        spec_with(|s| s.weights = Some(vec![1.0, -1.0, 1.0, 1.0])),
        |e| matches!(e, StatsError::BadWeight { row: 2, .. }),
    );
    check_err(
        spec_with(|s| s.weights = Some(vec![1.0, f64::NAN, 1.0, 1.0])),
        |e| matches!(e, StatsError::BadWeight { row: 2, .. }),
    );
    check_err(spec_with(|s| s.weights = Some(vec![1.0, 1.0])), |e| {
        matches!(
            e,
            StatsError::RaggedColumns {
                expected: 4,
                found: 2,
                ..
            }
        )
    });
    check_err(
        spec_with(|s| s.ids = vec![Factor::from_strs(&["1", "2", "1", "2"])]),
        |e| matches!(e, StatsError::NotNested { stage: 1, .. }),
    );
    check_err(
        spec_with(|s| s.fpc = vec![vec![10.0, 10.0, 0.5, 10.0]]),
        |e| matches!(e, StatsError::BadFpc { .. }),
    );
    check_err(
        spec_with(|s| s.fpc = vec![vec![1.5, 1.5, 10.0, 10.0]]),
        |e| matches!(e, StatsError::BadFpc { stage: 1, .. }),
    );
    check_err(
        spec_with(|s| {
            s.strata = Some(Factor {
                codes: vec![0, 0, 3, 0],
                levels: vec!["a".into()],
            })
        }),
        |e| matches!(e, StatsError::InvalidArgument { .. }),
    );
    check_err(
        spec_with(|s| {
            s.strata = None;
            s.ids = vec![Factor::from_strs(&["1", "1", "1", "1"])]
        }),
        |e| matches!(e, StatsError::InvalidArgument { .. }),
    );
}

#[test]
fn nest_accepts_repeated_ids() {
    let spec = spec_with(|s| {
        s.ids = vec![Factor::from_strs(&["1", "2", "1", "2"])];
        s.nest = true;
    });
    let d = Design::new(4, spec).unwrap();
    assert_eq!(d.n_psu(), 4);
    assert_eq!(d.degf(None), 2.0);
}

#[test]
fn estimator_errors() {
    let d = Design::new(4, spec_with(|_| {})).unwrap();
    let err = d.mean(&[1.0, f64::NAN, 2.0, 3.0], None).unwrap_err();
    assert!(
        matches!(err, StatsError::MissingValue { row: 2, .. }),
        "{err}"
    );
    let err = d.mean(&[1.0, 2.0], None).unwrap_err();
    assert!(matches!(err, StatsError::RaggedColumns { .. }), "{err}");
    let err = d.mean(&[1.0; 4], Some(&[false; 4])).unwrap_err();
    assert!(matches!(err, StatsError::EmptyDomain { .. }), "{err}");
    let err = d.ratio(&[1.0; 4], &[0.0; 4], None).unwrap_err();
    assert!(matches!(err, StatsError::Degenerate { .. }), "{err}");
}

#[test]
fn csv_errors() {
    let check = |input: &str, want: fn(&StatsError) -> bool| {
        let err = Frame::from_csv(input.as_bytes()).unwrap_err();
        assert!(want(&err), "{input:?}: {err}");
    };
    check("a,b\n1,2\n3\n", |e| {
        matches!(e, StatsError::Csv { line: 3, .. })
    });
    check("a,a\n1,2\n", |e| {
        matches!(e, StatsError::Csv { line: 1, .. })
    });
    check("", |e| matches!(e, StatsError::Csv { .. }));
    let f = Frame::from_csv(b"x,y\n1,a\nNA,b\n").unwrap();
    let err = f.require(&["x", "zz", "qq"]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`zz`, `qq`") && msg.contains("x, y"), "{msg}");
    assert!(f.numeric("x").unwrap()[1].is_nan());
    assert!(matches!(
        f.numeric("y").unwrap_err(),
        StatsError::MissingValue { row: 1, .. }
    ));
}
