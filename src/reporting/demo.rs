//! The demo's reporting data: the monthly report type assigned to Cần Thơ's 103 communes and
//! wards, an ad-hoc request, last month's reports (most on time, some late, some missing), this
//! month's reports of a few units waiting for review, and the same stream from three communes.
//! Loaded by `crate::demo` through `reporting::load_demo`.

use anyhow::Context as _;
use chrono::{Datelike, Duration, Utc};

use crate::db::Db;
use crate::reporting::model::{Direction, Period, ReportKind, Schedule, Status, StreamInput};
use crate::reporting::store;

/// The demo's stream of riverbank erosion, heard in three communes.
const EROSION: &str = "Người dân lo lắng về tình trạng sạt lở bờ sông kéo dài, đề nghị sớm có kè chống sạt lở và phương án di dời an toàn.";

/// Demo data: the monthly report type assigned to Cần Thơ's 103 communes and wards, an ad-hoc
/// request, last month's reports (most on time, some late, some missing), this month's reports
/// of a few units waiting for review, and the same stream from three communes.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let today = Utc::now().date_naive();
    let communes: Vec<crate::orgs::model::Unit> = crate::orgs::units_near(db, &[city], 1)
        .await?
        .into_iter()
        .filter(|u| {
            u.parent_id == Some(city)
                && matches!(u.kind.as_str(), "ward" | "commune" | "special_zone")
                && u.valid_on(today)
        })
        .collect();
    let ids: Vec<i64> = communes.iter().map(|u| u.id).collect();
    let now = Utc::now();
    // The whole demo of reporting in one transaction: all of it or none.
    let mut demo_tx = db.begin().await?;
    let tx = &mut demo_tx;
    let monthly = store::insert_type(
        tx,
        &store::NewType {
            kind: ReportKind::Monthly,
            name: "Báo cáo tình hình dư luận xã hội tháng",
            instructions: "Gửi trước ngày 15 tháng sau.",
            due_day: 15,
            lock_after_days: 10,
            due_hours: 24,
            deadline: None,
            owner_unit_id: city,
        },
        &ids,
        now,
    )
    .await?;
    store::insert_type(
        tx,
        &store::NewType {
            kind: ReportKind::AdHoc,
            name: "Yêu cầu đột xuất: dư luận về sạt lở bờ sông",
            instructions: "Các xã, phường ven sông báo cáo tình hình dư luận về sạt lở.",
            due_day: 15,
            lock_after_days: 5,
            due_hours: 24,
            deadline: Some(crate::reporting::model::end_of_day(
                today + Duration::days(10),
            )),
            owner_unit_id: city,
        },
        &ids[..ids.len().min(8)],
        now,
    )
    .await?;
    let topics = store::list_topics(db).await?;
    let topic = |key: &str| {
        topics
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.id)
            .unwrap_or(1)
    };
    let schedule = Schedule {
        kind: ReportKind::Monthly,
        due_day: 15,
        lock_after_days: 10,
        due_hours: 24,
        deadline: None,
    };
    let this_month = Period::month(today);
    let last_month = Period::month(today - Duration::days(today.day() as i64));
    let ninh_kieu = crate::orgs::resolve_unit_ref(db, "31135").await?;
    let actor = (None, "demo");
    // Last month: 95 of 103 sent, the first 80 on time; all accepted.
    let (due, lock) = schedule.deadlines(&last_month, now);
    for (i, unit) in ids.iter().enumerate().take(95) {
        let (id, _) =
            store::open_report(tx, monthly, *unit, last_month.as_str(), due, lock, now).await?;
        let sent = if i < 80 {
            due - Duration::days(3)
        } else {
            due + Duration::days(2)
        };
        let (draft, submitted) = (Status::Draft, Status::Submitted);
        store::update_status(tx, id, draft, submitted, true, None, actor, "", sent).await?;
        store::update_status(
            tx,
            id,
            Status::Submitted,
            Status::Accepted,
            false,
            None,
            actor,
            "",
            sent + Duration::hours(20),
        )
        .await?;
    }
    // This month: six units have submitted (not Ninh Kiều: its reporter does it in the demo);
    // three of them report the same riverbank-erosion stream.
    let (due, lock) = schedule.deadlines(&this_month, now);
    let senders: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|u| Some(*u) != ninh_kieu)
        .take(6)
        .collect();
    for (i, unit) in senders.iter().enumerate() {
        let (id, _) =
            store::open_report(tx, monthly, *unit, this_month.as_str(), due, lock, now).await?;
        let mut streams = vec![];
        let (topic_key, summary, scope, direction) = match i {
            0..=2 => ("riverbank_erosion", EROSION, "local", Direction::Worried),
            3 => (
                "economy_prices",
                "Giá xăng dầu, điện sinh hoạt tăng làm nhiều hộ gia đình lo lắng về chi tiêu cuối năm.",
                "domestic",
                Direction::Worried,
            ),
            4 => (
                "crime_fraud",
                "Nhiều người phản ánh tình trạng lừa đảo qua điện thoại, mạo danh cơ quan thuế và ngân hàng.",
                "domestic",
                Direction::Indignant,
            ),
            _ => (
                "sovereignty",
                "Người dân đồng tình với các hoạt động bảo vệ chủ quyền biển, đảo của Nhà nước.",
                "international",
                Direction::Agree,
            ),
        };
        let input = StreamInput {
            client_id: format!("demo-{}-{unit}", this_month.as_str()),
            unit_id: *unit,
            period: this_month.as_str().to_string(),
            topic_id: topic(topic_key),
            summary: summary.to_string(),
            scope: scope.to_string(),
            breadth: if i < 3 { "many" } else { "some" }.to_string(),
            direction,
            intensity: "medium".to_string(),
            strata: "Nông dân, người dân ven sông".to_string(),
            areas: String::new(),
            causes: "Mùa nước nổi, dòng chảy thay đổi.".to_string(),
            forecast: "Dư luận còn tiếp diễn nếu chưa có giải pháp.".to_string(),
            recommendation: "Sớm bố trí kinh phí xây kè.".to_string(),
            evidence: String::new(),
        };
        let (sid, _) = store::insert_stream(tx, &input, None, now).await?;
        streams.push(sid);
        store::update_report_text(
            tx,
            id,
            "draft",
            &store::ReportText {
                general_mood: "Tình hình tư tưởng của Nhân dân cơ bản ổn định, tin tưởng vào sự lãnh đạo của Đảng.",
                causes: "",
                forecast: "",
                recommendations: "",
            },
            &streams,
            &streams,
            now,
        )
        .await?;
        store::update_status(
            tx,
            id,
            Status::Draft,
            Status::Submitted,
            true,
            None,
            actor,
            "",
            now - Duration::hours(2),
        )
        .await?;
    }
    // A stream reported by the collaborator in Ninh Kiều, not yet in a report.
    if let Some(unit) = ninh_kieu {
        let input = StreamInput {
            client_id: format!("demo-ctv-{}", this_month.as_str()),
            unit_id: unit,
            period: this_month.as_str().to_string(),
            topic_id: topic("traffic_order"),
            summary: "Người dân phản ánh tình trạng ùn tắc giao thông giờ cao điểm trên các tuyến đường trung tâm.".into(),
            scope: "local".into(),
            breadth: "many".into(),
            direction: Direction::Uneasy,
            intensity: "medium".into(),
            strata: "Công nhân, viên chức, học sinh".into(),
            areas: "Khu vực 1, Khu vực 2".into(),
            causes: String::new(),
            forecast: String::new(),
            recommendation: String::new(),
            evidence: String::new(),
        };
        store::insert_stream(tx, &input, None, now).await?;
    }
    demo_tx.commit().await?;
    Ok(())
}
