//! Snippets: highlight ranges point at the matched words of the stored NFC text, HTML is
//! escaped, long texts are windowed around the matches.

use super::*;
use duluan_search::FRAGMENT_CHARS;

fn first_hit(index: &Index, text: &str) -> duluan_search::Hit {
    index
        .search(&Query {
            text: text.into(),
            ..Query::default()
        })
        .unwrap()
        .hits
        .remove(0)
}

fn marked(hit: &duluan_search::Hit) -> Vec<&str> {
    hit.highlights
        .iter()
        .map(|r| &hit.fragment[r.clone()])
        .collect()
}

#[test]
fn folded_query_highlights_marked_words() {
    let index = index_with(&[doc(1, "Đường Lê Lợi NGẬP ÚNG sau mưa", 1)]);
    let hit = first_hit(&index, "duong ngap ung");
    assert_eq!(marked(&hit), ["Đường", "NGẬP", "ÚNG"]);
    assert_eq!(
        hit.snippet_html,
        "<mark>Đường</mark> Lê Lợi <mark>NGẬP</mark> <mark>ÚNG</mark> sau mưa"
    );
}

#[test]
fn nfd_text_is_stored_and_highlighted_as_nfc() {
    let index = index_with(&[doc(
        1,
        "Nga\u{323}\u{302}p u\u{301}ng o\u{31b}\u{309} đây",
        1,
    )]);
    let hit = first_hit(&index, "ngập úng");
    assert_eq!(hit.fragment, "Ngập úng ở đây");
    assert_eq!(marked(&hit), ["Ngập", "úng"]);
    assert_eq!(hit.highlights, [0..6, 7..11]);
}

#[test]
fn html_is_escaped() {
    let text = "<script>alert('ngập')</script> & \"úng\" <b>x</b>";
    let index = index_with(&[doc(1, text, 1)]);
    let hit = first_hit(&index, "ngap ung script");
    assert_eq!(hit.fragment, text);
    assert_eq!(
        hit.snippet_html,
        "&lt;<mark>script</mark>&gt;alert(&#39;<mark>ngập</mark>&#39;)&lt;/<mark>script</mark>&gt; \
         &amp; &quot;<mark>úng</mark>&quot; &lt;b&gt;x&lt;/b&gt;"
    );
    assert!(!hit.snippet_html.contains("<script"));
    assert!(!hit.snippet_html.contains("<b>"));
}

#[test]
fn long_text_is_windowed_around_matches() {
    let filler = "Người dân trong khu phố phản ánh nhiều việc khác nhau. ".repeat(30);
    let text = format!("{filler}Tối qua đường Lê Lợi bị ngập úng nặng. {filler}");
    let index = index_with(&[doc(1, &text, 1)]);
    let hit = first_hit(&index, "ngap ung");
    assert!(hit.fragment.chars().count() <= FRAGMENT_CHARS);
    assert!(hit.fragment.contains("ngập úng"));
    assert_eq!(marked(&hit), ["ngập", "úng"]);
    // The fragment is where it says in the stored text.
    let start = hit.fragment_start;
    assert_eq!(&text[start..start + hit.fragment.len()], hit.fragment);
    assert!(hit.snippet_html.starts_with('…') && hit.snippet_html.ends_with('…'));
    // Highlights in stored-text coordinates land on the words.
    for r in &hit.highlights {
        let word = &text[start + r.start..start + r.end];
        assert!(word == "ngập" || word == "úng", "{word}");
    }
}

#[test]
fn without_text_the_snippet_is_the_beginning() {
    let text = "Bà con phản ánh về giá điện. ".repeat(20);
    let index = index_with(&[doc(1, &text, 1)]);
    let hit = index.search(&Query::default()).unwrap().hits.remove(0);
    assert_eq!(hit.fragment_start, 0);
    assert!(hit.highlights.is_empty());
    assert!(text.starts_with(&hit.fragment));
    assert!(hit.snippet_html.ends_with('…'));
    // Excluded words are not highlighted.
    let hit = first_hit(&index, "giá -ngập");
    assert!(marked(&hit).iter().all(|w| *w == "giá"));
}

#[test]
fn phrase_words_are_highlighted() {
    let index = index_with(&[doc(1, "Mưa lớn gây ngập úng, úng kéo dài", 1)]);
    let hit = first_hit(&index, "\"ngap ung\"");
    assert_eq!(marked(&hit), ["ngập", "úng", "úng"]);
}
