-- v5: a second roll-up level, Japan-time days, so that the default dashboards (Asia/Tokyo) read
-- one row a day; other whole-hour zones keep using the hourly table. Filled from existing rows.
CREATE TABLE observation_daily_jst (
    subject_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    day        INTEGER NOT NULL,        -- (unix seconds + 9 h) / 86400
    n          INTEGER NOT NULL,
    sum1       REAL NOT NULL,
    min1       REAL NOT NULL,
    max1       REAL NOT NULL,
    sum2       REAL,
    min2       REAL,
    max2       REAL,
    PRIMARY KEY (subject_id, type, day)
) STRICT, WITHOUT ROWID;

INSERT INTO observation_daily_jst (subject_id, type, day, n, sum1, min1, max1, sum2, min2, max2)
SELECT subject_id, type, (effective_utc + 32400) / 86400, count(*), sum(value), min(value), max(value),
       sum(value2), min(value2), max(value2)
FROM observation
GROUP BY subject_id, type, (effective_utc + 32400) / 86400;
