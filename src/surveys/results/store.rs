//! The SQL of the results: completed interviews with their case's design weight and stratum
//! (all of them, or those changed since a time, to refresh the ones held), and each survey's
//! weighting (method, trimming, population tables).

use chrono::{DateTime, Utc};

use super::model::Data;
use super::model::data::{
    ATTR_COLUMN, Fingerprint, MEMBER_COLUMN, Meta, STRATUM_COLUMN, UNIT_COLUMN,
};
use super::model::population::TableSource;
use super::model::weighting::{Method, PopTable, Spec};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::{with_conn, with_db};

/// Rows read per batch.
const BATCH: i64 = 5_000;

/// What a survey's completed interviews look like from outside: how many, the latest change,
/// and the sum of their cases' design weights (a release batch reweights them). Cheap to read
/// (an index range); when it is unchanged, so are the interviews.
pub async fn fingerprint(db: &Db, survey_id: i64) -> AppResult<Fingerprint> {
    let row: (i64, Option<DateTime<Utc>>, Option<f64>) = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT COUNT(*), MAX(r.updated_at), SUM(k.weight) FROM survey_responses r
             LEFT JOIN survey_cases k ON k.id = r.case_id
             WHERE r.survey_id = $1 AND r.status = 'complete'",
        )
        .bind(survey_id)
        .fetch_one(pool)
        .await?
    });
    Ok(Fingerprint {
        count: row.0,
        latest: row.1,
        weight: row.2.unwrap_or(0.0),
    })
}

/// The completed interviews of the surveys `ids` (a survey, or the waves of a series), whatever
/// version they answered (variables keep their names across versions), with the design weight
/// and stratum of the case they belong to, if any, and their survey as the wave. Only
/// top-level text answers are kept.
pub async fn completed_data(db: &Db, ids: &[i64]) -> AppResult<Data> {
    let mut out = Data::default();
    for &survey_id in ids {
        read_interviews(db, survey_id, None, &mut out).await?;
    }
    Ok(out.finish())
}

/// How long before it commits a write may take the time it stamps on a response (and how far
/// apart the servers' clocks may be).
const STAMP_TO_COMMIT: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Brings `data`, the completed interviews of survey `survey_id` as read by a read that
/// started at `read_at` (it saw every write committed before), up to date with the interviews
/// changed since: a new one is added, one held is replaced (its answers may have been edited).
/// Returns the latest change among those read.
///
/// A write stamps `updated_at` with the time it takes, or for an anonymous survey with the
/// start of that day (UTC, `surveys::store::day_of`), at most [`STAMP_TO_COMMIT`] before it
/// commits; so a write that committed after `read_at` is stamped at or after the start of the
/// day of `read_at` less that margin, and the interviews changed at or after it (`>=`: equal
/// stamps are read again) are read, each one replacing what `data` holds under its response
/// id. What this cannot see (a response deleted, a case reweighted) is for the caller to check
/// ([`Fingerprint::admits`]).
pub async fn refresh_data(
    db: &Db,
    survey_id: i64,
    read_at: DateTime<Utc>,
    data: &mut Data,
) -> AppResult<Option<DateTime<Utc>>> {
    let since = crate::surveys::store::day_of(read_at - STAMP_TO_COMMIT);
    data.reopen();
    let read = read_interviews(db, survey_id, Some(since), data).await;
    data.close();
    read
}

/// What the results read of a completed interview: its id, answers and completion, its case's
/// design weight, its frame row's stratum, cluster and attributes, its unit's name, its
/// sample's method, its last change, its frame member's id ([`Interview`]). One text, so that every read of the
/// interviews reads them alike.
macro_rules! interview_select {
    () => {
        "SELECT r.id, r.data, r.completed_at, k.weight, f.stratum, f.cluster, f.attrs,
                u.name, s.method, r.updated_at, f.ext_id
             FROM survey_responses r
             LEFT JOIN survey_cases k ON k.id = r.case_id
             LEFT JOIN survey_frame_rows f ON f.id = k.frame_row_id
             LEFT JOIN units u ON u.id = f.unit_id
             LEFT JOIN survey_samples s ON s.id = k.sample_id
             WHERE r.survey_id = $1 AND r.status = 'complete' "
    };
}

