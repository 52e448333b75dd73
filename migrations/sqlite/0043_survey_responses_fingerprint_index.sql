-- Results: the fingerprint of a survey's complete responses (count, latest change, sum of their
-- cases' weights) is read at every view of its results; this index holds every column it needs,
-- so that it is read from the index alone instead of every response row (whose pages would also
-- fill the connections' page caches).
-- Keep in step with migrations/postgres/0043_survey_responses_fingerprint_index.sql.

CREATE INDEX survey_responses_fingerprint ON survey_responses(survey_id, status, updated_at, case_id);
