//! duluan: the public-opinion work platform — one server with a server-rendered web UI and a CLI,
//! on embedded SQLite by default and PostgreSQL in production.
//!
//! Start at [`app`] (the router and the server), [`web`] (sessions, translations, page frame) and
//! the bounded contexts ([`orgs`], [`accounts`], [`audit`]); `ARCHITECTURE.md` has the map.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod briefings;
pub mod cli;
pub mod collaborators;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod hotspots;
pub mod kit;
pub mod mail;
pub mod monitoring;
pub mod ops;
pub mod orgs;
pub mod plans;
pub mod reporting;
pub mod surveys;
pub mod training;
pub mod uploads;
pub mod web;
