//! Unit tests of the column store and of its fingerprint check.

use super::*;
use chrono::DateTime;

#[test]
fn many_distinct_answers_move_to_a_hash_map_and_keep_their_codes() {
    let mut d = Data::default();
    for i in 0..100 {
        let v = (i % 40).to_string();
        d.push([("x", v.as_str())], None, None, 0);
    }
    let d = d.finish();
    let x = d.column("x");
    assert_eq!(x.values.len(), 41);
    for i in 0..100 {
        assert_eq!(x.get(i), (i % 40).to_string());
    }
}

#[test]
fn columns_are_padded_and_codes_are_shared() {
    let mut d = Data::default();
    d.push([("a", "1")], None, None, 0);
    d.push([("b", "x"), ("a", " ")], None, None, 0);
    d.push([("a", "1"), ("b", "y")], Some(2.0), None, 0);
    d.push([], None, None, 0);
    let d = d.finish();
    assert_eq!(d.n, 4);
    let a = d.column("a");
    assert_eq!(a.codes, [1, 0, 1, 0]);
    assert_eq!(a.get(2), "1");
    let b = d.column("b");
    assert_eq!((b.get(0), b.get(1), b.get(2), b.get(3)), ("", "x", "y", ""));
    assert!(!b.answered(0) && b.answered(1));
    assert_eq!(d.column("nope").get(1), "");
    assert!(!d.has_design());
}

fn meta(weight: f64, wave: i64) -> Meta {
    Meta {
        weight: Some(weight),
        stratum: Some(format!("s{}", weight as i64 % 2)),
        wave,
        ..Meta::default()
    }
}

/// An interview: response id, answers, weight.
type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, f64);

/// A full read of `rows`, in id order as the store gives them.
fn full(rows: &[Row]) -> Data {
    let mut sorted: Vec<_> = rows.iter().collect();
    sorted.sort_by_key(|r| r.0);
    let mut d = Data::default();
    for (id, answers, w) in sorted {
        d.push_interview(id, answers.iter().copied(), meta(*w, 7));
    }
    d.finish()
}

#[test]
fn a_reopened_data_takes_new_and_edited_interviews_as_a_full_read_would() {
    let mut rows = vec![
        ("b", vec![("q", "1"), ("t", "hello")], 1.0),
        ("d", vec![("q", "2"), ("t", "bye")], 2.0),
        ("f", vec![("q", "1"), ("gone", "x")], 3.0),
    ];
    let mut d = full(&rows);
    assert_eq!(
        (d.id(0), d.row_of("f"), d.row_of("z")),
        ("b", Some(2), None)
    );
    // Added in the middle and at the end; "f" edited: its only "gone" answer leaves, so does
    // the column; "d" read again unchanged (a change at the same time as the last read).
    let new_a = ("a", vec![("q", "3"), ("t", "new")], 4.0);
    let new_g = ("g", vec![("q", "2"), ("more", "y")], 5.0);
    let edited_f = ("f", vec![("q", "4"), ("q", "ignored"), ("t", " ")], 6.0);
    d.reopen();
    for (id, answers, w) in [&new_g, &edited_f, &rows[1], &new_a] {
        let replaced = d.upsert(id, answers.iter().copied(), meta(*w, 7));
        assert_eq!(replaced, ["f", "d"].contains(id), "{id}");
    }
    d.close();
    rows.extend([new_a, new_g]);
    rows[2] = edited_f;
    let expected = full(&rows);
    assert_eq!(d, expected);
    assert_eq!(d.n, 5);
    assert_eq!(
        (0..5).map(|i| d.id(i)).collect::<Vec<_>>(),
        ["a", "b", "d", "f", "g"]
    );
    // Codes renumbered by first use, as the full read numbers them.
    assert_eq!(d.column("q").values, ["", "3", "1", "2", "4"]);
    assert_eq!(d.column("q").codes, [1, 2, 3, 4, 3]);
    assert_eq!(
        d.column("gone").values.len(),
        0,
        "nobody answers it any more"
    );
    assert_eq!(d.column("t").get(3), "");
    assert_eq!(d.weights[3], Some(6.0));
    assert!(
        d.index.is_empty() && d.rows.map.is_none(),
        "no look-up kept"
    );
}

