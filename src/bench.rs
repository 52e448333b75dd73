//! `duluan bench foundation`: loads the national unit list (34 provinces, 3,321 communes, plus
//! hamlets under each commune) and times the tree queries every request depends on, next to a
//! plain primary-key lookup on the same database as the reference floor.
//! Also the shared CSV-import path of `duluan orgs import`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::accounts::model::{Capability, CurrentUser, Grant, Role};
use crate::config::DatabaseConfig;
use crate::db::Db;
use crate::orgs::model::parse_units_csv;
use crate::orgs::{self, ImportSummary};
use crate::web::i18n::{Lang, Tr};
use crate::with_db;

/// Options of `duluan bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Database to load (a fresh, empty one); a temporary SQLite file when absent.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Hamlets generated under each commune.
    #[arg(long, default_value_t = 10)]
    pub hamlets: usize,
    /// Repetitions of each timed query.
    #[arg(long, default_value_t = 2000)]
    pub iterations: usize,
}

/// Imports a unit CSV file into the configured database; errors are listed line by line.
pub async fn import_file(database: &DatabaseConfig, bytes: &[u8]) -> anyhow::Result<ImportSummary> {
    let db = database.open().await?;
    db.migrate().await?;
    // The command line acts as an administrator at the machine: recorded as such.
    let actor = crate::audit::Actor {
        user_id: None,
        username: "cli".into(),
        ip: String::new(),
    };
    import_bytes(&db, bytes, Some(&actor)).await
}

async fn import_bytes(
    db: &Db,
    bytes: &[u8],
    actor: Option<&crate::audit::Actor>,
) -> anyhow::Result<ImportSummary> {
    let kinds = orgs::list_kinds(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = orgs::map_codes(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = parse_units_csv(bytes, &kinds, &stored).map_err(|errors| {
        let tr = Tr(Lang::En);
        let lines: Vec<String> = errors
            .iter()
            .map(|e| crate::orgs::pages::describe_csv_error(tr, e))
            .collect();
        anyhow::anyhow!(
            "nothing imported; {} error(s):\n{}",
            lines.len(),
            lines.join("\n")
        )
    })?;
    match actor {
        Some(actor) => crate::orgs::actions::import_units(db, actor, &rows, None).await,
        None => crate::orgs::actions::import_units_unaudited(db, &rows).await,
    }
    .map_err(|e| anyhow::anyhow!("import failed: {e}"))
}

/// The national list plus `hamlets` generated hamlets under each commune, as import CSV.
pub fn national_csv_with_hamlets(hamlets: usize) -> String {
    let mut out = String::from("code,name,type,parent_code\n");
    for line in crate::demo::NATIONAL_UNITS_CSV.lines().skip(1) {
        out.push_str(line);
        out.push('\n');
        let code = line.split(',').next().unwrap_or("");
        if code.len() == 5 {
            for i in 1..=hamlets {
                out.push_str(&format!("{code}-{i:02},Ấp {i},hamlet,{code}\n"));
            }
        }
    }
    out
}

struct Timing {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Timing {
    fn report(&mut self, reference: Option<f64>) -> f64 {
        self.samples.sort();
        let n = self.samples.len().max(1);
        let mean = self.samples.iter().sum::<Duration>().as_secs_f64() / n as f64;
        let p = |q: f64| self.samples[((n as f64 * q) as usize).min(n - 1)].as_secs_f64() * 1e3;
        let ratio = reference
            .map(|r| format!("{:>7.1}× the reference", mean / r))
            .unwrap_or_default();
        println!(
            "{:<44} mean {:>8.3} ms  p50 {:>8.3} ms  p99 {:>8.3} ms  {ratio}",
            self.name,
            mean * 1e3,
            p(0.5),
            p(0.99)
        );
        mean
    }
}

/// Runs the foundation benchmark.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let tmp;
    let db = match &args.database_url {
        Some(url) => Db::connect(url).await?,
        None => {
            tmp = std::env::temp_dir().join(format!("duluan-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            Db::open_in_dir(&tmp).await?
        }
    };
    db.migrate().await?;
    if orgs::count_units(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        > 0
    {
        anyhow::bail!("the benchmark needs an empty database");
    }
    println!("backend: {}", db.backend());
    let csv = national_csv_with_hamlets(args.hamlets);
    let started = Instant::now();
    let summary = import_bytes(&db, csv.as_bytes(), None).await?;
    println!(
        "loaded {} units in {:.1} s (one all-or-nothing import)",
        summary.created,
        started.elapsed().as_secs_f64()
    );
    let province = orgs::find_unit_by_code(&db, "92")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .context("province 92 missing")?;
    let all_ids: Vec<i64> = with_db!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM units ORDER BY id"
    )
    .fetch_all(pool)
    .await?);
    let pick = |i: usize| all_ids[(i * 7919) % all_ids.len()];
    let user = CurrentUser {
        id: 0,
        username: "bench".into(),
        display_name: "bench".into(),
        lang: Lang::Vi,
        grants: vec![Grant {
            id: 0,
            role: Role::Reporter,
            unit_id: province.id,
        }],
        platform_wide: false,
        platform_roots: vec![],
    };
    let date = NaiveDate::from_ymd_opt(2025, 8, 1).expect("date");
    let n = args.iterations.max(10);
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");

    let mut reference = Timing {
        name: "reference: SELECT by primary key",
        samples: Vec::with_capacity(n),
    };
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        let _: Option<i64> = with_db!(&db, |pool| sqlx::query_scalar(
            "SELECT id FROM units WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        reference.samples.push(t.elapsed());
    }
    let floor = reference.report(None);

    let mut within = Timing {
        name: "subtree membership (is unit under 92?)",
        samples: Vec::with_capacity(n),
    };
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        orgs::is_within(&db, &[province.id], id)
            .await
            .map_err(err)?;
        within.samples.push(t.elapsed());
    }
    within.report(Some(floor));

    let mut permission = Timing {
        name: "permission check (capability at unit)",
        samples: Vec::with_capacity(n),
    };
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        crate::accounts::can(&db, &user, Capability::ViewUnits, id)
            .await
            .map_err(err)?;
        permission.samples.push(t.elapsed());
    }
    permission.report(Some(floor));

    let mut rollup = Timing {
        name: "all units under 92 as of a date (lineage)",
        samples: Vec::with_capacity(n / 10),
    };
    let mut count = 0;
    for _ in 0..(n / 10).max(10) {
        let t = Instant::now();
        count = orgs::rollup(&db, province.id, date)
            .await
            .map_err(err)?
            .len();
        rollup.samples.push(t.elapsed());
    }
    rollup.report(Some(floor));
    println!("(the roll-up returns {count} units)");

    let mut subtree = Timing {
        name: "count of a province's subtree",
        samples: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let t = Instant::now();
        orgs::count_subtree(&db, province.id).await.map_err(err)?;
        subtree.samples.push(t.elapsed());
    }
    subtree.report(Some(floor));
    db.close().await;
    Ok(())
}
