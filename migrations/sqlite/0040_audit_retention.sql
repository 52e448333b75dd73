-- Retention of the audit log: entries stay append-only, except that the retention job may
-- delete those older than the bound it writes in `audit_purge` inside its own transaction
-- (and removes again before committing, so no other transaction ever sees a bound).
CREATE TABLE audit_purge (
    before TEXT NOT NULL
);
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge WHERE OLD.at < audit_purge.before)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
