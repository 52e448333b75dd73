//! The demo's monitoring data: sources, a month of items about the city's issues (with and
//! without diacritics, in NFD and in TCVN3), a few labels, and a surge about flooding in one
//! ward over the last hours. Loaded by `crate::demo` through `monitoring::load_demo`.

use std::collections::HashMap;

use chrono::Utc;

use crate::db::Db;
use crate::monitoring::model::{Direction, Quality};
use crate::monitoring::store;

/// Sentences of the demo, per topic: `(topic, direction, text)`; `{x}` is a place.
const DEMO_TEXTS: &[(&str, &str, &str)] = &[
    (
        "environment",
        "negative",
        "Mưa lớn kéo dài khiến nhiều tuyến đường ở {x} ngập úng sâu, người dân đi lại khó khăn.",
    ),
    (
        "environment",
        "negative",
        "Người dân {x} phản ánh cống thoát nước bị tắc, nước ngập vào nhà sau mỗi trận mưa.",
    ),
    (
        "environment",
        "negative",
        "Triều cường dâng cao gây ngập úng cục bộ tại {x}, nhiều hộ dân phải kê cao đồ đạc.",
    ),
    (
        "environment",
        "neutral",
        "Chính quyền {x} đang nạo vét kênh rạch để chống ngập trong mùa mưa.",
    ),
    (
        "riverbank_erosion",
        "negative",
        "Bờ sông đoạn qua {x} tiếp tục sạt lở, nhiều hộ dân lo lắng cho an toàn nhà cửa.",
    ),
    (
        "riverbank_erosion",
        "negative",
        "Người dân {x} đề nghị sớm xây kè chống sạt lở bờ sông trước mùa nước nổi.",
    ),
    (
        "economy_prices",
        "negative",
        "Giá điện, giá xăng tăng làm chi phí sinh hoạt của người dân {x} tăng theo.",
    ),
    (
        "economy_prices",
        "negative",
        "Tiểu thương chợ {x} than giá thịt heo, rau củ tăng mạnh, sức mua giảm.",
    ),
    (
        "economy_prices",
        "neutral",
        "Giá lúa vụ thu đông ổn định, nông dân {x} phấn khởi vì được mùa.",
    ),
    (
        "land",
        "negative",
        "Một số hộ dân {x} chưa đồng tình với mức giá bồi thường giải phóng mặt bằng.",
    ),
    (
        "land",
        "neutral",
        "Người dân {x} mong dự án mở rộng đường được triển khai đúng tiến độ, công khai minh bạch.",
    ),
    (
        "traffic_order",
        "negative",
        "Xe tải chạy quá tốc độ trên tuyến đường qua {x} gây mất an toàn giao thông.",
    ),
    (
        "traffic_order",
        "positive",
        "Người dân {x} đồng tình với việc lắp đèn tín hiệu giao thông tại giao lộ đông xe.",
    ),
    (
        "health",
        "negative",
        "Số ca sốt xuất huyết tại {x} tăng, người dân lo ngại dịch bệnh lây lan.",
    ),
    (
        "health",
        "positive",
        "Người dân {x} hài lòng khi trạm y tế được nâng cấp và khám chữa bệnh bảo hiểm thuận tiện hơn.",
    ),
    (
        "crime_fraud",
        "negative",
        "Nhiều người ở {x} nhận cuộc gọi giả danh công an yêu cầu chuyển tiền, lừa đảo qua mạng.",
    ),
    (
        "crime_fraud",
        "negative",
        "Người dân {x} bức xúc vì tình trạng tín dụng đen, cho vay nặng lãi qua ứng dụng.",
    ),
    (
        "education",
        "positive",
        "Phụ huynh {x} phấn khởi vì trường học mới được xây dựng khang trang trước năm học.",
    ),
    (
        "education",
        "neutral",
        "Phụ huynh {x} quan tâm đến việc thu các khoản đóng góp đầu năm học.",
    ),
    (
        "social_security",
        "positive",
        "Người dân {x} đánh giá cao việc hỗ trợ kịp thời các hộ nghèo, hộ cận nghèo.",
    ),
    (
        "jobs_incomes",
        "negative",
        "Lao động ở {x} lo lắng vì nhiều doanh nghiệp giảm đơn hàng, cắt giảm giờ làm.",
    ),
    (
        "online_information",
        "negative",
        "Trên mạng xã hội lan truyền thông tin sai sự thật về việc thu hồi đất ở {x}, gây hoang mang.",
    ),
    (
        "culture_festivals",
        "positive",
        "Lễ hội văn hóa tại {x} thu hút đông đảo người dân, không khí vui tươi, an toàn.",
    ),
];

