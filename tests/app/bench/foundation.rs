//! The foundation benchmark: loads the national unit list (34 provinces, 3,321 communes, plus
//! `DULUAN_BENCH_HAMLETS` generated hamlets under each commune) in one all-or-nothing import,
//! then times the tree queries every request depends on through the functions the pages use,
//! next to a plain primary-key lookup on the same database as the reference floor
//! (`DULUAN_BENCH_ITERATIONS` repetitions each). Results: `docs/benchmarks/foundation.md`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use duluan::accounts::model::{Capability, CurrentUser, Grant, Role};
use duluan::web::i18n::Lang;
use duluan::{orgs, with_db};

use super::env_usize;
use crate::helpers::spawn_app;

/// The national list plus `hamlets` generated hamlets under each commune, as import CSV.
fn national_csv_with_hamlets(hamlets: usize) -> String {
    let mut out = String::from("code,name,type,parent_code\n");
    for line in duluan::demo::NATIONAL_UNITS_CSV.lines().skip(1) {
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
    fn new(name: &'static str, n: usize) -> Self {
        Timing {
            name,
            samples: Vec::with_capacity(n),
        }
    }

    /// Prints mean, p50 and p99 (and the ratio to `reference`); returns the mean in seconds.
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

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn tree_queries() {
    let hamlets = env_usize("DULUAN_BENCH_HAMLETS", 10);
    let n = env_usize("DULUAN_BENCH_ITERATIONS", 2000).max(10);
    let app = spawn_app().await;
    let db = &app.db;
    println!("backend: {}", db.backend());
    let csv = national_csv_with_hamlets(hamlets);
    let started = Instant::now();
    let kinds = orgs::list_kinds(db).await.unwrap();
    let stored = orgs::map_codes(db).await.unwrap();
    let rows = orgs::model::parse_units_csv(csv.as_bytes(), &kinds, &stored).unwrap();
    let summary = orgs::actions::import_units_unaudited(db, &rows)
        .await
        .unwrap();
    println!(
        "loaded {} units in {:.1} s (one all-or-nothing import)",
        summary.created,
        started.elapsed().as_secs_f64()
    );
    let province = orgs::find_unit_by_code(db, "92")
        .await
        .unwrap()
        .expect("province 92");
    let all_ids: Vec<i64> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM units ORDER BY id"
    )
    .fetch_all(pool)
    .await
    .unwrap());
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

    let mut reference = Timing::new("reference: SELECT by primary key", n);
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        let _: Option<i64> = with_db!(db, |pool| sqlx::query_scalar(
            "SELECT id FROM units WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap());
        reference.samples.push(t.elapsed());
    }
    let floor = reference.report(None);

    let mut within = Timing::new("subtree membership (is unit under 92?)", n);
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        orgs::is_within(db, &[province.id], id).await.unwrap();
        within.samples.push(t.elapsed());
    }
    within.report(Some(floor));

    let mut permission = Timing::new("permission check (capability at unit)", n);
    for i in 0..n {
        let id = pick(i);
        let t = Instant::now();
        duluan::accounts::can(db, &user, Capability::ViewUnits, id)
            .await
            .unwrap();
        permission.samples.push(t.elapsed());
    }
    permission.report(Some(floor));

    let mut rollup = Timing::new("all units under 92 as of a date (lineage)", n / 10);
    let mut count = 0;
    for _ in 0..(n / 10).max(10) {
        let t = Instant::now();
        count = orgs::rollup(db, province.id, date).await.unwrap().len();
        rollup.samples.push(t.elapsed());
    }
    rollup.report(Some(floor));
    println!("(the roll-up returns {count} units)");

    let mut subtree = Timing::new("count of a province's subtree", n);
    for _ in 0..n {
        let t = Instant::now();
        orgs::count_subtree(db, province.id).await.unwrap();
        subtree.samples.push(t.elapsed());
    }
    subtree.report(Some(floor));
}
