-- Fieldwork by e-mail (PostgreSQL): each survey's invitation and reminder templates per language, its
-- sending schedule, and every one-time token mailed to a case (only hashes are stored; each one
-- opens the case at /t/{token} and unsubscribes at /u/{token}).
-- Keep in step with migrations/sqlite/0034_fieldwork_email.sql: same tables, same columns.

CREATE TABLE survey_email_templates (
    survey_id  BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (survey_id, kind, lang)
);

CREATE TABLE survey_email_settings (
    survey_id          BIGINT PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    reminder_days      BIGINT NOT NULL,
    last_reminder_days BIGINT NOT NULL,
    pace               BIGINT NOT NULL,
    base_url           TEXT NOT NULL,
    sending            BOOLEAN NOT NULL,
    last_run_at        TIMESTAMPTZ,
    updated_by         BIGINT REFERENCES users(id),
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE survey_case_tokens (
    token_hash TEXT PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES survey_cases(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_case_tokens_case ON survey_case_tokens(case_id);
CREATE INDEX survey_case_events_kind ON survey_case_events(kind, case_id);
