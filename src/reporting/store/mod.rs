//! All SQL of reporting: topics, report types and their assigned units, reports and their events,
//! opinion streams, city streams of the synthesis, and the completeness rows.
//!
//! One file per sub-resource: `types` (topics, report types, assignments), `reports` (with
//! their events), `streams`, `synthesis` (city streams), `completeness`, `notifications`
//! (with reminder addresses), `attachments` and `bulk` loading; their items are re-exported
//! here so callers write `store::find_report`.

mod attachments;
mod bulk;
mod completeness;
mod notifications;
mod reports;
mod streams;
mod synthesis;
mod types;

pub use attachments::*;
pub use bulk::*;
pub use completeness::*;
pub use notifications::*;
pub use reports::*;
pub use streams::*;
pub use synthesis::*;
pub use types::*;
