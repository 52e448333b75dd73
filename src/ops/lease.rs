//! Background jobs on several nodes (*nhiều máy chủ*): every `duluan serve` on the same database
//! runs the same job loops, but a run happens only on the node that holds the job's lease
//! (`job_leases`). The holder renews it at each run; if it stops, another node takes the job
//! over once the lease has expired (a few of the job's periods). Taking a lease is one
//! conditional upsert, so two nodes racing for a free lease cannot both win.

use std::time::Duration;

use crate::app::AppState;

/// How long a lease lasts past a run, in periods of its job.
pub const PERIODS: u32 = 3;

/// Whether this node may run `job` now (taking or renewing its lease for [`PERIODS`] of
/// `period`). A database error counts as "no": the next tick tries again.
pub async fn hold(state: &AppState, job: &str, period: Duration) -> bool {
    let now = chrono::Utc::now().timestamp();
    let until = now + (period * PERIODS).as_secs().max(1) as i64;
    match super::store::take_lease(&state.db, job, &state.node, until, now).await {
        Ok(held) => held,
        Err(err) => {
            tracing::warn!(error = %err, job, "job lease unavailable");
            false
        }
    }
}

/// Gives up every lease this node holds (when it stops), so that the other nodes need not
/// wait for them to expire.
pub async fn release_all(state: &AppState) {
    if let Err(err) = super::store::release_leases(&state.db, &state.node).await {
        tracing::warn!(error = %err, "job leases not released");
    }
}
