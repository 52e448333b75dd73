//! JSON submissions under client ids: stored once, committed before the answer; on SQLite by
//! one group-commit writer thread, on PostgreSQL one transaction each.

use chrono::{DateTime, Utc};

use super::{day_of, db_key};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::model::ResponseStatus;
use crate::with_conn;

/// What storing a submission did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Newly stored.
    New,
    /// The same submission was stored before (a retry): nothing changed.
    Retry,
    /// Another submission with the same id exists (a replay): refused.
    Replay,
}

/// A submission waiting to be stored.
#[derive(Clone, Debug)]
pub struct NewSubmission {
    /// Client id.
    pub id: String,
    /// Survey.
    pub survey_id: i64,
    /// Version answered.
    pub version_id: i64,
    /// Complete or partial.
    pub complete: bool,
    /// The record as JSON.
    pub data: String,
    /// Keep only the day of its times.
    pub anonymous: bool,
    /// Unit it counts for.
    pub unit_id: i64,
}

/// Stores one submission inside an open transaction (`ON CONFLICT (id) DO NOTHING`, then the
/// digest tells a retry from a replay).
async fn insert_one_submission(
    tx: &mut Tx,
    s: &NewSubmission,
    now: DateTime<Utc>,
) -> AppResult<Stored> {
    Ok(with_conn!(tx, |conn| {
        let digest = crate::surveys::model::digest_record(&s.data);
        let stamp = if s.anonymous { day_of(now) } else { now };
        let status = ResponseStatus::of(s.complete).key();
        let inserted: Option<String> = sqlx::query_scalar(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at)
             VALUES ($1, $2, $3, NULL, NULL, 'web', $4, '', $5, $6, $7, $8, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&s.id)
        .bind(s.survey_id)
        .bind(s.version_id)
        .bind(status)
        .bind(&s.data)
        .bind(&digest)
        .bind(s.unit_id)
        .bind(stamp)
        .bind(s.complete.then_some(stamp))
        .fetch_optional(&mut *conn)
        .await?;
        if inserted.is_some() {
            Stored::New
        } else {
            let existing: Option<(i64, String)> =
                sqlx::query_as("SELECT survey_id, digest FROM survey_responses WHERE id = $1")
                    .bind(&s.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match existing {
                Some((sid, d)) if sid == s.survey_id && d == digest => Stored::Retry,
                _ => Stored::Replay,
            }
        }
    }))
}

/// Submissions the SQLite writer takes at once (one transaction).
const WRITER_BATCH: usize = 1024;

/// Most rows in one multi-row `INSERT` (10 parameters each: 2,560, far under SQLite's 32,766)
/// or ids in one `IN` lookup. A batch is cut into pieces of 256 rows, then powers of two, so
/// that only nine statement shapes of each exist and all stay in the prepared-statement cache.
/// The parameters are anonymous (`?`): SQLite looks a numbered parameter up by scanning the
/// statement's list of names, so binding `$1 … $2304` would cost more than inserting.
const ROWS_PER_STATEMENT: usize = 256;

/// Sizes of the statements for `n` rows: 256 as often as possible, then powers of two.
fn statement_sizes(mut n: usize) -> Vec<usize> {
    let mut out = vec![ROWS_PER_STATEMENT; n / ROWS_PER_STATEMENT];
    n %= ROWS_PER_STATEMENT;
    let mut p = ROWS_PER_STATEMENT / 2;
    while n > 0 {
        if n >= p {
            out.push(p);
            n -= p;
        }
        p /= 2;
    }
    out
}

/// A submission waiting for the SQLite writer: the submission, its digest (computed by the
/// request's task, not by the writer) and where to send the answer.
struct Job {
    s: NewSubmission,
    digest: String,
    reply: tokio::sync::oneshot::Sender<Result<Stored, String>>,
}

/// `?, ?, …` for `n` anonymous parameters.
fn anonymous_params(n: usize) -> String {
    let mut out = String::with_capacity(n * 3);
    for k in 0..n {
        if k > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out
}

/// Stores a batch of submissions in an open `IMMEDIATE` transaction of the writer's own
/// connection, with multi-row statements. First the ids of the batch that are already stored
/// are read (a few `IN` lookups, usually finding nothing); then the new ones are inserted. The
/// transaction holds the write lock, so nothing can come in between. Returns what happened to
/// each, in order: the first of the batch with a new id is [`Stored::New`]; a submission whose
/// id exists (stored before, or earlier in this batch) is a [`Stored::Retry`] when its survey
/// and digest match, else a [`Stored::Replay`].
fn insert_batch_sqlite(
    tx: &rusqlite::Transaction<'_>,
    jobs: &[Job],
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<Stored>> {
    use chrono::SecondsFormat;
    use std::collections::HashMap;
    // What was stored before this batch, by id: (survey, digest).
    let mut known: HashMap<String, (i64, String)> = HashMap::new();
    let mut at = 0;
    for size in statement_sizes(jobs.len()) {
        let sql = format!(
            "SELECT id, survey_id, digest FROM survey_responses WHERE id IN ({})",
            anonymous_params(size)
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, job) in jobs[at..at + size].iter().enumerate() {
            stmt.raw_bind_parameter(k + 1, job.s.id.as_str())?;
        }
        at += size;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            known.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
        }
    }
    // Decide each in order; the first of a new id is inserted, later ones compare with it.
    let mut out = Vec::with_capacity(jobs.len());
    let mut fresh: Vec<&Job> = Vec::with_capacity(jobs.len());
    for job in jobs {
        match known.get(&job.s.id) {
            Some((sid, d)) => out.push(if *sid == job.s.survey_id && *d == job.digest {
                Stored::Retry
            } else {
                Stored::Replay
            }),
            None => {
                known.insert(job.s.id.clone(), (job.s.survey_id, job.digest.clone()));
                fresh.push(job);
                out.push(Stored::New);
            }
        }
    }
    // Times as sqlx writes them (RFC 3339), so that both connections' rows compare alike.
    let stamp_of = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let (exact, day) = (stamp_of(now), stamp_of(day_of(now)));
    let mut at = 0;
    for size in statement_sizes(fresh.len()) {
        let mut sql = String::with_capacity(300 + size * 52);
        sql.push_str(
            "INSERT INTO survey_responses (id, survey_id, version_id, case_id, resume_hash, mode, status, page, data, digest, unit_id, started_at, updated_at, completed_at) VALUES ",
        );
        for k in 0..size {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, NULL, NULL, 'web', ?, '', ?, ?, ?, ?, ?, ?)");
        }
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, job) in fresh[at..at + size].iter().enumerate() {
            let s = &job.s;
            let stamp = if s.anonymous { &day } else { &exact };
            let p = k * 10;
            stmt.raw_bind_parameter(p + 1, s.id.as_str())?;
            stmt.raw_bind_parameter(p + 2, s.survey_id)?;
            stmt.raw_bind_parameter(p + 3, s.version_id)?;
            stmt.raw_bind_parameter(p + 4, ResponseStatus::of(s.complete).key())?;
            stmt.raw_bind_parameter(p + 5, s.data.as_str())?;
            stmt.raw_bind_parameter(p + 6, job.digest.as_str())?;
            stmt.raw_bind_parameter(p + 7, s.unit_id)?;
            stmt.raw_bind_parameter(p + 8, stamp.as_str())?;
            stmt.raw_bind_parameter(p + 9, stamp.as_str())?;
            stmt.raw_bind_parameter(p + 10, s.complete.then_some(stamp.as_str()))?;
        }
        at += size;
        let n = stmt.raw_execute()?;
        if n != size {
            return Err(rusqlite::Error::StatementChangedRows(n));
        }
    }
    Ok(out)
}

