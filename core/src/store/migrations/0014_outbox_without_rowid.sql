-- v14: the outbox as fewer B-trees per queued item (every logged entry with consent given
-- writes one row per recipient and purpose in its own transaction; each B-tree is another
-- encrypted page at commit). The table is its primary key (WITHOUT ROWID: no rowid B-tree);
-- the one-item-per-record rule leads with the record, so erasing a record finds its items by
-- index (the ON DELETE CASCADE) instead of scanning the outbox.
CREATE TABLE outbox_v14 (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('record', 'withdrawal')),
    subject_id   TEXT NOT NULL REFERENCES person (id),
    recipient    TEXT NOT NULL,
    record_id    TEXT REFERENCES record (id) ON DELETE CASCADE,
    directive_id TEXT REFERENCES consent_directive (id),
    category     TEXT,
    purpose      TEXT,
    created_utc  INTEGER NOT NULL,
    last_status  INTEGER,
    CHECK ((kind = 'record' AND record_id IS NOT NULL AND category IS NOT NULL
                AND purpose IS NOT NULL AND directive_id IS NULL)
        OR (kind = 'withdrawal' AND directive_id IS NOT NULL AND record_id IS NULL))
) STRICT, WITHOUT ROWID;
INSERT INTO outbox_v14 (id, kind, subject_id, recipient, record_id, directive_id, category,
    purpose, created_utc, last_status)
SELECT id, kind, subject_id, recipient, record_id, directive_id, category, purpose, created_utc,
    last_status
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v14 RENAME TO outbox;
CREATE UNIQUE INDEX outbox_one_per_record ON outbox (record_id, recipient, purpose)
    WHERE kind = 'record';
CREATE INDEX outbox_subject ON outbox (subject_id, recipient, category, purpose);
