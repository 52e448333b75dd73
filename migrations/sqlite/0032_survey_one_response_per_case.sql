-- Surveys: one response per case (a one-time token or a sample member), enforced by the
-- database so that concurrent first steps on one token cannot each start a response (sqlite).
-- Complete anonymous responses keep no case (NULL), and NULLs never collide.
-- Keep in step with migrations/postgres/0032_survey_one_response_per_case.sql.

-- Rows that the race this closes may have left: the link stays on one response of the case
-- (the smallest id), the others lose it (their answers stay).
UPDATE survey_responses SET case_id = NULL
WHERE case_id IS NOT NULL
  AND id <> (SELECT MIN(r.id) FROM survey_responses r WHERE r.case_id = survey_responses.case_id);

DROP INDEX survey_responses_case;
CREATE UNIQUE INDEX survey_responses_case ON survey_responses(case_id);
