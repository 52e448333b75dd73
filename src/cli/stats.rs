//! `duluan stats`: survey statistics over a CSV file (estimates with standard errors,
//! weighting, replicate weights), `duluan stats sample-size` (planning) and
//! `duluan stats draw` (reproducible sample draws).
//!
//! The options mirror R's `svydesign`/`svymean`/`svyby`/`svychisq`; the numbers come from the
//! `duluan-stats` engine, which is checked against R's `survey` package. This file only reads
//! files, parses options and prints results.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use duluan_stats::data::Column;
use duluan_stats::planning::{self, Allocation, Plan, StratumPlan, Target};
use duluan_stats::{
    CalFun, CalibrateOptions, ChisqStatistic, CipropMethod, Design, DesignSpec, Estimate, Factor,
    Frame, Interval, Margin, ModelMatrix, QuantileRule, RakeOptions, RepDesign, RepType,
};
use serde::Serialize;

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

/// Population files given beside the data.
#[derive(Debug, Default)]
pub struct SideFiles {
    /// `--poststratify` contents.
    pub poststratify: Option<Vec<u8>>,
    /// `--rake` contents.
    pub rake: Option<Vec<u8>>,
    /// `--calibrate` contents.
    pub calibrate: Option<Vec<u8>>,
}

/// One output line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// mean, total, ratio, variance, quantile, proportion, chisq.
    pub statistic: String,
    /// Variable(s).
    pub variable: String,
    /// Level of a categorical variable or quantile probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Domain (`--by` level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Estimate (the F or X² statistic for tables).
    pub estimate: f64,
    /// Standard error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    /// Lower confidence limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_lower: Option<f64>,
    /// Upper confidence limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_upper: Option<f64>,
    /// Design effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deff: Option<f64>,
    /// Degrees of freedom (numerator df for tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
    /// Denominator degrees of freedom (tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ddf: Option<f64>,
    /// p-value (tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
}

fn row(statistic: &str, variable: &str) -> Row {
    Row {
        statistic: statistic.into(),
        variable: variable.into(),
        level: None,
        domain: None,
        estimate: f64::NAN,
        se: None,
        ci_lower: None,
        ci_upper: None,
        deff: None,
        df: None,
        ddf: None,
        p_value: None,
    }
}

fn split_plus(s: &Option<String>) -> Vec<String> {
    match s.as_deref().map(str::trim) {
        None | Some("") | Some("1") | Some("~1") => Vec::new(),
        Some(v) => v
            .trim_start_matches('~')
            .split('+')
            .map(|x| x.trim().to_string())
            .collect(),
    }
}

/// Every column the options refer to, for one "unknown column" error.
fn referenced_columns(a: &EstimateArgs) -> Result<Vec<String>> {
    let mut cols = split_plus(&a.ids);
    cols.extend(split_plus(&a.fpc));
    cols.extend(a.strata.iter().cloned());
    cols.extend(a.weights.iter().cloned());
    cols.extend(a.mean.iter().cloned());
    cols.extend(a.total.iter().cloned());
    cols.extend(a.variance.iter().cloned());
    cols.extend(a.prop.iter().cloned());
    cols.extend(a.by.iter().cloned());
    for r in &a.ratio {
        let (n, d) = r
            .split_once('/')
            .ok_or_else(|| anyhow!("--ratio `{r}`: write NUM/DEN"))?;
        cols.push(n.trim().into());
        cols.push(d.trim().into());
    }
    for q in &a.quantile {
        cols.push(q.split(':').next().unwrap_or_default().trim().into());
    }
    for t in &a.table {
        let parts: Vec<&str> = t.split('+').map(str::trim).collect();
        if parts.len() != 2 {
            bail!("--table `{t}`: write A+B (two columns)");
        }
        cols.extend(parts.iter().map(|s| s.to_string()));
    }
    Ok(cols)
}

fn build_design(a: &EstimateArgs, frame: &Frame) -> Result<Design> {
    let spec = DesignSpec {
        ids: split_plus(&a.ids)
            .iter()
            .map(|c| frame.factor(c))
            .collect::<Result<_, _>>()?,
        strata: a.strata.as_deref().map(|s| frame.factor(s)).transpose()?,
        weights: a
            .weights
            .as_deref()
            .map(|w| frame.numeric(w).map(<[f64]>::to_vec))
            .transpose()?,
        probs: None,
        fpc: split_plus(&a.fpc)
            .iter()
            .map(|c| frame.numeric(c).map(<[f64]>::to_vec))
            .collect::<Result<_, _>>()?,
        nest: a.nest,
        lonely_psu: a.lonely_psu.parse()?,
    };
    Ok(Design::new(frame.rows(), spec)?)
}

fn text_column(frame: &Frame, name: &str) -> Result<Vec<String>> {
    Ok(frame.strings(name)?)
}

