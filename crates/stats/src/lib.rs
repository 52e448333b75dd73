//! duluan-stats: engine crate (see its issue); no IO.
