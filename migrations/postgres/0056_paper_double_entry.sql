-- Paper questionnaires, double entry and retention (postgres): a survey's paper settings (keyed
-- fields keyed twice by two different verifiers; days after landing that a landed sheet's crops
-- are kept, 0 = kept), and the entries of keyed fields (at most two per item, one per verifier:
-- the unique indexes settle a race between two verifiers).
-- Keep in step with migrations/sqlite/0056_paper_double_entry.sql.

CREATE TABLE paper_settings (
    survey_id      BIGINT PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    double_entry   BOOLEAN NOT NULL,
    retention_days BIGINT NOT NULL,
    updated_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE paper_entries (
    id         BIGSERIAL PRIMARY KEY,
    item_id    BIGINT NOT NULL REFERENCES paper_items(id) ON DELETE CASCADE,
    entry_no   BIGINT NOT NULL,
    user_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (item_id, entry_no),
    UNIQUE (item_id, user_id)
);
