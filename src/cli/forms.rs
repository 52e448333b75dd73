//! `duluan forms`: questionnaires: check and convert XLSForms.
//!
//! Not built yet: this front arrives with issue 4. Until then the command says so and exits
//! with an error instead of pretending to work.

use std::process::ExitCode;

/// Arguments of `duluan forms` (accepted and ignored until the command is built).
#[derive(Debug, clap::Args)]
pub struct FormsArgs {
    /// Arguments for the future command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs the command.
pub fn run(_args: FormsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`duluan forms` is not built yet (issue 4)")
}
