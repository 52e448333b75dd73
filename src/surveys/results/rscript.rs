//! Reproducible in R (*tái lập bằng R*): `GET /surveys/{id}/results.R.zip`, a ZIP of the
//! interviews the results page computes from (`data.csv`), the population tables it is weighted
//! to (`population_1.csv` …) and an R script (`results.R`) that recomputes every figure of the
//! page with R's `survey` package and writes them to `r_results.csv`, at full precision.
//!
//! The script follows `model` step by step: the design of `model::design` (`svydesign` with the
//! design weights and strata, or equal weights), the weighting of `model::weighting::apply`
//! (`postStratify`, `rake`, `calibrate` on the same model matrix, `trimWeights`) only where the
//! page's weighting succeeded, then per question the domain of the answered interviews as a
//! `subset` of the whole design, shares with `svyciprop` (logit) or the exact interval the page
//! shows where everyone answered alike, means with `svymean` and t intervals, medians with
//! `svyquantile` (`qrule = "math"`, Woodruff). It computes every figure, hidden or not: the
//! small-cell rule is the page's business, and the data are row-level anyway.
//!
//! Row-level data: the download takes `ViewResponses` besides `ViewSurveyResults` and is audited
//! (`survey.results_r`). Only the questions the page covers are written (no free text).
//!
//! Nothing typed by a person reaches the script as code: variable names are written in backticks
//! only when they are plain ASCII names (any other gets an alias, `.q3`, set by position), choice
//! names and levels only inside escaped R string literals (non-ASCII as `\u{…}`, so that the
//! script parses the same in any locale), labels and the title only in comments, themselves
//! written as escaped string literals (no line break or bidirectional control gets through).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use duluan_forms::check::CheckedForm;
use duluan_stats::Factor;
use serde_json::json;

use super::model::weighting::{Method, PopTable, RAKE_EPSILON, RAKE_MAXIT, Spec};
use super::model::{self, Data, Kind, Settings};
use super::{Inputs, ResultsQuery, inputs};
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::kit::csv::{is_plain_number, text_cell};
use crate::surveys::survey_for;
use crate::web::ctx::Auth;

/// `GET /surveys/{id}/results.R.zip` (`?weighted=0` as the page): the data, the population
/// tables and the R script of the page's figures.
pub async fn download_rscript(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::ViewSurveyResults).await?;
    // Row-level data: what the responses browser and the exports require.
    crate::accounts::require(&state.db, &auth.user, Capability::ViewResponses, s.unit_id).await?;
    let Inputs {
        engine,
        data,
        spec,
        settings,
        ..
    } = inputs(&state, s.id, &q).await?;
    let n = data.n;
    let about = About {
        survey_id: s.id,
        title: s.title.clone(),
        lang: auth.ctx.tr.lang().code(),
    };
    let zip =
        tokio::task::spawn_blocking(move || bundle(engine.form(), &data, &spec, settings, &about))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("results.R.zip: {e}")))?
            .map_err(|e| match e {
                BundleError::Unsupported => AppError::BadRequest("results-r-unsupported"),
                BundleError::Write(e) => AppError::Internal(anyhow::anyhow!("results.R.zip: {e}")),
            })?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.results_r",
        "survey",
        &s.id.to_string(),
        Some(s.unit_id),
        json!({"interviews": n, "weighted": settings.weighted}),
    )
    .await?;
    let disposition = format!("attachment; filename=\"duluan-results-{}-R.zip\"", s.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        zip,
    )
        .into_response())
}

/// What the script's comments say about the survey.
pub struct About {
    /// The survey.
    pub survey_id: i64,
    /// Its title (a comment only).
    pub title: String,
    /// The language of the labels in comments.
    pub lang: &'static str,
}

/// Why no bundle was written.
#[derive(Debug)]
pub enum BundleError {
    /// A name, level or answer that R cannot hold (a NUL character).
    Unsupported,
    /// Writing the archive failed.
    Write(String),
}

impl From<std::io::Error> for BundleError {
    fn from(e: std::io::Error) -> Self {
        BundleError::Write(e.to_string())
    }
}

