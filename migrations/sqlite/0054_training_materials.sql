-- Training materials (issue 18): the files of a course (PDF, DOCX, PNG, JPEG), kept in the
-- database so that every node serves them and a backup holds them.
-- Keep in step with migrations/postgres/0054_training_materials.sql: same tables, same columns.
CREATE TABLE training_materials (
    id           INTEGER PRIMARY KEY,
    course_id    INTEGER NOT NULL REFERENCES training_courses(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    added_by     INTEGER REFERENCES users(id),
    added_at     TEXT NOT NULL
);
CREATE INDEX training_materials_course ON training_materials(course_id, id);
