//! The living demo: Cần Thơ city (code 92) with its 103 communes and wards from the national list,
//! hamlets under a few of them, the Fatherland Front and mass organisations, former units with
//! their lineage, one user per role, and each context's part. Each context loads its own part
//! from its `demo.rs`; this file only orders them, and holds the national list.

use anyhow::bail;

use crate::db::Db;

/// The national list of administrative units (see `data/README.md`).
pub const NATIONAL_UNITS_CSV: &str = include_str!("../data/vn-admin-units-2025.csv");

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
    crate::accounts::demo::load(db).await?;
    crate::collaborators::load_demo(db).await?;
    crate::reporting::load_demo(db).await?;
    crate::surveys::load_demo(db).await?;
    crate::monitoring::load_demo(db).await?;
    crate::documents::load_demo(db).await?;
    crate::hotspots::load_demo(db).await?;
    crate::briefings::load_demo(db).await?;
    crate::training::load_demo(db).await?;
    crate::plans::load_demo(db).await?;
    // Demo analysts hear of alerts by e-mail too.
    crate::accounts::demo::load_emails(db).await?;
    tracing::info!("demo data loaded");
    Ok(())
}
