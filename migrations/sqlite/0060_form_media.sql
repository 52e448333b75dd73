-- Form media files (issue 19): the CSV, XML and GeoJSON files a questionnaire version reads
-- (select_one_from_file, select_multiple_from_file, pulldata), kept in the database so that
-- every node serves them to devices and a backup holds them. A published version's files
-- never change; a new version copies them.
-- Keep in step with migrations/postgres/0060_form_media.sql: same tables, same columns.
CREATE TABLE survey_version_media (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES survey_versions(id) ON DELETE CASCADE,
    file_name   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    md5         TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    added_at    TEXT NOT NULL,
    UNIQUE (version_id, file_name)
);
