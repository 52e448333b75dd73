-- Collaborators: attribute lists, registry (representation), identities (personal data, apart), targets, activity (PostgreSQL).
-- Keep in step with migrations/sqlite/0005_collaborators.sql: same tables, same columns.

CREATE TABLE collaborator_attributes (
    id BIGSERIAL PRIMARY KEY,
    dimension  TEXT NOT NULL,
    key        TEXT NOT NULL,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    UNIQUE (dimension, key)
);

CREATE TABLE collaborators (
    id BIGSERIAL PRIMARY KEY,
    pseudonym    TEXT NOT NULL UNIQUE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    status       TEXT NOT NULL,
    sector       TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    stratum      TEXT NOT NULL DEFAULT '',
    age_band     TEXT NOT NULL DEFAULT '',
    gender       TEXT NOT NULL DEFAULT '',
    ethnicity    TEXT NOT NULL DEFAULT '',
    religion     TEXT NOT NULL DEFAULT '',
    term_from    DATE,
    term_to      DATE,
    replaced_by BIGINT REFERENCES collaborators(id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX collaborators_unit ON collaborators(unit_id, status);

CREATE TABLE collaborator_identities (
    collaborator_id BIGINT PRIMARY KEY REFERENCES collaborators(id),
    full_name       TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    consent_date    DATE,
    consent_note    TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE collaborator_targets (
    id BIGSERIAL PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    applies_to  TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    value_key   TEXT NOT NULL,
    minimum     INTEGER NOT NULL,
    UNIQUE (unit_id, applies_to, dimension, value_key)
);

CREATE TABLE collaborator_activity (
    collaborator_id BIGINT NOT NULL REFERENCES collaborators(id),
    period          TEXT NOT NULL,
    items           INTEGER NOT NULL DEFAULT 0,
    briefings       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collaborator_id, period)
);

INSERT INTO collaborator_attributes (dimension, key, name_vi, name_en, sort_order) VALUES
    ('stratum', 'farmer', 'Nông dân', 'Farmers', 10),
    ('stratum', 'worker', 'Công nhân, người lao động', 'Workers', 20),
    ('stratum', 'civil_servant', 'Cán bộ, công chức, viên chức', 'Civil servants', 30),
    ('stratum', 'intellectual', 'Trí thức', 'Intellectuals', 40),
    ('stratum', 'business', 'Doanh nhân, tiểu thương', 'Business people, traders', 50),
    ('stratum', 'youth', 'Thanh niên, học sinh, sinh viên', 'Youth and students', 60),
    ('stratum', 'retired', 'Cán bộ hưu trí, cựu chiến binh', 'Retired cadres, veterans', 70),
    ('stratum', 'religious', 'Chức sắc, tín đồ tôn giáo', 'Religious dignitaries and followers', 80),
    ('stratum', 'ethnic_minority', 'Đồng bào dân tộc thiểu số', 'Ethnic minorities', 90),
    ('sector', 'party', 'Đảng', 'Party', 10),
    ('sector', 'government', 'Chính quyền', 'Government', 20),
    ('sector', 'front', 'Mặt trận, đoàn thể', 'Front and mass organisations', 30),
    ('sector', 'economy', 'Kinh tế', 'Economy', 40),
    ('sector', 'culture_society', 'Văn hóa - xã hội', 'Culture and society', 50),
    ('sector', 'security', 'Quốc phòng - an ninh', 'Defence and security', 60),
    ('organisation', 'front', 'Mặt trận Tổ quốc', 'Fatherland Front', 10),
    ('organisation', 'women', 'Hội Liên hiệp Phụ nữ', 'Women''s Union', 20),
    ('organisation', 'farmers', 'Hội Nông dân', 'Farmers'' Association', 30),
    ('organisation', 'veterans', 'Hội Cựu chiến binh', 'Veterans'' Association', 40),
    ('organisation', 'youth_union', 'Đoàn Thanh niên', 'Youth Union', 50),
    ('organisation', 'trade_union', 'Công đoàn', 'Trade Union', 60),
    ('age_band', 'under_30', 'Dưới 30', 'Under 30', 10),
    ('age_band', '30_44', '30–44', '30–44', 20),
    ('age_band', '45_59', '45–59', '45–59', 30),
    ('age_band', '60_plus', 'Từ 60', '60 and over', 40),
    ('gender', 'female', 'Nữ', 'Female', 10),
    ('gender', 'male', 'Nam', 'Male', 20),
    ('ethnicity', 'kinh', 'Kinh', 'Kinh', 10),
    ('ethnicity', 'khmer', 'Khmer', 'Khmer', 20),
    ('ethnicity', 'hoa', 'Hoa', 'Hoa', 30),
    ('ethnicity', 'other', 'Dân tộc khác', 'Other', 90),
    ('religion', 'none', 'Không tôn giáo', 'None', 10),
    ('religion', 'buddhism', 'Phật giáo', 'Buddhism', 20),
    ('religion', 'catholicism', 'Công giáo', 'Catholicism', 30),
    ('religion', 'hoa_hao', 'Phật giáo Hòa Hảo', 'Hoa Hao Buddhism', 40),
    ('religion', 'cao_dai', 'Cao Đài', 'Cao Dai', 50),
    ('religion', 'protestantism', 'Tin Lành', 'Protestantism', 60),
    ('religion', 'other', 'Tôn giáo khác', 'Other', 90);
