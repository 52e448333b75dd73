-- Offline collection over OpenRosa (postgres): the devices an interviewer signs in with (a token
-- in the URL, only its SHA-256 kept, revocable), the instances received (each instance id once,
-- with the response it landed in, so that a resend is recognised and an edit finds its response),
-- and the files that came with a response (photos, recordings), kept in the database like report
-- attachments. Keep in step with migrations/sqlite/0047_openrosa.sql.

CREATE TABLE openrosa_devices (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX openrosa_devices_user ON openrosa_devices(user_id);

CREATE TABLE survey_instances (
    instance_id   TEXT PRIMARY KEY,
    response_id   TEXT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    survey_id     BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL,
    device_id     BIGINT REFERENCES openrosa_devices(id) ON DELETE SET NULL,
    user_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    superseded_by TEXT
);
CREATE INDEX survey_instances_response ON survey_instances(response_id);

CREATE TABLE survey_response_files (
    response_id  TEXT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (response_id, name)
);