/// The `--poststratify` file as (variable factor, margin).
fn poststrat_margin(frame: &Frame, bytes: &[u8]) -> Result<(Factor, Margin)> {
    let pop = Frame::from_csv(bytes).context("--poststratify file")?;
    let var = pop
        .names()
        .iter()
        .find(|n| n.as_str() != "Freq")
        .cloned()
        .ok_or_else(|| anyhow!("--poststratify: need a variable column and a Freq column"))?;
    frame.require(&[var.as_str()])?;
    let levels = text_column(&pop, &var)?;
    let counts = pop.numeric("Freq").context("--poststratify: column Freq")?;
    let margin = Margin {
        name: var.clone(),
        counts: levels.into_iter().zip(counts.iter().copied()).collect(),
    };
    Ok((frame.factor(&var)?, margin))
}

/// The `--rake` file as (variable factor, margin) pairs in file order.
fn rake_margins(frame: &Frame, bytes: &[u8]) -> Result<Vec<(Factor, Margin)>> {
    let pop = Frame::from_csv(bytes).context("--rake file")?;
    pop.require(&["variable", "level", "Freq"])
        .context("--rake file")?;
    let vars = text_column(&pop, "variable")?;
    let levels = text_column(&pop, "level")?;
    let counts = pop.numeric("Freq")?;
    let mut order: Vec<String> = Vec::new();
    let mut margins: HashMap<String, Margin> = HashMap::new();
    for ((v, l), c) in vars.iter().zip(&levels).zip(counts) {
        if !margins.contains_key(v) {
            order.push(v.clone());
        }
        margins
            .entry(v.clone())
            .or_insert_with(|| Margin {
                name: v.clone(),
                counts: Vec::new(),
            })
            .counts
            .push((l.clone(), *c));
    }
    let names: Vec<&str> = order.iter().map(String::as_str).collect();
    frame.require(&names)?;
    order
        .iter()
        .map(|v| Ok((frame.factor(v)?, margins[v].clone())))
        .collect()
}

/// The `--calibrate` file as a model matrix (R's names), totals in its column order, options.
fn calibration(
    a: &EstimateArgs,
    frame: &Frame,
    bytes: &[u8],
) -> Result<(ModelMatrix, Vec<f64>, CalibrateOptions)> {
    let pop = Frame::from_csv(bytes).context("--calibrate file")?;
    pop.require(&["name", "total"])
        .context("--calibrate file")?;
    let names = text_column(&pop, "name")?;
    let totals = pop.numeric("total")?;
    let mut vars: Vec<String> = Vec::new();
    for n in &names {
        if n == "(Intercept)" {
            continue;
        }
        let var = if frame.names().iter().any(|c| c == n) {
            n.clone()
        } else {
            frame
                .names()
                .iter()
                .filter(|c| n.starts_with(c.as_str()) && matches!(frame.column(c), Ok(Column::Text(_))))
                .max_by_key(|c| c.len())
                .cloned()
                .ok_or_else(|| {
                    anyhow!(
                        "--calibrate: `{n}` is neither a column nor a column followed by a level; columns: {}",
                        frame.names().join(", ")
                    )
                })?
        };
        if !vars.contains(&var) {
            vars.push(var);
        }
    }
    let refs: Vec<&str> = vars.iter().map(String::as_str).collect();
    let mm = ModelMatrix::from_frame(frame, &refs)?;
    let by_name: HashMap<&str, f64> = names
        .iter()
        .map(String::as_str)
        .zip(totals.iter().copied())
        .collect();
    let mut t = Vec::with_capacity(mm.names.len());
    for n in &mm.names {
        t.push(*by_name.get(n.as_str()).ok_or_else(|| {
            anyhow!("--calibrate: no population total for `{n}` / thiếu tổng thể cho `{n}`")
        })?);
    }
    let calfun = match a.calfun.as_str() {
        "linear" => CalFun::Linear,
        "raking" => CalFun::Raking,
        o => bail!("--calfun `{o}`: use linear or raking"),
    };
    Ok((
        mm,
        t,
        CalibrateOptions {
            calfun,
            ..Default::default()
        },
    ))
}

/// Post-stratification and raking of a replicate design (every replicate is reweighted).
fn weight_replicates(
    a: &EstimateArgs,
    frame: &Frame,
    side: &SideFiles,
    mut r: RepDesign,
) -> Result<RepDesign> {
    if let Some(bytes) = &side.poststratify {
        let (f, m) = poststrat_margin(frame, bytes)?;
        r = r.post_stratify(&f, &m)?;
    }
    if let Some(bytes) = &side.rake {
        let ms = rake_margins(frame, bytes)?;
        let pairs: Vec<(&Factor, &Margin)> = ms.iter().map(|(f, m)| (f, m)).collect();
        r = r.rake(&pairs, RakeOptions::default())?;
    }
    if let Some(bytes) = &side.calibrate {
        let (mm, t, opts) = calibration(a, frame, bytes)?;
        r = r.calibrate(&mm, &t, opts)?;
    }
    Ok(r)
}

