-- Unit population (sqlite): a unit may carry a population count (a whole number, never
-- negative; NULL when unknown) with the reference it comes from ("Niên giám thống kê 2024"),
-- and a survey's population table records whether it was uploaded or built from the units'
-- populations (`upload` or `units`), with the units' references in `source_note`.
-- Keep in step with migrations/postgres/0039_unit_population.sql: same columns.

ALTER TABLE units ADD COLUMN population INTEGER CHECK (population IS NULL OR population >= 0);
ALTER TABLE units ADD COLUMN population_source TEXT NOT NULL DEFAULT '';

ALTER TABLE survey_population_tables ADD COLUMN source TEXT NOT NULL DEFAULT 'upload';
ALTER TABLE survey_population_tables ADD COLUMN source_note TEXT NOT NULL DEFAULT '';
