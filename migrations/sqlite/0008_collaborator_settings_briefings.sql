-- Collaborators: deployment settings (the inactivity threshold) and briefings as dated attendance
-- records (SQLite). Keep in step with migrations/postgres/0008_collaborator_settings_briefings.sql.

CREATE TABLE collaborator_settings (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    inactive_after_periods INTEGER NOT NULL,
    updated_at             TEXT NOT NULL
);
INSERT INTO collaborator_settings (id, inactive_after_periods, updated_at)
    VALUES (1, 3, '2026-01-01T00:00:00Z');

CREATE TABLE collaborator_briefings (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    held_on    DATE NOT NULL,
    period     TEXT NOT NULL,
    topic      TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX collaborator_briefings_unit ON collaborator_briefings(unit_id, held_on);

CREATE TABLE collaborator_briefing_attendance (
    briefing_id     INTEGER NOT NULL REFERENCES collaborator_briefings(id) ON DELETE CASCADE,
    collaborator_id INTEGER NOT NULL REFERENCES collaborators(id),
    PRIMARY KEY (briefing_id, collaborator_id)
);
CREATE INDEX collaborator_briefing_attendance_collaborator
    ON collaborator_briefing_attendance(collaborator_id);
