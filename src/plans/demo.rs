//! The demo's work plans: Ninh Kiều plans a briefing every month of this year, a survey and a
//! commendation; the city plans the training course the demo ran two months ago (done) and a
//! thematic report at the end of the year.

use anyhow::Context;
use chrono::{Datelike, Utc};

use crate::audit::Actor;
use crate::db::Db;
use crate::plans::actions;
use crate::plans::model::ItemKind;

/// Loads the demo's plan.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let ward = crate::orgs::resolve_unit_ref(db, "31135")
        .await?
        .context("ward 31135 missing")?;
    let reporter = crate::accounts::user_id_by_name(db, "reporter")
        .await?
        .context("demo reporter missing")?;
    let actor = Actor {
        user_id: Some(reporter),
        username: "reporter".into(),
        ip: String::new(),
    };
    let today = crate::kit::time::vn_date(Utc::now());
    let year = today.year();
    for month in 1..=12 {
        actions::add_item(
            db,
            &actor,
            ward,
            year,
            ItemKind::Briefing,
            &format!("Giao ban cộng tác viên tháng {month}"),
            month,
        )
        .await?;
    }
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let analyst = crate::accounts::user_id_by_name(db, "analyst")
        .await?
        .context("demo analyst missing")?;
    let centre = Actor {
        user_id: Some(analyst),
        username: "analyst".into(),
        ip: String::new(),
    };
    // The course of `training::demo`, begun 60 days ago.
    let course_day = today - chrono::Duration::days(60);
    if course_day.year() == year {
        actions::add_item(
            db,
            &centre,
            city,
            year,
            ItemKind::Training,
            "Tập huấn kỹ năng nắm bắt và báo cáo dư luận xã hội",
            course_day.month(),
        )
        .await?;
    }
    actions::add_item(
        db,
        &centre,
        city,
        year,
        ItemKind::ThematicReport,
        "Báo cáo chuyên đề về dư luận mùa mưa lũ",
        12,
    )
    .await?;
    actions::add_item(
        db,
        &actor,
        ward,
        year,
        ItemKind::Survey,
        "Khảo sát ý kiến về chống ngập",
        12,
    )
    .await?;
    actions::add_item(
        db,
        &actor,
        ward,
        year,
        ItemKind::Other,
        "Biểu dương cộng tác viên tiêu biểu",
        12,
    )
    .await?;
    Ok(())
}
