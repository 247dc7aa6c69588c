-- v10: consent end to end (issue #16): the operator profile kept in the store, versioned, with the
-- directives a new version asks the resident to decide again; demographics as a consent
-- category; when each directive took effect (a deny dated in the future takes effect at the
-- first sync after its start); tokens bound to the server's origin; what a server offers for
-- removing history; the Patient a recipient holds.

-- Every operator profile this device used, oldest first. The newest is the one in force.
CREATE TABLE operator_profile (
    version       INTEGER PRIMARY KEY,
    json          TEXT NOT NULL,
    digest        TEXT NOT NULL,            -- SHA-256 of `json`
    installed_utc INTEGER NOT NULL
) STRICT;

-- A permit the resident must decide again: a newer profile changed its purposes, its recipient
-- or the notice. The gate withholds what it covers until a newer decision. `changes` names what
-- changed (codes such as `notice`, `purpose.<code>.categories`), never a value.
CREATE TABLE consent_reconsent (
    directive_id    TEXT PRIMARY KEY REFERENCES consent_directive (id),
    profile_version INTEGER NOT NULL REFERENCES operator_profile (version),
    changes         TEXT NOT NULL
) STRICT;

-- When a directive's start (valid_from) and end (valid_until) were acted on: a deny purges the
-- outbox and tells the recipient, a permit (or the end of a deny) queues the records it covers.
-- Directives recorded before v11 that were in force when decided were acted on then.
CREATE TABLE consent_effect (
    directive_id TEXT NOT NULL REFERENCES consent_directive (id),
    boundary     TEXT NOT NULL CHECK (boundary IN ('start', 'end')),
    applied_utc  INTEGER NOT NULL,
    PRIMARY KEY (directive_id, boundary)
) STRICT, WITHOUT ROWID;
INSERT INTO consent_effect (directive_id, boundary, applied_utc)
    SELECT id, 'start', decided_utc FROM consent_directive WHERE valid_from_utc <= decided_utc;

-- Demographics (name, kana, birth date, sex, insurer numbers) become a consent category.
CREATE TABLE consent_directive_category_v11 (
    directive_seq INTEGER NOT NULL REFERENCES consent_directive (seq),
    category      TEXT NOT NULL CHECK (category IN ('checkup', 'vitals', 'body', 'lifelog',
                      'immunization', 'medication', 'condition_allergy', 'notes',
                      'demographics')),
    PRIMARY KEY (directive_seq, category)
) STRICT, WITHOUT ROWID;
INSERT INTO consent_directive_category_v11 SELECT directive_seq, category
    FROM consent_directive_category;
DROP TABLE consent_directive_category;
ALTER TABLE consent_directive_category_v11 RENAME TO consent_directive_category;
CREATE TRIGGER consent_directive_category_no_update BEFORE UPDATE ON consent_directive_category
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;
CREATE TRIGGER consent_directive_category_no_delete BEFORE DELETE ON consent_directive_category
BEGIN SELECT RAISE(ABORT, 'consent directives are append-only'); END;

-- A token belongs to a recipient AND the origin (scheme://host:port) it was accepted by; it is
-- never sent anywhere else. Tokens kept before v11 are not known to be bound: forgotten.
DROP TABLE sync_token;
CREATE TABLE sync_token (
    recipient     TEXT NOT NULL,
    origin        TEXT NOT NULL,
    token         TEXT NOT NULL,
    updated_utc   INTEGER NOT NULL,
    PRIMARY KEY (recipient, origin)
) STRICT;

-- Whether a recipient's server offers `$expunge` (removing a deleted resource's history), as
-- its CapabilityStatement said when sync last looked.
CREATE TABLE sync_capability (
    recipient     TEXT NOT NULL,
    origin        TEXT NOT NULL,
    expunge       INTEGER NOT NULL CHECK (expunge IN (0, 1)),
    checked_utc   INTEGER NOT NULL,
    PRIMARY KEY (recipient, origin)
) STRICT;

-- The subject's Patient as a recipient holds it (only the elements consent released), so a
-- change or a withdrawal of demographics reaches it; `digest` is that of the content sent.
CREATE TABLE sync_patient (
    recipient     TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    resource      TEXT NOT NULL,            -- `Patient/id`
    digest        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('sending', 'held')),
    withdrawn     INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1)),
    PRIMARY KEY (recipient, subject_id)
) STRICT;
