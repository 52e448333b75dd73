-- Results: a survey's cached interviews are refreshed with the complete responses changed since
-- a time, in keyset pages by change; this index serves
-- `WHERE survey_id = $1 AND status = 'complete' AND (updated_at, id) > ($2, $3)
--  ORDER BY updated_at, id LIMIT $4` without reading the survey's other responses (postgres).
-- Keep in step with migrations/sqlite/0042_survey_responses_changed_index.sql.

CREATE INDEX survey_responses_changed ON survey_responses(survey_id, status, updated_at, id);