/// A tiny deterministic generator for the demo.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The demo's monitoring data (see the module comment).
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    use unicode_normalization::UnicodeNormalization;
    let Some(city) = crate::orgs::resolve_unit_ref(db, "92").await? else {
        return Ok(());
    };
    let codes = crate::orgs::map_codes(db).await?;
    let wards: Vec<(String, i64)> = [
        "31135", "31120", "31147", "31150", "31174", "31168", "31186", "31201", "31153", "31212",
        "31299",
    ]
    .iter()
    .filter_map(|c| codes.get(*c).map(|id| (c.to_string(), *id)))
    .collect();
    if wards.is_empty() {
        return Ok(());
    }
    let names: HashMap<i64, String> =
        crate::orgs::unit_names(db, &wards.iter().map(|w| w.1).collect::<Vec<_>>())
            .await?
            .into_iter()
            .collect();
    let now = Utc::now().timestamp();
    let api = store::insert_source(
        db,
        &store::NewSource {
            name: "Hệ thống tiếp nhận phản ánh, kiến nghị (1022)",
            unit_id: city,
            token_hash: Some(&crate::monitoring::model::new_token().1),
            token_hint: "…demo",
            poll_minutes: 0,
            ..store::NewSource::of(crate::monitoring::model::SourceKind::Api)
        },
        now,
    )
    .await?;
    let press = store::insert_source(
        db,
        &store::NewSource {
            name: "Điểm tin báo chí (tệp)",
            unit_id: city,
            ..store::NewSource::of(crate::monitoring::model::SourceKind::File)
        },
        now,
    )
    .await?;
    let mut rng = Lcg(20_261_128);
    let mut api_items = vec![];
    let mut press_items = vec![];
    // A month of ordinary items.
    for k in 0..700u64 {
        let (topic, direction, text) = DEMO_TEXTS[rng.below(DEMO_TEXTS.len() as u64) as usize];
        let (_, unit) = &wards[rng.below(wards.len() as u64) as usize];
        let place = names.get(unit).cloned().unwrap_or_default();
        let mut body = text.replace("{x}", &place);
        match k % 10 {
            3 => body = duluan_vitext::chars::fold(&body), // typed without diacritics
            6 => body = body.nfd().collect(),              // NFD from another system
            _ => {}
        }
        let time = now - 30 * 86_400 + rng.below(30 * 86_400 - 7200) as i64;
        let known = rng.below(10) < 7;
        let item = store::NewItem {
            external_id: format!("demo-{k}"),
            unit_id: *unit,
            occurred_at: time,
            lang: "vi".into(),
            body: crate::monitoring::model::prepare("", &body)
                .map(|p| p.body)
                .unwrap_or(body.clone()),
            quality: crate::monitoring::model::prepare("", &body)
                .map(|p| p.quality)
                .unwrap_or_default(),
            src_topic: known.then(|| topic.to_string()),
            src_direction: known
                .then(|| Direction::parse(direction).expect("a demo text's direction")),
            ..Default::default()
        };
        if k % 4 == 0 {
            press_items.push(item);
        } else {
            api_items.push(item);
        }
    }
    // A letter from an old office computer, typed in the TCVN3 font.
    let legacy =
        "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng kÐo dµi sau m\u{AD}a lín.";
    if let Ok(p) = crate::monitoring::model::prepare("", legacy) {
        press_items.push(store::NewItem {
            external_id: "demo-tcvn3".into(),
            unit_id: wards[0].1,
            occurred_at: now - 3 * 86_400,
            lang: "vi".into(),
            body: p.body,
            quality: p.quality,
            legacy_encoding: p.legacy.unwrap_or_default().to_string(),
            src_topic: Some("environment".into()),
            src_direction: Some(Direction::Negative),
            ..Default::default()
        });
    }
    // The surge: flooding in the first ward over the last hour, after a week of a few items a day.
    let (_, surge_unit) = wards[0];
    let place = names.get(&surge_unit).cloned().unwrap_or_default();
    let hour_start = now - now.rem_euclid(3600);
    for d in 1..=8i64 {
        for j in 0..2i64 {
            api_items.push(store::NewItem {
                external_id: format!("demo-base-{d}-{j}"),
                unit_id: surge_unit,
                occurred_at: hour_start - d * 86_400 + 600 + j * 900,
                lang: "vi".into(),
                body: format!("Người dân {place} hỏi về lịch thu gom rác và vệ sinh kênh rạch."),
                quality: Quality::Good,
                src_topic: Some("environment".into()),
                src_direction: Some(Direction::Neutral),
                ..Default::default()
            });
        }
    }
    let surge = [
        "Nước ngập sâu hơn nửa mét trên đường 30 Tháng 4 ở {x}, xe máy chết máy hàng loạt.",
        "Người dân {x} bức xúc vì ngập úng nghiêm trọng, nước tràn vào nhà sau trận mưa lớn.",
        "Ngập úng kéo dài ở {x}, nhiều hẻm nước ngập đến đầu gối, trẻ em không thể đến trường.",
        "Cống thoát nước ở {x} bị tắc nghẽn, ngập úng chưa rút, người dân đề nghị xử lý khẩn.",
        "Mưa lớn kết hợp triều cường làm {x} ngập úng diện rộng, hàng quán phải đóng cửa.",
    ];
    let minute = (now - hour_start).max(60);
    for j in 0..36i64 {
        let text = surge[(j % surge.len() as i64) as usize].replace("{x}", &place);
        let body = if j % 3 == 1 {
            duluan_vitext::chars::fold(&text)
        } else {
            text
        };
        api_items.push(store::NewItem {
            external_id: format!("demo-surge-{j}"),
            unit_id: surge_unit,
            occurred_at: hour_start + (j * minute / 36).min(minute - 1),
            lang: "vi".into(),
            quality: crate::monitoring::model::prepare("", &body)
                .map(|p| p.quality)
                .unwrap_or_default(),
            body,
            src_topic: (j % 2 == 0).then(|| "environment".to_string()),
            src_direction: (j % 2 == 0).then_some(Direction::Negative),
            ..Default::default()
        });
    }
    // A scanned letter, read by OCR when Tesseract with Vietnamese is installed.
    if duluan_extract::ocr::available().is_some_and(|i| i.vietnamese) {
        let scan: &[u8] = include_bytes!("../../data/demo/scan-ninh-kieu.png");
        let options = duluan_extract::Options::default();
        let read = tokio::task::spawn_blocking(move || {
            duluan_extract::extract("thu-phan-anh.png", scan, &options)
        })
        .await?;
        match read {
            Ok(x) => {
                for it in x.items {
                    press_items.push(store::NewItem {
                        external_id: "demo-scan".into(),
                        unit_id: wards[0].1,
                        occurred_at: now - 2 * 86_400,
                        lang: "vi".into(),
                        title: "Thư phản ánh (bản quét)".into(),
                        quality: it.quality.into(),
                        body: it.text,
                        via_ocr: true,
                        ..Default::default()
                    });
                }
            }
            Err(errors) => tracing::warn!(?errors, "demo: the scanned letter could not be read"),
        }
    }
    store::insert_items(db, api, None, &api_items, now).await?;
    store::insert_items(db, press, None, &press_items, now).await?;
    // A post reshared three times with small edits yesterday: grouped as one post with three
    // copies, as ingest groups them.
    let post = "Người dân khu vực 5 phường An Khánh phản ánh con hẻm 42 ngập sâu suốt hai ngày sau \
                triều cường, rác thải tràn vào nhà, đề nghị phường sớm nạo vét cống thoát nước.";
    let mut reshared: Vec<store::NewItem> = [
        post.to_string(),
        format!("Chia sẻ: {post} #cantho"),
        duluan_vitext::chars::fold(post),
        post.replace("suốt hai ngày ", "").to_uppercase(),
    ]
    .into_iter()
    .enumerate()
    .map(|(k, body)| store::NewItem {
        external_id: format!("demo-reshare-{k}"),
        unit_id: wards[0].1,
        occurred_at: now - 86_400 + k as i64 * 1800,
        lang: "vi".into(),
        quality: crate::monitoring::model::prepare("", &body)
            .map(|p| p.quality)
            .unwrap_or_default(),
        body,
        src_topic: Some("environment".into()),
        src_direction: Some(Direction::Negative),
        ..Default::default()
    })
    .collect();
    crate::monitoring::ingest::dedup::group(db, &mut reshared).await?;
    store::insert_items(db, api, None, &reshared, now).await?;
    Ok(())
}
