-- v9: who has a credential, and where each grant came from.
-- A member is a person who unlocks the store with their own credential (the keyring holds
-- it); every other person is managed, acted for only through delegations.
CREATE TABLE member (
    person_id TEXT PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE
) STRICT;
INSERT INTO member (person_id) SELECT id FROM person WHERE is_owner = 1;
-- A grant made through another grant (a proxy passing rights on) names it: revoking a grant
-- revokes every grant made from it.
ALTER TABLE delegation ADD COLUMN parent_id TEXT REFERENCES delegation (id);
CREATE INDEX delegation_by_parent ON delegation (parent_id);
