-- Briefing sessions (issue 18): a unit's scheduled briefings of its collaborators and staff
-- (hội nghị giao ban), the people invited with their replies, and the opinion streams raised at
-- each. Who attended is recorded as the collaborators context's dated attendance record
-- (collaborator_briefings), linked here.
-- Keep in step with migrations/postgres/0050_briefing_sessions.sql: same tables, same columns.
CREATE TABLE briefing_sessions (
    id                      INTEGER PRIMARY KEY,
    unit_id                 INTEGER NOT NULL REFERENCES units(id),
    title                   TEXT NOT NULL,
    starts_at               TEXT NOT NULL,
    place                   TEXT NOT NULL,
    link                    TEXT NOT NULL,
    agenda                  TEXT NOT NULL,
    monthly                 BOOLEAN NOT NULL DEFAULT FALSE,
    status                  TEXT NOT NULL,
    minutes                 TEXT NOT NULL,
    collaborator_briefing_id INTEGER REFERENCES collaborator_briefings(id),
    previous_id             INTEGER REFERENCES briefing_sessions(id),
    created_by              INTEGER REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX briefing_sessions_unit ON briefing_sessions(unit_id, starts_at);
CREATE UNIQUE INDEX briefing_sessions_next ON briefing_sessions(previous_id);
CREATE TABLE briefing_invitations (
    session_id INTEGER NOT NULL REFERENCES briefing_sessions(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    reply      TEXT NOT NULL,
    replied_at TEXT,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX briefing_invitations_user ON briefing_invitations(user_id);
CREATE TABLE briefing_streams (
    session_id INTEGER NOT NULL REFERENCES briefing_sessions(id),
    stream_id  INTEGER NOT NULL REFERENCES streams(id),
    PRIMARY KEY (session_id, stream_id)
);
