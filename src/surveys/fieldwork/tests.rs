//! Unit tests of the fieldwork model.

use std::collections::{BTreeMap, HashMap};

use super::model::*;
use crate::uploads::table::Table;

fn table(csv: &str) -> Table {
    let limits = duluan_filecheck::Limits {
        max_file_bytes: 1 << 20,
        max_entries: 10,
        max_inflated_bytes: 1 << 20,
        max_ratio: 100,
        max_rows: 100,
        max_cols: 20,
        max_cells: 1000,
        max_sheets: 1,
    };
    crate::uploads::table::read(csv.as_bytes(), &limits, 100).unwrap()
}

fn codes() -> HashMap<String, i64> {
    HashMap::from([("31135".to_string(), 7)])
}

#[test]
fn a_frame_keeps_known_columns_contacts_and_attributes() {
    let t = table(
        "Mã,Tầng,size,Đơn vị,email,phone,lang,Giới tính\n\
         h1,A,3,31135,a@x.vn,0901 234 567,EN,nữ\n\
         h2,B,,,,,,\n",
    );
    let f = parse_frame(&t, &codes()).unwrap();
    assert_eq!(f.attributes, ["giới tính"]);
    assert_eq!(f.rows.len(), 2);
    let r = &f.rows[0];
    assert_eq!(
        (r.row, r.ext_id.as_str(), r.stratum.as_str()),
        (2, "h1", "A")
    );
    assert_eq!(r.size, Some(3.0));
    assert_eq!(r.unit_id, Some(7));
    assert_eq!(r.contact.email.as_deref(), Some("a@x.vn"));
    assert_eq!(r.contact.lang.as_deref(), Some("en"));
    assert_eq!(r.attrs.get("giới tính").map(String::as_str), Some("nữ"));
    assert!(f.rows[1].contact.is_empty());
}

#[test]
fn every_bad_cell_is_reported_with_its_row_and_column() {
    let t = table(
        "id,size,unit,email,phone,lang\n\
         a,0,99999,not-an-email,12,fr\n\
         a,x,,,,\n\
         ,,,,,\n\
         b,1,,,,\n",
    );
    let errs = parse_frame(&t, &codes()).unwrap_err();
    let got: Vec<(usize, &str, &str)> = errs
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.key))
        .collect();
    assert_eq!(
        got,
        [
            (2, "size", "fieldwork-frame-error-size"),
            (2, "unit", "fieldwork-frame-error-unit"),
            (2, "email", "fieldwork-frame-error-email"),
            (2, "phone", "fieldwork-frame-error-phone"),
            (2, "lang", "fieldwork-frame-error-lang"),
            (3, "id", "fieldwork-frame-error-id-duplicate"),
            (3, "size", "fieldwork-frame-error-size"),
        ]
    );
    // The duplicate names the first row of the id.
    assert_eq!(errs[5].value, "2");
    let no_id = parse_frame(&table("name\nx\n"), &codes()).unwrap_err();
    assert_eq!(no_id[0].key, "fieldwork-frame-error-no-id");
}

fn frame(strata: &[&str]) -> DrawFrame {
    DrawFrame {
        strata: strata.iter().map(|s| s.to_string()).collect(),
        clusters: vec![String::new(); strata.len()],
        sizes: vec![Some(1.0); strata.len()],
    }
}

fn design(method: Method, n: u64, replicates: u32) -> Design {
    Design {
        method,
        n,
        per_cluster: 0,
        allocation: "proportional".into(),
        strata: BTreeMap::new(),
        seed: 42,
        replicates,
    }
}

#[test]
fn a_stratified_draw_is_reproducible_and_each_batch_takes_its_share_of_every_stratum() {
    let mut strata = vec!["A"; 600];
    strata.extend(vec!["B"; 400]);
    let f = frame(&strata);
    let d = design(Method::Stratified, 100, 4);
    let one = draw_cases(&f, &d).unwrap();
    assert_eq!(one, draw_cases(&f, &d).unwrap(), "same seed, same sample");
    assert_eq!(one.len(), 100);
    let in_a = one.iter().filter(|c| c.index < 600).count();
    assert_eq!(in_a, 60, "proportional allocation");
    for c in &one {
        // 60 of 600 and 40 of 400: the same fraction in both strata.
        let p = 0.1;
        assert!((c.prob - p).abs() < 1e-12);
    }
    for r in 1..=4 {
        let a = one
            .iter()
            .filter(|c| c.replicate == r && c.index < 600)
            .count();
        let b = one
            .iter()
            .filter(|c| c.replicate == r && c.index >= 600)
            .count();
        assert_eq!((a, b), (15, 10), "batch {r}");
    }
    let other = draw_cases(&f, &Design { seed: 7, ..d }).unwrap();
    assert_ne!(one, other);
}

#[test]
fn impossible_designs_are_refused_with_a_reason() {
    let f = frame(&["A", "A", ""]);
    assert_eq!(
        draw_cases(&f, &design(Method::Srs, 4, 1)).unwrap_err().key,
        "fieldwork-error-impossible"
    );
    assert_eq!(
        draw_cases(&f, &design(Method::Stratified, 2, 1))
            .unwrap_err()
            .key,
        "fieldwork-error-stratum-empty"
    );
    let mut neyman = design(Method::Stratified, 1, 1);
    neyman.allocation = "neyman".into();
    assert_eq!(
        draw_cases(&frame(&["A", "B"]), &neyman).unwrap_err().key,
        "fieldwork-error-stratum-missing"
    );
    let mut pps = frame(&["A", "A"]);
    pps.sizes[1] = None;
    assert_eq!(
        draw_cases(&pps, &design(Method::Pps, 1, 1))
            .unwrap_err()
            .key,
        "fieldwork-error-size-missing"
    );
    assert_eq!(
        draw_cases(&f, &design(Method::Srs, 1, 0)).unwrap_err().key,
        "fieldwork-error-replicates"
    );
}

#[test]
fn released_weights_stand_for_the_whole_stratum() {
    // 60 drawn of 600 (p = 0.1), 30 released: each released case stands for 20 units.
    assert!((released_weight(0.1, 60, 30) - 20.0).abs() < 1e-12);
    assert!((released_weight(0.1, 60, 60) - 10.0).abs() < 1e-12);
}

#[test]
fn phone_numbers() {
    assert!(is_phone("0901 234 567"));
    assert!(is_phone("+84 (292) 3.821.111"));
    assert!(!is_phone("12"));
    assert!(!is_phone("090-abc-1234"));
}
