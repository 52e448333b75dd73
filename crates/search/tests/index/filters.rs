//! Filters: sources, topics, directions, scope, area, time range, and their combination,
//! checked against a brute-force evaluation over the same documents.

use super::*;

const SOURCES: [&str; 3] = ["ctv", "bao-cao", "bao-chi"];
const TOPICS: [&str; 4] = ["dat-dai", "y-te", "giao-thong", "moi-truong"];
const DIRECTIONS: [&str; 3] = ["tich-cuc", "tieu-cuc", "trung-tinh"];

/// 120 documents over a small tree: 1 → {10, 20}, 10 → {11, 12}, 20 → {21}.
fn corpus() -> Vec<Doc> {
    let leaves: [&[i64]; 5] = [&[1, 10, 11], &[1, 10, 12], &[1, 20, 21], &[1, 10], &[1, 20]];
    (0..120)
        .map(|i: i64| {
            let u = i as usize;
            Doc {
                id: i,
                text: if i % 2 == 0 {
                    format!("Phản ánh số {i}: người dân lo ngại")
                } else {
                    format!("Phan anh so {i}: nguoi dan lo ngai")
                },
                title: None,
                source: SOURCES[u % 3].into(),
                topic: (i % 5 != 0).then(|| TOPICS[u % 4].to_string()),
                direction: (i % 7 != 0).then(|| DIRECTIONS[u % 3].to_string()),
                areas: leaves[u % 5].to_vec(),
                time: 1_000 + i * 10,
            }
        })
        .collect()
}

/// What a query should return, computed directly.
fn expected(docs: &[Doc], q: &Query) -> Vec<i64> {
    let any = |want: &[String], have: Option<&String>| {
        want.is_empty() || have.is_some_and(|h| want.contains(h))
    };
    let mut ids: Vec<i64> = docs
        .iter()
        .filter(|d| any(&q.sources, Some(&d.source)))
        .filter(|d| any(&q.topics, d.topic.as_ref()))
        .filter(|d| any(&q.directions, d.direction.as_ref()))
        .filter(|d| {
            q.scope
                .as_ref()
                .is_none_or(|s| s.iter().any(|a| d.areas.contains(a)))
        })
        .filter(|d| q.area.is_none_or(|a| d.areas.contains(&a)))
        .filter(|d| q.from.is_none_or(|f| d.time >= f) && q.to.is_none_or(|t| d.time < t))
        .map(|d| d.id)
        .collect();
    ids.sort();
    ids
}

fn found(index: &Index, q: &Query) -> Vec<i64> {
    let hits = index.search(q).unwrap();
    let mut ids: Vec<i64> = hits.hits.iter().map(|h| h.id).collect();
    ids.sort();
    assert_eq!(hits.total, ids.len());
    ids
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn every_filter_alone_and_combined_matches_brute_force() {
    let docs = corpus();
    let index = index_with(&docs);
    let base = Query {
        limit: 1_000,
        ..Query::default()
    };
    let cases = vec![
        Query {
            sources: s(&["ctv"]),
            ..base.clone()
        },
        Query {
            sources: s(&["ctv", "bao-chi"]),
            ..base.clone()
        },
        Query {
            sources: s(&["khong-co"]),
            ..base.clone()
        },
        Query {
            topics: s(&["y-te", "dat-dai"]),
            ..base.clone()
        },
        Query {
            directions: s(&["tieu-cuc"]),
            ..base.clone()
        },
        Query {
            scope: Some(vec![10]),
            ..base.clone()
        },
        Query {
            scope: Some(vec![11, 21]),
            ..base.clone()
        },
        Query {
            scope: Some(vec![1]),
            ..base.clone()
        },
        Query {
            area: Some(12),
            ..base.clone()
        },
        Query {
            scope: Some(vec![10]),
            area: Some(20),
            ..base.clone()
        },
        Query {
            scope: Some(vec![10]),
            area: Some(11),
            ..base.clone()
        },
        Query {
            from: Some(1_500),
            ..base.clone()
        },
        Query {
            to: Some(1_500),
            ..base.clone()
        },
        Query {
            from: Some(1_200),
            to: Some(1_210),
            ..base.clone()
        },
        Query {
            from: Some(1_210),
            to: Some(1_210),
            ..base.clone()
        },
        Query {
            from: Some(i64::MIN),
            to: Some(i64::MAX),
            ..base.clone()
        },
        Query {
            sources: s(&["ctv", "bao-cao"]),
            topics: s(&["giao-thong", "moi-truong", "y-te"]),
            directions: s(&["tich-cuc", "trung-tinh"]),
            scope: Some(vec![10, 21]),
            area: Some(1),
            from: Some(1_100),
            to: Some(2_000),
            ..base.clone()
        },
    ];
    for q in &cases {
        let want = expected(&docs, q);
        assert_eq!(found(&index, q), want, "query {q:?}");
    }
    // Sanity: the cases are not all trivial.
    let sizes: Vec<usize> = cases.iter().map(|q| expected(&docs, q).len()).collect();
    assert!(sizes.contains(&0) && sizes.contains(&120), "{sizes:?}");
    assert!(
        sizes.iter().filter(|&&n| n > 0 && n < 120).count() >= 10,
        "{sizes:?}"
    );
}

#[test]
fn filters_combine_with_text() {
    let docs = corpus();
    let index = index_with(&docs);
    for text in ["người dân", "nguoi dan", "\"lo ngại\""] {
        let q = Query {
            text: text.into(),
            sources: s(&["bao-cao"]),
            scope: Some(vec![20]),
            from: Some(1_300),
            limit: 1_000,
            ..Query::default()
        };
        assert_eq!(found(&index, &q), expected(&docs, &q), "{text}");
        assert!(!expected(&docs, &q).is_empty());
    }
    // A word only in item 42.
    let q = Query {
        text: "42".into(),
        scope: Some(vec![10]),
        ..Query::default()
    };
    assert_eq!(found(&index, &q), Vec::<i64>::new()); // 42 % 5 == 2: areas [1, 20, 21]
    let q = Query {
        text: "42".into(),
        scope: Some(vec![21]),
        ..Query::default()
    };
    assert_eq!(found(&index, &q), [42]);
}

#[test]
fn empty_scope_sees_nothing() {
    let index = index_with(&corpus());
    for text in ["", "nguoi", "-nguoi"] {
        let hits = index
            .search(&Query {
                text: text.into(),
                scope: Some(vec![]),
                ..Query::default()
            })
            .unwrap();
        assert_eq!((hits.total, hits.hits.len()), (0, 0), "{text:?}");
    }
    // While no scope sees everything.
    assert_eq!(index.search(&Query::default()).unwrap().total, 120);
}
