//! Near-duplicate items through the real server (issue 20): the same post reshared with small
//! edits, in one batch and in a later one, joins the first item's group; the copies are counted
//! once in spike detection's hourly counts and shown as "N copies"; the resemblance is a setting
//! of the centre (0 turns grouping off), refused to others and audited. An item typed without
//! marks keeps the machine's reading with the marks restored, by the model adapted to the
//! deployment's own accented items (on the item page and for a survey's open answers).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_demo;
use crate::monitoring::{api_token, post_items};

const POST: &str = "Người dân khu vực 3 phường Cái Khế phản ánh đoạn đường Trần Văn Khéo bị sụt lún \
    sâu sau đợt mưa lớn, xe máy qua lại rất nguy hiểm, đề nghị sớm sửa chữa trước Tết.";

#[tokio::test]
async fn reshared_copies_join_the_first_item_and_count_once() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let ward = app.unit_id("31120").await;
    let token = api_token(&app, city).await;
    // The demo's own items of that hour and ward (they are dated from today), counted first.
    use duluan::monitoring::store;
    let hour = chrono::DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00")
        .unwrap()
        .timestamp();
    let in_the_hour = || async {
        store::hour_counts(&app.db, hour, hour + 3600)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.1 == ward)
            .map(|c| c.3)
            .sum::<i64>()
    };
    let before = in_the_hour().await;
    let folded = duluan_vitext::chars::fold(POST);
    let batch = json!({"items": [
        {"id": "d-1", "text": POST, "time": "2026-11-20T08:05:00+07:00", "area": "31120"},
        {"id": "d-2", "text": format!("Chia sẻ: {POST} #cantho"), "time": "2026-11-20T08:20:00+07:00", "area": "31120"},
        {"id": "d-3", "text": folded, "time": "2026-11-20T08:40:00+07:00", "area": "31120"},
        {"id": "d-4", "text": "Tiểu thương chợ Cái Khế lo lắng vì giá thuê sạp tăng mạnh từ đầu tháng, nhiều hộ tính chuyện nghỉ bán.", "time": "2026-11-20T08:45:00+07:00", "area": "31120"}
    ]});
    let (status, v) = post_items(&app, &token, &batch).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    // A later batch: the same post, a few words gone, in capitals.
    let edited = POST.replace("rất nguy hiểm, ", "").to_uppercase();
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"id": "d-5", "text": edited, "time": "2026-11-21T10:00:00+07:00", "area": "31120"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let late = v["ids"][0].as_i64().unwrap();
    for copy in [ids[1], ids[2], late] {
        assert_eq!(store::copy_of(&app.db, copy).await.unwrap(), Some(ids[0]));
    }
    assert_eq!(store::copy_of(&app.db, ids[0]).await.unwrap(), None);
    assert_eq!(store::copy_of(&app.db, ids[3]).await.unwrap(), None);
    assert_eq!(
        store::copy_counts(&app.db, &[ids[0], ids[3]])
            .await
            .unwrap(),
        [(ids[0], 3)]
    );
    // The copy typed without marks keeps the machine's reading with marks restored (what the
    // models read); the marked original keeps none.
    let restored = store::restored_of(&app.db, ids[2])
        .await
        .unwrap()
        .expect("a restored reading");
    assert!(restored.contains("phường Cái Khế"), "{restored}");
    assert_eq!(store::restored_of(&app.db, ids[0]).await.unwrap(), None);
    // Spike detection counts the post once in its hour: the original and the other post.
    assert_eq!(in_the_hour().await, before + 2);
    // The pages: the original with its copies, a copy leading to it.
    app.get(&format!("/monitoring/items/{}", ids[0]))
        .await
        .assert_contains("id=\"copies\">3 bản sao");
    app.get(&format!("/monitoring/items/{}", ids[2]))
        .await
        .assert_contains(&format!("href=\"/monitoring/items/{}\"", ids[0]));

    // The setting: shown, refused out of range, refused to a viewer, turned off by the centre.
    app.get("/monitoring/thresholds")
        .await
        .assert_contains("name=\"percent\" size=\"4\" value=\"35\"");
    let bad = app
        .post("/monitoring/thresholds/dedup", &[("percent", "101")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("từ 0 đến 100");
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    assert_eq!(
        viewer
            .post("/monitoring/thresholds/dedup", &[("percent", "0")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let off = app
        .post("/monitoring/thresholds/dedup", &[("percent", "0")])
        .await;
    assert_eq!(off.status, StatusCode::OK);
    off.assert_contains("Đã lưu mức gộp tin trùng lặp");
    let (_, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"id": "d-6", "text": POST, "time": "2026-11-21T11:00:00+07:00", "area": "31120"}]}),
    )
    .await;
    let after = v["ids"][0].as_i64().unwrap();
    assert_eq!(store::copy_of(&app.db, after).await.unwrap(), None);
    let admin = app.other_client();
    admin.login_demo("admin").await;
    admin.assert_audited("monitoring_dedup").await;
}

