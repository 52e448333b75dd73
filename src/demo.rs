//! The living demo: Cần Thơ city (code 92) with its 103 communes and wards from the national list,
//! hamlets under a few of them, the Fatherland Front and mass organisations, former units with
//! their lineage, and one user per role.

use std::collections::HashMap;

use anyhow::{Context as _, bail};
use chrono::{NaiveDate, Utc};

use crate::accounts::model::Role;
use crate::db::Db;
use crate::orgs::model::{LineageEvent, UnitInput, parse_units_csv};
use crate::orgs::store;

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

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn unit(code: &str, name: &str, kind: &str) -> UnitInput {
    UnitInput {
        code: Some(code.to_string()),
        name: name.to_string(),
        kind: kind.to_string(),
        valid_from: None,
        valid_to: None,
        note: String::new(),
    }
}

/// Fills an empty database with the demo; does nothing when the demo is already there, and
/// refuses a database that holds other data.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let units = store::count_units(db).await?;
    if units > 0 {
        let has_demo = store::find_unit_by_code(db, "92").await?.is_some()
            && crate::accounts::store::find_user_by_username(db, "admin")
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
    let now = Utc::now();
    let reform = date(2025, 7, 1);
    let kinds = store::list_kinds(db).await?;
    let mut rows = parse_units_csv(province_csv("92").as_bytes(), &kinds, &HashMap::new())
        .map_err(|e| anyhow::anyhow!("demo data does not parse: {e:?}"))?;
    for row in &mut rows {
        if row.input.kind != "city" {
            row.input.valid_from = Some(reform);
        }
    }
    store::import_units(db, &rows, now)
        .await
        .context("loading Cần Thơ")?;
    let city = store::find_unit_by_code(db, "92")
        .await?
        .context("city 92 missing")?
        .id;
    let by_code = |code: &'static str| async move {
        store::find_unit_by_code(db, code)
            .await
            .ok()
            .flatten()
            .map(|u| u.id)
            .with_context(|| format!("unit {code} missing"))
    };

    // Hamlets (khu vực, ấp) under a few communes and wards.
    for (parent, prefix, kind, count) in [
        ("31135", "Khu vực", "area", 6),
        ("31120", "Khu vực", "area", 4),
        ("31299", "Ấp", "hamlet", 5),
        ("31315", "Ấp", "hamlet", 4),
    ] {
        let parent_id = by_code(parent).await?;
        for i in 1..=count {
            let mut input = unit(&format!("{parent}-{i:02}"), &format!("{prefix} {i}"), kind);
            input.valid_from = Some(reform);
            store::insert_unit(db, &input, Some(parent_id), now).await?;
        }
    }

    // The Fatherland Front with the mass organisations under it, and agency party committees.
    let front = store::insert_unit(
        db,
        &unit(
            "92-MTTQ",
            "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Cần Thơ",
            "front",
        ),
        Some(city),
        now,
    )
    .await?;
    for (code, name) in [
        ("92-HLHPN", "Hội Liên hiệp Phụ nữ thành phố Cần Thơ"),
        ("92-HND", "Hội Nông dân thành phố Cần Thơ"),
        ("92-HCCB", "Hội Cựu chiến binh thành phố Cần Thơ"),
        ("92-DTN", "Thành đoàn Cần Thơ"),
        ("92-LDLD", "Liên đoàn Lao động thành phố Cần Thơ"),
    ] {
        store::insert_unit(db, &unit(code, name, "mass_org"), Some(front), now).await?;
    }
    for (code, name) in [
        ("92-DUCQD", "Đảng ủy các cơ quan Đảng thành phố"),
        ("92-DUUB", "Đảng ủy Ủy ban nhân dân thành phố"),
    ] {
        store::insert_unit(db, &unit(code, name, "party_committee"), Some(city), now).await?;
    }
    let mut centre = unit(
        "92-TTTT",
        "Trung tâm Thông tin công tác tuyên giáo – Dư luận xã hội",
        "info_centre",
    );
    centre.note = "Đơn vị của Ban Tuyên giáo và Dân vận Thành ủy".into();
    store::insert_unit(db, &centre, Some(city), now).await?;

    // Former units before the 1 July 2025 reform, with their lineage.
    let end = date(2025, 6, 30);
    for (code, name) in [
        ("93", "Tỉnh Hậu Giang (trước 01/7/2025)"),
        ("94", "Tỉnh Sóc Trăng (trước 01/7/2025)"),
    ] {
        let mut input = unit(code, name, "province");
        input.valid_to = Some(end);
        let id = store::insert_unit(db, &input, None, now).await?;
        store::insert_lineage(
            db,
            id,
            city,
            LineageEvent::Merge,
            reform,
            "Nghị quyết 202/2025/QH15",
        )
        .await?;
    }
    let mut district = unit("92-Q-NK", "Quận Ninh Kiều (trước 01/7/2025)", "district");
    district.valid_to = Some(end);
    let district = store::insert_unit(db, &district, Some(city), now).await?;
    for code in ["31135", "31120", "31147"] {
        let ward = by_code(code).await?;
        store::insert_lineage(db, district, ward, LineageEvent::Split, reform, "").await?;
    }

    // One hash for the one demo password keeps the start fast (argon2 is slow on purpose).
    let hash = crate::accounts::hash_password(DEMO_PASSWORD)?;
    for (login, name, role, code) in DEMO_USERS {
        let unit_id = by_code(code).await?;
        crate::accounts::create_user_with_hash(db, login, name, &hash, role, unit_id).await?;
    }
    crate::collaborators::load_demo(db).await?;
    crate::reporting::load_demo(db).await?;
    crate::surveys::load_demo(db).await?;
    crate::monitoring::load_demo(db).await?;
    // Demo analysts hear of alerts by e-mail too.
    crate::accounts::store::set_demo_emails(db).await?;
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
