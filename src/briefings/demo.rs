//! The demo's orientation: the city's centre tells the collaborators of its wards what is being
//! done about the flooding hot spot and what to say; nobody has read it yet. And a briefing held
//! two days ago at Cái Khế, its two collaborators present, whose minutes produced two opinion
//! streams; the next month's is scheduled, its people invited.

use anyhow::Context;

use crate::audit::Actor;
use crate::briefings::model::Audience;
use crate::briefings::store::NewMessage;
use crate::db::Db;

/// Where the demo's e-mails point (the address `serve --demo` listens at by default).
const DEMO_BASE: &str = "http://127.0.0.1:8080";

/// Sends the demo's orientation message (after the hot spots' demo).
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let analyst = crate::accounts::user_id_by_name(db, "analyst")
        .await?
        .context("demo analyst missing")?;
    let actor = Actor {
        user_id: Some(analyst),
        username: "analyst".into(),
        ip: String::new(),
    };
    let members =
        crate::accounts::members_within(db, city, Audience::Collaborators.roles()).await?;
    crate::briefings::actions::send_message(
        db,
        &actor,
        &NewMessage {
            unit_id: city,
            title: "Thông tin về tình hình ngập úng và việc khắc phục",
            body: "Mưa lớn kết hợp triều cường gây ngập sâu ở nhiều tuyến đường của phường Ninh Kiều, Cái Khế. Thành phố đã triển khai bơm tiêu úng và nạo vét cống tại các điểm ngập sâu.",
            key_facts: "Các tổ bơm tiêu úng hoạt động tại 12 điểm ngập sâu.\nLịch triều cường được thông báo trên cổng thông tin thành phố.\nĐường dây nóng tiếp nhận phản ánh ngập hoạt động 24/24.",
            talking_points: "Khuyên người dân theo dõi lịch triều cường, không đi qua vùng nước sâu, báo ngay cho tổ dân phố khi cống bị tắc; không chia sẻ thông tin chưa kiểm chứng về sự cố.",
            audience: Audience::Collaborators,
            hotspot_id: crate::hotspots::demo_hotspot(db).await?,
        },
        &members,
        DEMO_BASE,
    )
    .await?;
    held_briefing(db, &actor).await
}

/// Cái Khế's briefing two days ago, held, with two opinions raised as streams.
async fn held_briefing(db: &Db, actor: &Actor) -> anyhow::Result<()> {
    use chrono::{Duration, TimeZone, Utc};
    let ward = crate::orgs::resolve_unit_ref(db, "31120")
        .await?
        .context("ward 31120 missing")?;
    let day = crate::kit::time::vn_date(Utc::now()) - Duration::days(2);
    let starts_at = crate::kit::time::vn_offset()
        .from_local_datetime(&day.and_hms_opt(19, 0, 0).context("time")?)
        .single()
        .context("time")?
        .with_timezone(&Utc);
    let members = crate::accounts::members_within(
        db,
        ward,
        &[
            crate::accounts::model::Role::Collaborator,
            crate::accounts::model::Role::Reporter,
        ],
    )
    .await?;
    let id = crate::briefings::actions::schedule_session(
        db,
        actor,
        &crate::briefings::store::sessions::NewSession {
            unit_id: ward,
            title: "Giao ban cộng tác viên phường Cái Khế",
            starts_at,
            place: "Nhà văn hóa phường Cái Khế",
            link: "",
            agenda: "1. Tình hình ngập úng sau triều cường\n2. Ý kiến về giá điện",
            monthly: true,
            previous_id: None,
        },
        &crate::briefings::actions::Invitees {
            members: &members,
            guests: &[],
            base: DEMO_BASE,
        },
    )
    .await?
    .context("demo session")?;
    let session = crate::briefings::store::sessions::find_session(db, id)
        .await?
        .context("demo session missing")?;
    let codes = crate::collaborators::briefings::active_pseudonyms(db, ward).await?;
    let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::Vi);
    let attendees =
        crate::collaborators::briefings::resolve_attendees(db, ward, Some(day), &codes, tr)
            .await?
            .map_err(|e| anyhow::anyhow!("demo attendees: {e:?}"))?;
    crate::briefings::actions::record_held(
        db,
        actor,
        &session,
        &attendees,
        "Cộng tác viên phản ánh ngập úng kéo dài ở các hẻm sau triều cường và băn khoăn về giá điện tăng trong mùa nắng nóng.",
    )
    .await?;
    let topics = crate::reporting::topics(db).await?;
    let topic = |key: &str| {
        topics
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.id.to_string())
            .unwrap_or_default()
    };
    for (key, summary, direction) in [
        (
            "environment",
            "Người dân các hẻm lo ngại ngập úng kéo dài mỗi khi triều cường lên cao.",
            "worried",
        ),
        (
            "economy_prices",
            "Nhiều hộ băn khoăn về giá điện sinh hoạt tăng trong mùa nắng nóng.",
            "uneasy",
        ),
    ] {
        let form = crate::reporting::model::StreamForm {
            unit_id: ward.to_string(),
            period: day.format("%Y-%m").to_string(),
            topic_id: topic(key),
            summary: summary.into(),
            scope: "local".into(),
            breadth: "some".into(),
            direction: direction.into(),
            intensity: "medium".into(),
            ..Default::default()
        };
        crate::briefings::actions::raise_stream(db, actor, &session, &form)
            .await?
            .map_err(|e| anyhow::anyhow!("demo stream: {e:?}"))?;
    }
    // Next month's briefing, to come: its people are invited in the app. (The demo sends no
    // e-mail: the ward's collaborators with an address get their reply link when a session is
    // scheduled on the demo's pages.)
    let local = starts_at.with_timezone(&crate::kit::time::vn_offset());
    let next_day = crate::kit::time::add_months(local.date_naive(), 1);
    let next_at = crate::kit::time::vn_offset()
        .from_local_datetime(&next_day.and_time(local.time()))
        .single()
        .context("time")?
        .with_timezone(&Utc);
    crate::briefings::actions::schedule_session(
        db,
        actor,
        &crate::briefings::store::sessions::NewSession {
            unit_id: ward,
            title: "Giao ban cộng tác viên phường Cái Khế",
            starts_at: next_at,
            place: "Nhà văn hóa phường Cái Khế",
            link: "",
            agenda: "1. Kết quả khắc phục ngập úng\n2. Ý kiến về chợ tạm",
            monthly: true,
            previous_id: Some(session.id),
        },
        &crate::briefings::actions::Invitees {
            members: &members,
            guests: &[],
            base: DEMO_BASE,
        },
    )
    .await?
    .context("demo next session")?;
    Ok(())
}
