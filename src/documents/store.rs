//! All of the documents context's SQL: issuers' settings, the yearly numbers, documents, their
//! blocks, frozen files and events.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Db, Tx, placeholders};
use crate::documents::model::{BlockKind, DocKind, DocStatus, Issuer, Layout, NewBlock};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// An issuer's settings as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
struct IssuerRow {
    layout: Layout,
    superior_body: String,
    issuing_body: String,
    symbol: String,
    place: String,
    signatory_authority: String,
    signatory_position: String,
    signatory_name: String,
    recipients: String,
}

/// A unit's issuer settings, if set.
pub async fn find_issuer(db: &Db, unit_id: i64) -> AppResult<Option<Issuer>> {
    let row: Option<IssuerRow> = with_db!(db, |pool| sqlx::query_as(
        "SELECT layout, superior_body, issuing_body, symbol, place, signatory_authority,
                signatory_position, signatory_name, recipients
         FROM document_issuers WHERE unit_id = $1"
    )
    .bind(unit_id)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|r| Issuer {
        layout: r.layout,
        superior_body: r.superior_body,
        issuing_body: r.issuing_body,
        symbol: r.symbol,
        place: r.place,
        signatory_authority: r.signatory_authority,
        signatory_position: r.signatory_position,
        signatory_name: r.signatory_name,
        recipients: r
            .recipients
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect(),
    }))
}

/// Sets a unit's issuer settings.
pub async fn put_issuer(
    tx: &mut Tx,
    unit_id: i64,
    i: &Issuer,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO document_issuers (unit_id, layout, superior_body, issuing_body, symbol, place,
            signatory_authority, signatory_position, signatory_name, recipients, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (unit_id) DO UPDATE SET layout = excluded.layout,
            superior_body = excluded.superior_body, issuing_body = excluded.issuing_body,
            symbol = excluded.symbol, place = excluded.place,
            signatory_authority = excluded.signatory_authority,
            signatory_position = excluded.signatory_position,
            signatory_name = excluded.signatory_name, recipients = excluded.recipients,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at"
    )
    .bind(unit_id)
    .bind(i.layout.key())
    .bind(&i.superior_body)
    .bind(&i.issuing_body)
    .bind(&i.symbol)
    .bind(&i.place)
    .bind(&i.signatory_authority)
    .bind(&i.signatory_position)
    .bind(&i.signatory_name)
    .bind(i.recipients.join("\n"))
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// Takes the next number of a unit's year (1 for the first); the row stays locked to the end of
/// the transaction, so two approvals never get the same number.
pub async fn next_number(tx: &mut Tx, unit_id: i64, year: i32) -> AppResult<i32> {
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(
        "INSERT INTO document_numbers (unit_id, year, last_number) VALUES ($1, $2, 1)
         ON CONFLICT (unit_id, year) DO UPDATE SET last_number = document_numbers.last_number + 1
         RETURNING last_number"
    )
    .bind(unit_id)
    .bind(year)
    .fetch_one(&mut *conn)
    .await?))
}

/// A document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Document {
    /// Id.
    pub id: i64,
    /// Issuing unit.
    pub unit_id: i64,
    /// Kind.
    pub kind: DocKind,
    /// The month (`YYYY-MM`) of a synthesis, the topic key of a thematic report, or empty.
    pub period: String,
    /// The survey of a survey report.
    pub survey_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: DocStatus,
    /// Version (1 for the first).
    pub version: i32,
    /// The version it replaces.
    pub previous_id: Option<i64>,
    /// Number, once approved.
    pub number: Option<i32>,
    /// Year of the number.
    pub number_year: Option<i32>,
    /// Date of issue.
    pub issued_on: Option<NaiveDate>,
    /// The issued document as rendered (JSON of `duluan_documents::Document`), once approved.
    pub frozen: Option<String>,
    /// Created by.
    pub created_by: Option<i64>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Approved by.
    pub approved_by: Option<i64>,
    /// Approved at.
    pub approved_at: Option<DateTime<Utc>>,
}

const DOC_SELECT: &str = "SELECT id, unit_id, kind, period, survey_id, title, status, version,
    previous_id, number, number_year, issued_on, frozen, created_by, created_at, updated_at,
    approved_by, approved_at FROM documents";

