-- The search index follows the database on every node: each change an index must take (an item
-- stored, labelled, predicted or deleted; a unit whose ancestry changed) is logged in the
-- transaction that makes it, under a sequence number taken from the one head row. Taking it
-- locks that row until commit, so numbers are committed in order and a node that has applied
-- everything up to N never misses a change numbered below N.
CREATE TABLE monitor_index_log (
    seq     BIGINT PRIMARY KEY,
    item_id BIGINT,
    unit_id BIGINT,
    at      BIGINT NOT NULL,
    CHECK ((item_id IS NULL) <> (unit_id IS NULL))
);
CREATE TABLE monitor_index_head (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq       BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);
-- An index made before this log recorded no position (0): 0 counts as pruned, so every
-- existing index is rebuilt once from the database, and numbering starts at 2.
INSERT INTO monitor_index_head (id, last_seq, pruned_through) VALUES (1, 1, 1);
-- Each node's position in the log, so the retention job keeps what a live node still needs.
CREATE TABLE monitor_index_nodes (
    node     TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    seen_at  BIGINT NOT NULL
);
DROP INDEX monitor_items_to_index;
ALTER TABLE monitor_items DROP COLUMN needs_index;
