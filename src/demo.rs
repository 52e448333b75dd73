//! The living demo: Cần Thơ city (code 92) with its 103 communes and wards from the national list,
//! hamlets under a few of them, the Fatherland Front and mass organisations, former units with
//! their lineage, and one user per role.

use anyhow::{Context as _, bail};

use crate::accounts::model::Role;
use crate::db::Db;

/// The national list of administrative units (see `data/README.md`).
pub const NATIONAL_UNITS_CSV: &str = include_str!("../data/vn-admin-units-2025.csv");

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

/// The rows of the national list for one province and its communes, as CSV with a header.
pub fn province_csv(code: &str) -> String {
    let mut out = String::new();
    for (i, line) in NATIONAL_UNITS_CSV.lines().enumerate() {
        let mut cells = line.split(',');
        let (c, parent) = (
            cells.next().unwrap_or(""),
            line.rsplit(',').next().unwrap_or(""),
        );
        if i == 0 || c == code || parent == code {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Fills an empty database with the demo; does nothing when the demo is already there, and
/// refuses a database that holds other data.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let units = crate::orgs::count_units(db).await?;
    if units > 0 {
        let has_demo = crate::orgs::resolve_unit_ref(db, "92").await?.is_some()
            && crate::accounts::user_id_by_name(db, "admin")
                .await?
                .is_some();
        if has_demo {
            tracing::info!("demo data already present");
            return Ok(());
        }
        bail!(
            "--demo needs a fresh database, but this one already holds {units} units; use another --data-dir"
        );
    }
    crate::orgs::demo::load(db).await?;
    let by_code = |code: &'static str| async move {
        crate::orgs::resolve_unit_ref(db, code)
            .await
            .ok()
            .flatten()
            .with_context(|| format!("unit {code} missing"))
    };

    // One hash for the one demo password keeps the start fast (argon2 is slow on purpose).
    let hash = crate::accounts::hash_password(DEMO_PASSWORD)?;
    for (login, name, role, code) in DEMO_USERS {
        let unit_id = by_code(code).await?;
        let id =
            crate::accounts::create_user_with_hash(db, login, name, &hash, role, unit_id).await?;
        // The system administrator and the information centre keep deployment-wide settings:
        // platform-wide users (the former provinces 93 and 94 are top-level units too).
        if matches!(login, "admin" | "analyst") {
            crate::accounts::set_platform_wide(db, &crate::accounts::system_actor(), id, true)
                .await?;
        }
    }
    crate::collaborators::load_demo(db).await?;
    crate::reporting::load_demo(db).await?;
    crate::surveys::load_demo(db).await?;
    crate::monitoring::load_demo(db).await?;
    // Demo analysts hear of alerts by e-mail too.
    crate::accounts::load_demo_emails(db).await?;
    tracing::info!("demo data loaded");
    Ok(())
}

/// Prints the demo logins on standard output.
pub fn print_logins() {
    println!("duluan demo — đăng nhập / logins (mật khẩu / password: {DEMO_PASSWORD})");
    for (login, name, role, code) in DEMO_USERS {
        println!("  {login:<12} {:<14} tại / at {code:<6} {name}", role.key());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn can_tho_has_103_units_under_it() {
        let csv = super::province_csv("92");
        assert_eq!(csv.lines().count(), 1 + 1 + 103);
    }
}
