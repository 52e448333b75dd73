-- Collaborators: deployment settings (the inactivity threshold) and briefings as dated attendance
-- records (PostgreSQL). Keep in step with migrations/sqlite/0008_collaborator_settings_briefings.sql.

CREATE TABLE collaborator_settings (
    id                     BIGINT PRIMARY KEY CHECK (id = 1),
    inactive_after_periods INTEGER NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
INSERT INTO collaborator_settings (id, inactive_after_periods, updated_at)
    VALUES (1, 3, '2026-01-01T00:00:00Z');

CREATE TABLE collaborator_briefings (
    id BIGSERIAL PRIMARY KEY,
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    held_on    DATE NOT NULL,
    period     TEXT NOT NULL,
    topic      TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX collaborator_briefings_unit ON collaborator_briefings(unit_id, held_on);

CREATE TABLE collaborator_briefing_attendance (
    briefing_id     BIGINT NOT NULL REFERENCES collaborator_briefings(id) ON DELETE CASCADE,
    collaborator_id BIGINT NOT NULL REFERENCES collaborators(id),
    PRIMARY KEY (briefing_id, collaborator_id)
);
CREATE INDEX collaborator_briefing_attendance_collaborator
    ON collaborator_briefing_attendance(collaborator_id);
