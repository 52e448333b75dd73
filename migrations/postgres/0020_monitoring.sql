-- Opinion monitoring: sources, items, labels, models, emerging streams, alerts (PostgreSQL).
-- Keep in step with migrations/sqlite/0020_monitoring.sql: same tables, same columns.
-- Times in this context are unix seconds (BIGINT), so that buckets are the same on both backends.

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE monitor_sources (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    url            TEXT NOT NULL DEFAULT '',
    token_hash     TEXT UNIQUE,
    token_hint     TEXT NOT NULL DEFAULT '',
    poll_minutes   BIGINT NOT NULL DEFAULT 60,
    etag           TEXT NOT NULL DEFAULT '',
    last_modified  TEXT NOT NULL DEFAULT '',
    failures       BIGINT NOT NULL DEFAULT 0,
    next_poll_at   BIGINT NOT NULL DEFAULT 0,
    last_polled_at BIGINT,
    last_status    TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT '',
    cursor         BIGINT NOT NULL DEFAULT 0,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by     BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX monitor_sources_kind ON monitor_sources(kind);

CREATE TABLE monitor_imports (
    id          BIGSERIAL PRIMARY KEY,
    source_id   BIGINT NOT NULL REFERENCES monitor_sources(id),
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    items       BIGINT NOT NULL,
    created     BIGINT NOT NULL,
    ocr_pages   BIGINT NOT NULL DEFAULT 0,
    warnings    TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE monitor_items (
    id                  BIGSERIAL PRIMARY KEY,
    source_id           BIGINT NOT NULL REFERENCES monitor_sources(id),
    external_id         TEXT NOT NULL,
    unit_id             BIGINT REFERENCES units(id),
    occurred_at         BIGINT NOT NULL,
    ingested_at         BIGINT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'vi',
    title               TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    quality             TEXT NOT NULL DEFAULT 'good',
    via_ocr             BOOLEAN NOT NULL DEFAULT FALSE,
    legacy_encoding     TEXT NOT NULL DEFAULT '',
    url                 TEXT NOT NULL DEFAULT '',
    import_id           BIGINT REFERENCES monitor_imports(id),
    src_topic           TEXT,
    src_direction       TEXT,
    label_topic         TEXT,
    label_direction     TEXT,
    pred_topic          TEXT,
    pred_topic_conf     DOUBLE PRECISION,
    pred_direction      TEXT,
    pred_direction_conf DOUBLE PRECISION,
    rev                 BIGINT NOT NULL DEFAULT 0,
    needs_index         BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (source_id, external_id)
);
CREATE INDEX monitor_items_time ON monitor_items(occurred_at);
CREATE INDEX monitor_items_unit_time ON monitor_items(unit_id, occurred_at);
CREATE INDEX monitor_items_to_index ON monitor_items(id) WHERE needs_index;

CREATE TABLE monitor_labels (
    id         BIGSERIAL PRIMARY KEY,
    item_id    BIGINT NOT NULL REFERENCES monitor_items(id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX monitor_labels_item ON monitor_labels(item_id);

CREATE TABLE monitor_models (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    examples   BIGINT NOT NULL,
    labels     TEXT NOT NULL,
    macro_f1   DOUBLE PRECISION NOT NULL,
    accuracy   DOUBLE PRECISION NOT NULL,
    folds      BIGINT NOT NULL,
    report     TEXT NOT NULL,
    model      BYTEA NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX monitor_models_kind ON monitor_models(kind, id);

CREATE TABLE monitor_clusters (
    id             BIGSERIAL PRIMARY KEY,
    label          TEXT NOT NULL,
    terms          TEXT NOT NULL,
    size           BIGINT NOT NULL,
    first_at       BIGINT NOT NULL,
    last_at        BIGINT NOT NULL,
    negative_share DOUBLE PRECISION,
    areas          TEXT NOT NULL,
    example_ids    TEXT NOT NULL,
    scope_unit_id  BIGINT NOT NULL REFERENCES units(id),
    status         TEXT NOT NULL DEFAULT 'candidate',
    stream_id      BIGINT,
    decided_by     BIGINT REFERENCES users(id),
    decided_at     BIGINT,
    note           TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL
);
CREATE INDEX monitor_clusters_status ON monitor_clusters(status, size);

CREATE TABLE monitor_cluster_items (
    cluster_id BIGINT NOT NULL REFERENCES monitor_clusters(id),
    item_id    BIGINT NOT NULL REFERENCES monitor_items(id),
    PRIMARY KEY (cluster_id, item_id)
);
CREATE INDEX monitor_cluster_items_item ON monitor_cluster_items(item_id);

CREATE TABLE monitor_thresholds (
    topic      TEXT PRIMARY KEY,
    min_volume BIGINT NOT NULL,
    z          DOUBLE PRECISION NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
INSERT INTO monitor_thresholds (topic, min_volume, z, updated_at) VALUES ('*', 10, 3.0, 0);

CREATE TABLE monitor_alerts (
    id              BIGSERIAL PRIMARY KEY,
    dedup_key       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    topic           TEXT,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    cluster_id      BIGINT REFERENCES monitor_clusters(id),
    bucket_start    BIGINT NOT NULL,
    bucket_end      BIGINT NOT NULL,
    count           BIGINT NOT NULL,
    baseline        DOUBLE PRECISION NOT NULL,
    z               DOUBLE PRECISION NOT NULL,
    spike_kind      TEXT NOT NULL,
    negative_now    DOUBLE PRECISION,
    negative_before DOUBLE PRECISION,
    terms           TEXT NOT NULL,
    example_ids     TEXT NOT NULL,
    areas           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    created_at      BIGINT NOT NULL,
    acked_by        BIGINT REFERENCES users(id),
    acked_at        BIGINT,
    ack_note        TEXT NOT NULL DEFAULT '',
    closed_by       BIGINT REFERENCES users(id),
    closed_at       BIGINT,
    close_note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_alerts_status ON monitor_alerts(status, created_at);

CREATE TABLE monitor_notifications (
    id         BIGSERIAL PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    alert_id   BIGINT NOT NULL REFERENCES monitor_alerts(id),
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX monitor_notifications_user ON monitor_notifications(user_id, created_at);
