//! Diacritic-insensitive matching, ranking of exact marks, phrases, exclusions, updates.

use super::*;

fn flood_index() -> Index {
    index_with(&[
        doc(1, "Đường Lê Lợi ngập úng sau mưa lớn", 100),
        doc(2, "duong Le Loi ngap ung sau mua lon", 200),
        doc(3, "NGẬP ÚNG KÉO DÀI Ở PHƯỜNG 5", 300),
        doc(4, "Nga\u{323}\u{302}p u\u{301}ng ở chợ (văn bản NFD)", 400),
        doc(5, "Người dân phản ánh úng nước và ngập rác", 500),
        doc(6, "Giá điện tăng cao", 600),
        doc(7, "Dự án đường dây điện", 700),
    ])
}

#[test]
fn marks_no_marks_nfd_and_case_all_match() {
    let index = flood_index();
    for q in [
        "ngập úng",
        "ngap ung",
        "NGẬP ÚNG",
        "NGAP UNG",
        "Nga\u{323}\u{302}p u\u{301}ng",
        "nGậP  úNg",
    ] {
        assert_eq!(id_set(&index, q), [1, 2, 3, 4, 5], "query {q:?}");
    }
}

#[test]
fn d_with_stroke_matches_both_ways() {
    let index = flood_index();
    assert_eq!(id_set(&index, "đường"), [1, 2, 7]);
    assert_eq!(id_set(&index, "duong"), [1, 2, 7]);
    assert_eq!(id_set(&index, "ĐƯỜNG"), [1, 2, 7]);
    assert_eq!(id_set(&index, "Duong"), [1, 2, 7]);
    assert_eq!(id_set(&index, "điện"), [6, 7]);
    assert_eq!(id_set(&index, "DIEN"), [6, 7]);
    assert_eq!(id_set(&index, "Đien"), [6, 7]);
}

#[test]
fn words_are_anded() {
    let index = flood_index();
    assert_eq!(id_set(&index, "ngập rác"), [5]);
    assert_eq!(id_set(&index, "điện giá"), [6]);
    assert_eq!(id_set(&index, "điện ngập"), Vec::<i64>::new());
}

#[test]
fn phrase_differs_from_words() {
    let index = flood_index();
    // Item 5 has both words but not side by side.
    assert_eq!(id_set(&index, "\"ngập úng\""), [1, 2, 3, 4]);
    assert_eq!(id_set(&index, "\"ngap ung\""), [1, 2, 3, 4]);
    assert_eq!(id_set(&index, "\"úng ngập\""), Vec::<i64>::new());
    assert_eq!(id_set(&index, "\"úng nước\" ngập"), [5]);
    assert_eq!(id_set(&index, "\"đường dây\""), [7]);
}

#[test]
fn exclusion_and_or() {
    let index = flood_index();
    assert_eq!(id_set(&index, "ngập -rác"), [1, 2, 3, 4]);
    assert_eq!(id_set(&index, "ngập -\"mưa lớn\""), [3, 4, 5]);
    assert_eq!(id_set(&index, "ngập NOT mua"), [3, 4, 5]);
    assert_eq!(id_set(&index, "giá OR dự"), [6, 7]);
    // Only exclusions: everything else.
    assert_eq!(id_set(&index, "-ngập"), [6, 7]);
}

#[test]
fn exact_marks_rank_first_when_the_query_has_marks() {
    // Same length and words, only marks differ; the unmarked one is inserted first.
    let index = index_with(&[
        doc(1, "ngap ung o pho cu", 1),
        doc(2, "ngấp ửng ở phố cũ", 2),
        doc(3, "ngập úng ở phố cũ", 3),
    ]);
    assert_eq!(id_set(&index, "ngap ung"), [1, 2, 3]);
    assert_eq!(ids(&index, "ngập úng")[0], 3);
    let hits = index
        .search(&Query {
            text: "ngập úng".into(),
            ..Query::default()
        })
        .unwrap();
    assert!(hits.hits[0].score > hits.hits[1].score);
    assert!(hits.hits[0].score > 0.0);
    // Old and new tone placements are the same exact word.
    let index = index_with(&[
        doc(1, "hoa binh", 1),
        doc(2, "hoà bình", 2),
        doc(3, "hòa bình", 3),
    ]);
    let first_two: Vec<i64> = ids(&index, "hòa bình")[..2].to_vec();
    assert!(
        first_two.contains(&2) && first_two.contains(&3),
        "{first_two:?}"
    );
    assert_eq!(ids(&index, "hoà bình")[2], 1);
}

