-- v15: checkup results in the series of measured values (issue #17): height, weight, BMI,
-- measured waist, blood pressure, fasting glucose and HbA1c of each checkup, as derived rows
-- at the checkup's time (records/checkup_points.rs holds the rule; this backfill is the same
-- rule, frozen at v15). The roll-ups of those series are rebuilt to count them.
CREATE TABLE checkup_point (
    record_id     TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,
    subject_id    TEXT NOT NULL,
    type          TEXT NOT NULL,
    effective_utc INTEGER NOT NULL,
    value         REAL NOT NULL,
    value2        REAL,
    PRIMARY KEY (record_id, type)
) STRICT, WITHOUT ROWID;
CREATE INDEX checkup_point_series ON checkup_point (subject_id, type, effective_utc);

CREATE TEMP TABLE v15_item (prefix TEXT PRIMARY KEY, type TEXT NOT NULL, unit TEXT NOT NULL);
INSERT INTO v15_item VALUES
    ('9N0010000', 'height', 'cm'), ('9N0060000', 'weight', 'kg'), ('9N0110000', 'bmi', 'kg/m2'),
    ('9N0161601', 'waist', 'cm'), ('3D0460000', 'hba1c', '%'), ('3D0100000', 'blood_glucose', 'mg/dL');

INSERT OR IGNORE INTO checkup_point (record_id, subject_id, type, effective_utc, value, value2)
SELECT r.record_id, rec.subject_id, i.type, rec.effective_utc, r.value_num, NULL
FROM checkup_result r
JOIN record rec ON rec.id = r.record_id AND rec.deleted_utc IS NULL
JOIN v15_item i ON i.prefix = substr(r.code, 1, 9) AND lower(r.unit) = lower(i.unit)
WHERE r.code_system IN ('tokutei', 'jlac10') AND r.value_num IS NOT NULL
ORDER BY r.record_id, r.position;

INSERT OR IGNORE INTO checkup_point (record_id, subject_id, type, effective_utc, value, value2)
SELECT rec.id, rec.subject_id, 'blood_pressure', rec.effective_utc,
       coalesce((SELECT value_num FROM checkup_result WHERE record_id = rec.id AND code = '9A751000000000001'),
                (SELECT value_num FROM checkup_result WHERE record_id = rec.id AND code = '9A755000000000001')),
       coalesce((SELECT value_num FROM checkup_result WHERE record_id = rec.id AND code = '9A761000000000001'),
                (SELECT value_num FROM checkup_result WHERE record_id = rec.id AND code = '9A765000000000001'))
FROM record rec
WHERE rec.kind = 'checkup' AND rec.deleted_utc IS NULL
  AND EXISTS (SELECT 1 FROM checkup_result WHERE record_id = rec.id AND code IN ('9A751000000000001', '9A755000000000001') AND value_num IS NOT NULL)
  AND EXISTS (SELECT 1 FROM checkup_result WHERE record_id = rec.id AND code IN ('9A761000000000001', '9A765000000000001') AND value_num IS NOT NULL);
DROP TABLE v15_item;

-- Rebuild the roll-ups of the series checkups now count in (as 0012 did for pulse).
CREATE TEMP TABLE v15_series AS
SELECT subject_id, type, effective_utc AS t, value AS v, value2 AS v2 FROM observation
WHERE type IN ('height', 'weight', 'bmi', 'waist', 'hba1c', 'blood_glucose', 'blood_pressure')
UNION ALL
SELECT subject_id, type, effective_utc, value, value2 FROM checkup_point;
DELETE FROM observation_hourly
WHERE type IN ('height', 'weight', 'bmi', 'waist', 'hba1c', 'blood_glucose', 'blood_pressure');
DELETE FROM observation_daily_jst
WHERE type IN ('height', 'weight', 'bmi', 'waist', 'hba1c', 'blood_glucose', 'blood_pressure');
INSERT INTO observation_hourly (subject_id, type, hour, n, sum1, min1, max1, sum2, min2, max2)
SELECT subject_id, type, CASE WHEN t >= 0 THEN t / 3600 ELSE (t - 3599) / 3600 END,
       count(*), sum(v), min(v), max(v), sum(v2), min(v2), max(v2)
FROM v15_series GROUP BY subject_id, type, 3;
INSERT INTO observation_daily_jst (subject_id, type, day, n, sum1, min1, max1, sum2, min2, max2)
SELECT subject_id, type,
       CASE WHEN t + 32400 >= 0 THEN (t + 32400) / 86400 ELSE (t + 32400 - 86399) / 86400 END,
       count(*), sum(v), min(v), max(v), sum(v2), min(v2), max(v2)
FROM v15_series GROUP BY subject_id, type, 3;
DROP TABLE v15_series;
