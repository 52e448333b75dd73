-- Yearly work plans (issue 18): each unit's public-opinion work plan for a year (kế hoạch công tác
-- dư luận xã hội): activities with their planned months; what was done is read from the other
-- contexts (briefings held, courses begun, surveys created, thematic reports issued), except for
-- other activities, ticked by hand.
-- Keep in step with migrations/postgres/0053_work_plans.sql: same tables, same columns.
CREATE TABLE work_plans (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    year       INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX work_plans_unit_year ON work_plans(unit_id, year);
CREATE TABLE work_plan_items (
    id       INTEGER PRIMARY KEY,
    plan_id  INTEGER NOT NULL REFERENCES work_plans(id),
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    month    INTEGER NOT NULL,
    done_on  DATE
);
CREATE INDEX work_plan_items_plan ON work_plan_items(plan_id, month);
