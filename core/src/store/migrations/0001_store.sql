-- v1: store identity and the audit chain.
PRAGMA application_id = 1346916913; -- 'PHR1'

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One key per data-key generation: the chain keeps verifying across key rotations.
CREATE TABLE audit_key (
    epoch    INTEGER PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    key      BLOB NOT NULL
) STRICT;

-- Who did what to whose record, when. Ids only, never values.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    subject    TEXT NOT NULL,
    action     TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    delegation TEXT,
    mac        BLOB NOT NULL
) STRICT;

-- The chain's head, MAC'd so that cutting entries off the end is detected too.
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seq      INTEGER NOT NULL,
    mac      BLOB NOT NULL,
    head_mac BLOB NOT NULL
) STRICT;
