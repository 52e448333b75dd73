//! `duluan stats`: survey statistics over a CSV file (estimates, weighting, sample size, sample draws).
//!
//! Not built yet: this front arrives with issue 3. Until then the command says so and exits
//! with an error instead of pretending to work.

use std::process::ExitCode;

/// Arguments of `duluan stats` (accepted and ignored until the command is built).
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Arguments for the future command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs the command.
pub fn run(_args: StatsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`duluan stats` is not built yet (issue 3)")
}
