-- Documents (issue 17): the reports the centre and units issue in the administrative layout.
-- A document is edited as blocks while a draft, reviewed, approved with a number of its issuer's
-- year, and then frozen: its PDF and DOCX are stored with their SHA-256 and never change; a new
-- version (previous_id) replaces it when approved.
CREATE TABLE document_issuers (
    unit_id             INTEGER PRIMARY KEY REFERENCES units(id),
    layout              TEXT NOT NULL,
    superior_body       TEXT NOT NULL,
    issuing_body        TEXT NOT NULL,
    symbol              TEXT NOT NULL,
    place               TEXT NOT NULL,
    signatory_authority TEXT NOT NULL,
    signatory_position  TEXT NOT NULL,
    signatory_name      TEXT NOT NULL,
    recipients          TEXT NOT NULL,
    updated_by          INTEGER REFERENCES users(id),
    updated_at          TEXT NOT NULL
);
CREATE TABLE document_numbers (
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    year        INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (unit_id, year)
);
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    kind        TEXT NOT NULL,
    period      TEXT NOT NULL,
    survey_id   INTEGER REFERENCES surveys(id),
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    previous_id INTEGER REFERENCES documents(id),
    number      INTEGER,
    number_year INTEGER,
    issued_on   TEXT,
    frozen      TEXT,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    approved_at TEXT
);
CREATE INDEX documents_unit ON documents(unit_id, created_at);
CREATE UNIQUE INDEX documents_number ON documents(unit_id, number_year, number);
CREATE TABLE document_blocks (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    data        TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX document_blocks_document ON document_blocks(document_id, position);
CREATE TABLE document_files (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    format      TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (document_id, format)
);
CREATE TABLE document_events (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    action      TEXT NOT NULL,
    note        TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    at          TEXT NOT NULL
);
CREATE INDEX document_events_document ON document_events(document_id, id);
