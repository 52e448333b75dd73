//! The integration tests of the `duluan` package: one binary, one module per area.
//! Each test starts the real server on a fresh database (see `helpers`).

mod atomic;
mod audit;
mod auth;
mod basics;
mod bench;
mod briefings;
mod browser;
mod collaborators;
mod dashboard;
mod documents;
mod helpers;
mod hotspots;
mod monitoring;
mod monitoring_dedup;
mod nodes;
mod ops;
mod orgs;
mod plans;
mod repo;
mod reporting;
mod scoping;
mod smtp;
mod surveys;
mod training;
mod typed_rows;
mod uploads;
mod users;