/// Distinct posts about one new matter, and reshares of the first.
const BRIDGE: [&str; 5] = [
    "Mặt cầu Hưng Lợi xuất hiện vết nứt dài ở làn xe tải, người dân lo lắng cầu Hưng Lợi không an toàn.",
    "Tài xế phản ánh vết nứt trên cầu Hưng Lợi ngày càng rộng, xe tải vẫn chạy qua cầu Hưng Lợi mỗi ngày.",
    "Cư dân hai bên cầu Hưng Lợi đề nghị cấm xe tải nặng cho đến khi sửa vết nứt mặt cầu Hưng Lợi.",
    "Vết nứt ở mặt cầu Hưng Lợi được chụp lại chiều qua, nhiều người hỏi khi nào cầu Hưng Lợi được kiểm định.",
    "Phụ huynh đưa con qua cầu Hưng Lợi lo ngại vết nứt mặt cầu, mong sớm sửa chữa cầu Hưng Lợi cho xe tải.",
];

#[tokio::test]
async fn an_emerging_stream_counts_a_reshared_post_once_and_shows_its_copies() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let token = api_token(&app, city).await;
    let at = |hours_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours_ago))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    // Four distinct posts and six reshares of the first: ten items, four voices.
    let mut items = vec![];
    for (k, text) in BRIDGE[..4].iter().enumerate() {
        items.push(json!({"id": format!("b-{k}"), "text": text, "time": at(20 - k as i64), "area": "31120"}));
    }
    for k in 0..6 {
        let copy = match k % 3 {
            0 => format!("Chia sẻ: {} #cantho", BRIDGE[0]),
            1 => duluan_vitext::chars::fold(BRIDGE[0]),
            _ => BRIDGE[0].to_uppercase(),
        };
        items.push(json!({"id": format!("c-{k}"), "text": copy, "time": at(10 - k as i64), "area": "31120"}));
    }
    let (status, v) = post_items(&app, &token, &json!({ "items": items })).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    use duluan::monitoring::store;
    for copy in &ids[4..] {
        assert_eq!(store::copy_of(&app.db, *copy).await.unwrap(), Some(ids[0]));
    }
    let candidates = |app: &crate::helpers::TestApp| {
        let db = app.db.clone();
        async move {
            let units = duluan::orgs::subtree_ids(&db, &[city]).await.unwrap();
            let mut out = vec![];
            for c in store::list_clusters(
                &db,
                duluan::monitoring::model::ClusterStatus::Candidate,
                &units,
                200,
            )
            .await
            .unwrap()
            {
                let members = store::cluster_member_ids(&db, c.id, 1000).await.unwrap();
                out.push((c, members));
            }
            out
        }
    };
    let page = app.post("/monitoring/streams/run", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Four voices are not yet a stream (five are needed), however often one is reshared.
    for (c, members) in candidates(&app).await {
        assert!(
            !members.iter().any(|m| ids.contains(m)),
            "a stream of reshares: {c:?} {members:?}"
        );
    }
    // A fifth voice: a stream of five posts, its reshares shown beside it.
    let (status, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"id": "b-4", "text": BRIDGE[4], "time": at(2), "area": "31120"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let fifth = v["ids"][0].as_i64().unwrap();
    app.post("/monitoring/streams/run", &[]).await;
    let (stream, members) = candidates(&app)
        .await
        .into_iter()
        .find(|(_, m)| m.contains(&fifth))
        .expect("a stream with the fifth post");
    assert_eq!(stream.size, 5, "{stream:?} {members:?}");
    for copy in &ids[4..] {
        assert!(!members.contains(copy), "a copy counted: {members:?}");
    }
    app.get(&format!("/monitoring/streams/{}", stream.id))
        .await
        .assert_contains("id=\"copies\">6 bản sao");
    app.get("/monitoring/streams")
        .await
        .assert_contains("6 bản sao");
}

#[tokio::test]
async fn the_restoration_model_learns_the_deployments_place_names() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await;
    let token = api_token(&app, city).await;
    let at = |k: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(30 - k))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let restored = |id: i64| {
        let db = app.db.clone();
        async move {
            duluan::monitoring::store::restored_of(&db, id)
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    let unmarked = "nguoi dan phan anh duong Tam Vu bi sut lun sau con mua lon toi qua";
    // The built-in model does not know the street: "Tầm Vu" comes back as another name.
    let (_, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"id": "r-0", "text": unmarked, "time": at(0), "area": "31120"}]}),
    )
    .await;
    let before = restored(v["ids"][0].as_i64().unwrap()).await;
    assert!(before.contains("người dân"), "{before}");
    assert!(!before.contains("Tầm Vu"), "{before}");
    // The deployment's own items, typed with marks, name it.
    let said = [
        "Đường Tầm Vu đoạn gần chợ bị ngập sau mưa, xe máy chết máy hàng loạt.",
        "Cư dân đường Tầm Vu đề nghị nạo vét cống thoát nước trước mùa mưa.",
        "Hàng cây trên đường Tầm Vu bị gãy đổ, người dân mong sớm dọn dẹp.",
        "Đèn đường Tầm Vu hỏng nhiều ngày, buổi tối đi lại rất khó khăn.",
        "Người dân phản ánh mặt đường Tầm Vu xuống cấp, nhiều ổ gà nguy hiểm.",
        "Tiểu thương đường Tầm Vu lo lắng vì công trình thi công kéo dài.",
    ];
    let items: Vec<_> = said
        .iter()
        .enumerate()
        .map(|(k, t)| json!({"id": format!("m-{k}"), "text": t, "time": at(k as i64 + 1), "area": "31120"}))
        .collect();
    let (status, v) = post_items(&app, &token, &json!({ "items": items })).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Training by hand also adapts the restoration model to them.
    let page = app
        .post("/monitoring/models/train", &[("kind", "topic")])
        .await;
    assert!(
        page.status.is_success() || page.status.is_redirection(),
        "{}",
        page.status
    );
    let (_, v) = post_items(
        &app,
        &token,
        &json!({"items": [{"id": "r-1", "text": unmarked, "time": at(9), "area": "31120"}]}),
    )
    .await;
    let id = v["ids"][0].as_i64().unwrap();
    let after = restored(id).await;
    assert!(after.contains("đường Tầm Vu"), "{after}");
    assert!(after.contains("người dân"), "{after}");
    app.get(&format!("/monitoring/items/{id}"))
        .await
        .assert_contains("đường Tầm Vu");
    // A survey's open answer typed without marks is read with the same adapted model.
    let mut answers = crate::surveys::demo_answers(33, "4");
    answers["comment"] = json!(unmarked);
    let (status, v) = crate::surveys::submit(
        &app,
        crate::surveys::DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": answers}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let survey = crate::surveys::demo_survey_id(&app).await;
    let rid: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE data LIKE '%Tam Vu%'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let designer = app.other_client();
    designer.login_demo("designer").await;
    let page = designer
        .get(&format!("/surveys/{survey}/responses/{rid}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(unmarked);
    page.assert_contains("đường Tầm Vu");
}
