//! RSS 2.0, Atom, an HTML page instead of a feed, broken feeds, and the polling backoff.

use chrono::{DateTime, TimeZone, Utc};
use duluan_extract::Quality;
use duluan_extract::feeds::{
    FeedError, PollOutcome, PollPolicy, PollState, next_poll, next_poll_with, parse_feed,
};
use std::time::Duration;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Báo Cần Thơ</title><link>https://baocantho.example/</link><description>Tin</description>
<item>
  <guid isPermaLink="false">ct-1001</guid>
  <title>Ngập úng ở phường Ninh Kiều &amp; Cái Khế</title>
  <link>https://baocantho.example/ngap-1001.html</link>
  <description><![CDATA[<p>Người dân <b>lo lắng</b> về ngập&nbsp;úng.</p><p>Triều cường dâng cao.</p><script>track()</script>]]></description>
  <pubDate>Sun, 01 Mar 2026 08:30:00 +0700</pubDate>
</item>
<item>
  <title>Chỉ có tiêu đề: giá điện tăng</title>
  <link>https://baocantho.example/dien.html</link>
</item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Cổng thông tin</title><id>urn:x</id><updated>2026-03-02T10:00:00Z</updated>
  <entry>
    <id>tag:example,2026:42</id>
    <title type="html">Ý kiến &lt;em&gt;cử tri&lt;/em&gt;</title>
    <link rel="alternate" href="https://example.vn/42"/>
    <link rel="enclosure" href="https://example.vn/42.mp3"/>
    <updated>2026-03-02T10:00:00Z</updated>
    <published>2026-03-02T09:00:00+07:00</published>
    <content type="html">&lt;div&gt;Đề nghị sửa đường&lt;br/&gt;xuống cấp&lt;/div&gt;</content>
  </entry>
  <entry>
    <id>tag:example,2026:43</id>
    <title>Nguoi dan phan anh ve tieng on ban dem</title>
    <summary>Nguoi dan phan anh ve tieng on ban dem o khu tro</summary>
    <updated>2026-03-02T11:00:00Z</updated>
  </entry>
</feed>"#;

fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[test]
fn rss2_entries() {
    let entries = parse_feed(RSS.as_bytes(), Some("application/rss+xml; charset=utf-8")).unwrap();
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(e.id, "ct-1001");
    assert_eq!(
        e.title.as_deref(),
        Some("Ngập úng ở phường Ninh Kiều & Cái Khế")
    );
    assert_eq!(
        e.text,
        "Người dân lo lắng về ngập úng.\nTriều cường dâng cao."
    );
    assert_eq!(
        e.link.as_deref(),
        Some("https://baocantho.example/ngap-1001.html")
    );
    assert_eq!(e.published, Some(t(2026, 3, 1, 1, 30)));
    assert_eq!(e.quality, Quality::Good);
    // No description: the title is the text; feed-rs gives a stable id.
    let e = &entries[1];
    assert_eq!(e.text, "Chỉ có tiêu đề: giá điện tăng");
    assert!(!e.id.is_empty());
    let again = parse_feed(RSS.as_bytes(), None).unwrap();
    assert_eq!(again[1].id, e.id);
}

#[test]
fn atom_entries() {
    let entries = parse_feed(ATOM.as_bytes(), Some("application/atom+xml")).unwrap();
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(e.id, "tag:example,2026:42");
    assert_eq!(e.title.as_deref(), Some("Ý kiến cử tri"));
    assert_eq!(e.text, "Đề nghị sửa đường\nxuống cấp");
    assert_eq!(e.link.as_deref(), Some("https://example.vn/42"));
    assert_eq!(e.updated, Some(t(2026, 3, 2, 10, 0)));
    assert_eq!(e.published, Some(t(2026, 3, 2, 2, 0)));
    assert_eq!(entries[1].quality, Quality::Unaccented);
    assert_eq!(
        entries[1].text,
        "Nguoi dan phan anh ve tieng on ban dem o khu tro"
    );
}

#[test]
fn rss_in_tcvn3_is_repaired() {
    let rss = RSS.replace(
        "<![CDATA[<p>Người dân <b>lo lắng</b> về ngập&nbsp;úng.</p><p>Triều cường dâng cao.</p><script>track()</script>]]>",
        "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng",
    );
    let entries = parse_feed(rss.as_bytes(), None).unwrap();
    assert_eq!(
        entries[0].text,
        "Người dân phường Ninh Kiều lo lắng về ngập úng"
    );
}

