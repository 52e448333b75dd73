//! Quotas: definitions and cells, counts, the hold on cases of full frame cells, and the
//! screening-out of a case.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::fieldwork::quotas::{Action, Cell, Dim, FrameValues, Quota};
use crate::surveys::model::Disposition;
use crate::{with_conn, with_db};

/// Rows read per batch by a recount.
const BATCH: i64 = 2_000;

type QuotaRow = (i64, String, String, Action, String);

/// The quotas of a survey with their cells, in the order they were made.
pub async fn list_quotas(db: &Db, survey_id: i64) -> AppResult<Vec<Quota>> {
    let rows: Vec<QuotaRow> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, name, dims, action, message FROM survey_quotas WHERE survey_id = $1 ORDER BY id"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    });
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let cells: Vec<(i64, String, i64, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT c.quota_id, c.cell, c.target, c.filled FROM survey_quota_cells c
         JOIN survey_quotas q ON q.id = c.quota_id WHERE q.survey_id = $1
         ORDER BY c.quota_id, c.position"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?);
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, dims, action, message) in rows {
        let dims: Vec<Dim> = serde_json::from_str(&dims).map_err(|e| {
            AppError::Internal(anyhow::anyhow!("quota {id}: stored dimensions: {e}"))
        })?;
        let own: Vec<Cell> = cells
            .iter()
            .filter(|c| c.0 == id)
            .map(|c| Cell {
                key: c.1.clone(),
                target: c.2,
                filled: c.3,
            })
            .collect();
        out.push(Quota {
            id,
            name,
            dims,
            action,
            message,
            cells: own,
        });
    }
    Ok(out)
}

/// Stores a quota with its cells `(key, target)` in this order; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_quota(
    tx: &mut Tx,
    survey_id: i64,
    name: &str,
    dims: &[Dim],
    action: Action,
    message: &str,
    cells: &[(String, i64)],
    user: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let dims = serde_json::to_string(dims).map_err(|e| AppError::Internal(e.into()))?;
    with_conn!(tx, |conn| {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO survey_quotas (survey_id, name, dims, action, message, created_by, created_at, counted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) RETURNING id",
        )
        .bind(survey_id)
        .bind(name)
        .bind(&dims)
        .bind(action.key())
        .bind(message)
        .bind(user)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        for (n, chunk) in cells.chunks(super::CHUNK).enumerate() {
            let sql = format!(
                "INSERT INTO survey_quota_cells (quota_id, cell, position, target) VALUES {}",
                super::values(1, 4, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, (key, target)) in chunk.iter().enumerate() {
                let position = (n * super::CHUNK + i) as i32;
                q = q.bind(id).bind(key).bind(position).bind(*target);
            }
            q.execute(&mut *conn).await?;
        }
        Ok::<i64, AppError>(id)
    })
}

/// Sets the targets of cells of a quota of the survey; `false` when the quota is not the
/// survey's. Unknown cell keys change nothing.
pub async fn set_targets(
    tx: &mut Tx,
    survey_id: i64,
    quota_id: i64,
    action: Action,
    message: &str,
    targets: &[(String, i64)],
) -> AppResult<bool> {
    with_conn!(tx, |conn| {
        let found = sqlx::query(
            "UPDATE survey_quotas SET action = $1, message = $2 WHERE id = $3 AND survey_id = $4",
        )
        .bind(action.key())
        .bind(message)
        .bind(quota_id)
        .bind(survey_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if found == 0 {
            return Ok(false);
        }
        for (key, target) in targets {
            sqlx::query(
                "UPDATE survey_quota_cells SET target = $1 WHERE quota_id = $2 AND cell = $3",
            )
            .bind(*target)
            .bind(quota_id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<bool, AppError>(true)
    })
}

/// Deletes a quota of the survey with its cells; `false` when it is not the survey's.
pub async fn delete_quota(tx: &mut Tx, survey_id: i64, quota_id: i64) -> AppResult<bool> {
    with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM survey_quota_cells WHERE quota_id IN (SELECT id FROM survey_quotas WHERE id = $1 AND survey_id = $2)")
            .bind(quota_id)
            .bind(survey_id)
            .execute(&mut *conn)
            .await?;
        let n = sqlx::query("DELETE FROM survey_quotas WHERE id = $1 AND survey_id = $2")
            .bind(quota_id)
            .bind(survey_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        Ok::<bool, AppError>(n == 1)
    })
}

/// The frame row of a case, if it was drawn from a frame.
pub async fn case_frame(db: &Db, case_id: i64) -> AppResult<Option<FrameValues>> {
    let row: Option<(String, String)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT f.stratum, f.attrs FROM survey_cases k JOIN survey_frame_rows f ON f.id = k.frame_row_id
         WHERE k.id = $1"
    )
    .bind(case_id)
    .fetch_optional(pool)
    .await?
    });
    Ok(row.map(|(s, a)| FrameValues::from_stored(s, &a)))
}

