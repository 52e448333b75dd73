-- Offline collection over OpenRosa (sqlite): the devices an interviewer signs in with (a token
-- in the URL, only its SHA-256 kept, revocable), the instances received (each instance id once,
-- with the response it landed in, so that a resend is recognised and an edit finds its response),
-- and the files that came with a response (photos, recordings), kept in the database like report
-- attachments. Keep in step with migrations/postgres/0047_openrosa.sql.

CREATE TABLE openrosa_devices (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX openrosa_devices_user ON openrosa_devices(user_id);

CREATE TABLE survey_instances (
    instance_id   TEXT PRIMARY KEY,
    response_id   TEXT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    survey_id     INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL,
    device_id     INTEGER REFERENCES openrosa_devices(id) ON DELETE SET NULL,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    received_at   TEXT NOT NULL,
    superseded_by TEXT
);
CREATE INDEX survey_instances_response ON survey_instances(response_id);

CREATE TABLE survey_response_files (
    response_id  TEXT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (response_id, name)
);
