-- Mail: SMTP settings kept by the administrator, the outbox with idempotency keys and retries (PostgreSQL).
-- Keep in step with migrations/sqlite/0003_mail.sql: same tables, same columns.

CREATE TABLE mail_settings (
    id BIGSERIAL PRIMARY KEY,
    host         TEXT NOT NULL DEFAULT '',
    port         INTEGER NOT NULL DEFAULT 587,
    security     TEXT NOT NULL DEFAULT 'starttls',
    username     TEXT NOT NULL DEFAULT '',
    password     TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL DEFAULT '',
    from_name    TEXT NOT NULL DEFAULT 'duluan',
    enabled      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   TIMESTAMPTZ
);
INSERT INTO mail_settings (id) VALUES (1);

CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    context         TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
