-- Orientation information (issue 18): messages a unit sends to its network of collaborators (and
-- reporters), each recipient kept with when they read it. The first part of the briefings
-- context; sessions, training and work plans come later.
-- Keep in step with migrations/sqlite/0049_orientation.sql: same tables, same columns.
CREATE TABLE orientation_messages (
    id            BIGSERIAL PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    key_facts     TEXT NOT NULL,
    talking_points TEXT NOT NULL,
    audience      TEXT NOT NULL,
    hotspot_id    BIGINT REFERENCES hotspots(id),
    sent_by       BIGINT REFERENCES users(id),
    sent_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX orientation_messages_unit ON orientation_messages(unit_id, sent_at);
CREATE INDEX orientation_messages_hotspot ON orientation_messages(hotspot_id);
CREATE TABLE orientation_recipients (
    message_id BIGINT NOT NULL REFERENCES orientation_messages(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    read_at    TIMESTAMPTZ,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX orientation_recipients_user ON orientation_recipients(user_id, read_at);
