-- v8: pull cursors per resource type, the bearer token a recipient's server last accepted, and
-- copies kept at a recipient but marked withdrawn.
--
-- One cursor shared by every pulled type skipped older resources of the types pulled after it
-- had moved; the existing cursor was written by a pull of Observations only.
CREATE TABLE sync_cursor_by_type (
    subject_id    TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    last_updated  TEXT NOT NULL,
    PRIMARY KEY (subject_id, recipient, resource_type)
) STRICT;
INSERT INTO sync_cursor_by_type (subject_id, recipient, resource_type, last_updated)
    SELECT subject_id, recipient, 'Observation', last_updated FROM sync_cursor;
DROP TABLE sync_cursor;

-- A secret, like everything here encrypted by SQLCipher; kept so a device syncs offline-first
-- without asking the app for a token each time. Removed by `forget_sync_token`.
-- A recipient that keeps what it received (profile `on_withdrawal: mark`) holds the copy
-- labelled withdrawn: no longer updated for that purpose, still deleted if the record is erased.
ALTER TABLE sync_remote ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1));

CREATE TABLE sync_token (
    recipient     TEXT PRIMARY KEY,
    token         TEXT NOT NULL,
    updated_utc   INTEGER NOT NULL
) STRICT;