/// A new document.
pub struct NewDocument<'a> {
    /// Issuing unit.
    pub unit_id: i64,
    /// Kind.
    pub kind: DocKind,
    /// Period or topic key.
    pub period: &'a str,
    /// Survey.
    pub survey_id: Option<i64>,
    /// Title.
    pub title: &'a str,
    /// Version.
    pub version: i32,
    /// The version it replaces.
    pub previous_id: Option<i64>,
}

/// Records a new draft; returns its id.
pub async fn insert_document(
    tx: &mut Tx,
    d: &NewDocument<'_>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    Ok(with_conn!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO documents (unit_id, kind, period, survey_id, title, status, version, previous_id,
            created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id"
    )
    .bind(d.unit_id)
    .bind(d.kind.key())
    .bind(d.period)
    .bind(d.survey_id)
    .bind(d.title)
    .bind(DocStatus::Draft.key())
    .bind(d.version)
    .bind(d.previous_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    }))
}

/// One document.
pub async fn find_document(db: &Db, id: i64) -> AppResult<Option<Document>> {
    let sql = sqlx::AssertSqlSafe(format!("{DOC_SELECT} WHERE id = $1"));
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// One document, read again inside a transaction (its status may have changed meanwhile).
pub async fn find_document_in(tx: &mut Tx, id: i64) -> AppResult<Option<Document>> {
    let sql = sqlx::AssertSqlSafe(format!("{DOC_SELECT} WHERE id = $1"));
    Ok(with_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?))
}

/// Documents of the given units, newest first; `issued_only` keeps approved and superseded ones.
pub async fn list_documents(
    db: &Db,
    units: &[i64],
    issued_only: bool,
    limit: i64,
) -> AppResult<Vec<Document>> {
    let mut out = Vec::new();
    for chunk in units.chunks(500) {
        let list = (0..chunk.len())
            .map(|i| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let cond = if issued_only {
            " AND status IN ('approved', 'superseded')"
        } else {
            ""
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "{DOC_SELECT} WHERE unit_id IN ({list}){cond} ORDER BY updated_at DESC, id DESC LIMIT {limit}"
        ));
        let rows: Vec<Document> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Sets a document's status (and its change time); false when it was not in `from` any more.
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: DocStatus,
    to: DocStatus,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let n = with_conn!(tx, |conn| sqlx::query(
        "UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4"
    )
    .bind(to.key())
    .bind(now)
    .bind(id)
    .bind(from.key())
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(n == 1)
}

/// Marks a draft approved with its number, date and the frozen rendering.
pub async fn set_approved(
    tx: &mut Tx,
    id: i64,
    number: i32,
    issued_on: NaiveDate,
    frozen: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    use chrono::Datelike;
    let n = with_conn!(tx, |conn| {
        sqlx::query(
        "UPDATE documents SET status = $1, number = $2, number_year = $3, issued_on = $4, frozen = $5,
            approved_by = $6, approved_at = $7, updated_at = $7
         WHERE id = $8 AND status = $9"
    )
    .bind(DocStatus::Approved.key())
    .bind(number)
    .bind(issued_on.year())
    .bind(issued_on)
    .bind(frozen)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .bind(DocStatus::Review.key())
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(n == 1)
}

/// Changes a draft's title.
pub async fn set_title(tx: &mut Tx, id: i64, title: &str, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE documents SET title = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(title)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Marks a document's change time.
pub async fn touch(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE documents SET updated_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// A block of a document.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Block {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: BlockKind,
    /// Text or caption.
    pub text: String,
    /// Data JSON.
    pub data: String,
    /// Source path.
    pub source: String,
}

/// A document's blocks in order.
pub async fn list_blocks(db: &Db, document_id: i64) -> AppResult<Vec<Block>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, kind, text, data, source FROM document_blocks
         WHERE document_id = $1 ORDER BY position, id"
    )
    .bind(document_id)
    .fetch_all(pool)
    .await?))
}

/// A document's blocks in order, inside a transaction.
pub async fn list_blocks_in(tx: &mut Tx, document_id: i64) -> AppResult<Vec<Block>> {
    Ok(with_conn!(tx, |conn| sqlx::query_as(
        "SELECT id, kind, text, data, source FROM document_blocks
         WHERE document_id = $1 ORDER BY position, id"
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?))
}

/// Appends blocks at positions from `first`.
pub async fn insert_blocks(
    tx: &mut Tx,
    document_id: i64,
    first: i32,
    blocks: &[NewBlock],
) -> AppResult<()> {
    for (i, b) in blocks.iter().enumerate() {
        let position = first + i32::try_from(i).unwrap_or(i32::MAX - first);
        with_conn!(tx, |conn| sqlx::query(
            "INSERT INTO document_blocks (document_id, position, kind, text, data, source)
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(document_id)
        .bind(position)
        .bind(b.kind.key())
        .bind(&b.text)
        .bind(&b.data)
        .bind(&b.source)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    Ok(())
}

/// Changes a block's kind and text.
pub async fn update_block(tx: &mut Tx, id: i64, kind: BlockKind, text: &str) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE document_blocks SET kind = $1, text = $2 WHERE id = $3"
    )
    .bind(kind.key())
    .bind(text)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Removes a block.
pub async fn delete_block(tx: &mut Tx, id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM document_blocks WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Sets a block's position.
pub async fn set_position(tx: &mut Tx, id: i64, position: i32) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "UPDATE document_blocks SET position = $1 WHERE id = $2"
    )
    .bind(position)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Stores a frozen file with its hash.
pub async fn insert_file(
    tx: &mut Tx,
    document_id: i64,
    format: &str,
    bytes: &[u8],
    sha256: &str,
) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "INSERT INTO document_files (document_id, format, bytes, sha256) VALUES ($1, $2, $3, $4)"
    )
    .bind(document_id)
    .bind(format)
    .bind(bytes)
    .bind(sha256)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// A frozen file and its hash.
pub async fn find_file(
    db: &Db,
    document_id: i64,
    format: &str,
) -> AppResult<Option<(Vec<u8>, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT bytes, sha256 FROM document_files WHERE document_id = $1 AND format = $2"
    )
    .bind(document_id)
    .bind(format)
    .fetch_optional(pool)
    .await?))
}

