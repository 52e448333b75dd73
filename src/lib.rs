//! duluan: the public-opinion work platform (server, CLI, storage, web UI).

pub mod cli;
