//! `duluan stats`: survey statistics over a CSV file (estimates with standard errors,
//! weighting, replicate weights), `duluan stats sample-size` (planning) and
//! `duluan stats draw` (reproducible sample draws).
//!
//! The options mirror R's `svydesign`/`svymean`/`svyby`/`svychisq`; the numbers come from the
//! `duluan-stats` engine, which is checked against R's `survey` package. This folder only reads
//! files, parses options and prints results: this file holds the arguments and the dispatch,
//! `estimate.rs` the estimates (design, replicates, domains), `weighting.rs` the population
//! files (post-stratification, raking, calibration, trimming), `output.rs` the rows and their
//! formats, `sample_size.rs` and `draw.rs` the two subcommands.

mod draw;
mod estimate;
mod output;
mod sample_size;
#[cfg(test)]
mod tests;
mod weighting;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use duluan_stats::Frame;

pub use draw::draw;
pub use estimate::{SideFiles, estimate};
pub use output::{Row, render};
pub use sample_size::sample_size;

/// Arguments of `duluan stats`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StatsArgs {
    /// Planning and drawing commands.
    #[command(subcommand)]
    pub command: Option<StatsCommand>,
    /// Estimation over a CSV file (boxed: the options are many).
    #[command(flatten)]
    pub estimate: Box<EstimateArgs>,
}

/// Subcommands of `duluan stats`.
#[derive(Debug, clap::Subcommand)]
pub enum StatsCommand {
    /// Sample size for a margin of error, or the margin of error of a sample size.
    SampleSize(Box<SampleSizeArgs>),
    /// Draw a reproducible sample from a frame (CSV) and print the selected rows.
    Draw(Box<DrawArgs>),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Aligned text table.
    #[default]
    Table,
    /// JSON array of statistics.
    Json,
    /// CSV with a header.
    Csv,
}

/// Estimation options (R's svydesign + estimators).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EstimateArgs {
    /// CSV file with one row per respondent.
    pub file: Option<PathBuf>,
    /// Cluster columns per stage joined by `+` (e.g. `dnum+snum`); omit or `1` for none.
    #[arg(long)]
    pub ids: Option<String>,
    /// First-stage strata column.
    #[arg(long)]
    pub strata: Option<String>,
    /// Sampling weight column.
    #[arg(long)]
    pub weights: Option<String>,
    /// Finite population correction columns per stage joined by `+` (sizes or fractions).
    #[arg(long)]
    pub fpc: Option<String>,
    /// Cluster ids are only unique within strata.
    #[arg(long)]
    pub nest: bool,
    /// Rule for strata with a single PSU: fail, adjust, average, remove, certainty.
    #[arg(long, default_value = "fail")]
    pub lonely_psu: String,
    /// Means of these numeric columns (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',')]
    pub mean: Vec<String>,
    /// Totals of these numeric columns.
    #[arg(long, value_delimiter = ',')]
    pub total: Vec<String>,
    /// Population variances of these numeric columns.
    #[arg(long, value_delimiter = ',')]
    pub variance: Vec<String>,
    /// Ratio of totals `NUM/DEN` (repeatable).
    #[arg(long)]
    pub ratio: Vec<String>,
    /// Quantiles `VAR:0.25,0.5,0.75` (repeatable).
    #[arg(long)]
    pub quantile: Vec<String>,
    /// Quantile rule: math (R's default) or hf7.
    #[arg(long, default_value = "math")]
    pub qrule: String,
    /// Proportion of each level of a categorical column (repeatable).
    #[arg(long)]
    pub prop: Vec<String>,
    /// Interval method for proportions: logit, likelihood, asin, beta, mean, xlogit.
    #[arg(long, default_value = "logit")]
    pub prop_method: String,
    /// Estimate within each level of this column (R's svyby).
    #[arg(long)]
    pub by: Option<String>,
    /// Two-way table test `A+B` (Rao-Scott), repeatable.
    #[arg(long)]
    pub table: Vec<String>,
    /// Rao-Scott statistic: F (second order, default) or Chisq (first order).
    #[arg(long, default_value = "F")]
    pub table_statistic: String,
    /// Post-stratify: CSV with the variable's column and `Freq` (population counts).
    #[arg(long)]
    pub poststratify: Option<PathBuf>,
    /// Rake: CSV with columns `variable,level,Freq` (several variables).
    #[arg(long)]
    pub rake: Option<PathBuf>,
    /// Calibrate: CSV with columns `name,total`; names as R's model.matrix
    /// (`(Intercept)`, numeric column, column+level).
    #[arg(long)]
    pub calibrate: Option<PathBuf>,
    /// Calibration distance: linear or raking.
    #[arg(long, default_value = "linear")]
    pub calfun: String,
    /// Trim weights to `LOW:HIGH` after weighting.
    #[arg(long)]
    pub trim: Option<String>,
    /// Replicate-weight variances: jk1, jkn, brr, bootstrap.
    #[arg(long)]
    pub replicates: Option<String>,
    /// Replicate weights supplied in the data: every column whose name starts with this
    /// prefix (type from --replicates: brr, jk1, bootstrap, or other with --rep-scale).
    #[arg(long)]
    pub repweights: Option<String>,
    /// Overall scale of supplied replicate weights (default from the type, as R's svrepdesign).
    #[arg(long)]
    pub rep_scale: Option<f64>,
    /// Fay's factor for BRR (0 < rho < 1).
    #[arg(long)]
    pub fay_rho: Option<f64>,
    /// Bootstrap replicates.
    #[arg(long, default_value_t = 200)]
    pub bootstrap_replicates: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Report design effects.
    #[arg(long)]
    pub deff: bool,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Interval distribution: t (design degrees of freedom) or normal.
    #[arg(long, default_value = "t")]
    pub interval: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `duluan stats sample-size`.
