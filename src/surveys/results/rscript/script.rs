//! The R script of the bundle: escaped literals and comments, and the code that rebuilds the
//! design, applies the weighting and computes every figure.

use super::*;

/// Characters escaped even in comments: controls, line and paragraph separators, zero-width and
/// bidirectional controls (which could make a comment display as code).
pub(super) fn is_hidden(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || matches!(u, 0x061c | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// `s` as an R string literal; with `ascii`, every non-ASCII character as `\u{…}` (R then
/// holds the string as UTF-8 whatever the locale).
pub(super) fn r_literal(s: &str, ascii: bool) -> String {
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
pub(super) fn code(s: &str) -> Result<String, BundleError> {
    if s.contains('\0') {
        return Err(BundleError::Unsupported);
    }
    Ok(r_literal(s, true))
}

/// Text for a comment: a string literal, so that nothing in it ends the comment.
pub(super) fn comment(s: &str) -> String {
    r_literal(s, false)
}

/// The R vector `c("a", "b")`.
pub(super) fn code_vec<'a>(
    items: impl IntoIterator<Item = &'a str>,
) -> Result<String, BundleError> {
    let items: Vec<String> = items.into_iter().map(code).collect::<Result<_, _>>()?;
    Ok(format!("c({})", items.join(", ")))
}

pub(super) const PRELUDE: &str = r#"library(survey)
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

pub(super) const FIGURES: &str = r#"
# The figures, one line each: a choice's share, or a number's mean and median.
figures <- list()
put <- function(question, line, estimate, lower, upper, total = c(NA, NA, NA)) {
  figures[[length(figures) + 1]] <<- data.frame(
    question = question, line = line, estimate = as.numeric(estimate),
    lower = as.numeric(lower), upper = as.numeric(upper), total = as.numeric(total[1]),
    total_lower = as.numeric(total[2]), total_upper = as.numeric(total[3]))
}
# Where every respondent of the domain answered alike (a share of 0 or 1) there is no logit
# interval: the page shows the exact (Clopper-Pearson) interval of 0 or n successes in n.
exact <- function(p, n) {
  edge <- ((1 - level) / 2)^(1 / n)
  if (p >= 0.5) c(p, edge, 1) else c(p, 0, 1 - edge)
}
# A share within the domain `dd` (a subset of the whole design, as R's domains are), its
# interval by the deployment's method (`ci_method`, set above).
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
    p <- svyciprop(formula, dd, method = ci_method, level = level)
    v <- c(as.numeric(coef(p)), as.numeric(confint(p)))
    if (!all(is.finite(v))) v <- exact(v[1], length(y))
  }
  # The choice's number in the population (where the weights stand for one): svytotal, with
  # a t interval on the domain's degrees of freedom.
  total <- c(NA, NA, NA)
  if (with_totals) {
    t <- svytotal(eval(bquote(~as.numeric(.(formula[[2]])))), dd)
    total <- c(coef(t), confint(t, level = level, df = degf(dd)))
  }
  put(question, choice, v[1], v[2], v[3], total)
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

pub(super) const OUTPUT: &str = r#"
# Every number at full precision (17 significant digits), UTF-8 whatever the locale.
figures <- do.call(rbind, figures)
quoted <- function(s) paste0("\"", gsub("\"", "\"\"", s, fixed = TRUE), "\"")
lines <- c("question,line,estimate,lower,upper,total,total_lower,total_upper",
           paste(quoted(figures$question), quoted(figures$line),
                 sprintf("%.17g", figures$estimate), sprintf("%.17g", figures$lower),
                 sprintf("%.17g", figures$upper), sprintf("%.17g", figures$total),
                 sprintf("%.17g", figures$total_lower), sprintf("%.17g", figures$total_upper),
                 sep = ","))
con <- file("r_results.csv", open = "wb")
writeLines(enc2utf8(lines), con, useBytes = TRUE)
close(con)
cat("r_results.csv:", nrow(figures), "figures\n")
"#;

/// The R script.
pub(super) fn script(
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
        (true, true) => "# Weighted by the sample design: its weights, strata and clusters.",
        (true, false) => "# No design weights: every interview starts from weight 1.",
    });
    line("");
    line(PRELUDE);
    line("# How a share's interval is computed: the deployment's method (--results-ci-method).");
    line(&format!(
        "ci_method <- \"{}\"",
        model::method_name(settings.method)
    ));
    line("# Whether each choice's number in the population is estimated too (the weights stand");
    line("# for a population: design weights of a probability sample, or population tables).");
    line(if settings.totals {
        "with_totals <- TRUE"
    } else {
        "with_totals <- FALSE"
    });
    let names: Vec<String> = [".weight", ".stratum", ".cluster", ".day"]
        .into_iter()
        .map(str::to_string)
        .chain(
            questions
                .iter()
                .map(|q| q.code.trim_matches('`').to_string()),
        )
        .collect();
    line("# The interviews: .weight (the design weight, or 1), .stratum, .cluster (the primary");
    line("# sampling unit of a sample drawn in clusters), .day (completed, Vietnam's calendar),");
    line("# then one column per question, named here by position.");
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
    if uses_design && data.has_clusters() {
        line("# A sample drawn in clusters: the clusters are the primary sampling units.");
        line(
            "d <- svydesign(ids = ~.cluster, strata = ~.stratum, weights = ~.weight, nest = TRUE,",
        );
        line("               data = dat)");
    } else if uses_design {
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
    if about.period.0.is_some() || about.period.1.is_some() {
        let mut test = vec!["dat$.day != \"\"".to_string()];
        if let Some(f) = about.period.0 {
            test.push(format!(".day >= \"{f}\""));
        }
        if let Some(t) = about.period.1 {
            test.push(format!(".day <= \"{t}\""));
        }
        line("");
        line("# The page's period: interviews completed within it, a domain of the whole design.");
        line(&format!(
            "d <- subset(d, {})",
            test.join(" & ").replace("dat$.day", ".day")
        ));
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
pub(super) fn population_keys(
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
pub(super) fn weigh(
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
