-- Reporting: a covering index for completeness and timeliness, so that the counts of a type over
-- a period range read the index only (PostgreSQL).
-- Keep in step with migrations/sqlite/0007_reporting_completeness_index.sql.

DROP INDEX reports_type_period;
CREATE INDEX reports_completeness ON reports(report_type_id, period, unit_id, status, first_submitted_at, due_at, id);
