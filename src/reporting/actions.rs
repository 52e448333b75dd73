//! Reporting's write actions, one public function per action: each begins a transaction, makes
//! the change (and a report's workflow event), writes its audit entry in the same transaction,
//! and commits. Failing to record the audit entry fails the action and leaves nothing changed.
//! Handlers check permissions and input first, then call one of these.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::AppResult;
use crate::reporting::model::{Status, Step, StreamInput};
use crate::reporting::store::{
    self, Attachment, CityText, Contact, NewType, Report, ReportText, Stream,
};

/// Creates a report type with its assigned units (`report_type.create`).
pub async fn create_type(
    db: &Db,
    actor: &Actor,
    t: &NewType<'_>,
    units: &[i64],
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = store::insert_type(&mut tx, t, units, now).await?;
    audit::entry(actor, "report_type.create")
        .object("report_type", id)
        .unit(t.owner_unit_id)
        .detail(json!({"kind": t.kind.key(), "name": t.name, "units": units.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens the report of a unit for a type and period, creating it as a draft if missing
/// (`report.create`, only when created); returns its id and whether it was created.
#[allow(clippy::too_many_arguments)]
pub async fn open_report(
    db: &Db,
    actor: &Actor,
    type_id: i64,
    unit_id: i64,
    period: &str,
    due_at: DateTime<Utc>,
    lock_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<(i64, bool)> {
    let mut tx = db.begin().await?;
    let (id, created) =
        store::open_report(&mut tx, type_id, unit_id, period, due_at, lock_at, now).await?;
    if created {
        audit::entry(actor, "report.create")
            .object("report", id)
            .unit(unit_id)
            .detail(json!({"type": type_id, "period": period}))
            .write(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok((id, created))
}

/// Saves a report's text and its chosen streams (those of `allowed`), if the report is still in
/// the status it was read in (`report.update`).
pub async fn update_report(
    db: &Db,
    actor: &Actor,
    r: &Report,
    text: &ReportText<'_>,
    chosen: &[i64],
    allowed: &[i64],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::update_report_text(&mut tx, r.id, r.status.key(), text, chosen, allowed, now).await?;
    audit::entry(actor, "report.update")
        .object("report", r.id)
        .unit(r.unit_id)
        .detail(json!({"streams": chosen.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A workflow step of a report, already checked by `model::transition`.
pub struct StepChange<'a> {
    /// The step.
    pub step: Step,
    /// The status it leads to.
    pub to: Status,
    /// A new lock date (reopening).
    pub lock_at: Option<DateTime<Utc>>,
    /// Comment or reason.
    pub comment: &'a str,
    /// When.
    pub now: DateTime<Utc>,
}

/// Moves a report to its next status with its event and audit entry, in one transaction.
async fn move_report(db: &Db, actor: &Actor, r: &Report, c: &StepChange<'_>) -> AppResult<()> {
    let action = match c.step {
        Step::Submit => "report.submit",
        Step::Accept => "report.accept",
        Step::Return => "report.return",
        Step::Reopen => "report.reopen",
        Step::Edit => "report.update",
    };
    let mut tx = db.begin().await?;
    store::update_status(
        &mut tx,
        r.id,
        r.status,
        c.to,
        c.step == Step::Submit,
        c.lock_at,
        (actor.user_id, &actor.username),
        c.comment,
        c.now,
    )
    .await?;
    audit::entry(actor, action)
        .object("report", r.id)
        .unit(r.unit_id)
        .detail(json!({"from": r.status.key(), "to": c.to.key(), "comment": c.comment}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Submits a report (`report.submit`).
pub async fn submit_report(
    db: &Db,
    actor: &Actor,
    r: &Report,
    c: &StepChange<'_>,
) -> AppResult<()> {
    move_report(db, actor, r, c).await
}

/// Accepts a submitted report (`report.accept`).
pub async fn accept_report(
    db: &Db,
    actor: &Actor,
    r: &Report,
    c: &StepChange<'_>,
) -> AppResult<()> {
    move_report(db, actor, r, c).await
}

/// Returns a submitted report with a comment (`report.return`).
pub async fn return_report(
    db: &Db,
    actor: &Actor,
    r: &Report,
    c: &StepChange<'_>,
) -> AppResult<()> {
    move_report(db, actor, r, c).await
}

/// Reopens a locked or submitted report with a reason (`report.reopen`).
pub async fn reopen_report(
    db: &Db,
    actor: &Actor,
    r: &Report,
    c: &StepChange<'_>,
) -> AppResult<()> {
    move_report(db, actor, r, c).await
}

/// Records an opinion stream (`stream.create`, only when created: a retried submission with the
/// same client id changes nothing); returns its id and whether it was created.
pub async fn create_stream(
    db: &Db,
    actor: &Actor,
    input: &StreamInput,
    pii_confirmed: bool,
) -> AppResult<(i64, bool)> {
    let mut tx = db.begin().await?;
    let (id, created) = store::insert_stream(&mut tx, input, actor.user_id, Utc::now()).await?;
    if created {
        audit::entry(actor, "stream.create")
            .object("stream", id)
            .unit(input.unit_id)
            .detail(json!({"period": input.period, "topic": input.topic_id, "pii_confirmed": pii_confirmed}))
            .write(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok((id, created))
}

/// Merges streams into a new city stream seeded by `seed`, or into `into` (`city_stream.merge`);
/// returns the city stream's id.
pub async fn merge_streams(
    db: &Db,
    actor: &Actor,
    into: Option<i64>,
    seed: &Stream,
    ids: &[i64],
    owner: i64,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let city = store::merge_streams(&mut tx, into, seed, ids, owner, Utc::now()).await?;
    audit::entry(actor, "city_stream.merge")
        .object("city_stream", city)
        .unit(owner)
        .detail(json!({"streams": ids, "period": seed.period}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(city)
}

/// Takes a stream out of a city stream (`city_stream.unmerge`).
pub async fn unmerge_stream(
    db: &Db,
    actor: &Actor,
    city_id: i64,
    owner: i64,
    stream_id: i64,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::unmerge_stream(&mut tx, city_id, stream_id).await?;
    audit::entry(actor, "city_stream.unmerge")
        .object("city_stream", city_id)
        .unit(owner)
        .detail(json!({"stream": stream_id}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Edits a city stream's text (`city_stream.update`).
pub async fn update_city_stream(
    db: &Db,
    actor: &Actor,
    city_id: i64,
    owner: i64,
    text: &CityText<'_>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::update_city_stream(&mut tx, city_id, text, Utc::now()).await?;
    audit::entry(actor, "city_stream.update")
        .object("city_stream", city_id)
        .unit(owner)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets units' reminder addresses, all or nothing (`report_contacts.update`).
pub async fn update_contacts(
    db: &Db,
    actor: &Actor,
    owner: i64,
    rows: &[Contact],
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::upsert_contacts(&mut tx, rows, Utc::now()).await?;
    audit::entry(actor, "report_contacts.update")
        .object("report_unit_contacts", "")
        .unit(owner)
        .detail(json!({"rows": rows.len()}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Records an attachment with its contents (`report.attach`); returns its id.
pub async fn attach_file(
    db: &Db,
    actor: &Actor,
    r: &Report,
    a: &Attachment,
    bytes: &[u8],
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let user = actor.user_id.unwrap_or_default();
    let aid = store::insert_attachment(&mut tx, a, bytes, user, Utc::now()).await?;
    audit::entry(actor, "report.attach")
        .object("report", r.id)
        .unit(r.unit_id)
        .detail(json!({"attachment": aid, "name": a.file_name, "size": a.size}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(aid)
}

/// Removes an attachment with its contents (`report.detach`); the caller removes a file stored
/// before migration 0045 afterwards.
pub async fn detach_file(db: &Db, actor: &Actor, r: &Report, a: &Attachment) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::delete_attachment(&mut tx, a.id).await?;
    audit::entry(actor, "report.detach")
        .object("report", r.id)
        .unit(r.unit_id)
        .detail(json!({"attachment": a.id, "name": a.file_name}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
