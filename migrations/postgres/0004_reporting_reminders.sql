-- Reporting reminders: each unit's reminder address, in-app notifications (PostgreSQL).
-- Keep in step with migrations/sqlite/0004_reporting_reminders.sql: same tables, same columns.

CREATE TABLE report_unit_contacts (
    unit_id BIGINT PRIMARY KEY REFERENCES units(id),
    email      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_notifications (
    id BIGSERIAL PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    message    TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX report_notifications_unit ON report_notifications(unit_id, created_at);
