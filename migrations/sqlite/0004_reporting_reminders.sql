-- Reporting reminders: each unit's reminder address, in-app notifications (SQLite).
-- Keep in step with migrations/postgres/0004_reporting_reminders.sql: same tables, same columns.

CREATE TABLE report_unit_contacts (
    unit_id    INTEGER PRIMARY KEY REFERENCES units(id),
    email      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE report_notifications (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    message    TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX report_notifications_unit ON report_notifications(unit_id, created_at);
