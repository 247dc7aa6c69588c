-- v21: the key of each KPI evaluation programme (issue #19; kpi/ holds the rules). A resident's
-- contributions carry HMAC-SHA256(key, person id) as their pseudonym: stable within a programme,
-- unlinkable across programmes, and not computable by a recipient that knows the person id.
-- Random, made on first use, kept only here (encrypted with the rest of the store).
CREATE TABLE kpi_programme_key (
    programme   TEXT PRIMARY KEY,
    key         BLOB NOT NULL CHECK (length(key) = 32),
    created_utc INTEGER NOT NULL
) STRICT;
