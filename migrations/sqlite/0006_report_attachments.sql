-- Reporting: attachments of reports, files kept under the data folder (SQLite).
-- Keep in step with migrations/postgres/0006_report_attachments.sql: same tables, same columns.

CREATE TABLE report_attachments (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments(report_id);