#[test]
fn a_reopened_data_with_many_answers_scans_for_a_few_and_hashes_for_many() {
    let mut d = Data::default();
    for i in 0..1_000 {
        let v = i.to_string();
        d.push_interview(&format!("{i:04}"), [("x", v.as_str())], Meta::default());
    }
    let mut d = d.finish();
    // One more interview: the 1,000 answers and ids are scanned, nothing hashed.
    d.upsert("1000", [("x", "new")], Meta::default());
    assert!(d.index[0].map.is_none() && d.rows.map.is_none());
    // Edits found early in both lists: still scanned.
    for i in 0..10 {
        let v = (i * 7).to_string();
        d.upsert(&format!("{i:04}"), [("x", v.as_str())], Meta::default());
    }
    assert!(d.index[0].map.is_none() && d.rows.map.is_none());
    // Many new ones: scanning would cost more than hashing, so both get a map.
    for i in 0..5 {
        let v = format!("new {i}");
        d.upsert(&format!("z{i}"), [("x", v.as_str())], Meta::default());
    }
    assert!(d.index[0].map.is_some() && d.rows.map.is_some());
    d.upsert("0999", [("x", "edited")], Meta::default());
    d.close();
    assert_eq!(d.n, 1_006);
    assert_eq!(d.column("x").get(3), "21");
    assert_eq!(d.column("x").get(999), "edited");
    assert_eq!(d.column("x").get(1_000), "new");
    assert_eq!(d.column("x").get(1_005), "new 4");
    assert_eq!(d.row_of("z0"), Some(1_001));
}

#[test]
fn waves_keep_their_order_when_interviews_are_added() {
    let mut d = Data::default();
    for (id, wave) in [("c", 9), ("d", 9), ("a", 3)] {
        d.push_interview(id, [("q", id)], meta(1.0, wave));
    }
    let mut d = d.finish();
    d.upsert("b", [("q", "b")], meta(1.0, 3));
    d.upsert("0", [("q", "0")], meta(1.0, 9));
    d.close();
    assert_eq!(
        (0..5).map(|i| (d.id(i), d.wave[i])).collect::<Vec<_>>(),
        [("0", 9), ("c", 9), ("d", 9), ("a", 3), ("b", 3)]
    );
}

fn print(count: i64, latest: Option<i64>, weight: f64) -> Fingerprint {
    Fingerprint {
        count,
        latest: latest.map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        weight,
    }
}

#[test]
fn a_refresh_stands_only_when_the_stored_interviews_are_all_accounted_for() {
    let at = |s: i64| Some(DateTime::from_timestamp(s, 0).unwrap());
    let rows = vec![
        ("a", vec![("q", "1")], 0.1),
        ("b", vec![("q", "2")], 0.2),
        ("c", vec![("q", "1")], 0.7),
    ];
    let d = full(&rows);
    let was = print(2, Some(100), 0.3);
    // Everything held and the latest change read: it stands, whatever the order of the sums.
    assert_eq!(print(3, Some(200), 1.0).admits(&was, &d, at(200)), Ok(()));
    assert_eq!(
        print(3, Some(200), 0.7 + 0.2 + 0.1).admits(&was, &d, at(200)),
        Ok(())
    );
    // A change after the fingerprint was read too: still what is stored.
    assert_eq!(print(3, Some(200), 1.0).admits(&was, &d, at(250)), Ok(()));
    // One stored interview deleted (or no longer complete): it is still held.
    assert_eq!(
        print(2, Some(200), 0.8).admits(&was, &d, at(200)),
        Err(Stale::Count { held: 3, stored: 2 })
    );
    // Cases reweighted, even slightly.
    assert!(matches!(
        print(3, Some(200), 1.0 + 1e-9).admits(&was, &d, at(200)),
        Err(Stale::Weights { .. })
    ));
    // The latest change not among those read, or earlier than at the last read.
    assert_eq!(
        print(3, Some(200), 1.0).admits(&was, &d, at(150)),
        Err(Stale::Missed)
    );
    assert_eq!(
        print(3, Some(200), 1.0).admits(&was, &d, None),
        Err(Stale::Missed)
    );
    assert_eq!(
        print(3, Some(50), 1.0).admits(&was, &d, at(200)),
        Err(Stale::WentBack)
    );
    // Nothing read, the latest change already held (a sum of weights rounded otherwise).
    assert_eq!(print(3, Some(100), 1.0).admits(&was, &d, None), Ok(()));
    // Without weights, none to compare.
    let mut plain = Data::default();
    plain.push_interview("a", [("q", "1")], Meta::default());
    let plain = plain.finish();
    assert_eq!(
        print(1, Some(9), 0.0).admits(&print(0, None, 0.0), &plain, at(9)),
        Ok(())
    );
}
