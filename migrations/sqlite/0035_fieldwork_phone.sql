-- Telephone fieldwork (sqlite): per-survey calling rules, and the claim an interviewer holds on a
-- case while calling it.
-- Keep in step with migrations/postgres/0035_fieldwork_phone.sql: same tables, same columns.

CREATE TABLE survey_phone_settings (
    survey_id     INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    max_attempts  INTEGER NOT NULL,
    hours_from    INTEGER NOT NULL,
    hours_to      INTEGER NOT NULL,
    retry_minutes INTEGER NOT NULL,
    updated_by    INTEGER REFERENCES users(id),
    updated_at    TEXT NOT NULL
);

ALTER TABLE survey_cases ADD COLUMN claim_expires_at TEXT;
ALTER TABLE survey_cases ADD COLUMN last_attempt_at TEXT;
-- The queue's order, so that "next case" walks the index and stops at the first free case.
CREATE INDEX survey_cases_phone_queue ON survey_cases(survey_id, mode, (appointment_at IS NULL),
    appointment_at, priority DESC, attempts, (last_attempt_at IS NOT NULL), last_attempt_at, id);
-- An interviewer's claims ("continue the case you hold") and the supervisor's list of claims.
CREATE INDEX survey_cases_claims ON survey_cases(assigned_to, claim_expires_at);