/// Stores `jobs` in one transaction and answers each (emptying `jobs`). On an error nothing of
/// the batch is stored and every submission of it gets the error.
fn write_jobs(conn: &mut rusqlite::Connection, jobs: &mut Vec<Job>) {
    let now = Utc::now();
    let clock = std::time::Instant::now();
    let mut marks = [0u128; 3];
    let result = (|| {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        marks[0] = clock.elapsed().as_micros();
        let out = insert_batch_sqlite(&tx, jobs, now)?;
        marks[1] = clock.elapsed().as_micros();
        tx.commit()?;
        marks[2] = clock.elapsed().as_micros();
        Ok::<_, rusqlite::Error>(out)
    })();
    tracing::debug!(
        rows = jobs.len(),
        begin = marks[0] as u64,
        write = (marks[1].saturating_sub(marks[0])) as u64,
        commit = (marks[2].saturating_sub(marks[1])) as u64,
        "submissions stored (µs)"
    );
    match result {
        Ok(stored) => {
            for (job, st) in jobs.drain(..).zip(stored) {
                let _ = job.reply.send(Ok(st));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for job in jobs.drain(..) {
                let _ = job.reply.send(Err(msg.clone()));
            }
        }
    }
}

/// The group-commit writer of an SQLite database: one thread takes the submissions waiting and
/// stores them in one transaction, then answers each once the commit is done. SQLite has one
/// writer at a time; this keeps it busy with whole batches instead of lock retries.
///
/// The thread has its own connection (rusqlite, synchronous): through the pool, every statement
/// would be a round trip to the connection's worker thread, and `RETURNING` rows come back one
/// message each. Its own thread, because on the server's runtime the writer would wait its turn
/// behind every request task at each step of a batch, and all of them wait for it.
fn sqlite_writer(pool: &sqlx::SqlitePool) -> tokio::sync::mpsc::Sender<Job> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static WRITERS: OnceLock<Mutex<HashMap<String, tokio::sync::mpsc::Sender<Job>>>> =
        OnceLock::new();
    let key = db_key(&Db::Sqlite(pool.clone()));
    let mut writers = WRITERS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(tx) = writers.get(&key)
        && !tx.is_closed()
    {
        return tx.clone();
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(4096);
    let path = pool.connect_options().get_filename().to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("duluan-submissions".into())
        .spawn(move || {
            let started = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| {
                    crate::db::open_sqlite_writer(&path)
                        .map(|conn| (rt, conn))
                        .map_err(|e| e.to_string())
                });
            let (runtime, mut conn) = match started {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::error!(error = %e, "the submission writer cannot start");
                    // Answer what is waiting; the next submission tries a new writer.
                    rx.close();
                    while let Ok(job) = rx.try_recv() {
                        let _ = job.reply.send(Err(e.clone()));
                    }
                    return;
                }
            };
            let mut jobs: Vec<Job> = Vec::with_capacity(WRITER_BATCH);
            loop {
                let idle = std::time::Duration::from_secs(60);
                // The timer is made inside the runtime (it needs the runtime's clock).
                let got = runtime.block_on(async {
                    tokio::time::timeout(idle, rx.recv_many(&mut jobs, WRITER_BATCH)).await
                });
                match got {
                    Ok(0) => break,
                    Ok(_) => {}
                    // Idle for a minute: stop taking submissions, store those already queued,
                    // and end (the next submission starts a new writer).
                    Err(_) => {
                        rx.close();
                        while let Ok(job) = rx.try_recv() {
                            jobs.push(job);
                        }
                        if jobs.is_empty() {
                            break;
                        }
                    }
                }
                write_jobs(&mut conn, &mut jobs);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the submission writer cannot start");
    }
    writers.insert(key, tx.clone());
    tx
}

/// Stores a submission of the JSON API under its client id: once, durably (committed before
/// this returns), a retry changes nothing. On SQLite concurrent submissions are committed
/// together by one writer (group commit); on PostgreSQL each is its own transaction.
pub async fn insert_submission(db: &Db, s: NewSubmission) -> AppResult<Stored> {
    match db {
        Db::Sqlite(pool) => {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let digest = crate::surveys::model::digest_record(&s.data);
            // A writer that has just stopped for idleness refuses the job: the next one takes it.
            let job = match sqlite_writer(pool).send(Job { s, digest, reply }).await {
                Ok(()) => None,
                Err(tokio::sync::mpsc::error::SendError(job)) => Some(job),
            };
            if let Some(job) = job {
                sqlite_writer(pool).send(job).await.map_err(|_| {
                    AppError::Internal(anyhow::anyhow!("the submission writer stopped"))
                })?;
            }
            answer
                .await
                .map_err(|_| AppError::Internal(anyhow::anyhow!("the submission writer stopped")))?
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("storing a submission failed: {e}"))
                })
        }
        Db::Pg(_) => {
            let now = Utc::now();
            let mut tx = db.begin().await?;
            let stored = insert_one_submission(&mut tx, &s, now).await?;
            tx.commit().await?;
            Ok(stored)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_into_few_statement_shapes() {
        assert_eq!(statement_sizes(0), Vec::<usize>::new());
        assert_eq!(statement_sizes(1), vec![1]);
        assert_eq!(statement_sizes(1000), vec![256, 256, 256, 128, 64, 32, 8]);
        for n in 0..3000 {
            let sizes = statement_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(
                sizes
                    .iter()
                    .all(|s| s.is_power_of_two() && *s <= ROWS_PER_STATEMENT)
            );
        }
    }
}