fn apply_weighting(
    a: &EstimateArgs,
    frame: &Frame,
    side: &SideFiles,
    mut d: Design,
) -> Result<Design> {
    if let Some(bytes) = &side.poststratify {
        let (f, m) = poststrat_margin(frame, bytes)?;
        d = d.post_stratify(&f, &m, false)?;
    }
    if let Some(bytes) = &side.rake {
        let ms = rake_margins(frame, bytes)?;
        let pairs: Vec<(&Factor, &Margin)> = ms.iter().map(|(f, m)| (f, m)).collect();
        d = d.rake(&pairs, RakeOptions::default())?;
    }
    if let Some(bytes) = &side.calibrate {
        let (mm, t, opts) = calibration(a, frame, bytes)?;
        d = d.calibrate(&mm, &t, opts)?;
    }
    if let Some(trim) = &a.trim {
        let (lo, hi) = trim
            .split_once(':')
            .and_then(|(l, h)| Some((l.trim().parse::<f64>().ok()?, h.trim().parse::<f64>().ok()?)))
            .ok_or_else(|| anyhow!("--trim `{trim}`: write LOW:HIGH"))?;
        d = d.trim_weights(lo, hi, false)?;
    }
    Ok(d)
}

/// Runs every requested estimate over CSV bytes.
pub fn estimate(a: &EstimateArgs, data: &[u8], side: &SideFiles) -> Result<Vec<Row>> {
    let frame = Frame::from_csv(data)?;
    let cols = referenced_columns(a)?;
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    frame.require(&refs)?;
    if !(a.level > 0.0 && a.level < 1.0) {
        bail!("--level {}: must be between 0 and 1", a.level);
    }
    let interval = match a.interval.as_str() {
        "t" => Interval::T,
        "normal" => Interval::Normal,
        o => bail!("--interval `{o}`: use t or normal"),
    };
    let with_replicates = a.replicates.is_some() || a.repweights.is_some();
    if with_replicates && (side.calibrate.is_some() || a.trim.is_some()) {
        bail!(
            "--calibrate and --trim are not available with replicate weights yet; use --poststratify or --rake"
        );
    }
    // With replicates, weighting is applied to every replicate after they are built.
    let design = if with_replicates {
        build_design(a, &frame)?
    } else {
        apply_weighting(a, &frame, side, build_design(a, &frame)?)?
    };
    let kind = match a.replicates.as_deref() {
        None if a.repweights.is_some() => Some(RepType::Other),
        None => None,
        Some("other") => Some(RepType::Other),
        Some(k) => Some(match k.parse::<RepType>()? {
            RepType::Bootstrap(_) => RepType::Bootstrap(a.bootstrap_replicates),
            RepType::Brr => match a.fay_rho {
                Some(rho) if rho > 0.0 => RepType::Fay(rho),
                _ => RepType::Brr,
            },
            k => k,
        }),
    };
    let reps = match kind {
        None => None,
        Some(kind) => match &a.repweights {
            Some(prefix) => {
                let names: Vec<&String> = frame
                    .names()
                    .iter()
                    .filter(|n| n.starts_with(prefix.as_str()))
                    .collect();
                if names.is_empty() {
                    bail!(
                        "--repweights `{prefix}`: no column starts with it; columns: {}",
                        frame.names().join(", ")
                    );
                }
                let reps = names
                    .iter()
                    .map(|n| frame.numeric(n).map(<[f64]>::to_vec))
                    .collect::<Result<Vec<_>, _>>()?;
                let pw = match &a.weights {
                    Some(w) => frame.numeric(w)?.to_vec(),
                    None => bail!("--repweights needs --weights (the full-sample weights)"),
                };
                if kind == RepType::Jkn {
                    bail!(
                        "supplied JKn weights need per-replicate scales: use --replicates other --rep-scale"
                    );
                }
                if kind == RepType::Other && a.rep_scale.is_none() {
                    bail!("--repweights of type other needs --rep-scale");
                }
                Some(weight_replicates(
                    a,
                    &frame,
                    side,
                    RepDesign::from_weights(pw, reps, kind, a.rep_scale, None)?,
                )?)
            }
            None => Some(weight_replicates(
                a,
                &frame,
                side,
                design.replicates(kind, a.seed)?,
            )?),
        },
    };
    let by = a.by.as_deref().map(|b| frame.factor(b)).transpose()?;
    let domains: Vec<(Option<String>, Option<Vec<bool>>)> = match &by {
        None => vec![(None, None)],
        Some(f) => f
            .levels
            .iter()
            .enumerate()
            .map(|(l, label)| {
                (
                    Some(label.clone()),
                    Some(f.codes.iter().map(|&c| c as usize == l).collect()),
                )
            })
            .collect(),
    };
    let mut out = Vec::new();
    for (dname, mask) in &domains {
        let est = Estimator {
            design: &design,
            reps: reps.as_ref(),
            frame: &frame,
            mask: mask.as_deref(),
            a,
            interval,
        };
        let mut push = |mut r: Row| {
            r.domain = dname.clone();
            out.push(r);
        };
        for v in &a.mean {
            push(est.simple("mean", v)?);
        }
        for v in &a.total {
            push(est.simple("total", v)?);
        }
        for v in &a.variance {
            push(est.simple("variance", v)?);
        }
        for r in &a.ratio {
            push(est.ratio(r)?);
        }
        for q in &a.quantile {
            for r in est.quantiles(q)? {
                push(r);
            }
        }
        for p in &a.prop {
            for r in est.proportions(p)? {
                push(r);
            }
        }
    }
    for t in &a.table {
        let (x, y) = t.split_once('+').unwrap_or_default();
        let stat: ChisqStatistic = a.table_statistic.parse()?;
        let (fx, fy) = (frame.factor(x.trim())?, frame.factor(y.trim())?);
        let test = match &reps {
            Some(r) => r.chisq(&fx, &fy, stat)?,
            None => design.chisq(&fx, &fy, stat)?,
        };
        let mut r = row(
            if stat == ChisqStatistic::F {
                "chisq_F"
            } else {
                "chisq"
            },
            t,
        );
        r.estimate = test.statistic;
        r.df = Some(test.ndf);
        r.ddf = test.ddf.is_finite().then_some(test.ddf);
        r.p_value = Some(test.p_value);
        out.push(r);
    }
    if out.is_empty() {
        bail!(
            "nothing to estimate: give --mean, --total, --ratio, --quantile, --prop, --variance or --table"
        );
    }
    Ok(out)
}

