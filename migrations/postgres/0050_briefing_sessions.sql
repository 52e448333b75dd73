-- Briefing sessions (issue 18): a unit's scheduled briefings of its collaborators and staff
-- (hội nghị giao ban), the people invited with their replies, and the opinion streams raised at
-- each. Who attended is recorded as the collaborators context's dated attendance record
-- (collaborator_briefings), linked here.
-- Keep in step with migrations/sqlite/0050_briefing_sessions.sql: same tables, same columns.
CREATE TABLE briefing_sessions (
    id                      BIGSERIAL PRIMARY KEY,
    unit_id                 BIGINT NOT NULL REFERENCES units(id),
    title                   TEXT NOT NULL,
    starts_at               TIMESTAMPTZ NOT NULL,
    place                   TEXT NOT NULL,
    link                    TEXT NOT NULL,
    agenda                  TEXT NOT NULL,
    monthly                 BOOLEAN NOT NULL DEFAULT FALSE,
    status                  TEXT NOT NULL,
    minutes                 TEXT NOT NULL,
    collaborator_briefing_id BIGINT REFERENCES collaborator_briefings(id),
    previous_id             BIGINT REFERENCES briefing_sessions(id),
    created_by              BIGINT REFERENCES users(id),
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX briefing_sessions_unit ON briefing_sessions(unit_id, starts_at);
CREATE UNIQUE INDEX briefing_sessions_next ON briefing_sessions(previous_id);
CREATE TABLE briefing_invitations (
    session_id BIGINT NOT NULL REFERENCES briefing_sessions(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    reply      TEXT NOT NULL,
    replied_at TIMESTAMPTZ,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX briefing_invitations_user ON briefing_invitations(user_id);
CREATE TABLE briefing_streams (
    session_id BIGINT NOT NULL REFERENCES briefing_sessions(id),
    stream_id  BIGINT NOT NULL REFERENCES streams(id),
    PRIMARY KEY (session_id, stream_id)
);
