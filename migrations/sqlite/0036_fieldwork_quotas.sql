-- Quotas (sqlite): targets on cells of closed questions and frame columns, their live counts (a cell
-- is full when its count reaches its target), and the hold that keeps cases of a full frame cell
-- from being called or mailed.
-- Keep in step with migrations/postgres/0036_fieldwork_quotas.sql: same tables, same columns.

CREATE TABLE survey_quotas (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    dims        TEXT NOT NULL,
    action      TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    counted_at  TEXT
);
CREATE INDEX survey_quotas_survey ON survey_quotas(survey_id);

CREATE TABLE survey_quota_cells (
    quota_id  INTEGER NOT NULL REFERENCES survey_quotas(id) ON DELETE CASCADE,
    cell      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    target    INTEGER NOT NULL,
    filled    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (quota_id, cell)
);

ALTER TABLE survey_cases ADD COLUMN quota_held INTEGER NOT NULL DEFAULT 0;
