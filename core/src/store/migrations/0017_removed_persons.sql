-- v17: a managed person can be removed with all their data (issue #17). Their row stays as a
-- stub — no name, birth date or insurance numbers — because consent directives (append-only,
-- the record of each decision) and delegations (never deleted) still name their id.
ALTER TABLE person ADD COLUMN removed_utc INTEGER;
