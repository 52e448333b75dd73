-- Training sessions (issue 18): a course's dated sessions (buổi học), each with its day, start
-- time (optional, "HH:MM"), topic, and trainer and place (empty: the course's), and who of the
-- enrolled attended each; a participant's `attended` is kept in step with it (attended at least
-- one session) while the course has sessions. One row of deployment settings for training: the
-- coverage page's default window in months.
-- Keep in step with migrations/postgres/0057_training_sessions.sql: same tables, same columns.
CREATE TABLE training_sessions (
    id         INTEGER PRIMARY KEY,
    course_id  INTEGER NOT NULL REFERENCES training_courses(id),
    held_on    DATE NOT NULL,
    starts_at  TEXT,
    topic      TEXT NOT NULL,
    trainer    TEXT NOT NULL,
    place      TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX training_sessions_course ON training_sessions(course_id, held_on);
CREATE TABLE training_attendance (
    session_id     INTEGER NOT NULL REFERENCES training_sessions(id),
    participant_id INTEGER NOT NULL REFERENCES training_participants(id),
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX training_attendance_participant ON training_attendance(participant_id);
CREATE TABLE training_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    coverage_months INTEGER NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO training_settings (id, coverage_months, updated_at)
    VALUES (1, 12, '2026-01-01T00:00:00Z');
