-- Reporting: attachments of reports, files kept under the data folder (PostgreSQL).
-- Keep in step with migrations/sqlite/0006_report_attachments.sql: same tables, same columns.

CREATE TABLE report_attachments (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    uploaded_by BIGINT REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments(report_id);