struct Estimator<'a> {
    design: &'a Design,
    reps: Option<&'a RepDesign>,
    frame: &'a Frame,
    mask: Option<&'a [bool]>,
    a: &'a EstimateArgs,
    interval: Interval,
}

impl Estimator<'_> {
    /// Domain mask excluding rows where `y` is missing (R's na.rm=TRUE).
    fn mask_for(&self, ys: &[&[f64]]) -> Option<Vec<bool>> {
        let any_missing = ys.iter().any(|y| y.iter().any(|v| v.is_nan()));
        if !any_missing {
            return self.mask.map(<[bool]>::to_vec);
        }
        Some(
            (0..self.frame.rows())
                .map(|i| self.mask.is_none_or(|m| m[i]) && ys.iter().all(|y| !y[i].is_nan()))
                .collect(),
        )
    }

    fn fill(&self, mut r: Row, e: &Estimate) -> Row {
        r.estimate = e.estimate;
        r.se = Some(e.se);
        let (lo, hi) = if self.reps.is_some() {
            e.ci(self.a.level, Interval::Normal)
        } else {
            e.ci(self.a.level, self.interval)
        };
        r.ci_lower = Some(lo);
        r.ci_upper = Some(hi);
        if self.a.deff {
            r.deff = e.deff;
        }
        if self.reps.is_none() {
            r.df = Some(e.df);
        }
        r
    }

    fn simple(&self, stat: &str, var: &str) -> Result<Row> {
        let y = self.frame.numeric(var)?;
        let m = self.mask_for(&[y]);
        let m = m.as_deref();
        let e = match (stat, self.reps) {
            ("mean", Some(r)) => r.mean(y, m)?,
            ("total", Some(r)) => r.total(y, m)?,
            ("mean", None) => self.design.mean(y, m)?,
            ("total", None) => self.design.total(y, m)?,
            (_, Some(r)) => r.variance(y, m)?,
            (_, _) => self.design.variance(y, m)?,
        };
        Ok(self.fill(row(stat, var), &e))
    }

    fn ratio(&self, spec: &str) -> Result<Row> {
        let (n, d) = spec.split_once('/').unwrap_or_default();
        let (num, den) = (self.frame.numeric(n.trim())?, self.frame.numeric(d.trim())?);
        let m = self.mask_for(&[num, den]);
        let e = match self.reps {
            Some(r) => r.ratio(num, den, m.as_deref())?,
            None => self.design.ratio(num, den, m.as_deref())?,
        };
        Ok(self.fill(row("ratio", spec), &e))
    }

    fn quantiles(&self, spec: &str) -> Result<Vec<Row>> {
        let (var, ps) = match spec.split_once(':') {
            Some((v, p)) => (v.trim(), p),
            None => (spec.trim(), "0.5"),
        };
        let probs: Vec<f64> = ps
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .map_err(|_| anyhow!("--quantile `{spec}`: `{p}` is not a number"))
            })
            .collect::<Result<_>>()?;
        let y = self.frame.numeric(var)?;
        let m = self.mask_for(&[y]);
        let rule: QuantileRule = self.a.qrule.parse()?;
        let df = match self.interval {
            Interval::T => None,
            Interval::Normal => Some(f64::INFINITY),
        };
        let qs = match self.reps {
            Some(r) => r.quantiles(y, &probs, rule, self.a.level, df, m.as_deref())?,
            None => self
                .design
                .quantiles(y, &probs, rule, self.a.level, df, m.as_deref())?,
        };
        Ok(qs
            .into_iter()
            .map(|q| {
                let mut r = row("quantile", var);
                r.level = Some(duluan_stats::data::format_number(q.p));
                r.estimate = q.estimate;
                r.se = Some(q.se);
                r.ci_lower = Some(q.lower);
                r.ci_upper = Some(q.upper);
                r
            })
            .collect())
    }

    fn proportions(&self, var: &str) -> Result<Vec<Row>> {
        let f = self.frame.factor(var)?;
        let method: CipropMethod = self.a.prop_method.parse()?;
        let mut out = Vec::new();
        if let Some(reps) = self.reps {
            for (l, e) in reps.proportions(&f, self.mask)?.iter().enumerate() {
                let mut r = self.fill(row("proportion", var), e);
                r.level = Some(e.label.clone());
                if e.estimate > 0.0 && e.estimate < 1.0 && method != CipropMethod::Likelihood {
                    let ind: Vec<f64> = f
                        .codes
                        .iter()
                        .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                        .collect();
                    let ci = reps.ciprop(&ind, method, self.a.level, self.mask)?;
                    r.ci_lower = Some(ci.lower);
                    r.ci_upper = Some(ci.upper);
                }
                out.push(r);
            }
            return Ok(out);
        }
        let props = self.design.proportions(&f, self.mask)?;
        for (l, e) in props.iter().enumerate() {
            let ind: Vec<f64> = f
                .codes
                .iter()
                .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                .collect();
            let mut r = self.fill(row("proportion", var), e);
            r.level = Some(e.label.clone());
            if e.estimate > 0.0 && e.estimate < 1.0 {
                let ci = self.design.ciprop(&ind, method, self.a.level, self.mask)?;
                r.ci_lower = Some(ci.lower);
                r.ci_upper = Some(ci.upper);
            }
            out.push(r);
        }
        Ok(out)
    }
}

