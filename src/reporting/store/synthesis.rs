//! City streams of the monthly synthesis: merging and unmerging streams, and their edited text.

use chrono::{DateTime, Utc};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::reporting::model::Direction;
use crate::{with_conn, with_db};

use super::streams::Stream;

/// A city stream of the synthesis.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CityStream {
    /// Id.
    pub id: i64,
    /// Month.
    pub period: String,
    /// Topic.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope.
    pub scope: String,
    /// Direction.
    pub direction: Direction,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Owner (the centre).
    pub owner_unit_id: i64,
}

const CITY_SELECT: &str =
    "SELECT id, period, topic_id, summary, scope, direction, causes, forecast, recommendation,
    owner_unit_id FROM city_streams";

/// City streams of a month.
pub async fn list_city_streams(db: &Db, period: &str) -> AppResult<Vec<CityStream>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{CITY_SELECT} WHERE period = $1 ORDER BY topic_id, id"
    ));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(period)
        .fetch_all(pool)
        .await?))
}

/// One city stream.
pub async fn find_city_stream(db: &Db, id: i64) -> AppResult<Option<CityStream>> {
    let sql = sqlx::AssertSqlSafe(format!("{CITY_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Merges streams into a new city stream (its text taken from `seed`), or into `into` when given;
/// streams already merged elsewhere move. Returns the city stream's id.
pub async fn merge_streams(
    tx: &mut Tx,
    into: Option<i64>,
    seed: &Stream,
    ids: &[i64],
    owner_unit_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let city_id: i64 = match into {
        Some(id) => id,
        None => with_conn!(tx, |conn| {
            sqlx::query_scalar(
            "INSERT INTO city_streams (period, topic_id, summary, scope, direction, causes, forecast, recommendation,
               owner_unit_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&seed.period)
        .bind(seed.topic_id)
        .bind(&seed.summary)
        .bind(&seed.scope)
        .bind(seed.direction.key())
        .bind(&seed.causes)
        .bind(&seed.forecast)
        .bind(&seed.recommendation)
        .bind(owner_unit_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        }),
    };
    for id in ids {
        with_conn!(tx, |conn| sqlx::query(
            "UPDATE streams SET city_stream_id = $1 WHERE id = $2 AND period = $3"
        )
        .bind(city_id)
        .bind(*id)
        .bind(&seed.period)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    with_conn!(tx, |conn| {
        sqlx::query(
        "DELETE FROM city_streams WHERE period = $1 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.city_stream_id = city_streams.id)",
    )
    .bind(&seed.period)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(city_id)
}

/// Takes a stream out of its city stream; a city stream left empty is removed.
pub async fn unmerge_stream(tx: &mut Tx, city_id: i64, stream_id: i64) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| sqlx::query(
        "UPDATE streams SET city_stream_id = NULL WHERE id = $1 AND city_stream_id = $2",
    )
    .bind(stream_id)
    .bind(city_id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    let gone = with_conn!(tx, |conn| {
        sqlx::query(
        "DELETE FROM city_streams WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.city_stream_id = $1)",
    )
    .bind(city_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(gone > 0)
}

/// The edited text of a city stream.
pub struct CityText<'a> {
    /// Summary.
    pub summary: &'a str,
    /// Scope key.
    pub scope: &'a str,
    /// Direction.
    pub direction: Direction,
    /// Causes.
    pub causes: &'a str,
    /// Forecast.
    pub forecast: &'a str,
    /// Recommendation.
    pub recommendation: &'a str,
}

/// Saves a city stream's text.
pub async fn update_city_stream(
    tx: &mut Tx,
    id: i64,
    t: &CityText<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE city_streams SET summary = $1, scope = $2, direction = $3, causes = $4, forecast = $5,
           recommendation = $6, updated_at = $7 WHERE id = $8"
    )
    .bind(t.summary)
    .bind(t.scope)
    .bind(t.direction.key())
    .bind(t.causes)
    .bind(t.forecast)
    .bind(t.recommendation)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