#[derive(Debug, Clone, clap::Args)]
pub struct SampleSizeArgs {
    /// Margin of error wanted (half-width; 0.03 = ±3 points for a proportion).
    #[arg(long, required_unless_present = "n")]
    pub moe: Option<f64>,
    /// Give the margin of error of this many completed interviews instead.
    #[arg(long)]
    pub n: Option<f64>,
    /// Expected proportion (default 0.5, the largest sample).
    #[arg(long, conflicts_with = "sd")]
    pub p: Option<f64>,
    /// Expected standard deviation, for a mean.
    #[arg(long)]
    pub sd: Option<f64>,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Design effect.
    #[arg(long, default_value_t = 1.0)]
    pub deff: f64,
    /// Population size (finite population correction).
    #[arg(long)]
    pub population: Option<f64>,
    /// Expected response rate (0-1].
    #[arg(long, default_value_t = 1.0)]
    pub response_rate: f64,
    /// Allocate the completes over strata: CSV `stratum,size[,sd,cost]`.
    #[arg(long)]
    pub strata_file: Option<PathBuf>,
    /// Allocation: proportional, neyman, optimal.
    #[arg(long, default_value = "proportional")]
    pub allocation: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `duluan stats draw`.
#[derive(Debug, Clone, clap::Args)]
pub struct DrawArgs {
    /// Sampling frame (CSV).
    pub frame: PathBuf,
    /// Method: srs, stratified, pps (systematic), two-stage.
    #[arg(long, default_value = "srs")]
    pub method: String,
    /// Sample size (clusters for two-stage).
    #[arg(long)]
    pub n: usize,
    /// Seed: the same seed gives the same sample.
    #[arg(long)]
    pub seed: u64,
    /// Strata column (stratified; allocation proportional to the stratum sizes).
    #[arg(long)]
    pub strata: Option<String>,
    /// Size column (pps).
    #[arg(long)]
    pub size: Option<String>,
    /// Cluster column (two-stage).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Units per selected cluster (two-stage).
    #[arg(long, default_value_t = 10)]
    pub per_cluster: usize,
    /// Write the sample here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: StatsArgs) -> Result<ExitCode> {
    let out = match args.command {
        Some(StatsCommand::SampleSize(a)) => sample_size(&a, read_optional(&a.strata_file)?)?,
        Some(StatsCommand::Draw(a)) => {
            let frame = read(&a.frame)?;
            let text = draw(&a, &frame)?;
            if let Some(path) = &a.output {
                std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                String::new()
            } else {
                text
            }
        }
        None => {
            let path = args.estimate.file.clone().ok_or_else(|| {
                anyhow!("give a CSV file / hãy cho tệp CSV (duluan stats FILE --mean COL ...)")
            })?;
            let data = read_with_progress(&path)?;
            let side = SideFiles {
                poststratify: read_optional(&args.estimate.poststratify)?,
                rake: read_optional(&args.estimate.rake)?,
                calibrate: read_optional(&args.estimate.calibrate)?,
            };
            let rows = estimate(&args.estimate, &data, &side)?;
            render(&rows, args.estimate.format)?
        }
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {} / đọc tệp", path.display()))
}

fn read_optional(path: &Option<PathBuf>) -> Result<Option<Vec<u8>>> {
    path.as_deref().map(read).transpose()
}

fn read_with_progress(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {} / đọc tệp", path.display()))?
        .len();
    if len < 20_000_000 {
        return read(path);
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("reading");
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buf = Vec::with_capacity(len as usize);
    std::io::copy(&mut bar.wrap_read(file), &mut buf)?;
    bar.finish_and_clear();
    Ok(buf)
}

/// The text cells of a column.
pub(super) fn text_column(frame: &Frame, name: &str) -> Result<Vec<String>> {
    Ok(frame.strings(name)?)
}
