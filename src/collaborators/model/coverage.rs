//! Coverage targets: where a target applies (the unit or each direct child) and a cell of the
//! coverage matrix (counted against required).

use crate::kit::keys::stored_keys;

stored_keys! {
    /// Where a target applies: the unit's own network, or each of its direct children.
    pub enum AppliesTo: "target scope" {
        /// The unit's whole subtree counted together.
        Unit = "unit",
        /// Each direct child (e.g. every commune of the city).
        Children = "children",
    }
}

/// A coverage cell: how many active collaborators count, how many are required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Counted.
    pub have: i64,
    /// Required.
    pub need: i64,
}

impl Cell {
    /// Whether the target is met.
    pub fn met(&self) -> bool {
        self.have >= self.need
    }

    /// How many are missing.
    pub fn missing(&self) -> i64 {
        (self.need - self.have).max(0)
    }
}
