-- Fieldwork (sqlite): sampling frames, their contacts (apart from everything else), samples drawn
-- from a frame with a seed, and what a case carries across modes (design, release, attempts,
-- appointments, assignment) with its history of events.
-- Keep in step with migrations/postgres/0033_survey_fieldwork.sql: same tables, same columns.

CREATE TABLE survey_frames (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX survey_frames_survey ON survey_frames(survey_id);

CREATE TABLE survey_frame_rows (
    id        INTEGER PRIMARY KEY,
    frame_id  INTEGER NOT NULL REFERENCES survey_frames(id) ON DELETE CASCADE,
    row_no    INTEGER NOT NULL,
    ext_id    TEXT NOT NULL,
    stratum   TEXT NOT NULL,
    cluster   TEXT NOT NULL,
    size      REAL,
    unit_id   INTEGER REFERENCES units(id),
    attrs     TEXT NOT NULL,
    UNIQUE (frame_id, ext_id)
);

-- Contact data: read only with the capability, every read audited; never joined into answers.
CREATE TABLE survey_contacts (
    frame_row_id INTEGER PRIMARY KEY REFERENCES survey_frame_rows(id) ON DELETE CASCADE,
    email        TEXT,
    phone        TEXT,
    address      TEXT,
    lang         TEXT
);

CREATE TABLE survey_samples (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    frame_id    INTEGER NOT NULL REFERENCES survey_frames(id),
    method      TEXT NOT NULL,
    params      TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    replicates  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX survey_samples_survey ON survey_samples(survey_id);

ALTER TABLE survey_cases ADD COLUMN sample_id INTEGER REFERENCES survey_samples(id);
ALTER TABLE survey_cases ADD COLUMN frame_row_id INTEGER REFERENCES survey_frame_rows(id);
ALTER TABLE survey_cases ADD COLUMN replicate INTEGER;
ALTER TABLE survey_cases ADD COLUMN released_at TEXT;
ALTER TABLE survey_cases ADD COLUMN inclusion_prob REAL;
ALTER TABLE survey_cases ADD COLUMN weight REAL;
ALTER TABLE survey_cases ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE survey_cases ADD COLUMN appointment_at TEXT;
ALTER TABLE survey_cases ADD COLUMN assigned_to INTEGER REFERENCES users(id);
ALTER TABLE survey_cases ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX survey_cases_sample_row ON survey_cases(sample_id, frame_row_id);
CREATE INDEX survey_cases_queue ON survey_cases(survey_id, mode, released_at);

CREATE TABLE survey_case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES survey_cases(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    mode        TEXT NOT NULL,
    outcome     TEXT,
    disposition TEXT,
    user_id     INTEGER REFERENCES users(id),
    note        TEXT NOT NULL
);
CREATE INDEX survey_case_events_case ON survey_case_events(case_id, at);