#[test]
fn html_page_is_not_a_feed() {
    let page = r#"<!DOCTYPE html><html lang="vi"><head><title>Báo</title>
<link rel="alternate" type="application/rss+xml" title="Tin mới" href="https://bao.example/rss/tin-moi.rss">
<link rel="stylesheet" href="/s.css"></head><body><p>Trang chủ</p></body></html>"#;
    let e = parse_feed(page.as_bytes(), Some("text/html; charset=utf-8")).unwrap_err();
    assert_eq!(
        e,
        FeedError::NotAFeed {
            feed_links: vec!["https://bao.example/rss/tin-moi.rss".to_string()]
        }
    );
    assert!(e.to_string().contains("not an RSS or Atom feed"));
    // Without a content type, and without feed links.
    let e = parse_feed(b"\n  <html><body>Trang chu</body></html>", None).unwrap_err();
    assert_eq!(e, FeedError::NotAFeed { feed_links: vec![] });
}

#[test]
fn broken_and_empty_feeds() {
    assert_eq!(parse_feed(b"  \n", None), Err(FeedError::Empty));
    assert!(matches!(
        parse_feed(b"<rss><channel><item><title>x", None),
        Err(FeedError::Malformed(_)) | Ok(_)
    ));
    assert!(matches!(
        parse_feed(b"just text", None),
        Err(FeedError::Malformed(_))
    ));
    assert!(matches!(
        parse_feed(b"<note>xml</note>", Some("text/xml")),
        Err(FeedError::Malformed(_))
    ));
}

#[test]
fn backoff_doubles_up_to_a_day_and_success_resets() {
    let now = t(2026, 3, 1, 8, 0);
    let mut s = PollState::new(now);
    let mut delays = Vec::new();
    for _ in 0..8 {
        s = next_poll(&s, &PollOutcome::Failed, now);
        delays.push((s.next_due - now).num_minutes());
    }
    // 30 min × 2^n: 1 h, 2 h, 4 h, 8 h, 16 h, then capped at 24 h.
    assert_eq!(delays, vec![60, 120, 240, 480, 960, 1440, 1440, 1440]);
    assert_eq!(s.failures, 8);
    let s = next_poll(&s, &PollOutcome::TimedOut, now);
    assert_eq!((s.failures, (s.next_due - now).num_hours()), (9, 24));
    // A very long run of failures never overflows.
    let many = PollState {
        failures: u32::MAX,
        ..s.clone()
    };
    let after = next_poll(&many, &PollOutcome::Failed, now);
    assert_eq!(
        (after.failures, (after.next_due - now).num_hours()),
        (u32::MAX, 24)
    );

    let ok = next_poll(
        &s,
        &PollOutcome::Fetched {
            etag: Some("\"v2\"".into()),
            last_modified: Some("Sun, 01 Mar 2026 08:00:00 GMT".into()),
        },
        now,
    );
    assert_eq!(ok.failures, 0);
    assert_eq!((ok.next_due - now).num_minutes(), 30);
    assert_eq!(ok.etag.as_deref(), Some("\"v2\""));
    // 304 keeps the validators.
    let nm = next_poll(&ok, &PollOutcome::NotModified, t(2026, 3, 1, 8, 30));
    assert_eq!(nm.etag.as_deref(), Some("\"v2\""));
    assert_eq!(nm.last_modified, ok.last_modified);
    assert_eq!(nm.next_due, t(2026, 3, 1, 9, 0));
    // A failure keeps the validators too.
    let f = next_poll(&nm, &PollOutcome::Failed, now);
    assert_eq!(f.etag.as_deref(), Some("\"v2\""));
    // Retry-After longer than the backoff wins, still capped at a day.
    let r = next_poll(
        &nm,
        &PollOutcome::RetryAfter(Duration::from_secs(5 * 3600)),
        now,
    );
    assert_eq!(((r.next_due - now).num_hours(), r.failures), (5, 1));
    let r = next_poll(
        &nm,
        &PollOutcome::RetryAfter(Duration::from_secs(90 * 3600)),
        now,
    );
    assert_eq!((r.next_due - now).num_hours(), 24);
    // A custom policy.
    let p = PollPolicy {
        interval: Duration::from_secs(600),
        max_backoff: Duration::from_secs(3600),
    };
    let s1 = next_poll_with(&PollState::new(now), &PollOutcome::Failed, now, &p);
    let s2 = next_poll_with(&s1, &PollOutcome::Failed, now, &p);
    let s3 = next_poll_with(&s2, &PollOutcome::Failed, now, &p);
    let got: Vec<i64> = [&s1, &s2, &s3]
        .iter()
        .map(|s| (s.next_due - now).num_minutes())
        .collect();
    assert_eq!(got, vec![20, 40, 60]);
}
