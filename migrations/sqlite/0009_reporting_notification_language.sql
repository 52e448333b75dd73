-- Reporting reminders in each reader's language (SQLite): a notification keeps its message key
-- and arguments (JSON) and is rendered when read; a unit's reminder address has a language.
-- Keep in step with migrations/postgres/0009_reporting_notification_language.sql.

ALTER TABLE report_notifications ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE report_notifications ADD COLUMN args TEXT NOT NULL DEFAULT '{}';
ALTER TABLE report_unit_contacts ADD COLUMN lang TEXT NOT NULL DEFAULT 'vi';
