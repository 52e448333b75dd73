//! The demo's fieldwork: a household survey of four wards of the city with a frame of 400
//! households (synthetic contacts on the reserved `.invalid` domain), a stratified sample of 80
//! in two batches drawn with a fixed seed, and the first batch released (e-mail where there is an
//! address, telephone otherwise), so the monitor, the cases and the reserve have something to show.

use std::collections::BTreeMap;

use chrono::Utc;

use super::model::{Contact, Design, DrawFrame, Frame, FrameRow, Method, draw_cases};
use super::store;
use crate::db::Db;
use crate::surveys::model::{CollectionMode, Disposition};

/// Loads the demo fieldwork into survey `survey_id` owned by the unit `city`.
pub async fn load(db: &Db, survey_id: i64, city: i64) -> anyhow::Result<()> {
    let today = Utc::now().date_naive();
    let wards: Vec<(i64, String)> = crate::orgs::rollup(db, city, today)
        .await?
        .into_iter()
        .filter(|u| u.kind == "ward")
        .filter_map(|u| u.code.map(|c| (u.id, c)))
        .take(4)
        .collect();
    if wards.is_empty() {
        return Ok(());
    }
    let rows: Vec<FrameRow> = (1..=400)
        .map(|i| {
            let (unit, code) = &wards[(i - 1) * wards.len() / 400];
            FrameRow {
                row: i + 1,
                ext_id: format!("HGD-{i:04}"),
                stratum: code.clone(),
                cluster: String::new(),
                size: None,
                unit_id: Some(*unit),
                attrs: BTreeMap::from([(
                    "nhom_tuoi".to_string(),
                    ["18-29", "30-44", "45-59", "60+"][i % 4].to_string(),
                )]),
                contact: Contact {
                    email: (i % 3 != 0).then(|| format!("ho{i:04}@demo.duluan.invalid")),
                    phone: Some(format!("0292 {:03} {:03}", i / 1000 + 380, i % 1000)),
                    address: None,
                    lang: Some(if i % 25 == 0 { "en" } else { "vi" }.to_string()),
                },
            }
        })
        .collect();
    let frame = Frame {
        attributes: vec!["nhom_tuoi".into()],
        rows,
    };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let frame_id = store::insert_frame(
        &mut tx,
        survey_id,
        "Hộ gia đình bốn phường (mẫu thử)",
        "file",
        &frame,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    let draw_rows = store::list_draw_rows(db, frame_id).await?;
    let design = Design {
        method: Method::Stratified,
        n: 80,
        per_cluster: 0,
        allocation: "proportional".into(),
        strata: BTreeMap::new(),
        seed: 2026,
        replicates: 2,
    };
    let df = DrawFrame {
        strata: draw_rows.iter().map(|r| r.stratum.clone()).collect(),
        clusters: draw_rows.iter().map(|r| r.cluster.clone()).collect(),
        sizes: draw_rows.iter().map(|r| r.size).collect(),
    };
    let drawn = draw_cases(&df, &design).map_err(|e| anyhow::anyhow!("{}: {}", e.key, e.detail))?;
    let cases: Vec<store::NewCase> = drawn
        .iter()
        .map(|d| store::NewCase {
            frame_row_id: draw_rows[d.index].id,
            unit_id: draw_rows[d.index].unit_id,
            replicate: i64::from(d.replicate),
            prob: d.prob,
        })
        .collect();
    let params = serde_json::to_string(&design)?;
    let mut tx = db.begin().await?;
    let sample_id = store::insert_sample(
        &mut tx,
        survey_id,
        frame_id,
        Method::Stratified.key(),
        &params,
        2026,
        2,
        &cases,
        None,
        now,
    )
    .await?;
    let batch = store::list_unreleased(&mut tx, sample_id, 1).await?;
    for (mode, wanted) in [
        (CollectionMode::Email, true),
        (CollectionMode::Phone, false),
    ] {
        let ids: Vec<i64> = batch
            .iter()
            .filter(|r| r.has_email == wanted)
            .map(|r| r.id)
            .collect();
        store::release_cases(
            &mut tx,
            &ids,
            mode.key(),
            Disposition::NotReturned.key(),
            None,
            now,
        )
        .await?;
    }
    store::reweight(&mut tx, sample_id).await?;
    tx.commit().await?;
    Ok(())
}
