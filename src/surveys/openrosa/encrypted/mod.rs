//! Encrypted forms (*biểu mẫu mã hóa*): a version published with a public key (XLSForm
//! `public_key`) is collected only on devices, which encrypt each finished interview with ODK's
//! scheme. The server stores what arrives as it arrives and cannot read the answers; staff who
//! export responses decrypt them with the private key, given at export time and never kept.
//!
//! - `manifest.rs`: the manifest a device sends as `xml_submission_file` (what the server can see).
//! - `crypto.rs`: the scheme (RSA-OAEP for the AES key, AES-256-CFB per file, the IVs, the
//!   signature), no IO.
//! - `receive.rs`: a submission stored once per survey and instance id, with its `.enc` files.
//! - `export.rs`: `/surveys/{id}/encrypted`, the count and the decrypted ZIP.
//! - `store.rs`: the SQL (`survey_encrypted_submissions`, `survey_encrypted_files`).
//!
//! Invariants: an encrypted version is collected by no other mode (see
//! [`crate::surveys::refuse_encrypted`]); encrypted submissions are not responses (results and
//! analysis do not include them); the private key is never stored, logged or audited.

pub mod crypto;
mod export;
pub mod manifest;
mod receive;
mod store;

pub use export::{export_encrypted, show_encrypted};
pub use receive::{Part, receive};
pub use store::count_submissions;
