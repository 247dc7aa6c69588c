-- v4: dynamic consent. Directives are append-only history (triggers refuse UPDATE and DELETE);
-- the newest applicable directive decides, and with none the answer is deny. Categories and
-- purposes are typed child rows, not JSON. The outbox holds what waits to leave the device.

CREATE TABLE consent_directive (
    seq                INTEGER PRIMARY KEY,  -- order of decision
    id                 TEXT NOT NULL UNIQUE,
    subject_id         TEXT NOT NULL REFERENCES person (id),
    recipient          TEXT NOT NULL,        -- recipient id of the operator profile
    effect             TEXT NOT NULL CHECK (effect IN ('permit', 'deny')),
    valid_from_utc     INTEGER NOT NULL,
    valid_from_offset  INTEGER NOT NULL,
    valid_until_utc    INTEGER,              -- exclusive; NULL = until changed
    valid_until_offset INTEGER,
    decided_utc        INTEGER NOT NULL,
    decided_offset     INTEGER NOT NULL,
    actor_id           TEXT NOT NULL,        -- who decided
    delegation_id      TEXT,                 -- the delegation a proxy acted under
    notice_version     TEXT NOT NULL,        -- privacy-notice version shown
    CHECK (valid_until_utc IS NULL OR valid_until_utc > valid_from_utc)
) STRICT;
CREATE INDEX consent_directive_subject ON consent_directive (subject_id, recipient, seq);

CREATE TABLE consent_directive_category (
    directive_seq INTEGER NOT NULL REFERENCES consent_directive (seq),
    category      TEXT NOT NULL CHECK (category IN ('checkup', 'vitals', 'body', 'lifelog',
                      'immunization', 'medication', 'condition_allergy', 'notes')),
    PRIMARY KEY (directive_seq, category)
) STRICT, WITHOUT ROWID;

CREATE TABLE consent_directive_purpose (
    directive_seq INTEGER NOT NULL REFERENCES consent_directive (seq),
    purpose       TEXT NOT NULL,
    PRIMARY KEY (directive_seq, purpose)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER consent_directive_no_update BEFORE UPDATE ON consent_directive
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_no_delete BEFORE DELETE ON consent_directive
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_category_no_update BEFORE UPDATE ON consent_directive_category
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_category_no_delete BEFORE DELETE ON consent_directive_category
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_purpose_no_update BEFORE UPDATE ON consent_directive_purpose
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_purpose_no_delete BEFORE DELETE ON consent_directive_purpose
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;

-- Pending outgoing items: records queued for a recipient and purpose, and withdrawal notices.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('record', 'withdrawal')),
    subject_id   TEXT NOT NULL REFERENCES person (id),
    recipient    TEXT NOT NULL,
    record_id    TEXT REFERENCES record (id) ON DELETE CASCADE,
    directive_id TEXT REFERENCES consent_directive (id),
    category     TEXT,
    purpose      TEXT,
    created_utc  INTEGER NOT NULL,
    CHECK ((kind = 'record' AND record_id IS NOT NULL AND category IS NOT NULL
                AND purpose IS NOT NULL AND directive_id IS NULL)
        OR (kind = 'withdrawal' AND directive_id IS NOT NULL AND record_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX outbox_one_per_record ON outbox (recipient, purpose, record_id)
    WHERE kind = 'record';
CREATE INDEX outbox_subject ON outbox (subject_id, recipient, category, purpose);
