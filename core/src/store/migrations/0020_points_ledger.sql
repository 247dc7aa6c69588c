-- v20: the points ledger (issue #19; points/ holds the rules). Append-only: an award or a
-- reversal is a new row, and no row is ever changed. The rule's reason is kept with the row so
-- the ledger reads the same after the operator changes its rules.
CREATE TABLE points_ledger (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id    TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    rule_id       TEXT NOT NULL,
    occasion      TEXT NOT NULL,
    occasion_date TEXT NOT NULL,
    points        INTEGER NOT NULL CHECK (points <> 0),
    reason        TEXT NOT NULL CHECK (reason IN ('earned', 'consent_withdrawn', 'data_changed')),
    reason_ja     TEXT NOT NULL,
    reason_en     TEXT NOT NULL,
    at_utc        INTEGER NOT NULL
) STRICT;
CREATE INDEX points_ledger_by_subject ON points_ledger (subject_id, seq);
CREATE TRIGGER points_ledger_is_append_only BEFORE UPDATE ON points_ledger
BEGIN
    SELECT RAISE(ABORT, 'points_ledger is append-only');
END;
