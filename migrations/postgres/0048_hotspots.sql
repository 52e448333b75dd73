-- Hot spots (issue 18): the register of political and social hot spots (điểm nóng), their stages
-- with who moved them and why, evidence linked from other contexts, response scenarios
-- (templates of steps per topic) instantiated into tasks for units and partner organisations,
-- comments on tasks, and the in-app notices of assigned tasks.
-- Keep in step with migrations/sqlite/0048_hotspots.sql: same tables, same columns.
CREATE TABLE hotspot_partners (
    id         BIGSERIAL PRIMARY KEY,
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX hotspot_partners_name ON hotspot_partners(unit_id, name);
CREATE TABLE hotspots (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    title       TEXT NOT NULL,
    topic_id    BIGINT REFERENCES report_topics(id),
    severity    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    restricted  BOOLEAN NOT NULL DEFAULT FALSE,
    opened_by   BIGINT REFERENCES users(id),
    opened_at   TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ
);
CREATE INDEX hotspots_unit ON hotspots(unit_id, updated_at);
CREATE TABLE hotspot_areas (
    hotspot_id BIGINT NOT NULL REFERENCES hotspots(id),
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (hotspot_id, unit_id)
);
CREATE TABLE hotspot_members (
    hotspot_id BIGINT NOT NULL REFERENCES hotspots(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (hotspot_id, user_id)
);
CREATE TABLE hotspot_events (
    id         BIGSERIAL PRIMARY KEY,
    hotspot_id BIGINT NOT NULL REFERENCES hotspots(id),
    kind       TEXT NOT NULL,
    from_stage TEXT,
    to_stage   TEXT,
    note       TEXT NOT NULL,
    user_id    BIGINT REFERENCES users(id),
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX hotspot_events_hotspot ON hotspot_events(hotspot_id, id);
CREATE TABLE hotspot_evidence (
    id         BIGSERIAL PRIMARY KEY,
    hotspot_id BIGINT NOT NULL REFERENCES hotspots(id),
    kind       TEXT NOT NULL,
    ref_id     BIGINT NOT NULL,
    ref_key    TEXT NOT NULL,
    unit_id    BIGINT REFERENCES units(id),
    label      TEXT NOT NULL,
    note       TEXT NOT NULL,
    added_by   BIGINT REFERENCES users(id),
    added_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX hotspot_evidence_once ON hotspot_evidence(hotspot_id, kind, ref_id, ref_key);
CREATE INDEX hotspot_evidence_ref ON hotspot_evidence(kind, ref_id);
CREATE TABLE hotspot_scenarios (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    topic_id    BIGINT REFERENCES report_topics(id),
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE hotspot_scenario_steps (
    id          BIGSERIAL PRIMARY KEY,
    scenario_id BIGINT NOT NULL REFERENCES hotspot_scenarios(id),
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    agency      TEXT NOT NULL,
    partner_id  BIGINT REFERENCES hotspot_partners(id),
    offset_days INTEGER NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX hotspot_scenario_steps_scenario ON hotspot_scenario_steps(scenario_id, position);
CREATE TABLE hotspot_tasks (
    id          BIGSERIAL PRIMARY KEY,
    hotspot_id  BIGINT NOT NULL REFERENCES hotspots(id),
    step_id     BIGINT REFERENCES hotspot_scenario_steps(id),
    title       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    unit_id     BIGINT REFERENCES units(id),
    partner_id  BIGINT REFERENCES hotspot_partners(id),
    due_on      DATE NOT NULL,
    status      TEXT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ
);
CREATE INDEX hotspot_tasks_hotspot ON hotspot_tasks(hotspot_id, due_on);
CREATE INDEX hotspot_tasks_unit ON hotspot_tasks(unit_id, status, due_on);
CREATE TABLE hotspot_task_comments (
    id      BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES hotspot_tasks(id),
    user_id BIGINT REFERENCES users(id),
    body    TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX hotspot_task_comments_task ON hotspot_task_comments(task_id, id);
CREATE TABLE hotspot_notices (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    hotspot_id BIGINT NOT NULL REFERENCES hotspots(id),
    task_id    BIGINT REFERENCES hotspot_tasks(id),
    kind       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX hotspot_notices_user ON hotspot_notices(user_id, read_at);
