//! Whatever a user types, search answers without an error or a panic.

use super::*;

#[test]
fn garbage_queries_never_error() {
    let index = index_with(&[
        doc(1, "ngập úng AND lụt", 1),
        doc(2, "giá điện (tăng) 10%", 2),
    ]);
    let long = "ngập úng ".repeat(1_200); // ~12 KB
    let unbroken = "x".repeat(10_000);
    let quotes = "\"".repeat(999);
    let queries: Vec<&str> = vec![
        "\"",
        "\"\"",
        "((",
        "))",
        "AND",
        "OR",
        "NOT",
        "-",
        "--",
        "+",
        "*",
        "?",
        ":",
        "a:b",
        "title:ngập",
        "[1 TO 5]",
        "{",
        "\\",
        "ngập^2",
        "ngập~",
        "ngập*",
        "🙂",
        "🇻🇳 ngập 🙂",
        "\u{0}",
        "\u{200B}",
        "\u{FEFF}ngập",
        "   ",
        "\t\n",
        "-\"\"",
        "NOT NOT",
        "OR OR ngập",
        "ngập OR",
        "\"ngập",
        "ngập\"",
        "\"ngập úng\" \"",
        &long,
        &unbroken,
        &quotes,
        "%",
        "10%",
        "'; DROP TABLE items; --",
        "<script>",
        "ñ ü ß æ",
        "中文",
        "ภาษาไทย",
    ];
    for q in queries {
        for sort in [Sort::Relevance, Sort::Newest] {
            let query = Query {
                text: q.to_string(),
                sort,
                ..Query::default()
            };
            let hits = index.search(&query);
            assert!(
                hits.is_ok(),
                "{:?}: {hits:?}",
                q.chars().take(40).collect::<String>()
            );
        }
    }
    // Some of them still find what they say in plain words.
    assert_eq!(id_set(&index, "AND lụt"), [1]);
    assert_eq!(id_set(&index, "\"ngập"), [1]);
    assert_eq!(id_set(&index, "(tăng)"), [2]);
    assert_eq!(id_set(&index, "10%"), [2]);
    assert_eq!(id_set(&index, &long), [1]);
    // Nothing searchable matches nothing.
    assert_eq!(id_set(&index, "🙂"), Vec::<i64>::new());
    assert_eq!(id_set(&index, "\""), Vec::<i64>::new());
}

#[test]
fn extreme_paging_and_values() {
    let index = index_with(&[
        Doc {
            id: i64::MIN,
            time: i64::MIN,
            areas: vec![i64::MAX, -1],
            ..doc(0, "cực trị", 0)
        },
        Doc {
            id: i64::MAX,
            time: i64::MAX,
            text: String::new(),
            source: String::new(),
            ..doc(0, "", 0)
        },
    ]);
    assert_eq!(index.num_docs(), 2);
    for (offset, limit) in [
        (usize::MAX, usize::MAX),
        (0, usize::MAX),
        (usize::MAX, 1),
        (1, 1),
    ] {
        let hits = index
            .search(&Query {
                offset,
                limit,
                ..Query::default()
            })
            .unwrap();
        assert_eq!(hits.total, 2);
    }
    let hits = index.search(&newest("")).unwrap();
    assert_eq!(
        hits.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        [i64::MAX, i64::MIN]
    );
    assert_eq!(hits.hits[1].time, i64::MIN);
    let q = Query {
        scope: Some(vec![-1]),
        ..Query::default()
    };
    assert_eq!(ids_for(&index, &q), [i64::MIN]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn shared() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| {
            index_with(&[
                doc(
                    1,
                    "Người dân phản ánh ngập úng kéo dài, \"nước\" <b>ngập</b> sâu",
                    1,
                ),
                doc(2, "nguoi dan phan anh ngap ung keo dai", 2),
                doc(3, &"Đường xuống cấp, ổ gà. ".repeat(30), 3),
            ])
        })
    }

    /// Characters that matter to the syntax, Vietnamese letters, marks and oddities.
    fn query_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "\"",
            "-",
            "+",
            "(",
            ")",
            " ",
            "  ",
            "OR",
            "AND",
            "NOT",
            "ngập",
            "ngap",
            "úng",
            "Đường",
            "duong",
            "a\u{301}",
            "\u{323}",
            "🙂",
            "<",
            "&",
            "\u{0}",
            "x",
            "123",
            "dai",
            ":",
            "*",
        ]);
        prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_query_answers_with_consistent_hits(text in query_text(), newest in any::<bool>()) {
            let q = Query {
                text: text.clone(),
                sort: if newest { Sort::Newest } else { Sort::Relevance },
                ..Query::default()
            };
            let hits = shared().search(&q).unwrap();
            prop_assert!(hits.total >= hits.hits.len());
            for hit in &hits.hits {
                let mut last = 0;
                for r in &hit.highlights {
                    prop_assert!(r.start >= last && r.start < r.end && r.end <= hit.fragment.len());
                    prop_assert!(hit.fragment.is_char_boundary(r.start));
                    prop_assert!(hit.fragment.is_char_boundary(r.end));
                    last = r.end;
                }
                prop_assert!(!hit.snippet_html.contains("<b>"));
                prop_assert_eq!(
                    hit.snippet_html.matches("<mark>").count(),
                    hit.highlights.len()
                );
            }
        }

        #[test]
        fn folding_the_query_finds_at_least_the_same(words in prop::collection::vec(
            prop::sample::select(vec!["ngập", "úng", "người", "dân", "kéo", "dài", "phản", "ánh"]),
            1..4,
        )) {
            let marked = words.join(" ");
            let folded = duluan_vitext::chars::fold(&marked);
            // Folded text matches marked and unmarked items alike: same set as the marked query.
            prop_assert_eq!(id_set(shared(), &marked), id_set(shared(), &folded));
            prop_assert_eq!(id_set(shared(), &marked.to_uppercase()), id_set(shared(), &folded));
            prop_assert_eq!(id_set(shared(), &folded), vec![1, 2]);
        }
    }
}