/// Reads the completed interviews of survey `survey_id` into `out` by batches: every one in
/// response id order (`since` none; each added), or those changed at or after `since` in order
/// of change (index `survey_responses_changed`; each added or replacing the one held with its
/// id). Returns the latest change among those read.
async fn read_interviews(
    db: &Db,
    survey_id: i64,
    since: Option<DateTime<Utc>>,
    out: &mut Data,
) -> AppResult<Option<DateTime<Utc>>> {
    let mut latest = None;
    let mut after = String::new();
    let mut after_change = since;
    loop {
        let batch: Vec<Interview> =
            with_db!(db, |pool| {
                match after_change {
                    None => {
                        sqlx::query_as(concat!(
                            interview_select!(),
                            "AND r.id > $2 ORDER BY r.id LIMIT $3"
                        ))
                        .bind(survey_id)
                        .bind(&after)
                        .bind(BATCH)
                        .fetch_all(pool)
                        .await?
                    }
                    // `(since, '')` comes before every response changed at `since`.
                    Some(at) => sqlx::query_as(concat!(
                        interview_select!(),
                        "AND (r.updated_at, r.id) > ($2, $3) ORDER BY r.updated_at, r.id LIMIT $4"
                    ))
                    .bind(survey_id)
                    .bind(at)
                    .bind(&after)
                    .bind(BATCH)
                    .fetch_all(pool)
                    .await?,
                }
            });
        let Some(last) = batch.last() else { break };
        after = last.0.clone();
        if since.is_some() {
            after_change = Some(last.9);
        }
        for (id, data, completed, weight, stratum, cluster, attrs, unit, method, updated, member) in
            batch
        {
            latest = latest.max(Some(updated));
            let answers: TopLevel = serde_json::from_str(&data).unwrap_or_default();
            // The frame row's stratum, unit and attributes as columns a domain may use.
            let attrs: Vec<(String, String)> = attrs
                .as_deref()
                .and_then(|a| {
                    serde_json::from_str::<std::collections::BTreeMap<String, String>>(a).ok()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (format!("{ATTR_COLUMN}{k}"), v))
                .collect();
            let frame = [
                (STRATUM_COLUMN, stratum.as_deref().unwrap_or("")),
                (UNIT_COLUMN, unit.as_deref().unwrap_or("")),
                (MEMBER_COLUMN, member.as_deref().unwrap_or("")),
            ];
            let answers = answers
                .0
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_ref()))
                .chain(frame)
                .chain(attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let meta = Meta {
                weight,
                // A cluster is a primary sampling unit only in a two-stage sample; it is
                // nested in its stratum.
                cluster: cluster.filter(|_| method.as_deref() == Some("two_stage")),
                stratum: stratum.clone(),
                day: completed.map(crate::kit::time::vn_date),
                wave: survey_id,
            };
            if since.is_some() {
                out.upsert(&id, answers, meta);
            } else {
                out.push_interview(&id, answers, meta);
            }
        }
    }
    Ok(latest)
}

/// A completed interview as read: id, answers, completion, its case's design weight, its frame
/// row's stratum, cluster and attributes, its unit's name, its sample's method, its last change,
/// its frame member's id.
type Interview = (
    String,
    String,
    Option<DateTime<Utc>>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    Option<String>,
);

/// The top-level text answers of a stored record, borrowed from its JSON where no escape
/// forces a copy; repeats and other non-text values are skipped without being built.
#[derive(Default)]
struct TopLevel<'a>(Vec<(std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>);

