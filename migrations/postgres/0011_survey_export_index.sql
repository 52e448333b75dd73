-- Surveys: exports read the complete responses of a survey in keyset pages by id; this index
-- serves `WHERE survey_id = $1 AND status = 'complete' AND id > $2 ORDER BY id LIMIT $3`
-- without sorting the remaining responses for every page (postgres).
-- Keep in step with migrations/sqlite/0011_survey_export_index.sql.

CREATE INDEX survey_responses_export ON survey_responses(survey_id, status, id);
