-- Briefings (issue 18), second step. 1) Collaborators of the network who have no account are
-- invited to a session by e-mail (the address in their identity) with a personal reply link:
-- only a digest of the link's token is kept. 2) The dated attendance records kept before sessions
-- existed (collaborator_briefings without a session) become held sessions of the briefings
-- context, so that every briefing lives in one place; their attendance stays the collaborators'
-- activity ledger, linked as for any held session. The hour of such a briefing was never
-- recorded: it is set to 08:00 Vietnam time (01:00 UTC) of its day.
-- Keep in step with migrations/sqlite/0055_briefing_guests.sql: same tables, same columns.
CREATE TABLE briefing_guests (
    session_id      BIGINT NOT NULL REFERENCES briefing_sessions(id),
    collaborator_id BIGINT NOT NULL REFERENCES collaborators(id),
    token_sha256    TEXT NOT NULL UNIQUE,
    reply           TEXT NOT NULL,
    replied_at      TIMESTAMPTZ,
    PRIMARY KEY (session_id, collaborator_id)
);
CREATE INDEX briefing_guests_collaborator ON briefing_guests(collaborator_id);

INSERT INTO briefing_sessions (unit_id, title, starts_at, place, link, agenda, monthly, status,
        minutes, collaborator_briefing_id, previous_id, created_by, created_at, updated_at)
    SELECT b.unit_id, b.topic, (b.held_on + TIME '01:00') AT TIME ZONE 'UTC', '', '', '', FALSE,
        'held', '', b.id, NULL, b.created_by, b.created_at, b.created_at
    FROM collaborator_briefings b
    WHERE NOT EXISTS (SELECT 1 FROM briefing_sessions s WHERE s.collaborator_briefing_id = b.id)
    ORDER BY b.id;