const COLUMNS: [&str; 12] = [
    "statistic",
    "variable",
    "level",
    "domain",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
    "df",
    "ddf",
    "p_value",
];

fn fields(r: &Row) -> [String; 12] {
    let num = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    [
        r.statistic.clone(),
        r.variable.clone(),
        r.level.clone().unwrap_or_default(),
        r.domain.clone().unwrap_or_default(),
        format!("{}", r.estimate),
        num(r.se),
        num(r.ci_lower),
        num(r.ci_upper),
        num(r.deff),
        num(r.df),
        num(r.ddf),
        num(r.p_value),
    ]
}

/// Formats the rows.
pub fn render(rows: &[Row], format: Format) -> Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(rows)? + "\n"),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)?;
            for r in rows {
                w.write_record(fields(r))?;
            }
            Ok(String::from_utf8(
                w.into_inner().map_err(|e| anyhow!("{e}"))?,
            )?)
        }
        Format::Table => {
            let pretty = |v: Option<f64>| match v {
                Some(x) if x.is_finite() && x.abs() >= 1e-4 && x.abs() < 1e9 => format!("{x:.4}"),
                Some(x) => format!("{x:.4e}"),
                None => String::new(),
            };
            let body: Vec<[String; 12]> = rows
                .iter()
                .map(|r| {
                    let mut f = fields(r);
                    f[4] = pretty(Some(r.estimate));
                    for (i, v) in [
                        (5, r.se),
                        (6, r.ci_lower),
                        (7, r.ci_upper),
                        (8, r.deff),
                        (10, r.ddf),
                        (11, r.p_value),
                    ] {
                        f[i] = pretty(v);
                    }
                    f[9] =
                        r.df.map(|x| {
                            format!("{x:.4}")
                                .trim_end_matches('0')
                                .trim_end_matches('.')
                                .to_string()
                        })
                        .unwrap_or_default();
                    f
                })
                .collect();
            let used: Vec<usize> = (0..12)
                .filter(|&i| i < 2 || i == 4 || body.iter().any(|b| !b[i].is_empty()))
                .collect();
            let width: Vec<usize> = used
                .iter()
                .map(|&i| {
                    body.iter()
                        .map(|b| b[i].chars().count())
                        .chain([COLUMNS[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut s = String::new();
            let line = |cells: Vec<&str>, s: &mut String| {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(&width)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                s.push_str(parts.join("  ").trim_end());
                s.push('\n');
            };
            line(used.iter().map(|&i| COLUMNS[i]).collect(), &mut s);
            for b in &body {
                line(used.iter().map(|&i| b[i].as_str()).collect(), &mut s);
            }
            Ok(s)
        }
    }
}

/// `sample-size`: returns the printed text.
pub fn sample_size(a: &SampleSizeArgs, strata: Option<Vec<u8>>) -> Result<String> {
    let target = match a.sd {
        Some(sd) => Target::Mean(sd),
        None => Target::Proportion(a.p.unwrap_or(0.5)),
    };
    let plan = Plan {
        target,
        level: a.level,
        deff: a.deff,
        population: a.population,
        response_rate: a.response_rate,
    };
    let mut rows: Vec<(String, String)> = Vec::new();
    let completes = if let Some(n) = a.n {
        let e = planning::margin_of_error(&plan, n)?;
        rows.push(("n".into(), format!("{n}")));
        rows.push(("margin_of_error".into(), format!("{e}")));
        n.round() as u64
    } else {
        let moe = a.moe.ok_or_else(|| anyhow!("give --moe or --n"))?;
        let s = planning::sample_size(&plan, moe)?;
        rows.push(("n_srs".into(), format!("{}", s.n_srs)));
        rows.push(("n_deff".into(), format!("{}", s.n_deff)));
        rows.push(("n_fpc".into(), format!("{}", s.n_fpc)));
        rows.push(("completes".into(), s.completes.to_string()));
        rows.push(("contacts".into(), s.contacts.to_string()));
        s.completes
    };
    if let Some(bytes) = strata {
        let f = Frame::from_csv(&bytes).context("--strata-file")?;
        f.require(&["stratum", "size"]).context("--strata-file")?;
        let names = text_column(&f, "stratum")?;
        let sizes = f.numeric("size")?;
        let sd = f.numeric("sd").ok();
        let cost = f.numeric("cost").ok();
        let plans: Vec<StratumPlan> = (0..f.rows())
            .map(|i| StratumPlan {
                name: names[i].clone(),
                size: sizes[i],
                sd: sd.map_or(1.0, |v| v[i]),
                cost: cost.map_or(1.0, |v| v[i]),
            })
            .collect();
        let method: Allocation = a.allocation.parse()?;
        let alloc = planning::allocate(completes, &plans, method)?;
        for (p, n) in plans.iter().zip(alloc) {
            rows.push((format!("stratum {}", p.name), n.to_string()));
        }
    }
    Ok(match a.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(k, v)| {
                    let val = v
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(
                            serde_json::Value::String(v.clone()),
                            serde_json::Value::Number,
                        );
                    (k.clone(), val)
                })
                .collect();
            serde_json::to_string_pretty(&map)? + "\n"
        }
        Format::Csv => {
            std::iter::once("quantity,value".to_string())
                .chain(rows.iter().map(|(k, v)| format!("{k},{v}")))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        }
        Format::Table => {
            let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            rows.iter()
                .map(|(k, v)| format!("{k:<w$}  {v}\n"))
                .collect()
        }
    })
}

