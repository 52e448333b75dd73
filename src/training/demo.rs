//! The demo's training: a course the city ran two months ago for Ninh Kiều's collaborators in two
//! sessions, all three at the first, two at the second, and those two completed it, so that the
//! coverage page has someone trained and someone not.

use anyhow::Context;
use chrono::{Duration, Utc};

use crate::audit::Actor;
use crate::db::Db;
use crate::training::actions;
use crate::training::store::{self, NewCourse, SessionFields};

/// Loads the demo's course.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let ward = crate::orgs::resolve_unit_ref(db, "31135")
        .await?
        .context("ward 31135 missing")?;
    let analyst = crate::accounts::user_id_by_name(db, "analyst")
        .await?
        .context("demo analyst missing")?;
    let actor = Actor {
        user_id: Some(analyst),
        username: "analyst".into(),
        ip: String::new(),
    };
    let start = crate::kit::time::vn_date(Utc::now()) - Duration::days(60);
    let id = actions::create_course(
        db,
        &actor,
        &NewCourse {
            unit_id: city,
            title: "Kỹ năng nắm bắt và báo cáo dư luận xã hội",
            trainer: "Trung tâm Thông tin thành phố",
            place: "Hội trường Ban Tuyên giáo và Dân vận",
            starts_on: start,
            ends_on: start + Duration::days(1),
            description: "Nắm bắt dư luận, phân loại chiều hướng, ghi luồng ý kiến không nêu tên người, bảo đảm thông tin cá nhân.",
        },
    )
    .await?;
    let course = store::find_course(db, id)
        .await?
        .context("demo course missing")?;
    let codes = crate::collaborators::briefings::active_pseudonyms(db, ward).await?;
    let tr = crate::web::i18n::Tr(crate::web::i18n::Lang::Vi);
    let ids = crate::collaborators::briefings::resolve_attendees(db, ward, None, &codes, tr)
        .await?
        .map_err(|e| anyhow::anyhow!("demo collaborators: {e:?}"))?;
    actions::enrol(db, &actor, &course, &ids, &[]).await?;
    let participants = store::list_participants(db, id).await?;
    let all: Vec<i64> = participants.iter().map(|p| p.id).collect();
    for (day, topic, present) in [
        (start, "Nắm bắt dư luận, phân loại chiều hướng", &all[..]),
        (
            start + Duration::days(1),
            "Ghi luồng ý kiến, bảo đảm thông tin cá nhân",
            &all[..all.len().min(2)],
        ),
    ] {
        let session = actions::add_session(
            db,
            &actor,
            &course,
            &SessionFields {
                held_on: day,
                starts_at: Some("08:00"),
                topic,
                trainer: "",
                place: "",
            },
        )
        .await?;
        let session = store::find_session(db, id, session)
            .await?
            .context("demo session missing")?;
        actions::record_attendance(db, &actor, &course, &session, present).await?;
    }
    let rows: Vec<_> = participants
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, None, (i < 2).then_some(start + Duration::days(1))))
        .collect();
    actions::record(db, &actor, &course, &rows).await?;
    Ok(())
}
