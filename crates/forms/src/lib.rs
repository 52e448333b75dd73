//! duluan-forms: engine crate (see its issue); no IO.
