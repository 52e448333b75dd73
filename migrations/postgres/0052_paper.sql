-- Paper questionnaires (postgres): the layout printed for each survey version (JSON, with its
-- fingerprint), the print batches, the scans uploaded, each page read from them, the sheets
-- (one per printed copy: its answers as read and keyed, its status, its response once landed)
-- and the items a verifier resolves (a doubtful mark or a field to key, with its crop).
-- Keep in step with migrations/sqlite/0052_paper.sql.

CREATE TABLE paper_layouts (
    version_id  BIGINT PRIMARY KEY REFERENCES survey_versions(id) ON DELETE CASCADE,
    survey_id   BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    layout      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE paper_batches (
    id           BIGSERIAL PRIMARY KEY,
    survey_id    BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   BIGINT NOT NULL REFERENCES survey_versions(id) ON DELETE CASCADE,
    first_number BIGINT NOT NULL,
    sheets       BIGINT NOT NULL,
    user_id      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX paper_batches_survey ON paper_batches(survey_id);

CREATE TABLE paper_sheets (
    id           BIGSERIAL PRIMARY KEY,
    survey_id    BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id   BIGINT NOT NULL REFERENCES survey_versions(id) ON DELETE CASCADE,
    batch_id     BIGINT NOT NULL REFERENCES paper_batches(id) ON DELETE CASCADE,
    sheet_key    TEXT NOT NULL,
    number       BIGINT,
    case_id      BIGINT REFERENCES survey_cases(id) ON DELETE SET NULL,
    status       TEXT NOT NULL,
    answers      TEXT NOT NULL,
    pages_read   TEXT NOT NULL,
    response_id  TEXT REFERENCES survey_responses(id) ON DELETE SET NULL,
    landed_at    TIMESTAMPTZ,
    UNIQUE (survey_id, sheet_key)
);
CREATE INDEX paper_sheets_status ON paper_sheets(survey_id, status);

CREATE TABLE paper_scans (
    id         BIGSERIAL PRIMARY KEY,
    survey_id  BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    file_name  TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    pages      BIGINT NOT NULL,
    user_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX paper_scans_survey ON paper_scans(survey_id);

CREATE TABLE paper_pages (
    id          BIGSERIAL PRIMARY KEY,
    scan_id     BIGINT NOT NULL REFERENCES paper_scans(id) ON DELETE CASCADE,
    page_index  BIGINT NOT NULL,
    sheet_id    BIGINT REFERENCES paper_sheets(id) ON DELETE CASCADE,
    page_number BIGINT,
    status      TEXT NOT NULL,
    message     TEXT NOT NULL,
    reading     TEXT,
    UNIQUE (scan_id, page_index)
);
CREATE INDEX paper_pages_sheet ON paper_pages(sheet_id);
-- A page of a sheet is taken once, whatever uploads race for it.
CREATE UNIQUE INDEX paper_pages_once ON paper_pages(sheet_id, page_number) WHERE status IN ('read', 'verify');

CREATE TABLE paper_items (
    id          BIGSERIAL PRIMARY KEY,
    sheet_id    BIGINT NOT NULL REFERENCES paper_sheets(id) ON DELETE CASCADE,
    page_id     BIGINT REFERENCES paper_pages(id) ON DELETE CASCADE,
    question    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    read_as     TEXT NOT NULL,
    crop        BYTEA,
    value       TEXT,
    message     TEXT NOT NULL,
    resolved_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    resolved_at TIMESTAMPTZ
);
CREATE INDEX paper_items_sheet ON paper_items(sheet_id);