/// Distinct values of the stratum and of each attribute column over the survey's frames, with
/// how many frame rows have each: `(column, value, rows)`.
pub async fn frame_values(db: &Db, survey_id: i64) -> AppResult<Vec<(String, String, i64)>> {
    let mut counts: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for v in frame_rows_of_survey(db, survey_id).await? {
        if !v.stratum.is_empty() {
            *counts
                .entry(("stratum".into(), v.stratum.clone()))
                .or_default() += 1;
        }
        for (k, a) in v.attrs {
            if !a.is_empty() {
                *counts.entry((k, a)).or_default() += 1;
            }
        }
    }
    Ok(counts.into_iter().map(|((c, v), n)| (c, v, n)).collect())
}

/// Every frame row of the survey's frames.
pub async fn frame_rows_of_survey(db: &Db, survey_id: i64) -> AppResult<Vec<FrameValues>> {
    let rows: Vec<(String, String)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT r.stratum, r.attrs FROM survey_frame_rows r JOIN survey_frames f ON f.id = r.frame_id
         WHERE f.survey_id = $1"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    });
    Ok(rows_of(rows).collect())
}

fn rows_of(rows: Vec<(String, String)>) -> impl Iterator<Item = FrameValues> {
    rows.into_iter()
        .map(|(stratum, attrs)| FrameValues::from_stored(stratum, &attrs))
}

/// Adds one completed interview to a cell of a quota; `true` when that made the cell full.
pub async fn add_completion(db: &Db, quota_id: i64, cell: &str) -> AppResult<bool> {
    let row: Option<(i64, i64)> = with_db!(db, |pool| sqlx::query_as(
        "UPDATE survey_quota_cells SET filled = filled + 1
         WHERE quota_id = $1 AND cell = $2 RETURNING filled, target"
    )
    .bind(quota_id)
    .bind(cell)
    .fetch_optional(pool)
    .await?);
    Ok(row.is_some_and(|(filled, target)| filled == target))
}

/// One batch of completed interviews of a survey after response id `after`: `(id, answers,
/// frame row)`, the frame row when the response belongs to a case drawn from a frame.
pub async fn completed_batch(
    db: &Db,
    survey_id: i64,
    after: &str,
) -> AppResult<Vec<(String, String, Option<FrameValues>)>> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT r.id, r.data, f.stratum, f.attrs FROM survey_responses r
             LEFT JOIN survey_cases k ON k.id = r.case_id
             LEFT JOIN survey_frame_rows f ON f.id = k.frame_row_id
             WHERE r.survey_id = $1 AND r.status = 'complete' AND r.id > $2
             ORDER BY r.id LIMIT $3",
        )
        .bind(survey_id)
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, data, s, a)| {
            let frame = s.map(|s| FrameValues::from_stored(s, a.as_deref().unwrap_or("{}")));
            (id, data, frame)
        })
        .collect())
}

