//! All SQL of accounts: users, grants, sessions.

use chrono::{DateTime, Utc};

use crate::accounts::model::{Grant, Role};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::{with_conn, with_db};

/// A user as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Language code.
    pub lang: String,
    /// Whether the user may log in.
    pub is_active: bool,
    /// Whether the user's roles reach the whole platform.
    pub platform_wide: bool,
}

/// A grant with its unit's name, for pages.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GrantRow {
    /// Grant id.
    pub id: i64,
    /// User id.
    pub user_id: i64,
    /// Role (an unknown stored key is an error, never a skipped grant).
    pub role: Role,
    /// Unit id.
    pub unit_id: i64,
}

macro_rules! user_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, username, display_name, password_hash, lang, is_active, platform_wide FROM users ",
            $rest
        )
    };
}

/// Inserts a user; returns its id, or `None` when the login name is taken (the unique index
/// decides, so two concurrent creations cannot both succeed).
pub async fn insert_user(
    tx: &mut Tx,
    username: &str,
    display_name: &str,
    password_hash: &str,
    lang: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let sql = "INSERT INTO users (username, display_name, password_hash, lang, is_active, created_at, password_changed_at)
               VALUES ($1, $2, $3, $4, TRUE, $5, $5) ON CONFLICT (username) DO NOTHING RETURNING id";
    let id = with_conn!(tx, |conn| sqlx::query_scalar(sql)
        .bind(username)
        .bind(display_name)
        .bind(password_hash)
        .bind(lang)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?);
    Ok(id)
}

/// The user with this login name.
pub async fn find_user_by_username(db: &Db, username: &str) -> AppResult<Option<UserRow>> {
    let sql = user_select!("WHERE username = $1");
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(username)
        .fetch_optional(pool)
        .await?))
}