#[test]
fn title_is_searched_and_weighs_more() {
    let mut titled = doc(1, "Nội dung phản ánh khác", 1);
    titled.title = Some("Ngập úng".into());
    let index = index_with(&[doc(2, "Có ngập úng ở đây nhưng là chuyện khác", 2), titled]);
    assert_eq!(ids(&index, "ngap ung"), [1, 2]);
}

#[test]
fn upsert_replaces_delete_removes_clear_empties() {
    let index = index_with(&[doc(1, "cầu yếu", 1), doc(2, "cầu mới", 2)]);
    assert_eq!(index.num_docs(), 2);
    index.upsert(&[doc(1, "đường mới", 5)]).unwrap();
    // Not visible before the commit.
    assert_eq!(id_set(&index, "cau"), [1, 2]);
    index.commit().unwrap();
    assert_eq!(id_set(&index, "cau"), [2]);
    assert_eq!(id_set(&index, "moi"), [1, 2]);
    assert_eq!(index.num_docs(), 2);
    let hit = index.search(&newest("duong")).unwrap().hits.remove(0);
    assert_eq!((hit.id, hit.time), (1, 5));

    // Two versions of one id in one batch: the last wins.
    index
        .upsert(&[doc(3, "bản một", 1), doc(3, "bản hai", 2)])
        .unwrap();
    index.commit().unwrap();
    assert_eq!(id_set(&index, "ban"), [3]);
    assert_eq!(id_set(&index, "mot"), Vec::<i64>::new());

    index.delete(&[2, 99]).unwrap();
    index.commit().unwrap();
    assert_eq!(id_set(&index, "moi"), [1]);
    assert_eq!(index.num_docs(), 2);

    index.clear().unwrap();
    index.upsert(&[doc(4, "sau khi xóa", 9)]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 1);
    assert_eq!(id_set(&index, ""), [4]);

    index.upsert(&[doc(5, "bỏ đi", 1)]).unwrap();
    index.rollback().unwrap();
    index.commit().unwrap();
    assert_eq!(id_set(&index, ""), [4]);
}

#[test]
fn sort_by_date_and_paging() {
    let docs: Vec<Doc> = (1..=25)
        .map(|i| {
            doc(
                i,
                &format!("phản ánh số {i} về rác thải"),
                1_000 + (i * 37 % 25),
            )
        })
        .collect();
    let index = index_with(&docs);
    let mut expected: Vec<(i64, i64)> = docs.iter().map(|d| (d.time, d.id)).collect();
    expected.sort_by_key(|e| std::cmp::Reverse(e.0));
    let expected: Vec<i64> = expected.iter().map(|&(_, id)| id).collect();
    let q = newest("rác thải");
    assert_eq!(ids_for(&index, &q), expected);
    let times: Vec<i64> = index
        .search(&q)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.time)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));

    // Pages of 10: 10, 10, 5; total always 25; pages concatenate to the whole list.
    let mut all = Vec::new();
    for page in 0..4 {
        let hits = index
            .search(&Query {
                offset: page * 10,
                limit: 10,
                ..q.clone()
            })
            .unwrap();
        assert_eq!(hits.total, 25);
        assert_eq!(hits.hits.len(), [10, 10, 5, 0][page]);
        all.extend(hits.hits.iter().map(|h| h.id));
    }
    assert_eq!(all, expected);
    // Empty text with relevance sort falls back to newest first.
    assert_eq!(
        ids_for(
            &index,
            &Query {
                limit: 100,
                ..Query::default()
            }
        ),
        expected
    );
    // limit 0 only counts.
    let hits = index
        .search(&Query {
            limit: 0,
            ..q.clone()
        })
        .unwrap();
    assert_eq!((hits.total, hits.hits.len()), (25, 0));
    // Relevance: an item with the term twice in a short text ranks first.
    index.upsert(&[doc(99, "rác thải, rác thải", 1)]).unwrap();
    index.commit().unwrap();
    assert_eq!(ids(&index, "rác")[0], 99);
}
