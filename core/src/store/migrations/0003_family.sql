-- v3: family-manager mode. A delegation lets a grantee act on a subject's record with scopes,
-- for a period, until revoked. Rows are never deleted (the audit trail names their ids).
CREATE TABLE delegation (
    id                TEXT PRIMARY KEY,
    subject_id        TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    grantee_person_id TEXT REFERENCES person (id) ON DELETE CASCADE,
    grantee_account   TEXT,             -- an account on another device, carried by sync
    granted_by        TEXT NOT NULL,    -- the person who made the grant
    grantor_kind      TEXT NOT NULL CHECK (grantor_kind IN ('subject', 'legal_representative')),
    basis             TEXT CHECK (basis IN ('parent_of_minor', 'guardian', 'written_consent')),
    basis_note        TEXT,
    scopes            TEXT NOT NULL,    -- comma-separated, sorted
    valid_from        INTEGER NOT NULL, -- unix seconds
    valid_until       INTEGER,
    created_utc       INTEGER NOT NULL,
    revoked_utc       INTEGER,
    revoked_by        TEXT,
    CHECK ((grantee_person_id IS NULL) <> (grantee_account IS NULL)),
    CHECK ((grantor_kind = 'subject') = (basis IS NULL))
) STRICT;
CREATE INDEX delegation_by_grantee ON delegation (grantee_person_id, subject_id);
CREATE INDEX delegation_by_subject ON delegation (subject_id);
