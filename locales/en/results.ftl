results-title = Results
results-interviews = Based on { $n } completed interviews.
results-weighted = Weighted by the sample design (its weights and strata).
results-unweighted = Unweighted: every interview counts the same.
results-how = Shares with 95% confidence intervals (logit method, t with the design's degrees of freedom); DEff is the design effect. A cell resting on fewer than { $k } respondents is hidden, with another one where needed so that it cannot be worked out.
results-show-unweighted = Show unweighted figures
results-show-weighted = Show weighted figures
results-no-design = The interviews are not linked to a weighted sample (an anonymous or non-sampled survey): the figures are unweighted.
results-none = Nothing to compute yet: at least two completed interviews are needed.
results-multiple = multiple choice: share choosing each option; the total may exceed 100%
results-mean = Mean
results-interval = 95% confidence interval
results-too-few = Fewer than { $k } respondents answered this question: not published.
results-suppressed = hidden
results-suppressed-help = A cell too small (or hidden with one to protect it): not published.
results-error = The results could not be computed: { $detail }
results-crosstab-title = Crosstab
results-crosstab-row = Rows
results-crosstab-col = Columns
results-crosstab-go = Cross
results-crosstab-about = Row percentages with 95% confidence intervals, over { $n } interviews that answered both questions.
results-crosstab-unknown = “{ $name }” is not a single-choice question of this questionnaire.
results-crosstab-same = Choose two different questions.
results-crosstab-related = Rao-Scott test: F = { $f } (df { $ndf } and { $ddf }), p = { $p }. As p < 0.05, the differences between rows are unlikely to come from sampling alone: the two questions are related.
results-crosstab-not-shown = Rao-Scott test: F = { $f } (df { $ndf } and { $ddf }), p = { $p }. As p ≥ 0.05, there is not enough evidence that the two questions are related: the differences between rows may come from sampling alone.
results-crosstab-no-test = The test of independence cannot be computed for this table (too few interviews, or empty cells that leave the covariance matrix singular).
results-download-csv = Download the figures (CSV, with the same small-cell rule)
