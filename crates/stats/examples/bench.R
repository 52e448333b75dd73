# Times the R survey package on the benchmark data written by `cargo run --release --example bench`.
# Usage: Rscript bench.R data.csv margins.csv results.csv
suppressMessages(library(survey))
a <- commandArgs(TRUE)
tl <- system.time(df <- read.csv(a[1], stringsAsFactors = FALSE))[["elapsed"]]
pm <- read.csv(a[2], stringsAsFactors = FALSE)
t1 <- system.time(d <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = df))[["elapsed"]]
t2 <- system.time(m <- svymean(~y1 + y2 + y3 + y4 + y5, d))[["elapsed"]]
t3 <- system.time(b <- svyby(~y1 + y2 + y3 + y4 + y5, ~c1, d, svymean))[["elapsed"]]
p2 <- pm[pm$variable == "c2", c("level", "Freq")]; names(p2) <- c("c2", "Freq")
p3 <- pm[pm$variable == "c3", c("level", "Freq")]; names(p3) <- c("c3", "Freq")
t4 <- system.time(r <- rake(d, list(~c2, ~c3), list(p2, p3)))[["elapsed"]]
t5 <- system.time(mr <- svymean(~y1 + y2 + y3 + y4 + y5, r))[["elapsed"]]
vars <- paste0("y", 1:5)
out <- rbind(
  data.frame(key = c("time_load", "time_design", "time_mean", "time_by", "time_rake", "time_rake_mean"), value = c(tl, t1, t2, t3, t4, t5)),
  data.frame(key = paste0("mean_est_", 1:5), value = coef(m)),
  data.frame(key = paste0("mean_se_", 1:5), value = SE(m)),
  data.frame(key = as.vector(outer(seq_len(nrow(b)), 1:5, function(l, j) paste0("by_est_", l, "_", j))), value = as.vector(as.matrix(b[, vars]))),
  data.frame(key = as.vector(outer(seq_len(nrow(b)), 1:5, function(l, j) paste0("by_se_", l, "_", j))), value = as.vector(as.matrix(SE(b)))),
  data.frame(key = paste0("rake_est_", 1:5), value = coef(mr)),
  data.frame(key = paste0("rake_se_", 1:5), value = SE(mr))
)
out$value <- sprintf("%.17g", out$value)
write.csv(out, a[3], row.names = FALSE, quote = FALSE)
