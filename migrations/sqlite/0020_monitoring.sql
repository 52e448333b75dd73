-- Opinion monitoring: sources, items, labels, models, emerging streams, alerts (SQLite).
-- Keep in step with migrations/postgres/0020_monitoring.sql: same tables, same columns.
-- Times in this context are unix seconds (BIGINT), so that buckets are the same on both backends.

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE monitor_sources (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    url            TEXT NOT NULL DEFAULT '',
    token_hash     TEXT UNIQUE,
    token_hint     TEXT NOT NULL DEFAULT '',
    poll_minutes   INTEGER NOT NULL DEFAULT 60,
    etag           TEXT NOT NULL DEFAULT '',
    last_modified  TEXT NOT NULL DEFAULT '',
    failures       INTEGER NOT NULL DEFAULT 0,
    next_poll_at   BIGINT NOT NULL DEFAULT 0,
    last_polled_at BIGINT,
    last_status    TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT '',
    cursor         BIGINT NOT NULL DEFAULT 0,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by     INTEGER REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX monitor_sources_kind ON monitor_sources(kind);

CREATE TABLE monitor_imports (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES monitor_sources(id),
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    items       INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    ocr_pages   INTEGER NOT NULL DEFAULT 0,
    warnings    TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE monitor_items (
    id                  INTEGER PRIMARY KEY,
    source_id           INTEGER NOT NULL REFERENCES monitor_sources(id),
    external_id         TEXT NOT NULL,
    unit_id             INTEGER REFERENCES units(id),
    occurred_at         BIGINT NOT NULL,
    ingested_at         BIGINT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'vi',
    title               TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    quality             TEXT NOT NULL DEFAULT 'good',
    via_ocr             BOOLEAN NOT NULL DEFAULT FALSE,
    legacy_encoding     TEXT NOT NULL DEFAULT '',
    url                 TEXT NOT NULL DEFAULT '',
    import_id           INTEGER REFERENCES monitor_imports(id),
    src_topic           TEXT,
    src_direction       TEXT,
    label_topic         TEXT,
    label_direction     TEXT,
    pred_topic          TEXT,
    pred_topic_conf     REAL,
    pred_direction      TEXT,
    pred_direction_conf REAL,
    rev                 INTEGER NOT NULL DEFAULT 0,
    needs_index         BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (source_id, external_id)
);
CREATE INDEX monitor_items_time ON monitor_items(occurred_at);
CREATE INDEX monitor_items_unit_time ON monitor_items(unit_id, occurred_at);
CREATE INDEX monitor_items_to_index ON monitor_items(id) WHERE needs_index;

CREATE TABLE monitor_labels (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES monitor_items(id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX monitor_labels_item ON monitor_labels(item_id);

CREATE TABLE monitor_models (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    examples   INTEGER NOT NULL,
    labels     TEXT NOT NULL,
    macro_f1   REAL NOT NULL,
    accuracy   REAL NOT NULL,
    folds      INTEGER NOT NULL,
    report     TEXT NOT NULL,
    model      BLOB NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX monitor_models_kind ON monitor_models(kind, id);

CREATE TABLE monitor_clusters (
    id             INTEGER PRIMARY KEY,
    label          TEXT NOT NULL,
    terms          TEXT NOT NULL,
    size           INTEGER NOT NULL,
    first_at       BIGINT NOT NULL,
    last_at        BIGINT NOT NULL,
    negative_share REAL,
    areas          TEXT NOT NULL,
    example_ids    TEXT NOT NULL,
    scope_unit_id  INTEGER NOT NULL REFERENCES units(id),
    status         TEXT NOT NULL DEFAULT 'candidate',
    stream_id      INTEGER,
    decided_by     INTEGER REFERENCES users(id),
    decided_at     BIGINT,
    note           TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL
);
CREATE INDEX monitor_clusters_status ON monitor_clusters(status, size);

CREATE TABLE monitor_cluster_items (
    cluster_id INTEGER NOT NULL REFERENCES monitor_clusters(id),
    item_id    INTEGER NOT NULL REFERENCES monitor_items(id),
    PRIMARY KEY (cluster_id, item_id)
);
CREATE INDEX monitor_cluster_items_item ON monitor_cluster_items(item_id);

CREATE TABLE monitor_thresholds (
    topic      TEXT PRIMARY KEY,
    min_volume INTEGER NOT NULL,
    z          REAL NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
INSERT INTO monitor_thresholds (topic, min_volume, z, updated_at) VALUES ('*', 10, 3.0, 0);

CREATE TABLE monitor_alerts (
    id              INTEGER PRIMARY KEY,
    dedup_key       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    topic           TEXT,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    cluster_id      INTEGER REFERENCES monitor_clusters(id),
    bucket_start    BIGINT NOT NULL,
    bucket_end      BIGINT NOT NULL,
    count           INTEGER NOT NULL,
    baseline        REAL NOT NULL,
    z               REAL NOT NULL,
    spike_kind      TEXT NOT NULL,
    negative_now    REAL,
    negative_before REAL,
    terms           TEXT NOT NULL,
    example_ids     TEXT NOT NULL,
    areas           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    created_at      BIGINT NOT NULL,
    acked_by        INTEGER REFERENCES users(id),
    acked_at        BIGINT,
    ack_note        TEXT NOT NULL DEFAULT '',
    closed_by       INTEGER REFERENCES users(id),
    closed_at       BIGINT,
    close_note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_alerts_status ON monitor_alerts(status, created_at);

CREATE TABLE monitor_notifications (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    alert_id   INTEGER NOT NULL REFERENCES monitor_alerts(id),
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX monitor_notifications_user ON monitor_notifications(user_id, created_at);
