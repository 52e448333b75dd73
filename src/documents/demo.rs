//! The demo's issuer settings: the city's reports are issued by the Party Committee's Board of
//! Propaganda and Mass Mobilisation (its information centre writes them), in the party layout.
//! The names of people are made up.

use anyhow::Context;
use chrono::Utc;

use crate::db::Db;
use crate::documents::model::{Issuer, Layout};
use crate::documents::store;

/// Sets the city's issuer settings.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let admin = crate::accounts::user_id_by_name(db, "admin")
        .await?
        .context("demo admin missing")?;
    let issuer = Issuer {
        layout: Layout::Party,
        superior_body: "THÀNH ỦY CẦN THƠ".into(),
        issuing_body: "BAN TUYÊN GIÁO VÀ DÂN VẬN".into(),
        symbol: "BC/BTGDVTU".into(),
        place: "Cần Thơ".into(),
        signatory_authority: "K/T TRƯỞNG BAN".into(),
        signatory_position: "PHÓ TRƯỞNG BAN".into(),
        signatory_name: "Trần Minh Khoa".into(),
        recipients: vec![
            "Thường trực Thành ủy (để báo cáo)".into(),
            "Ban Tuyên giáo và Dân vận Trung ương (để báo cáo)".into(),
            "Các đồng chí Thành ủy viên".into(),
            "Các ban đảng, đảng ủy trực thuộc Thành ủy".into(),
            "Lưu Văn phòng Ban".into(),
        ],
    };
    issuer
        .check()
        .map_err(|k| anyhow::anyhow!("demo issuer: {k}"))?;
    let mut tx = db.begin().await?;
    store::put_issuer(&mut tx, city, &issuer, admin, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}
