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
