-- Foundation: organisation tree, accounts, sessions, audit log (SQLite).
-- Keep in step with migrations/postgres/0001_foundation.sql: same tables, same columns.

CREATE TABLE unit_types (
    key         TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    territorial BOOLEAN NOT NULL,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    code       TEXT UNIQUE,
    name       TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    kind       TEXT NOT NULL REFERENCES unit_types(key),
    parent_id  INTEGER REFERENCES units(id),
    valid_from DATE,
    valid_to   DATE,
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_name_folded ON units(name_folded);

CREATE TABLE unit_closure (
    ancestor_id   INTEGER NOT NULL REFERENCES units(id),
    descendant_id INTEGER NOT NULL REFERENCES units(id),
    depth         INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX unit_closure_descendant ON unit_closure(descendant_id, ancestor_id);

CREATE TABLE unit_lineage (
    id             INTEGER PRIMARY KEY,
    predecessor_id INTEGER NOT NULL REFERENCES units(id),
    successor_id   INTEGER NOT NULL REFERENCES units(id),
    event          TEXT NOT NULL,
    effective_date DATE NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    UNIQUE (predecessor_id, successor_id)
);
CREATE INDEX unit_lineage_successor ON unit_lineage(successor_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'vi',
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    created_at TEXT NOT NULL,
    UNIQUE (user_id, role, unit_id)
);
CREATE INDEX grants_unit ON grants(unit_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    idle_expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    unit_id     INTEGER,
    unit_path   TEXT NOT NULL,
    ip          TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_unit_path ON audit_log(unit_path);
CREATE INDEX audit_log_user ON audit_log(user_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Default unit types; a deployment may add its own.
INSERT INTO unit_types (key, name_vi, name_en, territorial, sort_order) VALUES
    ('city', 'Thành phố trung ương', 'Centrally governed city', TRUE, 10),
    ('province', 'Tỉnh', 'Province', TRUE, 11),
    ('district', 'Quận, huyện (trước 01/7/2025)', 'District (before 1 July 2025)', TRUE, 20),
    ('ward', 'Phường', 'Ward', TRUE, 30),
    ('commune', 'Xã', 'Commune', TRUE, 31),
    ('special_zone', 'Đặc khu', 'Special zone', TRUE, 32),
    ('hamlet', 'Ấp', 'Hamlet', TRUE, 40),
    ('village', 'Thôn', 'Village', TRUE, 41),
    ('area', 'Khu vực', 'Residential area', TRUE, 42),
    ('residential_group', 'Tổ dân phố', 'Residential group', TRUE, 43),
    ('front', 'Mặt trận Tổ quốc', 'Fatherland Front', FALSE, 50),
    ('mass_org', 'Tổ chức chính trị - xã hội', 'Mass organisation', FALSE, 51),
    ('party_committee', 'Đảng ủy', 'Party committee', FALSE, 60),
    ('agency', 'Cơ quan, đơn vị', 'Agency', FALSE, 70),
    ('info_centre', 'Trung tâm Thông tin', 'Information centre', FALSE, 71);