impl From<zip::result::ZipError> for BundleError {
    fn from(e: zip::result::ZipError) -> Self {
        BundleError::Write(e.to_string())
    }
}

impl From<csv::Error> for BundleError {
    fn from(e: csv::Error) -> Self {
        BundleError::Write(e.to_string())
    }
}

/// One covered question as the script sees it.
struct Question {
    name: String,
    /// How the script names its column (`` `age` `` or `` `.q3` ``).
    code: String,
    label: String,
    kind: Kind,
    /// `(name, label)` of its choices.
    choices: Vec<(String, String)>,
    /// Whether the page shows its figures (else it is only a population table's variable that
    /// the live questionnaire no longer covers).
    figures: bool,
}

/// The ZIP: `data.csv`, `population_{k}.csv` when weighted to population tables, `results.R`.
pub fn bundle(
    form: &CheckedForm,
    data: &Data,
    spec: &Spec,
    settings: Settings,
    about: &About,
) -> Result<Vec<u8>, BundleError> {
    let mut questions = questions(form, about.lang);
    // The design exactly as `model::design` builds it, and the weighting only where the page's
    // succeeded (a failed one leaves the page on the design weights).
    let uses_design = settings.weighted && data.has_design();
    let weighting = if settings.weighted && spec.active() && data.n >= 2 {
        match model::prepare(data, spec, true).map(|p| p.weighting) {
            Ok(Some(Ok(_))) => Weighting::Applied,
            _ => Weighting::Failed,
        }
    } else {
        Weighting::None
    };
    if weighting == Weighting::Applied {
        for v in spec.tables.iter().flat_map(|t| &t.variables) {
            if !questions.iter().any(|q| q.name == *v) {
                questions.push(Question {
                    name: v.clone(),
                    code: column_code(v, questions.len() + 1),
                    label: v.clone(),
                    kind: Kind::Single,
                    choices: vec![],
                    figures: false,
                });
            }
        }
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("data.csv", options)?;
    write_data(&mut zip, data, &questions, uses_design)?;
    if weighting == Weighting::Applied {
        for (k, t) in spec.tables.iter().enumerate() {
            zip.start_file(format!("population_{}.csv", k + 1), options)?;
            write_population(&mut zip, t)?;
        }
    }
    let script = script(
        data,
        spec,
        settings,
        about,
        &questions,
        uses_design,
        weighting,
    )?;
    zip.start_file("results.R", options)?;
    zip.write_all(script.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weighting {
    None,
    Applied,
    Failed,
}

fn text(t: &duluan_forms::model::Text, lang: &str, fallback: Option<&str>, name: &str) -> String {
    t.get(lang, fallback).unwrap_or(name).to_string()
}

/// The covered questions in questionnaire order (`model::covered`), each variable once.
fn questions(form: &CheckedForm, lang: &str) -> Vec<Question> {
    let fallback = form.form.default_language.as_deref();
    let mut out: Vec<Question> = Vec::new();
    for (i, kind) in model::covered(form) {
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        if out.iter().any(|x| x.name == q.name) {
            continue;
        }
        let choices = form.nodes[i]
            .list
            .and_then(|l| form.form.choices.get(l))
            .map(|l| {
                l.choices
                    .iter()
                    .map(|c| (c.name.clone(), text(&c.label, lang, fallback, &c.name)))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Question {
            name: q.name.clone(),
            code: column_code(&q.name, out.len() + 1),
            label: text(&q.label, lang, fallback, &q.name),
            kind,
            choices,
            figures: true,
        });
    }
    out
}

/// How the script names the column of variable `name`, the `j`-th: `` `name` `` when plain,
/// else `` `.qj` ``.
fn column_code(name: &str, j: usize) -> String {
    if is_plain_name(name) {
        format!("`{name}`")
    } else {
        format!("`.q{j}`")
    }
}

/// A name written as is (in backticks) into R code: an ASCII letter or `_`, then ASCII letters,
/// digits, `_`, `.` or `-`. Anything else gets an alias.
fn is_plain_name(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A cell of `data.csv` or a population table: protected against spreadsheet formulas as
/// `kit::csv` does (a plain number stays a number, so `-3` reads back as −3), and reversibly —
/// a value that already starts with quotes before such a character gets one more — so that the
/// script's `unprotect` gives back exactly what was stored.
fn cell(s: &str) -> Cow<'_, str> {
    if is_plain_number(s) {
        return Cow::Borrowed(s);
    }
    match text_cell(s.trim_start_matches('\'')) {
        Cow::Owned(_) => Cow::Owned(format!("'{s}")),
        Cow::Borrowed(_) => Cow::Borrowed(s),
    }
}

/// A number read back exactly (Rust's shortest round-trip form).
fn num(x: f64) -> String {
    format!("{x}")
}

fn write_data(
    out: &mut impl std::io::Write,
    data: &Data,
    questions: &[Question],
    uses_design: bool,
) -> Result<(), BundleError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![".weight".to_string(), ".stratum".to_string()];
    header.extend(questions.iter().map(|q| cell(&q.name).into_owned()));
    w.write_record(&header)?;
    let cols: Vec<_> = questions.iter().map(|q| data.column(&q.name)).collect();
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..data.n {
        row.clear();
        if uses_design {
            let stratum = data.strata[i].as_deref().unwrap_or("");
            if stratum.contains('\0') {
                return Err(BundleError::Unsupported);
            }
            row.push(num(data.weights[i].unwrap_or(1.0)));
            row.push(cell(stratum).into_owned());
        } else {
            row.push("1".into());
            row.push(String::new());
        }
        for (q, c) in questions.iter().zip(&cols) {
            let v = c.get(i);
            let v: Cow<str> = match q.kind {
                // The page splits a multiple choice on white space: one space between names.
                Kind::Multiple => Cow::Owned(v.split_whitespace().collect::<Vec<_>>().join(" ")),
                _ => Cow::Borrowed(v),
            };
            // R's strings cannot hold NUL (read.csv would cut the value).
            if v.contains('\0') {
                return Err(BundleError::Unsupported);
            }
            row.push(cell(&v).into_owned());
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn write_population(out: &mut impl std::io::Write, t: &PopTable) -> Result<(), BundleError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = t.variables.iter().map(|v| cell(v).into_owned()).collect();
    header.push("population".into());
    w.write_record(&header)?;
    for (levels, count) in &t.cells {
        let mut row: Vec<String> = levels.iter().map(|l| cell(l).into_owned()).collect();
        row.push(num(*count));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Characters escaped even in comments: controls, line and paragraph separators, zero-width and
/// bidirectional controls (which could make a comment display as code).
fn is_hidden(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || matches!(u, 0x061c | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// `s` as an R string literal; with `ascii`, every non-ASCII character as `\u{…}` (R then
/// holds the string as UTF-8 whatever the locale).
fn r_literal(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) || (ascii && !c.is_ascii()) => {
                let u = c as u32;
                if u > 0xffff {
                    let _ = write!(out, "\\U{{{u:x}}}");
                } else {
                    let _ = write!(out, "\\u{{{u:x}}}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string literal of R code (ASCII only); R strings cannot hold NUL.
fn code(s: &str) -> Result<String, BundleError> {
    if s.contains('\0') {
        return Err(BundleError::Unsupported);
    }
    Ok(r_literal(s, true))
}

/// Text for a comment: a string literal, so that nothing in it ends the comment.
fn comment(s: &str) -> String {
    r_literal(s, false)
}

/// The R vector `c("a", "b")`.
fn code_vec<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<String, BundleError> {
    let items: Vec<String> = items.into_iter().map(code).collect::<Result<_, _>>()?;
    Ok(format!("c({})", items.join(", ")))
}

const PRELUDE: &str = r#"library(survey)
# A stratum with one interview is centred at the grand mean, as on the page.
options(survey.lonely.psu = "adjust")
level <- 0.95

# Every value as text, as stored. A cell that starts like a spreadsheet formula (= + - @) was
# written with a ' before it (plain numbers excepted): read back without it.
read_text <- function(file) {
  x <- read.csv(file, colClasses = "character", na.strings = character(0),
                check.names = FALSE, encoding = "UTF-8")
  x[] <- lapply(x, function(v) sub("^'(?='*[-=+@\t\r])", "", v, perl = TRUE))
  x
}
# A number as the page reads one (a decimal comma allowed); anything else is no answer.
as_number <- function(v) {
  v <- gsub(",", ".", v, fixed = TRUE)
  ok <- grepl("^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$", v, perl = TRUE)
  x <- rep(NA_real_, length(v))
  x[ok] <- as.numeric(v[ok])
  x[!is.finite(x)] <- NA
  x
}
# Whether each answer of a multiple choice (names separated by one space) holds `choice`.
has_choice <- function(v, choice) {
  vapply(strsplit(v, " ", fixed = TRUE), function(p) choice %in% p, logical(1))
}
"#;

const FIGURES: &str = r#"
# The figures, one line each: a choice's share, or a number's mean and median.
figures <- list()
put <- function(question, line, estimate, lower, upper) {
  figures[[length(figures) + 1]] <<- data.frame(
    question = question, line = line, estimate = as.numeric(estimate),
    lower = as.numeric(lower), upper = as.numeric(upper))
}
# Where every respondent of the domain answered alike (a share of 0 or 1) there is no logit
# interval: the page shows the exact (Clopper-Pearson) interval of 0 or n successes in n.
exact <- function(p, n) {
  edge <- ((1 - level) / 2)^(1 / n)
  if (p >= 0.5) c(p, edge, 1) else c(p, 0, 1 - edge)
}
# A share within the domain `dd` (a subset of the whole design, as R's domains are).
# svyciprop's logit method fits a logistic regression (svyglm), which stops once the deviance
# changes by less than 1e-8: its figures may differ from the page's (the weighted share, with
# the same logit interval by the delta method) from the tenth digit on; method = "xlogit"
# gives the page's to rounding.
share <- function(question, choice, formula, dd) {
  inside <- weights(dd) != 0
  y <- as.logical(eval(formula[[2]], dd$variables, environment(formula)))[inside]
  if (length(y) < 2) return(put(question, choice, NA, NA, NA))
  if (all(y) || !any(y)) {
    v <- exact(mean(y), length(y))
  } else {
    p <- svyciprop(formula, dd, method = "logit", level = level)
    v <- c(as.numeric(coef(p)), as.numeric(confint(p)))
    if (!all(is.finite(v))) v <- exact(v[1], length(y))
  }
  put(question, choice, v[1], v[2], v[3])
}
# The mean (t interval on the domain's degrees of freedom) and the median (Woodruff interval).
mean_median <- function(question, formula, dd) {
  if (sum(weights(dd) != 0) < 2) {
    put(question, "mean", NA, NA, NA)
    return(put(question, "median", NA, NA, NA))
  }
  m <- svymean(formula, dd, na.rm = TRUE)
  ci <- confint(m, level = level, df = degf(dd))
  put(question, "mean", coef(m), ci[1], ci[2])
  q <- svyquantile(formula, dd, 0.5, alpha = 1 - level, ci = TRUE, interval.type = "mean",
                   qrule = "math", na.rm = TRUE)[[1]]
  put(question, "median", q[1, 1], q[1, 2], q[1, 3])
}
"#;

const OUTPUT: &str = r#"
# Every number at full precision (17 significant digits), UTF-8 whatever the locale.
figures <- do.call(rbind, figures)
quoted <- function(s) paste0("\"", gsub("\"", "\"\"", s, fixed = TRUE), "\"")
lines <- c("question,line,estimate,lower,upper",
           paste(quoted(figures$question), quoted(figures$line),
                 sprintf("%.17g", figures$estimate), sprintf("%.17g", figures$lower),
                 sprintf("%.17g", figures$upper), sep = ","))
con <- file("r_results.csv", open = "wb")
writeLines(enc2utf8(lines), con, useBytes = TRUE)
close(con)
cat("r_results.csv:", nrow(figures), "figures\n")
"#;

/// The R script.
fn script(
    data: &Data,
    spec: &Spec,
    settings: Settings,
    about: &About,
    questions: &[Question],
    uses_design: bool,
    weighting: Weighting,
) -> Result<String, BundleError> {
    let mut s = String::new();
    let mut line = |text: &str| {
        s.push_str(text);
        s.push('\n');
    };
    line(&format!(
        "# The figures of duluan's results page of survey {} ({}), recomputed with R's",
        about.survey_id,
        comment(&about.title)
    ));
    line("# `survey` package. Run it in this folder: `Rscript results.R` writes r_results.csv");
    line("# (question, line, estimate, lower, upper). Needs R and the survey package");
    line("# (Debian: r-cran-survey, and r-cran-mass for raking calibration; elsewhere");
    line("# install.packages(\"survey\")).");
    line(&format!(
        "# {} completed interviews; confidence level {}.",
        data.n, settings.level
    ));
    line(match (settings.weighted, uses_design) {
        (false, _) => "# Unweighted: every interview counts the same.",
        (true, true) => "# Weighted by the sample design: its weights and strata.",
        (true, false) => "# No design weights: every interview starts from weight 1.",
    });
    line("");
    line(PRELUDE);
    let names: Vec<String> = [".weight", ".stratum"]
        .into_iter()
        .map(str::to_string)
        .chain(
            questions
                .iter()
                .map(|q| q.code.trim_matches('`').to_string()),
        )
        .collect();
    line("# The interviews: .weight (the design weight, or 1), .stratum, then one column per");
    line("# question, named here by position.");
    line("dat <- read_text(\"data.csv\")");
    line(&format!("stopifnot(ncol(dat) == {})", names.len()));
    line(&format!(
        "names(dat) <- {}",
        code_vec(names.iter().map(String::as_str))?
    ));
    for q in questions {
        if !q.code.starts_with("`.q") {
            continue;
        }
        line(&format!("# {} is {}", q.code, comment(&q.name)));
    }
    line("dat$.weight <- as.numeric(dat$.weight)");
    for q in questions.iter().filter(|q| q.kind == Kind::Mean) {
        line(&format!(
            "dat${code} <- as_number(dat${code})",
            code = q.code
        ));
    }
    let keys = if weighting == Weighting::Applied {
        population_keys(data, spec, questions, &mut line)?
    } else {
        vec![]
    };
    line("");
    if uses_design {
        line("d <- svydesign(ids = ~1, strata = ~.stratum, weights = ~.weight, data = dat)");
    } else {
        line("# Every weight is 1: a simple random sample with replacement.");
        line("d <- svydesign(ids = ~1, weights = ~.weight, data = dat)");
    }
    match weighting {
        Weighting::None => {}
        Weighting::Failed => {
            line("# The page could not weight these interviews to its population tables (it says");
            line("# why): like the page, the figures use the design alone.");
        }
        Weighting::Applied => weigh(spec, &keys, &mut line)?,
    }
    line(FIGURES);
    for q in questions.iter().filter(|q| q.figures) {
        line(&format!("# {}: {}", comment(&q.name), comment(&q.label)));
        let name = code(&q.name)?;
        match q.kind {
            Kind::Single | Kind::Multiple => {
                line(&format!("dd <- subset(d, {} != \"\")", q.code));
                for (c, label) in &q.choices {
                    let choice = code(c)?;
                    let test = match q.kind {
                        Kind::Multiple => format!("has_choice({}, {choice})", q.code),
                        _ => format!("{} == {choice}", q.code),
                    };
                    line(&format!(
                        "share({name}, {choice}, ~I({test}), dd)  # {}",
                        comment(label)
                    ));
                }
            }
            Kind::Mean => {
                line(&format!("dd <- subset(d, !is.na({}))", q.code));
                line(&format!("mean_median({name}, ~{}, dd)", q.code));
            }
        }
    }
    line(OUTPUT);
    Ok(s)
}

/// Reads the population tables and gives every interview its combination of each table
/// (`PopTable::key`: the choice names joined by " × "), a factor whose levels are sorted as
/// `duluan_stats::Factor` sorts them (that order makes the calibration's model matrix).
fn population_keys(
    data: &Data,
    spec: &Spec,
    questions: &[Question],
    line: &mut impl FnMut(&str),
) -> Result<Vec<(String, usize)>, BundleError> {
    let sep = code(" × ")?;
    let mut keys = Vec::new();
    for (k, t) in spec.tables.iter().enumerate() {
        let k = k + 1;
        let key = format!(".k{k}");
        line("");
        line(&format!(
            "# Population table {k}: {} ({})",
            comment(&t.name),
            t.variables
                .iter()
                .map(|v| comment(v))
                .collect::<Vec<_>>()
                .join(" \u{d7} ")
        ));
        line(&format!("pop{k} <- read_text(\"population_{k}.csv\")"));
        let cols: Vec<String> = (1..=t.variables.len())
            .map(|c| format!("pop{k}[[{c}]]"))
            .collect();
        line(&format!(
            "pop{k} <- data.frame({key} = paste({}, sep = {sep}), Freq = as.numeric(pop{k}[[{}]]))",
            cols.join(", "),
            t.variables.len() + 1
        ));
        line(&format!("pop{k} <- pop{k}[pop{k}$Freq > 0, ]"));
        let columns: Vec<_> = t.variables.iter().map(|v| data.column(v)).collect();
        let values: Vec<String> = (0..data.n)
            .map(|i| {
                let levels: Vec<String> = columns.iter().map(|c| c.get(i).to_string()).collect();
                PopTable::key(&levels)
            })
            .collect();
        let levels = Factor::from_strs(&values).levels;
        let mut vars = Vec::new();
        for v in &t.variables {
            // A table's variable is a covered single choice; its column is named as above.
            let q = questions
                .iter()
                .find(|q| q.name == *v)
                .ok_or(BundleError::Unsupported)?;
            vars.push(format!("dat${}", q.code));
        }
        line(&format!(
            "dat${key} <- factor(paste({}, sep = {sep}),\n  levels = {})",
            vars.join(", "),
            code_vec(levels.iter().map(String::as_str))?
        ));
        keys.push((key, levels.len()));
    }
    Ok(keys)
}

/// The weighting of `model::weighting::apply`, then its trimming.
fn weigh(
    spec: &Spec,
    keys: &[(String, usize)],
    line: &mut impl FnMut(&str),
) -> Result<(), BundleError> {
    line("");
    let margins: Vec<String> = keys.iter().map(|(k, _)| format!("~{k}")).collect();
    let pops: Vec<String> = (1..=keys.len()).map(|k| format!("pop{k}")).collect();
    match spec.method {
        Method::None => {}
        Method::PostStratify => {
            line("# Post-stratification to the cells of the table.");
            line(&format!("d <- postStratify(d, ~{}, pop1)", keys[0].0));
        }
        Method::Rake => {
            line("# Raking to every table's margin.");
            line(&format!(
                "d <- rake(d, list({}), list({}),\n  control = list(maxit = {RAKE_MAXIT}, epsilon = {RAKE_EPSILON:e}))",
                margins.join(", "),
                pops.join(", "),
            ));
        }
        Method::Linear | Method::Raking => {
            line("# Calibration: an intercept and each table's combinations after its first");
            line("# (treatment dummies), with their population totals in the same order; a table");
            line("# whose interviews all fall in one combination adds no dummy.");
            let mut totals = vec!["sum(pop1$Freq)".to_string()];
            let mut terms = Vec::new();
            for (k, (key, levels)) in keys.iter().enumerate() {
                if *levels < 2 {
                    continue;
                }
                terms.push(key.clone());
                totals.push(format!(
                    "pop{k}$Freq[match(levels(dat${key})[-1], pop{k}${key})]",
                    k = k + 1
                ));
            }
            line(&format!("totals <- c({})", totals.join(",\n  ")));
            line("totals[is.na(totals)] <- 0");
            let formula = if terms.is_empty() {
                "1".to_string()
            } else {
                terms.join(" + ")
            };
            let calfun = if spec.method == Method::Linear {
                "linear"
            } else {
                "raking"
            };
            line(&format!(
                "d <- calibrate(d, ~{formula}, population = totals, calfun = \"{calfun}\")"
            ));
        }
    }
    if let Some(t) = spec.trim.filter(|t| *t > 1.0) {
        line("# Trimming: weights kept within [mean / t, mean × t], the trimmed weight shared by");
        line("# the others (not repeated).");
        line("m <- mean(weights(d))");
        line(&format!(
            "d <- trimWeights(d, lower = m / {t}, upper = m * {t})",
            t = num(t)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_hold_anything_and_code_stays_ascii() {
        assert_eq!(r_literal("a\"b\\c", true), r#""a\"b\\c""#);
        assert_eq!(r_literal("x\ny\r\tz", true), r#""x\ny\r\tz""#);
        assert_eq!(r_literal("Nữ × 2", true), r#""N\u{1eef} \u{d7} 2""#);
        assert_eq!(r_literal("Nữ", false), "\"Nữ\"");
        // Bidirectional and line-breaking characters are escaped even in comments.
        assert_eq!(
            comment("a\u{202e}b\u{2028}c\u{85}"),
            r#""a\u{202e}b\u{2028}c\u{85}""#
        );
        assert_eq!(r_literal("😀", true), r#""\U{1f600}""#);
        assert!(code("a\0b").is_err());
        let c = comment("x\n) ; system(\"rm -rf /\") #");
        assert!(!c.contains('\n'), "{c}");
    }

    #[test]
    fn only_plain_names_reach_the_code() {
        for yes in ["age", "q_1", "Q1.a", "a-b", "_x"] {
            assert!(is_plain_name(yes), "{yes}");
        }
        for no in ["", "tuổi", "a`b", "a b", "1a", ".weight", "a\\b", "a\"b"] {
            assert!(!is_plain_name(no), "{no}");
        }
    }

    #[test]
    fn cells_read_back_exactly() {
        // What the script's `unprotect` does: one leading ' before quotes and a risky start.
        fn unprotect(c: &str) -> &str {
            match c.strip_prefix('\'') {
                Some(rest)
                    if rest
                        .trim_start_matches('\'')
                        .starts_with(['-', '=', '+', '@', '\t', '\r']) =>
                {
                    rest
                }
                _ => c,
            }
        }
        for (value, written) in [
            ("-3", "-3"),
            ("-2.5e-3", "-2.5e-3"),
            ("12", "12"),
            ("=1+1", "'=1+1"),
            ("-3a", "'-3a"),
            ("+84", "'+84"),
            ("'=x", "''=x"),
            ("'x", "'x"),
            ("tax land", "tax land"),
            ("", ""),
        ] {
            assert_eq!(cell(value), written, "{value}");
            assert_eq!(unprotect(written), value, "{written}");
        }
    }

    /// A questionnaire whose names, choices, answers and labels try to break out of the data
    /// and of the script: R (when installed; required with `DULUAN_TEST_R=1`), run in the C
    /// locale, reads them back and reproduces `model::compute` within 1e-9.
    #[test]
    fn odd_names_and_labels_survive_r_in_any_locale() {
        let label = |t: &str| json!({"vi": t, "en": t});
        let nasty = "x\n) ; q(\"no\") #\u{202e}";
        let form = json!({
            "id": "odd", "version": "1", "title": "odd", "default_language": "vi",
            "items": [
                {"kind": "question", "name": "tuổi", "type": "decimal", "label": label(nasty)},
                {"kind": "question", "name": "q-1", "type": "select_one odd", "label": label("q")},
                {"kind": "question", "name": "dv", "type": "select_multiple two", "label": label("m")},
            ],
            "choices": [
                {"name": "odd", "choices": [
                    {"name": "a\"b", "label": label(nasty)},
                    {"name": "=x", "label": label("=x")},
                    {"name": "-3", "label": label("-3")},
                    {"name": "Nữ", "label": label("Nữ")},
                ]},
                {"name": "two", "choices": [
                    {"name": "x", "label": label("x")},
                    {"name": "y", "label": label("y")},
                ]},
            ],
        });
        let engine = crate::surveys::engine_for(&form.to_string()).expect("the form checks");
        let ages = [
            "20", "21,5", "-3", "abc", "1e1", ".5", "+7", "33", "'=1", "40",
        ];
        let picks = ["a\"b", "=x", "-3", "Nữ"];
        let multi = ["x y", "x", "y  x", "y", "x"];
        let rows: Vec<model::Row> = (0..20)
            .map(|i| model::Row {
                answers: [
                    ("tuổi".to_string(), ages[i % ages.len()].to_string()),
                    ("q-1".to_string(), picks[i % picks.len()].to_string()),
                    ("dv".to_string(), multi[i % multi.len()].to_string()),
                ]
                .into(),
                weight: Some(1.0 + i as f64 * 0.37),
                stratum: Some(["A", "B", "=C"][i % 3].to_string()),
            })
            .collect();
        let data = Data::from_rows(&rows);
        let settings = Settings {
            weighted: true,
            k: 2,
            level: 0.95,
        };
        let spec = Spec {
            method: Method::None,
            tables: vec![],
            trim: None,
        };
        let about = About {
            survey_id: 7,
            title: nasty.to_string(),
            lang: "vi",
        };
        let zip = bundle(engine.form(), &data, &spec, settings, &about).expect("a bundle");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut script = String::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            if f.name().unwrap() == "results.R" {
                script = String::from_utf8(bytes.clone()).unwrap();
            }
            std::fs::write(dir.path().join(f.name().unwrap().to_string()), bytes).unwrap();
        }
        // Names and labels never reach the code raw: the alias, escaped literals, no break-out.
        assert!(
            script.contains("`.q1`") && !script.contains("`tuổi`"),
            "{script}"
        );
        assert!(script.contains(r#"share("q-1", "a\"b", ~I(`q-1` == "a\"b"), dd)"#));
        assert!(script.contains(r#""N\u{1eef}""#));
        assert!(!script.contains('\u{202e}') && !script.contains("\n) ; q("));
        // Outside comments the script is ASCII (it parses alike in every locale).
        for l in script.lines().filter(|l| !l.starts_with('#')) {
            assert!(l.split_once("  # ").map_or(l, |x| x.0).is_ascii(), "{l}");
        }

        let required = std::env::var("DULUAN_TEST_R").is_ok_and(|v| v == "1");
        let run = std::process::Command::new("Rscript")
            .arg("results.R")
            .current_dir(dir.path())
            .env("LC_ALL", "C")
            .env("LANG", "C")
            .output();
        let out = match run {
            Ok(out) => out,
            Err(e) => {
                assert!(!required, "DULUAN_TEST_R=1 but Rscript is missing: {e}");
                eprintln!("skipped: Rscript not found");
                return;
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() && stderr.contains("there is no package called") && !required {
            eprintln!("skipped: R's survey package not found");
            return;
        }
        assert!(out.status.success(), "{stderr}\n{script}");
        let text = std::fs::read_to_string(dir.path().join("r_results.csv")).unwrap();
        let mut r: Vec<(String, String, [f64; 3])> = Vec::new();
        for rec in csv::Reader::from_reader(text.as_bytes()).records() {
            let rec = rec.unwrap();
            let v = |k: usize| rec[k].parse::<f64>().unwrap_or(f64::NAN);
            r.push((rec[0].to_string(), rec[1].to_string(), [v(2), v(3), v(4)]));
        }
        let design = model::design(&data, true).unwrap();
        let ours = model::compute(engine.form(), &data, &design, settings, "vi", None).unwrap();
        let mut compared = 0;
        for q in &ours {
            let theirs: Vec<_> = r.iter().filter(|x| x.0 == q.name).collect();
            assert_eq!(theirs.len(), q.lines.len(), "{}: {text}", q.name);
            for (l, t) in q.lines.iter().zip(theirs) {
                let Some((e, lo, hi)) = l.value else { continue };
                for (a, b) in [e, lo, hi].into_iter().zip(t.2) {
                    assert!((a - b).abs() <= 1e-9, "{} {}: ours {a}, R {b}", q.name, t.1);
                    compared += 1;
                }
            }
        }
        // The mean of the numbers the page reads: 20, 21.5, -3, 10, 0.5, 7, 33, 40 (not "abc",
        // not "'=1"), and every share.
        assert!(compared >= 24, "{compared}: {text}");
        assert!(text.contains("\"q-1\",\"Nữ\""), "{text}");
        assert!(text.contains("\"tuổi\",\"mean\""), "{text}");
    }
}
