//! The demo's satisfaction survey (`templates/sipas.json`): two waves of a series, closed, with
//! generated anonymous interviews (a sample that over-represents women, older and urban people,
//! as telephone and link samples do) and each wave raked to population tables of Cần Thơ
//! (sex × age group, and urban/rural). The figures of the tables are illustrative round numbers
//! of the adult population of the city after the 2025 merger, not official statistics: a
//! deployment replaces them with its statistics office's table on the weighting page.
//! The second wave is better on procedures and results, so that the wave comparison has real
//! changes to show beside ones that are only noise.

use chrono::{DateTime, Duration, Utc};
use duluan_forms::Form;
use duluan_stats::random::Rng;
use serde_json::json;

use super::model::weighting::{Method, PopTable};
use super::store;
use crate::db::Db;
use crate::surveys::model::{CollectionMode, SurveyInput, SurveyStatus};
use crate::surveys::store as sstore;

/// The series key of the demo's satisfaction survey.
pub const SERIES: &str = "hai-long-dvc";

/// The satisfaction-index questionnaire template.
pub fn sipas_form() -> Form {
    crate::surveys::sipas_form()
}

fn tables() -> Vec<PopTable> {
    let cell = |levels: &[&str], n: f64| (levels.iter().map(|s| s.to_string()).collect(), n);
    vec![
        PopTable {
            id: 0,
            name: "Giới tính × nhóm tuổi (Cần Thơ, 18+)".into(),
            variables: vec!["gioi_tinh".into(), "nhom_tuoi".into()],
            cells: vec![
                cell(&["1", "1"], 330_000.0),
                cell(&["1", "2"], 470_000.0),
                cell(&["1", "3"], 430_000.0),
                cell(&["1", "4"], 310_000.0),
                cell(&["2", "1"], 310_000.0),
                cell(&["2", "2"], 460_000.0),
                cell(&["2", "3"], 430_000.0),
                cell(&["2", "4"], 380_000.0),
            ],
        },
        PopTable {
            id: 0,
            name: "Thành thị, nông thôn (Cần Thơ, 18+)".into(),
            variables: vec!["khu_vuc".into()],
            cells: vec![cell(&["1"], 1_330_000.0), cell(&["2"], 1_790_000.0)],
        },
    ]
}

/// Picks an index with the given weights.
fn pick(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.uniform() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// A 1–5 answer around `mu`.
fn likert(rng: &mut Rng, mu: f64) -> u32 {
    let noise = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 1.6;
    (mu + noise).round().clamp(1.0, 5.0) as u32
}

const SUGGESTIONS: &[&str] = &[
    "Cần rút ngắn thời gian chờ ở bộ phận một cửa.",
    "Thủ tục đất đai còn rườm rà, phải đi lại nhiều lần.",
    "Cán bộ hướng dẫn tận tình, tôi rất hài lòng.",
    "Nên có thêm chỗ ngồi và nước uống cho người chờ.",
    "Dịch vụ công trực tuyến hay bị lỗi khi tải hồ sơ lên.",
    "Trả kết quả trễ hẹn mà không báo trước.",
    "Công khai rõ phí, lệ phí ngay tại quầy.",
    "Nên nhắn tin báo khi hồ sơ đã có kết quả.",
];

/// One interview of wave `wave` (1 or 2) as the answers' JSON.
fn interview(rng: &mut Rng, wave: u32) -> String {
    let sex = 1 + pick(rng, &[0.42, 0.58]);
    let age = 1 + pick(rng, &[0.15, 0.28, 0.32, 0.25]);
    let area = 1 + pick(rng, &[0.55, 0.45]);
    let place = 1 + pick(rng, &[0.45, 0.30, 0.15, 0.10]);
    let field = 1 + pick(rng, &[0.30, 0.30, 0.15, 0.15, 0.10]);
    let online = if wave == 2 { 0.35 } else { 0.2 };
    let channel = 1 + pick(rng, &[1.0 - online - 0.05, online, 0.05]);
    // Propensities: the centre serves best, central agencies least; rural people a little
    // less satisfied; the second wave better on procedures and results.
    let base =
        3.35 + match place {
            2 => 0.35,
            4 => -0.3,
            _ => 0.0,
        } + if area == 2 { -0.15 } else { 0.0 }
            + if age == 4 { 0.15 } else { 0.0 };
    let better = if wave == 2 { 0.4 } else { 0.0 };
    let items = [
        ("tc_thong_tin", base + 0.1),
        ("tc_noi_tiep", base + 0.2),
        ("tt_don_gian", base - 0.35 + better),
        ("tt_phi", base + 0.1),
        ("cc_thai_do", base + 0.25),
        ("cc_huong_dan", base),
        ("kq_dung_han", base - 0.3 + better),
        ("kq_chinh_xac", base + 0.05 + better / 2.0),
    ];
    let mut answers = serde_json::Map::new();
    for (k, v) in [
        ("gioi_tinh", sex),
        ("nhom_tuoi", age),
        ("khu_vuc", area),
        ("noi_giai_quyet", place),
        ("linh_vuc", field),
        ("kenh", channel),
    ] {
        answers.insert(k.into(), json!(v.to_string()));
    }
    let mut sum = 0.0;
    for (k, mu) in items {
        let v = likert(rng, mu);
        sum += f64::from(v);
        answers.insert(k.into(), json!(v.to_string()));
    }
    let overall = likert(rng, sum / 8.0);
    answers.insert("hai_long_chung".into(), json!(overall.to_string()));
    if rng.uniform() < 0.3 {
        let s = SUGGESTIONS[rng.below(SUGGESTIONS.len() as u64) as usize];
        answers.insert("gop_y".into(), json!(s));
    }
    serde_json::Value::Object(answers).to_string()
}

/// Loads the two waves under unit `unit_id`.
pub async fn load(db: &Db, unit_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let form = sipas_form();
    let waves = [
        (1u32, "other", 640usize, 300i64),
        (2u32, "other", 720usize, 120i64),
    ];
    let mut rng = Rng::new(202_512);
    for (wave, purpose, n, days_ago) in waves {
        let input = SurveyInput::parse(
            "Khảo sát sự hài lòng của người dân với dịch vụ hành chính công",
            purpose,
            &wave.to_string(),
            "",
            "",
            true,
        )
        .map_err(|k| anyhow::anyhow!(k))?;
        let mut tx = db.begin().await?;
        let id =
            sstore::insert_survey(&mut tx, unit_id, &input, SERIES, &form.to_json(), now).await?;
        tx.commit().await?;
        let versions = sstore::list_versions(db, id).await?;
        let mut published = form.clone();
        published.published = true;
        let mut tx = db.begin().await?;
        sstore::publish_version(&mut tx, versions[0].id, &published.to_json(), now).await?;
        sstore::update_survey_status(&mut tx, id, SurveyStatus::Closed, None, now).await?;
        store::set_method(&mut tx, id, Method::Rake, None, None, now).await?;
        for t in tables() {
            store::insert_table(&mut tx, id, &t, None, now).await?;
        }
        tx.commit().await?;
        let start = now - Duration::days(days_ago);
        let rows: Vec<(String, String, DateTime<Utc>)> = (0..n)
            .map(|i| {
                (
                    uuid::Uuid::new_v4().to_string(),
                    interview(&mut rng, wave),
                    start + Duration::days((i % 20) as i64),
                )
            })
            .collect();
        sstore::insert_anonymous_completes(db, id, versions[0].id, CollectionMode::Web, &rows)
            .await?;
    }
    Ok(())
}
