//! The `duluan` binary: server and command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use duluan::cli;

#[derive(Debug, Parser)]
#[command(name = "duluan", version, about = "duluan — public-opinion work platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Survey statistics over a CSV file.
    Stats(cli::stats::StatsArgs),
    /// Questionnaires: check and convert XLSForms.
    Forms(cli::forms::FormsArgs),
    /// Vietnamese text tools.
    Text(cli::text::TextArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Stats(args) => cli::stats::run(args),
        Command::Forms(args) => cli::forms::run(args),
        Command::Text(args) => cli::text::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
