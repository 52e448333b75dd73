-- Retention of the audit log: entries stay append-only, except that the retention job may
-- delete those older than the bound it writes in `audit_purge` inside its own transaction
-- (and removes again before committing, so no other transaction ever sees a bound).
CREATE TABLE audit_purge (
    before TIMESTAMPTZ NOT NULL
);
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purge WHERE OLD.at < audit_purge.before) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
