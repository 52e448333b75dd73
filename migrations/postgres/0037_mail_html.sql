-- Mail (postgres): an optional HTML body sent with the plain text as multipart/alternative.
-- Keep in step with migrations/sqlite/0037_mail_html.sql: same columns.

ALTER TABLE mail_outbox ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
