-- v12: a pulse entered with a blood pressure counts in the pulse series (issue #17): stats,
-- charts and trends of pulse read it like a pulse entered alone. The pulse roll-ups are rebuilt
-- from pulse rows and the pulse of blood-pressure rows, with the buckets' floor division
-- (rollup.rs `bucket_of`: `div_euclid`, also for instants before 1970).
DELETE FROM observation_hourly WHERE type = 'pulse';
DELETE FROM observation_daily_jst WHERE type = 'pulse';

CREATE TEMP TABLE pulse_series AS
SELECT subject_id, effective_utc AS t, value AS v FROM observation WHERE type = 'pulse'
UNION ALL
SELECT subject_id, effective_utc, value3 FROM observation
WHERE type = 'blood_pressure' AND value3 IS NOT NULL;

INSERT INTO observation_hourly (subject_id, type, hour, n, sum1, min1, max1, sum2, min2, max2)
SELECT subject_id, 'pulse', CASE WHEN t >= 0 THEN t / 3600 ELSE (t - 3599) / 3600 END,
       count(*), sum(v), min(v), max(v), NULL, NULL, NULL
FROM pulse_series
GROUP BY subject_id, 3;

INSERT INTO observation_daily_jst (subject_id, type, day, n, sum1, min1, max1, sum2, min2, max2)
SELECT subject_id, 'pulse',
       CASE WHEN t + 32400 >= 0 THEN (t + 32400) / 86400 ELSE (t + 32400 - 86399) / 86400 END,
       count(*), sum(v), min(v), max(v), NULL, NULL, NULL
FROM pulse_series
GROUP BY subject_id, 3;

DROP TABLE pulse_series;
