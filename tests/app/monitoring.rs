//! Opinion monitoring through the real server: the ingest API (tokens, idempotency, all or
//! nothing, bad input), file import with line errors and legacy encodings, search typed with or
//! without diacritics and scoped to the user's subtree, labels and models, emerging streams
//! turned into reporting streams, spike alerts delivered through a real SMTP server once, feeds
//! polled politely from a local HTTP server, a rebuilt index, and the main journey in Chromium.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, spawn_demo};

/// Creates an API integration at `unit` as the logged-in client and returns its token.
pub(crate) async fn api_token(app: &TestApp, unit: i64) -> String {
    let page = app
        .post(
            "/monitoring/sources",
            &[
                ("kind", "api"),
                ("name", "Cổng phản ánh thử nghiệm"),
                ("unit_id", &unit.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page
        .body
        .find("<code id=\"new-token\">")
        .expect("token shown once")
        + 21;
    let end = start + page.body[start..].find("</code>").unwrap();
    page.body[start..end].to_string()
}

pub(crate) async fn post_items(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let resp = app
        .client
        .post(format!("{}/api/monitoring/items", app.base))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    (status, v)
}

async fn item_count(app: &TestApp) -> i64 {
    duluan::monitoring::store::count_items(&app.db)
        .await
        .unwrap()
}

/// Searches until `expect` hits (the index follows ingest within seconds) and returns the page.
async fn search_until(app: &TestApp, query: &str, expect: &str) -> Page {
    let mut last = None;
    for _ in 0..100 {
        let page = app.get(&format!("/monitoring/search?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if page.body.contains(expect) {
            return page;
        }
        last = Some(page);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = last.unwrap();
    panic!("{expect:?} not found for {query:?}:\n{}", page.body);
}

#[tokio::test]
async fn the_api_takes_batches_whole_once_and_refuses_bad_ones_with_reasons() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let token = api_token(&app, city).await;
    let before = item_count(&app).await;

    // No token, wrong token.
    let resp = app
        .client
        .post(format!("{}/api/monitoring/items", app.base))
        .json(&json!({"items": [{"text": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (status, v) = post_items(&app, "dlm_wrong", &json!({"items": [{"text": "x"}]})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["message_vi"].as_str().unwrap().contains("Khóa truy cập"));

    let batch = json!({"items": [
        {"id": "a-1", "text": "Người dân phường Ninh Kiều phản ánh ngập úng kéo dài", "time": "2026-11-20T08:00:00+07:00", "area": "31135", "topic": "environment", "direction": "negative"},
        {"id": "a-2", "text": "nguoi dan phuong Cai Khe lo lang ve ngap ung sau mua lon", "time": "2026-11-21 09:30", "area": "31120"},
        {"id": "a-3", "text": "Ngu\u{31b}\u{300}o\u{31b}i da\u{302}n bu\u{31b}\u{301}c xu\u{301}c vi\u{300} gia\u{301} ddie\u{323}\u{302}n ta\u{306}ng", "area": "31135"},
        {"id": "a-4", "text": "Ng\u{AD}êi d©n lo l¾ng vÒ s¹t lë bê s«ng", "area": "31135"}
    ]});
    let (status, v) = post_items(&app, &token, &batch).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["created"], 4);
    // A replay creates nothing.
    let (status, v) = post_items(&app, &token, &batch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (v["created"].as_i64(), v["duplicates"].as_i64()),
        (Some(0), Some(4))
    );
    assert_eq!(item_count(&app).await, before + 4);
    // Stored text is NFC, legacy encodings repaired and flagged, unaccented text flagged.
    let items = duluan::monitoring::store::list_items(
        &app.db,
        &duluan::orgs::subtree_ids(&app.db, &[city]).await.unwrap(),
        None,
        0,
        i64::MAX,
        10_000,
    )
    .await
    .unwrap();
    let tcvn = items.iter().find(|i| i.external_id == "a-4").unwrap();
    assert_eq!(tcvn.body, "Người dân lo lắng về sạt lở bờ sông");
    assert_eq!(tcvn.legacy_encoding, "tcvn3");
    let nfd = items.iter().find(|i| i.external_id == "a-3").unwrap();
    assert!(nfd.body.starts_with("Người dân bức xúc"), "{}", nfd.body);
    let flat = items.iter().find(|i| i.external_id == "a-2").unwrap();
    assert_eq!(flat.quality, duluan::monitoring::model::Quality::Unaccented);

    // One bad item refuses the whole batch, each error named by position and field.
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [
            {"id": "b-1", "text": "Ý kiến hợp lệ về giá điện"},
            {"id": "b-2", "text": "   "},
            {"id": "b-3", "text": "Địa bàn không có", "area": "99999"},
            {"id": "b-4", "text": "Trường lạ", "author": "Nguyễn Văn A"},
            {"id": "b-5", "text": "Thời gian sai", "time": "hôm qua"},
            {"id": "b-6", "text": "Chủ đề sai", "topic": "no-such-topic"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let errors: Vec<(i64, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(i64, String)> = [
        (1, "text"),
        (2, "area"),
        (3, "author"),
        (4, "time"),
        (5, "topic"),
    ]
    .iter()
    .map(|(i, f)| (*i, f.to_string()))
    .collect();
    assert_eq!(errors, expected, "every error at once: {v}");
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [
            {"id": "c-1", "text": "Ý kiến hợp lệ về giá điện"},
            {"id": "c-2", "text": "   "},
            {"id": "c-3", "text": "Địa bàn không có", "area": "99999"},
            {"id": "c-4", "text": "Chủ đề sai", "topic": "no-such-topic"},
            {"id": "c-5", "text": "Ngoài phạm vi", "area": "01"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["text", "area", "topic", "area"], "{v}");
    assert!(
        v["errors"][0]["message_vi"]
            .as_str()
            .unwrap()
            .contains("trống")
    );
    assert_eq!(item_count(&app).await, before + 4, "nothing half-saved");

    // Garbage, an empty batch, too many items, a 10 MB single line.
    let resp = app
        .client
        .post(format!("{}/api/monitoring/items", app.base))
        .bearer_auth(&token)
        .body(vec![0u8, 159, 146, 150, 255, 0, 1])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (status, _) = post_items(&app, &token, &json!({"items": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"text": format!("mục {i}")}))
        .collect();
    let (status, _) = post_items(&app, &token, &json!({ "items": many })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let huge = "ngập ".repeat(2_000_000);
    let (status, v) = post_items(&app, &token, &json!({"items": [{"text": huge}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"][0]["error"], "monitoring-error-too-long");
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"text": "a\u{0}b\u{1}\u{2}\u{3}"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(item_count(&app).await, before + 4);
}

#[tokio::test]
async fn search_finds_text_typed_either_way_within_the_users_subtree() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let token = api_token(&app, city).await;
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [
            {"id": "s-1", "text": "Cư dân khu Xóm Chài phản ánh tình trạng bãi rác tự phát bốc mùi", "area": "31135"},
            {"id": "s-2", "text": "cu dan khu xom chai de nghi don bai rac tu phat", "area": "31120"},
            {"id": "s-3", "text": "Ba\u{303}i ra\u{301}c tu\u{31b}\u{323} pha\u{301}t o\u{31b}\u{309} Xo\u{301}m Cha\u{300}i", "area": "31135"},
            {"id": "s-4", "text": "B·i r¸c tù ph¸t ë Xãm Chµi g©y « nhiÔm", "area": "31120"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Every spelling finds all four.
    for q in [
        "b%C3%A3i+r%C3%A1c",
        "bai+rac",
        "B%C3%83I+R%C3%81C",
        "Ba%CC%83i+ra%CC%81c",
    ] {
        let page = search_until(&app, &format!("q={q}"), "Tìm thấy 4 mục tin").await;
        assert!(page.body.contains("<mark>"), "highlighted: {}", page.body);
    }
    // A phrase: "rác tự phát" is in all four, "phát rác" in none.
    search_until(
        &app,
        "q=%22r%C3%A1c+t%E1%BB%B1+ph%C3%A1t%22",
        "Tìm thấy 4 mục tin",
    )
    .await;
    search_until(&app, "q=%22ph%C3%A1t+r%C3%A1c%22", "Tìm thấy 0 mục tin").await;
    // Filters: area by code, dates, source.
    let ward = app.unit_id("31120").await;
    search_until(&app, "q=bai+rac&area=31120", "Tìm thấy 2 mục tin").await;
    search_until(
        &app,
        &format!("q=bai+rac&area=%23{ward}"),
        "Tìm thấy 2 mục tin",
    )
    .await;
    search_until(
        &app,
        "q=bai+rac&from=2000-01-01&to=2000-01-02",
        "Tìm thấy 0 mục tin",
    )
    .await;
    // The unaccented and TCVN3 items are marked.
    let page = search_until(&app, "q=xom+chai&sort=newest", "Tìm thấy 4 mục tin").await;
    page.assert_contains("Không dấu");
    page.assert_contains("chuyển từ mã tcvn3");
    // The item typed without marks shows a reading with its marks restored, marked as the
    // machine's; a marked item shows none.
    let item_of = |ext: &'static str| {
        let db = app.db.clone();
        async move {
            duluan::with_db!(&db, |pool| sqlx::query_scalar::<_, i64>(
                "SELECT id FROM monitor_items WHERE external_id = $1"
            )
            .bind(ext)
            .fetch_one(pool)
            .await
            .unwrap())
        }
    };
    let page = app
        .get(&format!("/monitoring/items/{}", item_of("s-2").await))
        .await;
    page.assert_contains("Đọc có dấu do máy khôi phục");
    page.assert_contains("cư dân");
    let page = app
        .get(&format!("/monitoring/items/{}", item_of("s-1").await))
        .await;
    assert!(!page.body.contains("id=\"restored\""));
    // Hostile input never breaks the page.
    for q in ["%22", "((", "AND", "%3Cscript%3E", &"x".repeat(5000)] {
        let page = app.get(&format!("/monitoring/search?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>"));
    }

    // An analyst of one ward sees only that ward's items; a reporter has no monitoring at all.
    let ward_analyst = duluan::accounts::create_user(
        &app.db,
        "phantich.caikhe",
        "Phân tích Cái Khế",
        "mat-khau-dai-du",
        duluan::accounts::model::Role::Analyst,
        ward,
    )
    .await;
    assert!(ward_analyst.is_ok(), "{ward_analyst:?}");
    let other = app.other_client();
    other.login("phantich.caikhe", "mat-khau-dai-du").await;
    search_until(&other, "q=bai+rac", "Tìm thấy 2 mục tin").await;
    // Filters and orders typed into the address are checked, not read as a default.
    for bad in ["q=rac&sort=oldest", "q=rac&direction=angry"] {
        assert_eq!(
            other.get(&format!("/monitoring/search?{bad}")).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter.get("/monitoring/search?q=rac").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reporter.get("/monitoring").await.status,
        StatusCode::FORBIDDEN
    );
    // An item outside the ward is not found by guessing its address.
    let outside = duluan::monitoring::store::list_items(
        &app.db,
        &[app.unit_id("31135").await],
        None,
        0,
        i64::MAX,
        1,
    )
    .await
    .unwrap()[0]
        .id;
    assert_eq!(
        other
            .get(&format!("/monitoring/items/{outside}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The index is derived: rebuilt from the database into a fresh folder, it finds the same.
    let dir = tempfile::tempdir().unwrap();
    let runtime = duluan::monitoring::Runtime::open(dir.path());
    let n = duluan::monitoring::index::rebuild(&app.db, &runtime)
        .await
        .unwrap();
    assert_eq!(n as i64, item_count(&app).await);
    let hits = duluan::monitoring::index::search(
        &runtime,
        duluan_search::Query {
            text: "xom chai".into(),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(hits.total, 4);
}

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> Page {
    app.upload("/monitoring/import", name, bytes).await
}

#[tokio::test]
async fn files_import_whole_with_line_errors_and_legacy_encodings() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let before = item_count(&app).await;
    // An error on line 3 refuses the file.
    let bad = "text,time,area\nGiá xăng tăng cao,2026-11-01,31135\n,2026-11-02,31135\nChợ đông,hôm qua,31135\n";
    let page = upload(&app, "y-kien.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("Dòng 3");
    assert_eq!(item_count(&app).await, before);
    // Unknown columns are named.
    let page = upload(
        &app,
        "y-kien.csv",
        b"text,author\nabc,Nguyen Van A\n".to_vec(),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("author");
    // A good file goes in whole; a second import of it adds nothing.
    let good = "id,text,time,area,topic\nf1,Giá xăng tăng cao,2026-11-01,31135,economy_prices\nf2,Chợ Tân An đông khách,2026-11-02 08:00,31120,\n";
    let page = upload(&app, "y-kien.csv", good.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("2 mục tin mới");
    let page = upload(&app, "y-kien.csv", good.as_bytes().to_vec()).await;
    page.assert_contains("0 mục tin mới");
    assert_eq!(item_count(&app).await, before + 2);
    // A text file typed in the TCVN3 font (bytes as Windows-1252), two paragraphs.
    let tcvn: Vec<u8> = "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng\n\nGi¸ ®iÖn t¨ng"
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    let page = upload(&app, "thu-cu.txt", tcvn).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    search_until(&app, "q=ngap+ung+ninh+kieu", "Người dân phường").await;
    // A scanned page goes through OCR and is found by words typed either way.
    match duluan_extract::ocr::available() {
        Some(info) if info.vietnamese => {
            let scan = include_bytes!("../../crates/extract/tests/fixtures/scan-jpeg.pdf").to_vec();
            let page = upload(&app, "ban-quet.pdf", scan).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let found = search_until(&app, "q=anh+huong+doi+song", "OCR").await;
            found.assert_contains("<mark>");
            search_until(
                &app,
                "q=%E1%BA%A3nh+h%C6%B0%E1%BB%9Fng+%C4%91%E1%BB%9Di+s%E1%BB%91ng",
                "OCR",
            )
            .await;
        }
        _ => {
            assert!(
                std::env::var("DULUAN_TEST_OCR").is_err(),
                "DULUAN_TEST_OCR is set but Tesseract with Vietnamese is missing"
            );
            eprintln!("skipping the OCR part: tesseract-ocr-vie is not installed");
            // Without OCR the scan is refused with the reason.
            let scan = include_bytes!("../../crates/extract/tests/fixtures/scan-jpeg.pdf").to_vec();
            let page = upload(&app, "ban-quet.pdf", scan).await;
            page.assert_contains("OCR");
        }
    }
    let before = item_count(&app).await;
    // Garbage and empty files are refused with a clear message.
    let page = upload(&app, "rac.bin", vec![0, 1, 2, 3, 255, 254, 0, 0, 7]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("file-errors");
    let page = upload(&app, "trong.txt", vec![]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Chưa chọn tệp hoặc tệp rỗng");
    let page = upload(&app, "khong-chu.pdf", b"%PDF-1.4\n%%EOF\n".to_vec()).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let blank = include_bytes!("../../crates/extract/tests/fixtures/blank.pdf").to_vec();
    let page = upload(&app, "trang-trang.pdf", blank).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert_eq!(item_count(&app).await, before);
    // Viewers read but do not import.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    assert_eq!(
        viewer
            .upload("/monitoring/import", "a.csv", good.as_bytes().to_vec())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn analysts_label_models_train_and_predictions_are_marked_as_machine_made() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let page = app
        .post("/monitoring/models/train", &[("kind", "topic")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("macro-F1");
    let page = app.get("/monitoring/models").await;
    page.assert_contains("kiểm định chéo 5 phần");
    page.assert_contains("Đất đai, giải phóng mặt bằng");
    // Every item now has a prediction; one without a source label shows it as machine-made.
    let item = duluan::monitoring::store::unlabelled_pool(
        &app.db,
        duluan::monitoring::model::LabelKind::Topic,
        &duluan::orgs::subtree_ids(&app.db, &[app.unit_id("92").await])
            .await
            .unwrap(),
        1,
    )
    .await
    .unwrap()
    .remove(0);
    let page = app.get(&format!("/monitoring/items/{}", item.id)).await;
    page.assert_contains("Dự đoán của mô hình");
    assert!(page.body.contains("%"), "{}", page.body);
    // The active-learning queue proposes items; a label is saved, audited and wins over the model.
    let page = app.get("/monitoring/label?kind=topic").await;
    page.assert_contains("mô hình phân vân");
    let saved = app
        .post(
            &format!("/monitoring/items/{}/label", item.id),
            &[
                ("kind", "topic"),
                ("value", "health"),
                ("back", "/monitoring/label?kind=topic"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/monitoring/items/{}", item.id)).await;
    page.assert_contains("<dd>Y tế, dịch bệnh</dd>");
    let bad = app
        .post(
            &format!("/monitoring/items/{}/label", item.id),
            &[("kind", "topic"), ("value", "nope")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Direction too.
    let page = app
        .post("/monitoring/models/train", &[("kind", "direction")])
        .await;
    page.assert_contains("macro-F1");
}

#[tokio::test]
async fn a_surge_in_one_ward_raises_one_alert_with_its_explanation_by_mail_and_in_the_app() {
    let Some(smtp) = crate::smtp::SmtpServer::start().await else {
        return;
    };
    let app = spawn_demo().await;
    crate::smtp::configure_mail(&app, smtp.port).await;
    app.login_demo("analyst").await;
    let page = app.post("/monitoring/alerts/run", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("1 cảnh báo mới");
    // Running again (or after a restart) raises nothing new.
    let page = app.post("/monitoring/alerts/run", &[]).await;
    page.assert_contains("0 cảnh báo mới");
    let alerts = duluan::monitoring::store::list_alerts(
        &app.db,
        &duluan::orgs::subtree_ids(&app.db, &[app.unit_id("92").await])
            .await
            .unwrap(),
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.unit_id, app.unit_id("31135").await);
    assert!(a.count >= 15, "{a:?}");
    let page = app.get(&format!("/monitoring/alerts/{}", a.id)).await;
    page.assert_contains("Vì sao có cảnh báo");
    page.assert_contains("ngập");
    page.assert_contains("Mục tin tiêu biểu");
    page.assert_contains("Ninh Kiều");
    // The analyst is told by e-mail, once.
    duluan::mail::send_due(&app.db).await.unwrap();
    let mails = smtp.received();
    let to_analyst: Vec<_> = mails
        .iter()
        .filter(|m| m.0.contains("analyst@demo.duluan.invalid"))
        .collect();
    assert_eq!(to_analyst.len(), 1, "{mails:?}");
    assert!(
        to_analyst[0].1.contains("Cảnh báo điểm nóng"),
        "{:?}",
        to_analyst[0]
    );
    assert!(to_analyst[0].2.contains("ngập"), "{:?}", to_analyst[0]);
    duluan::mail::send_due(&app.db).await.unwrap();
    assert_eq!(smtp.received().len(), mails.len());
    // Acknowledge, then close with notes; a viewer may read but not act.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    assert_eq!(
        viewer
            .get(&format!("/monitoring/alerts/{}", a.id))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .post(
                &format!("/monitoring/alerts/{}/ack", a.id),
                &[("note", "x")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(
            &format!("/monitoring/alerts/{}/ack", a.id),
            &[("note", "Đã báo phường kiểm tra")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post(
            &format!("/monitoring/alerts/{}/ack", a.id),
            &[("note", "lần hai")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(
            &format!("/monitoring/alerts/{}/close", a.id),
            &[("note", "Nước đã rút")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/monitoring/alerts/{}", a.id)).await;
    page.assert_contains("Nước đã rút");
    page.assert_contains("Đã báo phường kiểm tra");
    // Thresholds: the centre raises the flood threshold; a bad value is refused with a reason.
    let r = app
        .post(
            "/monitoring/thresholds",
            &[("topic", "environment"), ("min_volume", "abc"), ("z", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/monitoring/thresholds",
            &[
                ("topic", "environment"),
                ("min_volume", "500"),
                ("z", "4,5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Đã lưu ngưỡng");
}

#[tokio::test]
async fn emerging_streams_become_reporting_streams_or_are_dismissed() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let page = app.post("/monitoring/streams/run", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let clusters = duluan::monitoring::store::list_clusters(
        &app.db,
        duluan::monitoring::model::ClusterStatus::Candidate,
        &duluan::orgs::subtree_ids(&app.db, &[app.unit_id("92").await])
            .await
            .unwrap(),
        50,
    )
    .await
    .unwrap();
    assert!(clusters.len() >= 3, "{clusters:?}");
    let flood = clusters
        .iter()
        .find(|c| c.label.contains("ngập"))
        .unwrap_or_else(|| panic!("a flooding stream: {clusters:?}"));
    let page = app.get(&format!("/monitoring/streams/{}", flood.id)).await;
    page.assert_contains("Chuyển thành luồng ý kiến");
    let topics = duluan::reporting::topics(&app.db).await.unwrap();
    let env = topics
        .iter()
        .find(|t| t.key == "environment")
        .unwrap()
        .id
        .to_string();
    let ward = app.unit_id("31135").await.to_string();
    let done = app
        .post(
            &format!("/monitoring/streams/{}/promote", flood.id),
            &[
                (
                    "summary",
                    "Người dân lo lắng về ngập úng kéo dài sau mưa lớn, đề nghị nạo vét cống.",
                ),
                ("topic_id", &env),
                ("unit_id", &ward),
                ("direction", "worried"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().starts_with("/reporting/streams/"));
    let stream = app.get(done.location()).await;
    stream.assert_contains("ngập úng kéo dài");
    // Decided once: a second promotion is refused, and the next run does not bring it back.
    let again = app
        .post(
            &format!("/monitoring/streams/{}/dismiss", flood.id),
            &[("note", "x")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    app.post("/monitoring/streams/run", &[]).await;
    let now = duluan::monitoring::store::list_clusters(
        &app.db,
        duluan::monitoring::model::ClusterStatus::Candidate,
        &duluan::orgs::subtree_ids(&app.db, &[app.unit_id("92").await])
            .await
            .unwrap(),
        50,
    )
    .await
    .unwrap();
    assert!(
        !now.iter()
            .any(|c| c.label == flood.label && c.size == flood.size),
        "{now:?}"
    );
    let other = now.iter().find(|c| c.id != flood.id).unwrap();
    let r = app
        .post(
            &format!("/monitoring/streams/{}/dismiss", other.id),
            &[("note", "Không phải vấn đề mới")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.get("/monitoring/streams")
        .await
        .assert_contains("Không phải vấn đề mới");
    // Opinion streams of the reporting context come in as items through its public functions.
    let page = app.post("/monitoring/sources/sync", &[]).await;
    page.assert_contains("luồng ý kiến mới");
    search_until(&app, "q=nao+vet+cong", "Tìm thấy").await;
}

/// A tiny feed server: RSS with an ETag (answers 304 to it), or an HTML page.
async fn feed_server(html: bool) -> (String, Arc<AtomicUsize>) {
    use axum::http::{HeaderMap, StatusCode as S, header};
    use axum::response::IntoResponse;
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let app = axum::Router::new().route(
        "/rss",
        axum::routing::get(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                if html {
                    return ([(header::CONTENT_TYPE, "text/html")], "<html><body>Trang chủ</body></html>").into_response();
                }
                if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                    return S::NOT_MODIFIED.into_response();
                }
                let rss = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Cần Thơ</title>
<item><guid>tin-1</guid><title>Người dân phường Cái Khế kiến nghị nâng cấp đường</title><description>&lt;p&gt;Con đường xuống cấp, &lt;b&gt;ổ gà&lt;/b&gt; nhiều.&lt;/p&gt;</description><pubDate>Fri, 27 Nov 2026 08:00:00 +0700</pubDate><link>https://baocantho.example/tin-1</link></item>
<item><guid>tin-2</guid><title>Giá lúa tăng</title><description>Nông dân phấn khởi vì giá lúa tăng.</description><pubDate>Fri, 27 Nov 2026 09:00:00 +0700</pubDate></item>
</channel></rss>"#;
                ([(header::CONTENT_TYPE, "application/rss+xml"), (header::ETAG, "\"v1\"")], rss).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/rss"), hits)
}

async fn add_feed(app: &TestApp, name: &str, url: &str) -> i64 {
    let city = app.unit_id("92").await;
    let page = app
        .post(
            "/monitoring/sources",
            &[
                ("kind", "feed"),
                ("name", name),
                ("unit_id", &city.to_string()),
                ("url", url),
                ("poll_minutes", "30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    duluan::monitoring::store::list_sources(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|(s, _)| s.name == name)
        .unwrap()
        .0
        .id
}

#[tokio::test]
async fn feeds_are_read_politely_and_failures_are_shown() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let (url, hits) = feed_server(false).await;
    let id = add_feed(&app, "Báo Cần Thơ", &url).await;
    let before = item_count(&app).await;
    let r = app
        .post(&format!("/monitoring/sources/{id}/poll"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(item_count(&app).await, before + 2);
    search_until(&app, "q=o+ga", "<mark>gà</mark>").await;
    // The second read is conditional: 304, nothing new, and the source says so.
    app.post(&format!("/monitoring/sources/{id}/poll"), &[])
        .await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(item_count(&app).await, before + 2);
    let s = duluan::monitoring::store::find_source(&app.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.last_status,
        Some(duluan::monitoring::model::PollStatus::NotModified)
    );
    assert_eq!(s.etag, "\"v1\"");
    // An HTML page instead of a feed, and an address nobody answers: failures with backoff.
    let (html_url, _) = feed_server(true).await;
    let bad = add_feed(&app, "Trang không phải RSS", &html_url).await;
    app.post(&format!("/monitoring/sources/{bad}/poll"), &[])
        .await;
    app.post(&format!("/monitoring/sources/{bad}/poll"), &[])
        .await;
    let s = duluan::monitoring::store::find_source(&app.db, bad)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.last_status, s.failures),
        (Some(duluan::monitoring::model::PollStatus::Failed), 2)
    );
    let now = chrono::Utc::now().timestamp();
    assert!(
        s.next_poll_at >= now + 4 * 30 * 60 - 5,
        "backoff doubles: {s:?}"
    );
    let dead = add_feed(&app, "Không kết nối", "http://127.0.0.1:9/rss").await;
    app.post(&format!("/monitoring/sources/{dead}/poll"), &[])
        .await;
    let page = app.get("/monitoring/sources").await;
    page.assert_contains("Trang không phải RSS");
    page.assert_contains("1 lần lỗi liên tiếp");
    page.assert_contains("2 lần lỗi liên tiếp");
    // A bad address is refused when the source is created.
    let city = app.unit_id("92").await.to_string();
    let r = app
        .post(
            "/monitoring/sources",
            &[
                ("kind", "feed"),
                ("name", "x"),
                ("unit_id", &city),
                ("url", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_overview_draws_volume_and_direction_on_the_server() {
    let app = spawn_demo().await;
    app.login_demo("viewer").await;
    let page = app.get("/monitoring").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("<svg class=\"chart\"");
    page.assert_contains("Số mục tin theo ngày và chiều hướng");
    page.assert_contains("Môi trường, thiên tai");
    assert!(!page.body.contains("<script>"), "no inline script");
    let page = app
        .get("/monitoring?topic=environment&days=7&area=31135")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = app.get("/monitoring?area=01").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // The navigation now leads to monitoring for those who may see it.
    app.get("/").await.assert_contains("href=\"/monitoring\"");
}

#[tokio::test]
async fn an_analyst_searches_labels_and_acknowledges_an_alert_on_a_phone() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::browser().await else {
        return;
    };
    let app = spawn_demo().await;
    let c = &b.client;
    crate::browser::log_in(c, &app.base, "analyst").await;
    // Wait for the indexer to take in the demo.
    app.wait_indexed().await;
    c.goto(&format!("{}/monitoring/search", app.base))
        .await
        .unwrap();
    let q = c.wait().for_element(Locator::Id("q")).await.unwrap();
    q.send_keys("ngap ung ninh kieu").await.unwrap();
    q.send_keys("\u{E007}").await.unwrap();
    c.wait()
        .for_element(Locator::Id("hit-count"))
        .await
        .unwrap();
    let first = c
        .find(Locator::Css(".hit mark"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!first.is_empty());
    crate::browser::screenshot(c, "monitoring-search-phone").await;
    c.wait()
        .for_element(Locator::Css(".hit-title"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("label-topic"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#label-topic option[value=environment]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action$=label] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("dl.facts"))
        .await
        .unwrap();
    let body = c.source().await.unwrap();
    assert!(body.contains("<dd>Môi trường, thiên tai</dd>"), "labelled");
    // Alerts: detect, open, acknowledge.
    c.goto(&format!("{}/monitoring/alerts", app.base))
        .await
        .unwrap();
    // Waits for the page (under load the find can run before it has loaded).
    c.wait()
        .for_element(Locator::Css("form[action='/monitoring/alerts/run'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("table.alerts a"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("table.alerts a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("jump")).await.unwrap();
    crate::browser::screenshot(c, "monitoring-alert-phone").await;
    let note = c.wait().for_element(Locator::Id("ack-note")).await.unwrap();
    note.send_keys("Đã giao phường kiểm tra").await.unwrap();
    // On a loaded machine the keys may still be arriving: wait until the field holds the
    // whole note before sending the form.
    for _ in 0..100 {
        if note.prop("value").await.unwrap().as_deref() == Some("Đã giao phường kiểm tra") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        note.prop("value").await.unwrap().as_deref(),
        Some("Đã giao phường kiểm tra")
    );
    c.wait()
        .for_element(Locator::Css("form[action$=ack] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("close-note"))
        .await
        .unwrap();
    // The page after the form may still be loading on a loaded machine: wait for the note on it.
    let mut body = c.source().await.unwrap();
    for _ in 0..100 {
        if body.contains("Đã giao phường kiểm tra") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        body = c.source().await.unwrap();
    }
    assert!(body.contains("Đã giao phường kiểm tra"));
    // The overview at phone size.
    c.goto(&format!("{}/monitoring", app.base)).await.unwrap();
    c.wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .unwrap();
    crate::browser::screenshot(c, "monitoring-overview-phone").await;
    // End the session, so that no browser outlives the test.
    b.client.clone().close().await.unwrap();
}

/// Searches as `app` until the page says `expect`, at most ten seconds (the indexer's
/// catch-up), and returns the last page.
async fn search_within(app: &TestApp, query: &str, expect: &str) -> Page {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let page = app.get(&format!("/monitoring/search?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if page.body.contains(expect) || std::time::Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn search_follows_a_unit_that_moves_to_another_parent() {
    let app = spawn_demo().await;
    // A hamlet W under ward P1 (Ninh Kiều); an analyst at P1, another at P2 (Cái Khế).
    let p1 = app.unit_id("31135").await;
    let p2 = app.unit_id("31120").await;
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let created = admin
        .post(
            &format!("/orgs/{p1}/new"),
            &[
                ("name", "Khu vực Chuyển Đi"),
                ("kind", "area"),
                ("code", "31135-77"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let w = app.unit_id("31135-77").await;
    for (name, unit) in [("phantich.p1", p1), ("phantich.p2", p2)] {
        duluan::accounts::create_user(
            &app.db,
            name,
            name,
            "mat-khau-dai-du",
            duluan::accounts::model::Role::Analyst,
            unit,
        )
        .await
        .unwrap();
    }
    let first = app.other_client();
    first.login("phantich.p1", "mat-khau-dai-du").await;
    let second = app.other_client();
    second.login("phantich.p2", "mat-khau-dai-du").await;
    // Items of W, ingested through the API of the city.
    app.login_demo("analyst").await;
    let token = api_token(&app, app.unit_id("92").await).await;
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [
            {"id": "mv-1", "text": "Người dân phản ánh cây xanh gãy đổ chắn lối đi", "area": "31135-77"},
            {"id": "mv-2", "text": "Cây xanh gãy đổ sau giông lốc chưa được dọn", "area": "31135-77"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    search_until(&first, "q=cay+xanh+gay+do", "Tìm thấy 2 mục tin").await;
    let none = search_within(&second, "q=cay+xanh+gay+do", "Tìm thấy 0 mục tin").await;
    none.assert_contains("Tìm thấy 0 mục tin");

    // W moves under P2.
    let moved = admin
        .post(
            &format!("/orgs/{w}/edit"),
            &[
                ("name", "Khu vực Chuyển Đi"),
                ("kind", "area"),
                ("code", "31135-77"),
                ("parent", "31120"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    // At once (hits are checked against the current tree) and after the index caught up,
    // P1's analyst finds nothing and sees no count of it; P2's analyst finds both.
    let now = first.get("/monitoring/search?q=cay+xanh+gay+do").await;
    now.assert_contains("Tìm thấy 0 mục tin");
    assert!(!now.body.contains("chắn lối đi"), "{}", now.body);
    let found = search_within(&second, "q=cay+xanh+gay+do", "Tìm thấy 2 mục tin").await;
    found.assert_contains("Tìm thấy 2 mục tin");
    found.assert_contains("chắn lối đi");
    let gone = search_within(&first, "q=cay+xanh+gay+do", "Tìm thấy 0 mục tin").await;
    gone.assert_contains("Tìm thấy 0 mục tin");
    // A search of the city by area follows the move too.
    search_until(
        &app,
        &format!("q=cay+xanh+gay+do&area=%23{p2}"),
        "Tìm thấy 2 mục tin",
    )
    .await;
    search_until(
        &app,
        &format!("q=cay+xanh+gay+do&area=%23{p1}"),
        "Tìm thấy 0 mục tin",
    )
    .await;
}
