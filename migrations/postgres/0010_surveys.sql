-- Surveys (PostgreSQL): surveys, questionnaire versions, cases (one per sample member, token or
-- anonymous session, for all four modes) and responses, kept apart from any contact data.
-- Keep in step with migrations/sqlite/0010_surveys.sql: same tables, same columns.

CREATE TABLE surveys (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    title       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    series      TEXT NOT NULL,
    wave        BIGINT NOT NULL,
    field_start DATE,
    field_end   DATE,
    anonymous   BOOLEAN NOT NULL,
    public_key  TEXT UNIQUE,
    status      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX surveys_unit ON surveys(unit_id);
CREATE INDEX surveys_series ON surveys(series, wave);

CREATE TABLE survey_versions (
    id           BIGSERIAL PRIMARY KEY,
    survey_id    BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    form_json    TEXT NOT NULL,
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (survey_id, version)
);

CREATE TABLE survey_cases (
    id          BIGSERIAL PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    token_hash  TEXT UNIQUE,
    unit_id     BIGINT REFERENCES units(id),
    disposition TEXT NOT NULL,
    contact_ref TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_cases_survey ON survey_cases(survey_id, disposition);

CREATE TABLE survey_responses (
    id           TEXT PRIMARY KEY,
    survey_id    BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   BIGINT NOT NULL REFERENCES survey_versions(id),
    case_id      BIGINT REFERENCES survey_cases(id),
    resume_hash  TEXT UNIQUE,
    mode         TEXT NOT NULL,
    status       TEXT NOT NULL,
    page         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    unit_id      BIGINT REFERENCES units(id),
    started_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ
);
CREATE INDEX survey_responses_survey ON survey_responses(survey_id, status, completed_at);
CREATE INDEX survey_responses_case ON survey_responses(case_id);