/// The user with this id.
pub async fn find_user(db: &Db, id: i64) -> AppResult<Option<UserRow>> {
    let sql = user_select!("WHERE id = $1");
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Every user, by login name.
pub async fn list_users(db: &Db) -> AppResult<Vec<UserRow>> {
    let sql = user_select!("ORDER BY username");
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// Sets a user's password hash.
pub async fn update_password(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let sql = "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Sets a user's language.
pub async fn update_lang(db: &Db, id: i64, lang: &str) -> AppResult<()> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE users SET lang = $1 WHERE id = $2"
    )
    .bind(lang)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Sets a user's display name and whether they may log in.
pub async fn update_profile(
    tx: &mut Tx,
    id: i64,
    display_name: &str,
    is_active: bool,
) -> AppResult<()> {
    let sql = "UPDATE users SET display_name = $1, is_active = $2 WHERE id = $3";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(display_name)
        .bind(is_active)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Sets whether a user's roles reach the whole platform.
pub async fn update_platform_wide(tx: &mut Tx, id: i64, platform_wide: bool) -> AppResult<()> {
    let sql = "UPDATE users SET platform_wide = $1 WHERE id = $2";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(platform_wide)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Grants `role` at `unit_id`; nothing happens when the grant exists.
pub async fn insert_grant(
    tx: &mut Tx,
    user_id: i64,
    role: Role,
    unit_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let sql = "INSERT INTO grants (user_id, role, unit_id, created_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (user_id, role, unit_id) DO NOTHING";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(user_id)
        .bind(role.key())
        .bind(unit_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// One grant by id.
pub async fn find_grant(db: &Db, id: i64) -> AppResult<Option<GrantRow>> {
    let sql = "SELECT id, user_id, role, unit_id FROM grants WHERE id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Removes one grant.
pub async fn delete_grant(tx: &mut Tx, id: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query("DELETE FROM grants WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Every grant of a user.
pub async fn list_grants(db: &Db, user_id: i64) -> AppResult<Vec<Grant>> {
    let sql = "SELECT id, user_id, role, unit_id FROM grants WHERE user_id = $1 ORDER BY id";
    let rows: Vec<GrantRow> = with_db!(db, |pool| sqlx::query_as(sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(grant_from_row).collect())
}

/// Every grant of every user.
pub async fn list_all_grants(db: &Db) -> AppResult<Vec<GrantRow>> {
    let sql = "SELECT id, user_id, role, unit_id FROM grants ORDER BY user_id, id";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

fn grant_from_row(row: GrantRow) -> Grant {
    Grant {
        id: row.id,
        role: row.role,
        unit_id: row.unit_id,
    }
}

/// Stores a new session (only the token's hash is kept).
pub async fn insert_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    idle_expires_at: DateTime<Utc>,
) -> AppResult<()> {
    let sql = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, idle_expires_at)
               VALUES ($1, $2, $3, $4, $5)";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .bind(idle_expires_at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// The live session with this token hash: its user and idle deadline.
pub async fn find_live_session(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<(i64, DateTime<Utc>)>> {
    let sql = "SELECT s.user_id, s.idle_expires_at FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.idle_expires_at > $2 AND u.is_active";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?))
}

/// Moves a session's idle deadline.
pub async fn touch_session(
    db: &Db,
    token_hash: &str,
    idle_expires_at: DateTime<Utc>,
) -> AppResult<()> {
    let sql = "UPDATE sessions SET idle_expires_at = $1 WHERE token_hash = $2";
    with_db!(db, |pool| sqlx::query(sql)
        .bind(idle_expires_at)
        .bind(token_hash)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Ends one session.
pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Ends every session of a user but `keep` (after a password change).
pub async fn delete_other_sessions(tx: &mut Tx, user_id: i64, keep: &str) -> AppResult<()> {
    let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(user_id)
        .bind(keep)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn delete_expired_sessions(db: &Db, now: DateTime<Utc>) -> AppResult<u64> {
    let sql = "DELETE FROM sessions WHERE expires_at <= $1 OR idle_expires_at <= $1";
    let done = with_db!(db, |pool| sqlx::query(sql)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(done)
}

/// How many users exist.
pub async fn count_users(db: &Db) -> AppResult<i64> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(pool)
    .await?))
}

/// A user's e-mail address (empty when none).
pub async fn get_email(db: &Db, user_id: i64) -> AppResult<String> {
    let sql = "SELECT email FROM users WHERE id = $1";
    Ok(with_db!(db, |pool| sqlx::query_scalar(sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await?)
    .unwrap_or_default())
}

/// Sets a user's e-mail address.
pub async fn set_email(tx: &mut Tx, user_id: i64, email: &str) -> AppResult<()> {
    let sql = "UPDATE users SET email = $1 WHERE id = $2";
    with_conn!(tx, |conn| sqlx::query(sql)
        .bind(email)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// `(user id, role, e-mail, language)` of active users with a grant at one of `units`.
pub async fn list_grant_holders(
    db: &Db,
    units: &[i64],
) -> AppResult<Vec<(i64, Role, String, String)>> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let list: Vec<String> = (1..=units.len()).map(|i| format!("${i}")).collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT u.id, g.role, u.email, u.lang FROM grants g JOIN users u ON u.id = g.user_id
         WHERE u.is_active AND g.unit_id IN ({}) ORDER BY u.id",
        list.join(", ")
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for u in units {
            q = q.bind(u);
        }
        q.fetch_all(pool).await?
    }))
}

/// `(user id, role, e-mail, language)` of every grant of active platform-wide users (their roles
/// hold at every unit).
pub async fn list_platform_holders(db: &Db) -> AppResult<Vec<(i64, Role, String, String)>> {
    let sql = "SELECT u.id, g.role, u.email, u.lang FROM grants g JOIN users u ON u.id = g.user_id
               WHERE u.is_active AND u.platform_wide ORDER BY u.id";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await?))
}

/// Active users granted a role at one of `units`: `(user, role, unit, email, lang)`.
pub async fn list_grants_at(
    db: &Db,
    units: &[i64],
) -> AppResult<Vec<(i64, Role, i64, String, String)>> {
    let mut out = vec![];
    for chunk in units.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT u.id, g.role, g.unit_id, u.email, u.lang FROM grants g
             JOIN users u ON u.id = g.user_id
             WHERE u.is_active AND g.unit_id IN ({}) ORDER BY u.id, g.unit_id",
            crate::db::placeholders(1, chunk.len())
        ));
        let rows: Vec<(i64, Role, i64, String, String)> = with_db!(db, |pool| {
            let mut q = sqlx::query_as(sql);
            for u in chunk {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Gives the demo's analyst and administrator e-mail addresses (reserved `.invalid` domain).
pub async fn set_demo_emails(db: &Db) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for login in ["analyst", "admin"] {
        with_conn!(&mut tx, |conn| sqlx::query(
            "UPDATE users SET email = $1 WHERE username = $2"
        )
        .bind(format!("{login}@demo.duluan.invalid"))
        .bind(login)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    tx.commit().await?;
    Ok(())
}

/// Counts one failed login for `(username, address)` in `bucket`; returns the bucket's count
/// after it (1 for the first failure: the one that gets an audit entry).
pub async fn bump_login_failures(
    tx: &mut Tx,
    username: &str,
    address: &str,
    bucket: i64,
) -> AppResult<i64> {
    let sql = "INSERT INTO login_failures (username, address, bucket, failures) VALUES ($1, $2, $3, 1)
               ON CONFLICT (username, address, bucket) DO UPDATE SET failures = login_failures.failures + 1
               RETURNING failures";
    Ok(with_conn!(tx, |conn| sqlx::query_scalar(sql)
        .bind(username)
        .bind(address)
        .bind(bucket)
        .fetch_one(&mut *conn)
        .await?))
}

/// Forgets counts of buckets before `bucket` (they no longer throttle anyone).
pub async fn delete_login_failures_before(tx: &mut Tx, bucket: i64) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM login_failures WHERE bucket < $1"
    )
    .bind(bucket)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Forgets the failures of `(username, address)` (after a successful login from there).
pub async fn delete_login_failures(tx: &mut Tx, username: &str, address: &str) -> AppResult<()> {
    with_conn!(tx, |conn| sqlx::query(
        "DELETE FROM login_failures WHERE username = $1 AND address = $2"
    )
    .bind(username)
    .bind(address)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Failed logins since `bucket`: of `username` from `address`, from `address` for any name (the
/// rows under `aggregate_key`, which repeat others, left out), and of `username` from any address.
pub async fn count_login_failures(
    db: &Db,
    username: &str,
    address: &str,
    bucket: i64,
    aggregate_key: &str,
) -> AppResult<(i64, i64, i64)> {
    let sql = "SELECT
                 CAST(COALESCE(SUM(CASE WHEN username = $1 AND address = $2 THEN failures ELSE 0 END), 0) AS BIGINT),
                 CAST(COALESCE(SUM(CASE WHEN address = $2 AND username <> $4 THEN failures ELSE 0 END), 0) AS BIGINT),
                 CAST(COALESCE(SUM(CASE WHEN username = $1 THEN failures ELSE 0 END), 0) AS BIGINT)
               FROM login_failures WHERE bucket >= $3 AND (username = $1 OR address = $2)";
    Ok(with_db!(db, |pool| sqlx::query_as(sql)
        .bind(username)
        .bind(address)
        .bind(bucket)
        .bind(aggregate_key)
        .fetch_one(pool)
        .await?))
}

/// Display names of the given users (for other contexts' pages: who did something).
pub async fn list_usernames(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, username FROM users WHERE id IN ({}) ORDER BY username",
        crate::db::placeholders(1, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    }))
}

/// Display names of users by id.
pub async fn list_display_names(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, display_name FROM users WHERE id IN ({})",
        crate::db::placeholders(1, ids.len())
    ));
    Ok(with_db!(db, |pool| {
        let mut q = sqlx::query_as(sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    }))
}
