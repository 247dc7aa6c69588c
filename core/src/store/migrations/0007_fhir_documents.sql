-- v5: FHIR resources the record model does not type (Consent, RelatedPerson, Provenance,
-- respiratory rate, a lab result outside the checkup, a value the model refuses, ...) kept as
-- they came, so an import never drops anything silently. `reason` says why it was kept.
CREATE TABLE fhir_document (
    id            TEXT PRIMARY KEY,
    subject_id    TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    json          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    imported_utc  INTEGER NOT NULL
) STRICT;
CREATE INDEX fhir_document_subject ON fhir_document (subject_id, resource_type, resource_id);
