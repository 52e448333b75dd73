//! duluan-vitext: engine crate (see its issue); no IO.
