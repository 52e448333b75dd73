//! Cases (*trường hợp*): one-time token cases (only the token's hash is stored) and their
//! dispositions.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::surveys::model::{CollectionMode, Disposition};
use crate::{with_conn, with_db};

/// Creates one-time token cases (only the tokens' hashes are stored).
pub async fn insert_token_cases(
    tx: &mut Tx,
    survey_id: i64,
    mode: CollectionMode,
    hashes: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        for h in hashes {
            sqlx::query(
                "INSERT INTO survey_cases (survey_id, mode, token_hash, unit_id, disposition, contact_ref, created_at, updated_at)
                 VALUES ($1, $2, $3, NULL, '3.19', NULL, $4, $4)",
            )
            .bind(survey_id)
            .bind(mode.key())
            .bind(h)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<(), AppError>(())
    })
}

/// A case found by its token: `(case id, survey id, disposition)`. The token is the case's own
/// (`survey_cases.token_hash`) or one mailed to it by fieldwork (`survey_case_tokens`).
pub async fn find_case_by_token(
    db: &Db,
    token_hash: &str,
) -> AppResult<Option<(i64, i64, Disposition)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, survey_id, disposition FROM survey_cases WHERE token_hash = $1
         UNION ALL
         SELECT k.id, k.survey_id, k.disposition FROM survey_case_tokens t
             JOIN survey_cases k ON k.id = t.case_id WHERE t.token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

/// Cases per disposition code.
pub async fn count_cases(db: &Db, survey_id: i64) -> AppResult<Vec<(Disposition, i64)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT disposition, COUNT(*) FROM survey_cases WHERE survey_id = $1 GROUP BY disposition ORDER BY disposition"
    )
    .bind(survey_id)
    .fetch_all(pool)
    .await?
    }))
}
