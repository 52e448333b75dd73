-- Encrypted forms over OpenRosa (sqlite): a version published with a public key is collected
-- only on devices, which encrypt each finished interview (ODK's scheme). The server keeps what
-- arrived as it arrived: the manifest (`xml_submission_file`: the form, version, instance id,
-- the encrypted AES key, the file names and the signature, all of which it can read) and the
-- `.enc` files (the encrypted instance and its media), which it cannot. They are decrypted only
-- at export, with the private key the staff member supplies then (never stored). Each instance
-- id once per survey; the day received, not the time; the device that sent it. No case link:
-- the case is inside the ciphertext. Keep in step with
-- migrations/postgres/0059_encrypted_submissions.sql.

CREATE TABLE survey_encrypted_submissions (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id  INTEGER NOT NULL REFERENCES survey_versions(id),
    instance_id TEXT NOT NULL,
    manifest    TEXT NOT NULL,
    received_on DATE NOT NULL,
    device_id   INTEGER REFERENCES openrosa_devices(id) ON DELETE SET NULL,
    UNIQUE (survey_id, instance_id)
);

CREATE TABLE survey_encrypted_files (
    submission_id INTEGER NOT NULL REFERENCES survey_encrypted_submissions(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    PRIMARY KEY (submission_id, name)
);