/// One batch of the survey's cases drawn from a frame after case id `after`: `(id, disposition,
/// held, frame row)`.
pub async fn frame_case_batch(
    db: &Db,
    survey_id: i64,
    after: i64,
) -> AppResult<Vec<(i64, Disposition, bool, FrameValues)>> {
    let rows: Vec<(i64, Disposition, i64, String, String)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT k.id, k.disposition, CAST(k.quota_held AS BIGINT), f.stratum, f.attrs FROM survey_cases k
             JOIN survey_frame_rows f ON f.id = k.frame_row_id
             WHERE k.survey_id = $1 AND k.id > $2 ORDER BY k.id LIMIT $3",
        )
        .bind(survey_id)
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, d, h, s, a)| (id, d, h != 0, FrameValues::from_stored(s, &a)))
        .collect())
}

/// Writes recounted cells `(key, filled)` of a quota counted from a snapshot taken at `started`,
/// unless a later recount wrote first; cells not listed count zero. `false` when skipped.
pub async fn write_counts(
    db: &Db,
    quota_id: i64,
    started: DateTime<Utc>,
    filled: &[(String, i64)],
) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let ok = with_conn!(&mut tx, |conn| {
        let fresh = sqlx::query(
            "UPDATE survey_quotas SET counted_at = $1 WHERE id = $2 AND (counted_at IS NULL OR counted_at <= $1)",
        )
        .bind(started)
        .bind(quota_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if fresh == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE survey_quota_cells SET filled = 0 WHERE quota_id = $1")
            .bind(quota_id)
            .execute(&mut *conn)
            .await?;
        for (key, n) in filled {
            sqlx::query(
                "UPDATE survey_quota_cells SET filled = $1 WHERE quota_id = $2 AND cell = $3",
            )
            .bind(*n)
            .bind(quota_id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<bool, AppError>(true)
    })?;
    tx.commit().await?;
    Ok(ok)
}

/// Sets or clears the quota hold of cases.
pub async fn set_held(db: &Db, ids: &[i64], held: bool) -> AppResult<()> {
    for chunk in ids.chunks(super::CHUNK) {
        let sql = format!(
            "UPDATE survey_cases SET quota_held = {} WHERE id IN ({})",
            i32::from(held),
            crate::db::placeholders(1, chunk.len())
        );
        with_db!(db, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(pool).await.map(|_| ())?
        });
    }
    Ok(())
}

/// Frees every case of the survey a quota held (when it has no quota left).
pub async fn clear_held(db: &Db, survey_id: i64) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE survey_cases SET quota_held = 0 WHERE survey_id = $1 AND quota_held <> 0"
    )
    .bind(survey_id)
    .execute(pool)
    .await
    .map(|_| ())?);
    Ok(())
}

/// Cases of the survey held by a quota now.
pub async fn count_held(db: &Db, survey_id: i64) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM survey_cases WHERE survey_id = $1 AND quota_held <> 0"
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?))
}

/// Screens a case out: its disposition becomes 4.80 (quota filled) unless it is complete, with
/// the event naming the quota. `false` when the case was complete or screened out already.
pub async fn screen_out_case(
    db: &Db,
    case_id: i64,
    mode: &str,
    quota: &str,
    user: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let moved = with_conn!(&mut tx, |conn| {
        let moved = sqlx::query(
            "UPDATE survey_cases SET disposition = $1, updated_at = $2, assigned_to = NULL, claim_expires_at = NULL
             WHERE id = $3 AND disposition NOT IN ('1.1', $1)",
        )
        .bind(Disposition::QuotaFilled.key())
        .bind(now)
        .bind(case_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if moved == 1 {
            sqlx::query(
                "INSERT INTO survey_case_events (case_id, at, kind, mode, outcome, disposition, user_id, note)
                 VALUES ($1, $2, 'screened', $3, NULL, $4, $5, $6)",
            )
            .bind(case_id)
            .bind(now)
            .bind(mode)
            .bind(Disposition::QuotaFilled.key())
            .bind(user)
            .bind(quota)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<bool, AppError>(moved == 1)
    })?;
    tx.commit().await?;
    Ok(moved)
}