/// The hashes of a document's frozen files: `(format, sha256)`.
pub async fn file_hashes(db: &Db, document_id: i64) -> AppResult<Vec<(String, String)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT format, sha256 FROM document_files WHERE document_id = $1 ORDER BY format"
    )
    .bind(document_id)
    .fetch_all(pool)
    .await?))
}

/// Records a workflow event.
pub async fn insert_event(
    tx: &mut Tx,
    document_id: i64,
    action: &str,
    note: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    with_conn!(tx, |conn| {
        sqlx::query(
        "INSERT INTO document_events (document_id, action, note, user_id, at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(document_id)
    .bind(action)
    .bind(note)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// A document's events, oldest first: `(action, note, user id, at)`.
pub async fn list_events(
    db: &Db,
    document_id: i64,
) -> AppResult<Vec<(String, String, Option<i64>, DateTime<Utc>)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT action, note, user_id, at FROM document_events WHERE document_id = $1 ORDER BY id"
    )
    .bind(document_id)
    .fetch_all(pool)
    .await?))
}

/// The versions of the document chain `id` belongs to would need a recursive walk; the page
/// shows the one it replaces and the one that replaced it: the newer version of `id`, if any.
pub async fn find_successor(db: &Db, id: i64) -> AppResult<Option<(i64, DocStatus)>> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT id, status FROM documents WHERE previous_id = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// The issue days of the approved documents (and those superseded since) of `units` of `kind`
/// issued within `[from, to]`.
pub async fn list_issue_days(
    db: &Db,
    units: &[i64],
    kind: DocKind,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<NaiveDate>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT issued_on FROM documents WHERE status IN ('approved', 'superseded')
               AND kind = $1 AND issued_on >= $2 AND issued_on <= $3 AND unit_id IN ({})",
            placeholders(4, chunk.len())
        ));
        let rows: Vec<NaiveDate> = with_db!(db, |pool| {
            let mut q = sqlx::query_scalar(sql).bind(kind.key()).bind(from).bind(to);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}
