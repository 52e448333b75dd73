-- Reporting: topics, report types and their units, reports with their events, opinion streams, city streams (PostgreSQL).
-- Keep in step with migrations/sqlite/0002_reporting.sql: same tables, same columns.

CREATE TABLE report_topics (
    id BIGSERIAL PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE report_types (
    id BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    instructions    TEXT NOT NULL DEFAULT '',
    due_day         INTEGER NOT NULL DEFAULT 15,
    lock_after_days INTEGER NOT NULL DEFAULT 10,
    due_hours       INTEGER NOT NULL DEFAULT 24,
    deadline        TIMESTAMPTZ,
    topic_id BIGINT REFERENCES report_topics(id),
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_type_units (
    report_type_id BIGINT NOT NULL REFERENCES report_types(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (report_type_id, unit_id)
);

CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    report_type_id BIGINT NOT NULL REFERENCES report_types(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    period          TEXT NOT NULL,
    status          TEXT NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    lock_at         TIMESTAMPTZ NOT NULL,
    general_mood    TEXT NOT NULL DEFAULT '',
    causes          TEXT NOT NULL DEFAULT '',
    forecast        TEXT NOT NULL DEFAULT '',
    recommendations TEXT NOT NULL DEFAULT '',
    first_submitted_at TIMESTAMPTZ,
    submitted_at    TIMESTAMPTZ,
    reviewed_at     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (report_type_id, unit_id, period)
);
CREATE INDEX reports_type_period ON reports(report_type_id, period);
CREATE INDEX reports_unit ON reports(unit_id);

CREATE TABLE report_events (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    at        TIMESTAMPTZ NOT NULL,
    user_id BIGINT REFERENCES users(id),
    username  TEXT NOT NULL,
    action    TEXT NOT NULL,
    comment   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events(report_id);

CREATE TABLE city_streams (
    id BIGSERIAL PRIMARY KEY,
    period         TEXT NOT NULL,
    topic_id BIGINT NOT NULL REFERENCES report_topics(id),
    summary        TEXT NOT NULL,
    scope          TEXT NOT NULL,
    direction      TEXT NOT NULL,
    causes         TEXT NOT NULL DEFAULT '',
    forecast       TEXT NOT NULL DEFAULT '',
    recommendation TEXT NOT NULL DEFAULT '',
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX city_streams_period ON city_streams(period);

CREATE TABLE streams (
    id BIGSERIAL PRIMARY KEY,
    client_id      TEXT NOT NULL UNIQUE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    period         TEXT NOT NULL,
    topic_id BIGINT NOT NULL REFERENCES report_topics(id),
    summary        TEXT NOT NULL,
    scope          TEXT NOT NULL,
    breadth        TEXT NOT NULL,
    direction      TEXT NOT NULL,
    intensity      TEXT NOT NULL,
    strata         TEXT NOT NULL DEFAULT '',
    areas          TEXT NOT NULL DEFAULT '',
    causes         TEXT NOT NULL DEFAULT '',
    forecast       TEXT NOT NULL DEFAULT '',
    recommendation TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '',
    report_id BIGINT REFERENCES reports(id),
    city_stream_id BIGINT REFERENCES city_streams(id),
    created_by BIGINT REFERENCES users(id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX streams_period_topic ON streams(period, topic_id);
CREATE INDEX streams_unit_period ON streams(unit_id, period);
CREATE INDEX streams_report ON streams(report_id);
CREATE INDEX streams_city ON streams(city_stream_id);

INSERT INTO report_topics (key, name_vi, name_en, sort_order) VALUES
    ('party_state', 'Công tác xây dựng Đảng, Nhà nước và cán bộ', 'Party and State affairs and personnel', 10),
    ('sessions', 'Kỳ họp Quốc hội, Hội đồng nhân dân', 'National Assembly and People''s Council sessions', 20),
    ('political_events', 'Ngày lễ, kỷ niệm và sự kiện chính trị', 'Anniversaries and political events', 30),
    ('economy_prices', 'Kinh tế, giá cả thị trường', 'Economy and prices', 40),
    ('jobs_incomes', 'Việc làm, thu nhập', 'Jobs and incomes', 50),
    ('business_support', 'Hỗ trợ doanh nghiệp', 'Support for businesses', 60),
    ('land', 'Đất đai, giải phóng mặt bằng', 'Land and site clearance', 70),
    ('environment', 'Môi trường, thiên tai', 'Environment and natural disasters', 80),
    ('riverbank_erosion', 'Sạt lở bờ sông', 'Riverbank erosion', 90),
    ('health', 'Y tế, dịch bệnh', 'Health and epidemics', 100),
    ('education', 'Giáo dục', 'Education', 110),
    ('social_security', 'An sinh xã hội', 'Social security', 120),
    ('traffic_order', 'Giao thông, trật tự công cộng', 'Traffic and public order', 130),
    ('crime_fraud', 'Tội phạm, lừa đảo trên mạng', 'Crime and online fraud', 140),
    ('religion_ethnicity', 'Tôn giáo, dân tộc', 'Religion and ethnicity', 150),
    ('sovereignty', 'Chủ quyền biển, đảo', 'Sovereignty over seas and islands', 160),
    ('foreign_affairs', 'Đối ngoại', 'Foreign affairs', 170),
    ('culture_festivals', 'Văn hóa, lễ hội', 'Culture and festivals', 180),
    ('online_information', 'Thông tin trên mạng, tin giả', 'Online information and false news', 190);
