//! The demo's users: one per role (*vai trò*) at Cần Thơ city (92) or the ward of Ninh Kiều
//! (31135), all with the one demo password; the system administrator and the analyst are
//! platform-wide, and both get an e-mail address for alerts. Loaded by `crate::demo`.

use anyhow::Context as _;

use crate::accounts::model::Role;
use crate::accounts::{self, store};
use crate::db::Db;

/// Password of every demo user.
pub const DEMO_PASSWORD: &str = "duluan-demo";

/// Demo users: login, display name, role, unit code.
pub const DEMO_USERS: [(&str, &str, Role, &str); 8] = [
    ("admin", "Quản trị hệ thống", Role::Administrator, "92"),
    (
        "analyst",
        "Chuyên viên Trung tâm Thông tin",
        Role::Analyst,
        "92",
    ),
    (
        "reporter",
        "Người báo cáo phường Ninh Kiều",
        Role::Reporter,
        "31135",
    ),
    (
        "ctv",
        "Cộng tác viên phường Ninh Kiều",
        Role::Collaborator,
        "31135",
    ),
    ("designer", "Người thiết kế khảo sát", Role::Designer, "92"),
    ("interviewer", "Điều tra viên", Role::Interviewer, "92"),
    ("verifier", "Người kiểm tra phiếu", Role::Verifier, "92"),
    ("viewer", "Lãnh đạo thành phố", Role::Viewer, "92"),
];

/// Creates the demo users (the demo's units must be there).
pub async fn load(db: &Db) -> anyhow::Result<()> {
    // One hash for the one demo password keeps the start fast (argon2 is slow on purpose).
    let hash = accounts::hash_password(DEMO_PASSWORD)?;
    for (login, name, role, code) in DEMO_USERS {
        let unit_id = crate::orgs::resolve_unit_ref(db, code)
            .await
            .ok()
            .flatten()
            .with_context(|| format!("unit {code} missing"))?;
        let id = accounts::create_user_with_hash(db, login, name, &hash, role, unit_id).await?;
        // The system administrator and the information centre keep deployment-wide settings:
        // platform-wide users (the former provinces 93 and 94 are top-level units too).
        if matches!(login, "admin" | "analyst") {
            accounts::set_platform_wide(db, &accounts::system_actor(), id, true).await?;
        }
    }
    Ok(())
}

/// Gives the demo's analyst and administrator e-mail addresses.
pub async fn load_emails(db: &Db) -> anyhow::Result<()> {
    Ok(store::set_demo_emails(db).await?)
}

/// Prints the demo logins on standard output.
pub fn print_logins() {
    println!("duluan demo — đăng nhập / logins (mật khẩu / password: {DEMO_PASSWORD})");
    for (login, name, role, code) in DEMO_USERS {
        println!("  {login:<12} {:<14} tại / at {code:<6} {name}", role.key());
    }
}
