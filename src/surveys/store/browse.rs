//! Staff's reads and corrections of responses: the browser's filtered pages, counts per day
//! and unit, corrections and deletions, and the keyset batches that exports stream.

use chrono::{DateTime, NaiveDate, Utc};

use super::{RESPONSE_COLS, ResponseRow};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::surveys::model::ResponseStatus;
use crate::{with_conn, with_db};

/// Filter of the responses browser.
#[derive(Clone, Debug, Default)]
pub struct ResponseFilter {
    /// Partial, complete, or any (`None`).
    pub status: Option<ResponseStatus>,
    /// First day (of start).
    pub from: Option<NaiveDate>,
    /// Last day (of start).
    pub to: Option<NaiveDate>,
}

enum Bind {
    Text(String),
    Time(DateTime<Utc>),
}

fn filter_sql(f: &ResponseFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from(" WHERE survey_id = $1");
    let mut binds = Vec::new();
    if let Some(s) = &f.status {
        binds.push(Bind::Text(s.key().to_string()));
        sql.push_str(&format!(" AND status = ${}", binds.len() + 1));
    }
    if let Some(d) = f.from {
        binds.push(Bind::Time(d.and_hms_opt(0, 0, 0).unwrap().and_utc()));
        sql.push_str(&format!(" AND started_at >= ${}", binds.len() + 1));
    }
    if let Some(d) = f.to {
        binds.push(Bind::Time(
            (d + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc(),
        ));
        sql.push_str(&format!(" AND started_at < ${}", binds.len() + 1));
    }
    (sql, binds)
}

/// One page of responses, newest first, and the total matching.
pub async fn list_responses(
    db: &Db,
    survey_id: i64,
    f: &ResponseFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ResponseRow>, i64)> {
    let (where_sql, binds) = filter_sql(f);
    let n = binds.len();
    let list = sqlx::AssertSqlSafe(format!(
        "{RESPONSE_COLS}{where_sql} ORDER BY started_at DESC, id LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    ));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM survey_responses{where_sql}"));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(list).bind(survey_id);
        let mut c = sqlx::query_scalar(count).bind(survey_id);
        for b in &binds {
            match b {
                Bind::Text(t) => {
                    q = q.bind(t.clone());
                    c = c.bind(t.clone());
                }
                Bind::Time(t) => {
                    q = q.bind(*t);
                    c = c.bind(*t);
                }
            }
        }
        let rows: Vec<ResponseRow> = q.bind(limit).bind(offset).fetch_all(pool).await?;
        let total: i64 = c.fetch_one(pool).await?;
        (rows, total)
    }))
}

/// Complete and partial responses per day of start.
pub async fn count_per_day(
    db: &Db,
    survey_id: i64,
) -> AppResult<Vec<(String, ResponseStatus, i64)>> {
    let rows: Vec<(DateTime<Utc>, ResponseStatus)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT started_at, status FROM survey_responses WHERE survey_id = $1"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?);
    let mut map = std::collections::BTreeMap::<(String, ResponseStatus), i64>::new();
    for (t, s) in rows {
        *map.entry((t.date_naive().to_string(), s)).or_default() += 1;
    }
    Ok(map.into_iter().map(|((d, s), n)| (d, s, n)).collect())
}

/// Responses per unit they count for.
pub async fn count_per_unit(db: &Db, survey_id: i64) -> AppResult<Vec<(Option<i64>, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT unit_id, COUNT(*) FROM survey_responses WHERE survey_id = $1 GROUP BY unit_id ORDER BY unit_id"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Replaces a response's answers (staff correction).
pub async fn update_response_data(
    tx: &mut Tx,
    id: &str,
    data: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let digest = crate::surveys::model::digest_record(data);
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE survey_responses SET data = $1, digest = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(data)
    .bind(digest)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ())?);
    Ok(())
}

/// Deletes a response.
pub async fn delete_response(tx: &mut Tx, id: &str) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM survey_responses WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ())?);
    Ok(())
}

/// The next batch of complete responses after `after` (by id) for streaming exports:
/// `(id, version_id, completed_at, data)`.
pub async fn next_export_batch(
    db: &Db,
    survey_id: i64,
    after: &str,
    limit: i64,
) -> AppResult<Vec<(String, i64, Option<DateTime<Utc>>, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, version_id, completed_at, data FROM survey_responses
         WHERE survey_id = $1 AND status = 'complete' AND id > $2 ORDER BY id LIMIT $3"
    )
    .bind(survey_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// Number of complete responses.
pub async fn count_complete(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND status = 'complete'"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?))
}
