//! The centre's pages: completeness and timeliness (DHIS2's definitions) as totals, a
//! unit × period grid with drill-down and the missing units; the synthesis workspace (streams of
//! a month grouped by topic, merged into city streams whose breadth counts the reporting units,
//! unmerged, edited); the printable city report draft.
//!
//! One file per page: `completeness`, `workspace` (the synthesis and its actions) and
//! `draft`; their public items are re-exported here so routes write
//! `synthesis::show_synthesis`.

mod completeness;
mod draft;
mod workspace;

pub use completeness::*;
pub use draft::*;
pub use workspace::*;
