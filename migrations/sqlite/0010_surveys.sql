-- Surveys (SQLite): surveys, questionnaire versions, cases (one per sample member, token or
-- anonymous session, for all four modes) and responses, kept apart from any contact data.
-- Keep in step with migrations/postgres/0010_surveys.sql: same tables, same columns.

CREATE TABLE surveys (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    title       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    series      TEXT NOT NULL,
    wave        INTEGER NOT NULL,
    field_start DATE,
    field_end   DATE,
    anonymous   BOOLEAN NOT NULL,
    public_key  TEXT UNIQUE,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX surveys_unit ON surveys(unit_id);
CREATE INDEX surveys_series ON surveys(series, wave);

CREATE TABLE survey_versions (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    form_json    TEXT NOT NULL,
    published_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (survey_id, version)
);

CREATE TABLE survey_cases (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    token_hash  TEXT UNIQUE,
    unit_id     INTEGER REFERENCES units(id),
    disposition TEXT NOT NULL,
    contact_ref TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX survey_cases_survey ON survey_cases(survey_id, disposition);

CREATE TABLE survey_responses (
    id           TEXT PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   INTEGER NOT NULL REFERENCES survey_versions(id),
    case_id      INTEGER REFERENCES survey_cases(id),
    resume_hash  TEXT UNIQUE,
    mode         TEXT NOT NULL,
    status       TEXT NOT NULL,
    page         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    unit_id      INTEGER REFERENCES units(id),
    started_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX survey_responses_survey ON survey_responses(survey_id, status, completed_at);
CREATE INDEX survey_responses_case ON survey_responses(case_id);