impl<'de> serde::Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = TopLevel<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(64));
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    if let Text(Some(v)) = m.next_value::<Text<'de>>()? {
                        out.push((k, v));
                    }
                }
                Ok(TopLevel(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A value kept when it is a string.
struct Text<'a>(Option<std::borrow::Cow<'a, str>>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(std::borrow::Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(std::borrow::Cow::Owned(v))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                while m
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(Visit)
    }
}

type TableRow = (i64, String, String, String);

/// A survey's weighting (method `none` and no tables when never set).
pub async fn weighting(db: &Db, survey_id: i64) -> AppResult<Spec> {
    let head: Option<(Method, Option<f64>)> = with_db!(db, |pool| {
        sqlx::query_as("SELECT method, trim_ratio FROM survey_weighting WHERE survey_id = $1")
            .bind(survey_id)
            .fetch_optional(pool)
            .await?
    });
    let rows: Vec<TableRow> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, name, variables, cells FROM survey_population_tables
             WHERE survey_id = $1 ORDER BY id",
        )
        .bind(survey_id)
        .fetch_all(pool)
        .await?
    });
    let mut tables = Vec::with_capacity(rows.len());
    for (id, name, variables, cells) in rows {
        let bad = |e: serde_json::Error| {
            AppError::Internal(anyhow::anyhow!("population table {id}: {e}"))
        };
        tables.push(PopTable {
            id,
            name,
            variables: serde_json::from_str(&variables).map_err(bad)?,
            cells: serde_json::from_str(&cells).map_err(bad)?,
        });
    }
    let (method, trim) = head.unwrap_or((Method::None, None));
    Ok(Spec {
        method,
        tables,
        trim,
    })
}

/// Sets a survey's method and trimming.
pub async fn set_method(
    tx: &mut Tx,
    survey_id: i64,
    method: Method,
    trim: Option<f64>,
    user: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_weighting (survey_id, method, trim_ratio, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (survey_id) DO UPDATE SET method = excluded.method,
                trim_ratio = excluded.trim_ratio, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at",
        )
        .bind(survey_id)
        .bind(method.key())
        .bind(trim)
        .bind(user)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Stores a population table; returns its id.
pub async fn insert_table(
    tx: &mut Tx,
    survey_id: i64,
    t: &PopTable,
    user: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let ser = |v: serde_json::Result<String>| v.map_err(|e| AppError::Internal(e.into()));
    let variables = ser(serde_json::to_string(&t.variables))?;
    let cells = ser(serde_json::to_string(&t.cells))?;
    let id: i64 = with_conn!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO survey_population_tables (survey_id, name, variables, cells, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(survey_id)
        .bind(&t.name)
        .bind(&variables)
        .bind(&cells)
        .bind(user)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Records where a stored population table came from, and the references of its figures.
pub async fn set_table_source(
    tx: &mut Tx,
    id: i64,
    source: TableSource,
    note: &str,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "UPDATE survey_population_tables SET source = $1, source_note = $2 WHERE id = $3",
        )
        .bind(source.key())
        .bind(note)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Where each population table of a survey came from: `(table id, source, references)`.
pub async fn table_sources(db: &Db, survey_id: i64) -> AppResult<Vec<(i64, TableSource, String)>> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, source, source_note FROM survey_population_tables
             WHERE survey_id = $1 ORDER BY id",
        )
        .bind(survey_id)
        .fetch_all(pool)
        .await?
    }))
}

/// Deletes a survey's population table; whether there was one.
pub async fn delete_table(tx: &mut Tx, survey_id: i64, id: i64) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| {
        sqlx::query("DELETE FROM survey_population_tables WHERE id = $1 AND survey_id = $2")
            .bind(id)
            .bind(survey_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n > 0)
}

/// Copies a survey's weighting and population tables to another (a new wave starts weighted
/// as the last one).
pub async fn copy_weighting(tx: &mut Tx, from: i64, to: i64) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
            "INSERT INTO survey_weighting (survey_id, method, trim_ratio, updated_by, updated_at)
             SELECT $2, method, trim_ratio, updated_by, updated_at FROM survey_weighting
             WHERE survey_id = $1",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO survey_population_tables
                 (survey_id, name, variables, cells, created_by, created_at, source, source_note)
             SELECT $2, name, variables, cells, created_by, created_at, source, source_note
             FROM survey_population_tables WHERE survey_id = $1 ORDER BY id",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}
