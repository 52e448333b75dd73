//! The shared toolkit: small helpers that several contexts need, kept once here instead of a copy
//! per context (scope of a user, Vietnam time and periods, form errors, CSV cells, client
//! addresses, enums of stored keys). No context's tables are read here: helpers that need data
//! call the owning context's public functions.

pub mod bounds;
pub mod client_addr;
pub mod csv;
pub mod form;
pub mod keys;
pub mod origin;
pub mod redirect;
pub mod scope;
pub mod secret;
pub mod text;
pub mod time;
