-- v5: sync with recipients' FHIR servers. The outbox stays the queue of work; these tables are
-- what sync must remember between runs (docs/SYNC.md).

-- What a recipient may hold of a record, per purpose. Written as 'sending' BEFORE a request
-- leaves (so a crash after the server applied it still knows the copy may exist), and turned
-- 'held' only after the server confirmed it. Edits, deletions and withdrawals use these rows to
-- know whose copies to refresh or delete.
CREATE TABLE sync_remote (
    recipient     TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    record_id     TEXT NOT NULL,             -- no FK: the row outlives an erased record
    subject_id    TEXT NOT NULL,
    category      TEXT NOT NULL,
    resources     TEXT NOT NULL,             -- space-separated `Type/id` the record maps to
    state         TEXT NOT NULL CHECK (state IN ('sending', 'held')),
    version       INTEGER NOT NULL,          -- record version last sent (or being sent)
    updated_utc   INTEGER NOT NULL,
    PRIMARY KEY (recipient, purpose, record_id)
) STRICT;
CREATE INDEX sync_remote_record ON sync_remote (record_id);
CREATE INDEX sync_remote_subject ON sync_remote (subject_id, recipient, category, purpose);

-- Where the last pull of a recipient's server stopped (the server's meta.lastUpdated).
CREATE TABLE sync_cursor (
    subject_id    TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    last_updated  TEXT NOT NULL,
    PRIMARY KEY (subject_id, recipient)
) STRICT;

-- Server resources already imported (written in the transaction that adds the record), so a
-- pull repeated after a crash never imports twice.
CREATE TABLE sync_imported (
    recipient     TEXT NOT NULL,
    resource      TEXT NOT NULL,             -- `Type/id`
    version_id    TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    PRIMARY KEY (recipient, resource)
) STRICT;

-- The last per-item answer of a server that refused an outbox item (HTTP status), for a UI.
ALTER TABLE outbox ADD COLUMN last_status INTEGER;