/// `draw`: returns the sample as CSV (frame columns plus `_prob` and `_weight`).
pub fn draw(a: &DrawArgs, frame_bytes: &[u8]) -> Result<String> {
    let frame = Frame::from_csv(frame_bytes)?;
    let wanted: Vec<&str> = [a.strata.as_deref(), a.size.as_deref(), a.cluster.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    frame.require(&wanted)?;
    let need = |o: &Option<String>, what: &str| {
        o.clone()
            .ok_or_else(|| anyhow!("--method {} needs --{what}", a.method))
    };
    let sample = match a.method.as_str() {
        "srs" => duluan_stats::draw::srs(frame.rows(), a.n, a.seed)?,
        "stratified" => {
            let f = frame.factor(&need(&a.strata, "strata")?)?;
            let mut counts = vec![0u64; f.n_levels()];
            for &c in &f.codes {
                counts[c as usize] += 1;
            }
            let plans: Vec<StratumPlan> = f
                .levels
                .iter()
                .zip(&counts)
                .map(|(l, &c)| StratumPlan {
                    name: l.clone(),
                    size: c as f64,
                    sd: 1.0,
                    cost: 1.0,
                })
                .collect();
            let sizes: Vec<usize> =
                planning::allocate(a.n as u64, &plans, Allocation::Proportional)?
                    .into_iter()
                    .map(|x| x as usize)
                    .collect();
            duluan_stats::draw::stratified(&f, &sizes, a.seed)?
        }
        "pps" => {
            let col = need(&a.size, "size")?;
            duluan_stats::draw::systematic_pps(frame.numeric(&col)?, a.n, a.seed)?
        }
        "two-stage" => {
            let f = frame.factor(&need(&a.cluster, "cluster")?)?;
            duluan_stats::draw::two_stage(&f, a.n, a.per_cluster, a.seed)?
        }
        o => bail!("--method `{o}`: use srs, stratified, pps or two-stage"),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = frame.names().to_vec();
    header.push("_prob".into());
    header.push("_weight".into());
    w.write_record(&header)?;
    let cols: Vec<Vec<String>> = frame
        .names()
        .iter()
        .map(|n| text_column(&frame, n))
        .collect::<Result<_>>()?;
    for (&r, &p) in sample.rows.iter().zip(&sample.probs) {
        let mut rec: Vec<String> = cols.iter().map(|c| c[r].clone()).collect();
        rec.push(format!("{p}"));
        rec.push(format!("{}", 1.0 / p));
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow!("{e}"))?,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = "id,stratum,psu,w,y,x,group\n\
        1,a,1,10,3,1,u\n2,a,1,10,4,2,v\n3,a,2,10,5,2,u\n4,a,2,10,6,3,v\n\
        5,b,3,20,7,3,u\n6,b,3,20,8,4,v\n7,b,4,20,9,4,u\n8,b,4,20,10,5,v\n";

    fn args() -> EstimateArgs {
        EstimateArgs {
            ids: Some("psu".into()),
            strata: Some("stratum".into()),
            weights: Some("w".into()),
            lonely_psu: "fail".into(),
            qrule: "math".into(),
            prop_method: "logit".into(),
            table_statistic: "F".into(),
            calfun: "linear".into(),
            bootstrap_replicates: 20,
            level: 0.95,
            interval: "t".into(),
            ..Default::default()
        }
    }

    fn run_rows(a: &EstimateArgs) -> Vec<Row> {
        estimate(a, DATA.as_bytes(), &SideFiles::default()).unwrap()
    }

    #[test]
    fn mean_matches_the_engine() {
        let mut a = args();
        a.mean = vec!["y".into()];
        a.deff = true;
        let rows = run_rows(&a);
        assert_eq!(rows.len(), 1);
        // Weighted mean: (10·18 + 20·34) / 120.
        assert!((rows[0].estimate - (10.0 * 18.0 + 20.0 * 34.0) / 120.0).abs() < 1e-12);
        assert!(rows[0].se.unwrap() > 0.0 && rows[0].deff.is_some());
        assert_eq!(rows[0].df, Some(2.0));
    }

    #[test]
    fn unknown_columns_are_listed_with_the_existing_ones() {
        let mut a = args();
        a.mean = vec!["nope".into(), "y".into()];
        a.by = Some("zz".into());
        let err = estimate(&a, DATA.as_bytes(), &SideFiles::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`nope`, `zz`"), "{err}");
        assert!(err.contains("id, stratum, psu, w, y, x, group"), "{err}");
    }

    #[test]
    fn by_ratio_quantile_prop_and_table() {
        let mut a = args();
        a.mean = vec!["y".into()];
        a.by = Some("group".into());
        a.ratio = vec!["y/x".into()];
        a.quantile = vec!["y:0.5".into()];
        a.prop = vec!["group".into()];
        let rows = run_rows(&a);
        let stats: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.statistic.as_str(), r.domain.as_deref()))
            .collect();
        assert_eq!(stats.iter().filter(|s| s.0 == "mean").count(), 2);
        assert!(stats.contains(&("ratio", Some("u"))));
        assert!(stats.contains(&("quantile", Some("v"))));
        let mut a = args();
        a.table = vec!["group+stratum".into()];
        let rows = run_rows(&a);
        assert_eq!(rows[0].statistic, "chisq_F");
        assert!(rows[0].p_value.is_some());
    }

    #[test]
    fn weighting_files() {
        let mut a = args();
        a.total = vec!["y".into()];
        let side = SideFiles {
            poststratify: Some(b"group,Freq\nu,100\nv,200\n".to_vec()),
            ..Default::default()
        };
        let rows = estimate(&a, DATA.as_bytes(), &side).unwrap();
        // Post-stratified total of y: 100·mean_u + 200·mean_v.
        let mu = (10.0 * 8.0 + 20.0 * 16.0) / 60.0;
        let mv = (10.0 * 10.0 + 20.0 * 18.0) / 60.0;
        assert!((rows[0].estimate - (100.0 * mu + 200.0 * mv)).abs() < 1e-9);
        let side = SideFiles {
            rake: Some(
                b"variable,level,Freq\ngroup,u,100\ngroup,v,200\nstratum,a,150\nstratum,b,150\n"
                    .to_vec(),
            ),
            ..Default::default()
        };
        assert!(estimate(&a, DATA.as_bytes(), &side).is_ok());
        let side = SideFiles {
            calibrate: Some(b"name,total\n(Intercept),300\nx,900\n".to_vec()),
            ..Default::default()
        };
        let mut b = args();
        b.total = vec!["x".into()];
        let rows = estimate(&b, DATA.as_bytes(), &side).unwrap();
        assert!((rows[0].estimate - 900.0).abs() < 1e-6);
        let side = SideFiles {
            calibrate: Some(b"name,total\n(Intercept),300\nnothere,900\n".to_vec()),
            ..Default::default()
        };
        let err = estimate(&b, DATA.as_bytes(), &side)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nothere"), "{err}");
    }

    #[test]
    fn replicates_and_formats() {
        let mut a = args();
        a.mean = vec!["y".into()];
        a.quantile = vec!["y:0.5".into()];
        a.prop = vec!["group".into()];
        a.table = vec!["group+stratum".into()];
        a.variance = vec!["y".into()];
        a.replicates = Some("jkn".into());
        let rows = run_rows(&a);
        for stat in ["mean", "variance", "quantile", "proportion", "chisq_F"] {
            assert!(rows.iter().any(|r| r.statistic == stat), "no {stat}");
        }
        for f in [Format::Table, Format::Json, Format::Csv] {
            let s = render(&rows, f).unwrap();
            assert!(s.contains("mean") && s.contains("estimate"), "{s}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&render(&rows, Format::Json).unwrap()).unwrap();
        assert!(json[0]["se"].as_f64().unwrap() > 0.0);
        assert!(json[0]["ci_lower"].is_number());
    }

    #[test]
    fn replicates_with_raking_and_calibration() {
        let mut a = args();
        a.mean = vec!["y".into()];
        a.replicates = Some("jkn".into());
        let side = SideFiles {
            rake: Some(
                b"variable,level,Freq\ngroup,u,100\ngroup,v,200\nstratum,a,150\nstratum,b,150\n"
                    .to_vec(),
            ),
            ..Default::default()
        };
        let rows = estimate(&a, DATA.as_bytes(), &side).unwrap();
        assert!(rows[0].se.unwrap() > 0.0);
        let side = SideFiles {
            calibrate: Some(b"name,total\n(Intercept),300\n".to_vec()),
            ..Default::default()
        };
        let err = estimate(&a, DATA.as_bytes(), &side)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not available with replicate"), "{err}");
    }

    #[test]
    fn supplied_replicate_weights() {
        let data = "w,y,r1,r2,r3,r4\n1,2,2,0,2,0\n1,4,0,2,2,0\n1,6,2,0,0,2\n1,8,0,2,0,2\n";
        let mut a = args();
        a.ids = None;
        a.strata = None;
        a.mean = vec!["y".into()];
        a.repweights = Some("r".into());
        a.replicates = Some("brr".into());
        let rows = estimate(&a, data.as_bytes(), &SideFiles::default()).unwrap();
        // Replicate means 4, 6, 3, 7 around their mean 5: BRR variance (1+1+4+4)/4 = 2.5.
        assert!((rows[0].estimate - 5.0).abs() < 1e-12);
        assert!((rows[0].se.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
        a.repweights = Some("zz".into());
        let err = estimate(&a, data.as_bytes(), &SideFiles::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column starts with"), "{err}");
    }

    #[test]
    fn lonely_psu_error_is_clear() {
        let mut a = args();
        a.ids = Some("id".into());
        a.mean = vec!["y".into()];
        let data = "id,stratum,w,y,psu\n1,a,1,1,1\n2,b,1,2,2\n3,b,1,3,3\n";
        let err = estimate(&a, data.as_bytes(), &SideFiles::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("stratum `a`"), "{err}");
    }

    #[test]
    fn sample_size_and_allocation() {
        let a = SampleSizeArgs {
            moe: Some(0.03),
            n: None,
            p: None,
            sd: None,
            level: 0.95,
            deff: 1.0,
            population: None,
            response_rate: 0.5,
            strata_file: None,
            allocation: "proportional".into(),
            format: Format::Csv,
        };
        let s = sample_size(&a, Some(b"stratum,size\nx,3000\ny,1000\n".to_vec())).unwrap();
        assert!(
            s.contains("completes,1068") && s.contains("contacts,2136"),
            "{s}"
        );
        assert!(
            s.contains("stratum x,801") && s.contains("stratum y,267"),
            "{s}"
        );
    }

    #[test]
    fn draws_are_reproducible() {
        let frame = "id,s,size\n".to_string()
            + &(0..100)
                .map(|i| format!("{i},{},{}\n", i % 4, i % 7 + 1))
                .collect::<String>();
        for (method, extra) in [
            ("srs", None),
            ("stratified", Some("s")),
            ("pps", None),
            ("two-stage", None),
        ] {
            let a = DrawArgs {
                frame: PathBuf::new(),
                method: method.into(),
                n: if method == "two-stage" { 2 } else { 8 },
                seed: 5,
                strata: extra.map(String::from),
                size: Some("size".into()),
                cluster: Some("s".into()),
                per_cluster: 2,
                output: None,
            };
            let one = draw(&a, frame.as_bytes()).unwrap();
            assert_eq!(one, draw(&a, frame.as_bytes()).unwrap());
            assert!(one.starts_with("id,s,size,_prob,_weight\n"), "{one}");
        }
    }
}
