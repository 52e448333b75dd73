//! The demo's fieldwork: a household survey of four wards of the city with a frame of 400
//! households (synthetic contacts on the reserved `.invalid` domain), a stratified sample of 80
//! in two batches drawn with a fixed seed, and the first batch released (e-mail where there is an
//! address, telephone otherwise) and worked: e-mail cases invited three days ago, some answered,
//! one started, one opted out, one bounced; telephone cases tried by the demo interviewer with
//! every outcome (completed, refused, appointments, no answer, busy, wrong number); a quota on the
//! frame's age groups with one cell full (its cases held) and a counting quota on gender. So the
//! monitor, the cases, the reserve, the console and the quotas have something to show.

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
    work(db, survey_id, &batch, now).await
}

/// The demo's answers: varied, as a respondent would give them.
fn answers(i: usize) -> String {
    let online = !i.is_multiple_of(3);
    let gender = ["1", "2", "2", "1", "3"][i % 5];
    let satisfaction = ["4", "5", "3", "2", "4", "98"][i % 6];
    let mut r = serde_json::json!({
        "age": (22 + (i * 7) % 55).to_string(),
        "gender": gender,
        "uses_online": if online { "1" } else { "2" },
        "satisfaction": satisfaction,
        "comment": "",
        "adult": "1",
    });
    if online {
        r["services"] = ["tax", "land civil", "civil"][i % 3].into();
    }
    r.to_string()
}

/// Starts (and with `complete`, completes) the response of a case at `at`.
#[allow(clippy::too_many_arguments)]
async fn answer(
    db: &Db,
    survey_id: i64,
    version_id: i64,
    case_id: i64,
    mode: CollectionMode,
    i: usize,
    complete: bool,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    use crate::surveys::store as sstore;
    let id = uuid::Uuid::new_v4().to_string();
    let r = sstore::NewResponse {
        id: &id,
        survey_id,
        version_id,
        case_id: Some(case_id),
        resume_hash: None,
        mode,
        unit_id: None,
    };
    let data = answers(i);
    let first = if complete { "{}" } else { data.as_str() };
    sstore::insert_case_partial(db, &r, "", first, mode != CollectionMode::Phone, at).await?;
    if complete {
        sstore::complete_response(db, &id, &data, false, at).await?;
    }
    Ok(())
}

/// Works the released batch (see the module documentation).
async fn work(
    db: &Db,
    survey_id: i64,
    batch: &[store::ReleaseRow],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    use super::email::MailKind;
    use super::phone::Outcome;
    use chrono::Duration;
    let Some(version) = crate::surveys::live_version(db, survey_id).await? else {
        return Ok(());
    };
    let email: Vec<i64> = batch.iter().filter(|r| r.has_email).map(|r| r.id).collect();
    let phone: Vec<i64> = batch
        .iter()
        .filter(|r| !r.has_email)
        .map(|r| r.id)
        .collect();
    let invited = now - Duration::days(3);
    let mut tx = db.begin().await?;
    for id in &email {
        let token = crate::surveys::model::hash_secret(&crate::surveys::model::new_secret());
        store::insert_mailed(&mut tx, *id, &token, MailKind::Invite, invited).await?;
    }
    tx.commit().await?;
    for (i, id) in email.iter().take(11).enumerate() {
        let at = invited + Duration::hours(5 + 17 * i as i64);
        answer(
            db,
            survey_id,
            version.id,
            *id,
            CollectionMode::Email,
            i,
            i < 10,
            at,
        )
        .await?;
    }
    let mut tx = db.begin().await?;
    if let Some(id) = email.get(11) {
        store::stop_mail(&mut tx, *id, "unsubscribed", Disposition::Refusal, "", now).await?;
    }
    if let Some(id) = email.get(12) {
        let note = "550 5.1.1 Recipient address rejected: User unknown";
        store::stop_mail(
            &mut tx,
            *id,
            "bounced",
            Disposition::Undeliverable,
            note,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if let Some(uid) = crate::accounts::user_id_by_name(db, "interviewer").await? {
        use Outcome::*;
        let outcomes = [
            Completed,
            Completed,
            Completed,
            Completed,
            Refusal,
            Appointment,
            Appointment,
            NoAnswer,
            NoAnswer,
            Busy,
            WrongNumber,
            Machine,
        ];
        // Tomorrow at 9:00, Vietnam time.
        let tomorrow = (now.with_timezone(&crate::kit::time::vn_offset()) + Duration::days(1))
            .date_naive()
            .and_hms_opt(9, 0, 0)
            .and_then(|t| t.and_local_timezone(crate::kit::time::vn_offset()).single())
            .map(|t| t.with_timezone(&Utc));
        for (i, (id, o)) in phone.iter().zip(outcomes).enumerate() {
            let at = now - Duration::hours(30 - 2 * i as i64);
            if o == Completed {
                answer(
                    db,
                    survey_id,
                    version.id,
                    *id,
                    CollectionMode::Phone,
                    20 + i,
                    true,
                    at,
                )
                .await?;
            }
            let mut tx = db.begin().await?;
            store::set_claim(
                &mut tx,
                survey_id,
                *id,
                Some((uid, at + Duration::minutes(30))),
                at,
            )
            .await?;
            let appointment = (o == Appointment).then_some(tomorrow).flatten();
            store::record_attempt(
                &mut tx,
                *id,
                uid,
                o.key(),
                o.disposition(),
                appointment,
                "",
                at,
            )
            .await?;
            tx.commit().await?;
        }
    }
    quotas(db, survey_id, now).await
}

/// A closing quota on the frame's age groups with the fullest cell made full, and a counting
/// quota on gender.
async fn quotas(db: &Db, survey_id: i64, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    use super::quotas::{Action, Dim, live};
    let ages = ["18-29", "30-44", "45-59", "60+"];
    let mut tx = db.begin().await?;
    let age_quota = store::insert_quota(
        &mut tx,
        survey_id,
        "Nhóm tuổi (khung mẫu)",
        &[Dim::Frame("nhom_tuoi".into())],
        Action::Close,
        "",
        &ages.iter().map(|a| (a.to_string(), 10)).collect::<Vec<_>>(),
        None,
        now,
    )
    .await?;
    store::insert_quota(
        &mut tx,
        survey_id,
        "Giới tính",
        &[Dim::Question("gender".into())],
        Action::Keep,
        "",
        &[("1".into(), 20), ("2".into(), 20), ("3".into(), 2)],
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    live::recount(db, survey_id).await?;
    let quotas = store::list_quotas(db, survey_id).await?;
    if let Some(fullest) = quotas
        .iter()
        .find(|q| q.id == age_quota)
        .and_then(|q| q.cells.iter().max_by_key(|c| c.filled))
        .filter(|c| c.filled > 0)
    {
        let mut tx = db.begin().await?;
        store::set_targets(
            &mut tx,
            survey_id,
            age_quota,
            Action::Close,
            "",
            &[(fullest.key.clone(), fullest.filled)],
        )
        .await?;
        tx.commit().await?;
        live::recount(db, survey_id).await?;
    }
    Ok(())
}
