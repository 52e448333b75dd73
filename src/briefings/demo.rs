//! The demo's orientation: the city's centre tells the collaborators of its wards what is being
//! done about the flooding hot spot and what to say; nobody has read it yet.

use anyhow::Context;

use crate::audit::Actor;
use crate::briefings::model::Audience;
use crate::briefings::store::NewMessage;
use crate::db::Db;

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
    )
    .await?;
    Ok(())
}
