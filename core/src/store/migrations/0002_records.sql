-- v2: persons and the health record: one row per record in `record` (identity, time, version,
-- provenance, tombstone) plus one typed detail table per kind. Values are typed columns, never
-- JSON blobs; `original_json` keeps an imported FHIR resource beside its row.

CREATE TABLE person (
    id                TEXT PRIMARY KEY,
    nickname          TEXT NOT NULL UNIQUE,
    family_name       TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    family_name_kana  TEXT,
    given_name_kana   TEXT,
    birth_date        TEXT NOT NULL,
    sex               TEXT NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),
    insurer_number    TEXT,
    insured_symbol    TEXT,
    insured_number    TEXT,
    municipality_code TEXT,
    is_owner          INTEGER NOT NULL DEFAULT 0 CHECK (is_owner IN (0, 1)),
    version           INTEGER NOT NULL,
    created_utc       TEXT NOT NULL,
    updated_utc       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX person_one_owner ON person (is_owner) WHERE is_owner = 1;

CREATE TABLE record (
    id               TEXT PRIMARY KEY,
    subject_id       TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    effective_utc    INTEGER NOT NULL,  -- unix seconds of the clinical time
    effective_offset INTEGER NOT NULL,  -- original UTC offset, seconds
    version          INTEGER NOT NULL,
    created_utc      INTEGER NOT NULL,
    created_offset   INTEGER NOT NULL,
    updated_utc      INTEGER NOT NULL,
    updated_offset   INTEGER NOT NULL,
    provenance       TEXT NOT NULL,
    source           TEXT,
    deleted_utc      INTEGER,           -- tombstone (kept for sync)
    original_json    TEXT
) STRICT;
CREATE INDEX record_timeline ON record (subject_id, effective_utc DESC, id) WHERE deleted_utc IS NULL;
CREATE INDEX record_kind ON record (subject_id, kind, effective_utc);

-- Earlier versions of a record, as they were before each edit.
CREATE TABLE record_history (
    record_id    TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    replaced_utc INTEGER NOT NULL,
    snapshot     TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE observation (
    record_id     TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    subject_id    TEXT NOT NULL,
    type          TEXT NOT NULL,
    code          TEXT NOT NULL,        -- LOINC
    unit          TEXT NOT NULL,        -- UCUM
    value         REAL NOT NULL,
    value2        REAL,                 -- diastolic for blood pressure
    value3        REAL,                 -- pulse taken with blood pressure
    qualifier     TEXT NOT NULL DEFAULT '',  -- glucose timing
    effective_utc INTEGER NOT NULL,
    derived_from  TEXT                  -- BMI: the weight record it was computed from
) STRICT;
CREATE INDEX observation_series ON observation (subject_id, type, effective_utc);
CREATE INDEX observation_derived ON observation (derived_from) WHERE derived_from IS NOT NULL;

-- Hourly roll-up (UTC hours) kept in the same transaction as each observation change, so that
-- daily/weekly/monthly dashboards in any whole-hour time zone read hours, not raw rows.
CREATE TABLE observation_hourly (
    subject_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    hour       INTEGER NOT NULL,        -- unix seconds / 3600
    n          INTEGER NOT NULL,
    sum1       REAL NOT NULL,
    min1       REAL NOT NULL,
    max1       REAL NOT NULL,
    sum2       REAL,
    min2       REAL,
    max2       REAL,
    PRIMARY KEY (subject_id, type, hour)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkup (
    record_id        TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    checkup_date     TEXT NOT NULL,     -- local date YYYY-MM-DD
    program          TEXT NOT NULL,     -- specific_health_checkup | general | other
    institution      TEXT NOT NULL,
    institution_code TEXT,
    judgement        TEXT
) STRICT;

CREATE TABLE checkup_result (
    record_id   TEXT NOT NULL REFERENCES checkup (record_id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    code_system TEXT NOT NULL,          -- tokutei (1.2.392.200119.6.1005) | jlac10 | loinc
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    value_num   REAL,
    value_code  TEXT,
    value_text  TEXT,
    unit        TEXT,
    ref_low     REAL,
    ref_high    REAL,
    flag        TEXT,                   -- H | L | N | A
    PRIMARY KEY (record_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE immunization (
    record_id   TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    vaccine     TEXT NOT NULL,
    code_system TEXT,
    code        TEXT,
    occurred_on TEXT NOT NULL,
    dose_number INTEGER,
    lot         TEXT,
    place       TEXT
) STRICT;

CREATE TABLE medication (
    record_id   TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    drug_name   TEXT NOT NULL,
    code_system TEXT,                   -- yj | hot
    code        TEXT,
    dose        TEXT,
    frequency   TEXT,
    start_date  TEXT NOT NULL,
    end_date    TEXT,
    prescriber  TEXT,
    pharmacy    TEXT
) STRICT;

CREATE TABLE condition (
    record_id   TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    code_system TEXT,
    code        TEXT,
    onset_date  TEXT,
    end_date    TEXT,
    status      TEXT NOT NULL
) STRICT;

CREATE TABLE allergy (
    record_id   TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    substance   TEXT NOT NULL,
    code_system TEXT,
    code        TEXT,
    reaction    TEXT,
    severity    TEXT
) STRICT;

CREATE TABLE note (
    record_id TEXT PRIMARY KEY REFERENCES record (id) ON DELETE CASCADE,
    text      TEXT NOT NULL
) STRICT;
