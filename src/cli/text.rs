//! `duluan text`: Vietnamese text tools (normalize, fold, restore, tokenize, keyphrases, pii, train, classify, spikes).
//!
//! Not built yet: this front arrives with issue 7. Until then the command says so and exits
//! with an error instead of pretending to work.

use std::process::ExitCode;

/// Arguments of `duluan text` (accepted and ignored until the command is built).
#[derive(Debug, clap::Args)]
pub struct TextArgs {
    /// Arguments for the future command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs the command.
pub fn run(_args: TextArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`duluan text` is not built yet (issue 7)")
}
