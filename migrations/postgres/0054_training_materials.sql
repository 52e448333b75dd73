-- Training materials (issue 18): the files of a course (PDF, DOCX, PNG, JPEG), kept in the
-- database so that every node serves them and a backup holds them.
-- Keep in step with migrations/sqlite/0054_training_materials.sql: same tables, same columns.
CREATE TABLE training_materials (
    id           BIGSERIAL PRIMARY KEY,
    course_id    BIGINT NOT NULL REFERENCES training_courses(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    added_by     BIGINT REFERENCES users(id),
    added_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_materials_course ON training_materials(course_id, id);
