//! Report pages: report types with their assigned units (the centre), the list of a user's
//! reports, one report with its skeleton and streams, and the workflow steps
//! (submit, accept, return with a comment, reopen with a reason), each audited.
//!
//! One file per sub-resource or action: `types`, `list` (with opening a report), `report`
//! (show and save one report) and `workflow`; their public items are re-exported here so routes
//! write `reports::show_report`.

mod list;
mod report;
mod types;
mod workflow;

pub use list::*;
pub use report::*;
pub use types::*;
pub use workflow::*;

use crate::reporting::model::Schedule;
use crate::reporting::store::ReportType;

fn schedule(t: &ReportType) -> Schedule {
    Schedule {
        kind: t.kind,
        due_day: t.due_day,
        lock_after_days: t.lock_after_days,
        due_hours: t.due_hours,
        deadline: t.deadline,
    }
}
