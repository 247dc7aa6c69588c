-- v22: the provision log (APPI arts. 29 and 33(5); GUIDELINE.md S-19; issue #20). One row per
-- release that left the device: when, to whom, for what, which categories and subject details,
-- how many items, through which channel, and the consent directives that allowed it. It holds
-- no health value, so it outlives the data it describes: erasing records or removing a person
-- leaves it. The core removes no row; keep_until_utc (three years after the release) is the
-- least the law asks.
CREATE TABLE provision_log (
    id              TEXT PRIMARY KEY,
    at_utc          INTEGER NOT NULL,
    offset_seconds  INTEGER NOT NULL,
    subject_id      TEXT NOT NULL,
    actor           TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    form            TEXT NOT NULL,
    categories      TEXT NOT NULL,
    details         TEXT NOT NULL,
    item_count      INTEGER NOT NULL CHECK (item_count >= 0),
    directive_ids   TEXT NOT NULL,
    keep_until_utc  INTEGER NOT NULL
) STRICT;
CREATE INDEX provision_log_by_subject ON provision_log (subject_id, at_utc);

-- The resident's requests (開示・訂正・利用停止・消去; APPI arts. 33–35, S-18/20/21/23): each
-- request as received, then its outcome in words (counts and ids only, no health value). Kept
-- with the provision log: the record that a request was made and answered outlives the data.
CREATE TABLE resident_request (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('disclosure', 'correction', 'stop_of_provision', 'erasure')),
    subject_id      TEXT NOT NULL,
    actor           TEXT NOT NULL,
    target          TEXT,
    received_utc    INTEGER NOT NULL,
    offset_seconds  INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('received', 'done', 'refused')),
    outcome         TEXT,
    completed_utc   INTEGER
) STRICT;
CREATE INDEX resident_request_by_subject ON resident_request (subject_id, received_utc);
