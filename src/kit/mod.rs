//! Shared toolkit of the app: small helpers every context calls instead of keeping its own copy.

pub mod client_addr;
pub mod csv;
