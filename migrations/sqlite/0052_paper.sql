-- Paper questionnaires (sqlite): the layout printed for each survey version (JSON, with its
-- fingerprint), the print batches, the scans uploaded, each page read from them, the sheets
-- (one per printed copy: its answers as read and keyed, its status, its response once landed)
-- and the items a verifier resolves (a doubtful mark or a field to key, with its crop).
-- Keep in step with migrations/postgres/0052_paper.sql.

CREATE TABLE paper_layouts (
    version_id  INTEGER PRIMARY KEY REFERENCES survey_versions(id) ON DELETE CASCADE,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    layout      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE paper_batches (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   INTEGER NOT NULL REFERENCES survey_versions(id) ON DELETE CASCADE,
    first_number INTEGER NOT NULL,
    sheets       INTEGER NOT NULL,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX paper_batches_survey ON paper_batches(survey_id);

CREATE TABLE paper_sheets (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   INTEGER NOT NULL REFERENCES survey_versions(id) ON DELETE CASCADE,
    batch_id     INTEGER NOT NULL REFERENCES paper_batches(id) ON DELETE CASCADE,
    sheet_key    TEXT NOT NULL,
    number       INTEGER,
    case_id      INTEGER REFERENCES survey_cases(id) ON DELETE SET NULL,
    status       TEXT NOT NULL,
    answers      TEXT NOT NULL,
    pages_read   TEXT NOT NULL,
    response_id  TEXT REFERENCES survey_responses(id) ON DELETE SET NULL,
    landed_at    TEXT,
    UNIQUE (survey_id, sheet_key)
);
CREATE INDEX paper_sheets_status ON paper_sheets(survey_id, status);

CREATE TABLE paper_scans (
    id         INTEGER PRIMARY KEY,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    file_name  TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    pages      INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX paper_scans_survey ON paper_scans(survey_id);

CREATE TABLE paper_pages (
    id          INTEGER PRIMARY KEY,
    scan_id     INTEGER NOT NULL REFERENCES paper_scans(id) ON DELETE CASCADE,
    page_index  INTEGER NOT NULL,
    sheet_id    INTEGER REFERENCES paper_sheets(id) ON DELETE CASCADE,
    page_number INTEGER,
    status      TEXT NOT NULL,
    message     TEXT NOT NULL,
    reading     TEXT,
    UNIQUE (scan_id, page_index)
);
CREATE INDEX paper_pages_sheet ON paper_pages(sheet_id);
-- A page of a sheet is taken once, whatever uploads race for it.
CREATE UNIQUE INDEX paper_pages_once ON paper_pages(sheet_id, page_number) WHERE status IN ('read', 'verify');

CREATE TABLE paper_items (
    id          INTEGER PRIMARY KEY,
    sheet_id    INTEGER NOT NULL REFERENCES paper_sheets(id) ON DELETE CASCADE,
    page_id     INTEGER REFERENCES paper_pages(id) ON DELETE CASCADE,
    question    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    read_as     TEXT NOT NULL,
    crop        BLOB,
    value       TEXT,
    message     TEXT NOT NULL,
    resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at TEXT
);
CREATE INDEX paper_items_sheet ON paper_items(sheet_id);
