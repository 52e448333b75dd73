-- Fieldwork (PostgreSQL): sampling frames, their contacts (apart from everything else), samples drawn
-- from a frame with a seed, and what a case carries across modes (design, release, attempts,
-- appointments, assignment) with its history of events.
-- Keep in step with migrations/sqlite/0033_survey_fieldwork.sql: same tables, same columns.

CREATE TABLE survey_frames (
    id          BIGSERIAL PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_frames_survey ON survey_frames(survey_id);

CREATE TABLE survey_frame_rows (
    id        BIGSERIAL PRIMARY KEY,
    frame_id  BIGINT NOT NULL REFERENCES survey_frames(id) ON DELETE CASCADE,
    row_no    BIGINT NOT NULL,
    ext_id    TEXT NOT NULL,
    stratum   TEXT NOT NULL,
    cluster   TEXT NOT NULL,
    size      DOUBLE PRECISION,
    unit_id   BIGINT REFERENCES units(id),
    attrs     TEXT NOT NULL,
    UNIQUE (frame_id, ext_id)
);

-- Contact data: read only with the capability, every read audited; never joined into answers.
CREATE TABLE survey_contacts (
    frame_row_id BIGINT PRIMARY KEY REFERENCES survey_frame_rows(id) ON DELETE CASCADE,
    email        TEXT,
    phone        TEXT,
    address      TEXT,
    lang         TEXT
);

CREATE TABLE survey_samples (
    id          BIGSERIAL PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    frame_id    BIGINT NOT NULL REFERENCES survey_frames(id),
    method      TEXT NOT NULL,
    params      TEXT NOT NULL,
    seed        BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    replicates  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_samples_survey ON survey_samples(survey_id);

ALTER TABLE survey_cases ADD COLUMN sample_id BIGINT REFERENCES survey_samples(id);
ALTER TABLE survey_cases ADD COLUMN frame_row_id BIGINT REFERENCES survey_frame_rows(id);
ALTER TABLE survey_cases ADD COLUMN replicate BIGINT;
ALTER TABLE survey_cases ADD COLUMN released_at TIMESTAMPTZ;
ALTER TABLE survey_cases ADD COLUMN inclusion_prob DOUBLE PRECISION;
ALTER TABLE survey_cases ADD COLUMN weight DOUBLE PRECISION;
ALTER TABLE survey_cases ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_cases ADD COLUMN appointment_at TIMESTAMPTZ;
ALTER TABLE survey_cases ADD COLUMN assigned_to BIGINT REFERENCES users(id);
ALTER TABLE survey_cases ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX survey_cases_sample_row ON survey_cases(sample_id, frame_row_id);
CREATE INDEX survey_cases_queue ON survey_cases(survey_id, mode, released_at);

CREATE TABLE survey_case_events (
    id          BIGSERIAL PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES survey_cases(id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    mode        TEXT NOT NULL,
    outcome     TEXT,
    disposition TEXT,
    user_id     BIGINT REFERENCES users(id),
    note        TEXT NOT NULL
);
CREATE INDEX survey_case_events_case ON survey_case_events(case_id, at);
