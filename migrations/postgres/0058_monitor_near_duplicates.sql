-- Monitoring: near-duplicate items (issue 20). Each item keeps the SimHash fingerprint of its text
-- and, when it is a near-duplicate of an earlier item (the same post reshared with small edits),
-- the first item of its group; such copies are counted once in spike detection and shown as
-- "N copies" on the original. The resemblance from which two texts are the same post is a
-- deployment setting (0 turns grouping off). Items stored before this have no fingerprint and
-- are never grouped. An item typed without Vietnamese marks also keeps the machine's reading with
-- the marks restored (`restored`), which the topic and direction models read instead of the
-- bare text.
-- Keep in step with migrations/sqlite/0058_monitor_near_duplicates.sql.
ALTER TABLE monitor_items ADD COLUMN simhash BIGINT;
ALTER TABLE monitor_items ADD COLUMN restored TEXT;
ALTER TABLE monitor_items ADD COLUMN dup_of BIGINT REFERENCES monitor_items(id);
CREATE INDEX monitor_items_dup_of ON monitor_items(dup_of) WHERE dup_of IS NOT NULL;

CREATE TABLE monitor_settings (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    dedup_resemblance DOUBLE PRECISION NOT NULL,
    updated_by        BIGINT REFERENCES users(id),
    updated_at        BIGINT NOT NULL
);
INSERT INTO monitor_settings (id, dedup_resemblance, updated_at) VALUES (1, 0.35, 0);
