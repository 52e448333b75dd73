-- Training (issue 18): courses a unit runs for its collaborators and staff, who was enrolled,
-- who attended and who completed it; the coverage page reads who in the network has not been
-- trained lately. Collaborators are named by their registry id (pseudonymous), staff by account.
-- Keep in step with migrations/postgres/0051_training.sql: same tables, same columns.
CREATE TABLE training_courses (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    title       TEXT NOT NULL,
    trainer     TEXT NOT NULL,
    place       TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    description TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX training_courses_unit ON training_courses(unit_id, starts_on);
CREATE TABLE training_participants (
    id              INTEGER PRIMARY KEY,
    course_id       INTEGER NOT NULL REFERENCES training_courses(id),
    collaborator_id INTEGER REFERENCES collaborators(id),
    user_id         INTEGER REFERENCES users(id),
    attended        BOOLEAN NOT NULL DEFAULT FALSE,
    completed_on    DATE,
    enrolled_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX training_participants_collaborator ON training_participants(course_id, collaborator_id);
CREATE UNIQUE INDEX training_participants_user ON training_participants(course_id, user_id);
CREATE INDEX training_participants_completed ON training_participants(collaborator_id, completed_on);
