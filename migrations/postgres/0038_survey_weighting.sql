-- Survey weighting (postgres): how a survey's weights are adjusted to population figures (the
-- method and trimming) and the population tables (one or more questions crossed, a count per
-- combination, kept as JSON: `[[["1","2"], 12345.0], …]`).
-- Keep in step with migrations/sqlite/0038_survey_weighting.sql: same tables, same columns.

CREATE TABLE survey_weighting (
    survey_id   BIGINT PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    trim_ratio  DOUBLE PRECISION,
    updated_by  BIGINT REFERENCES users(id),
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE survey_population_tables (
    id          BIGSERIAL PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    variables   TEXT NOT NULL,
    cells       TEXT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_population_tables_survey ON survey_population_tables(survey_id);
