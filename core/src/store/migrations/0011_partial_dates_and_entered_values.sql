-- v11: FHIR data as clinics write it (issue #18).
--
-- A clinical time known only to the year, month or day (FHIR `2015`, `2022-05`): `effective_utc`
-- stays the earliest instant of that span (the sort and filter key); its precision and the text
-- as given are kept beside it, to be shown and exported as given. Existing records: the kinds
-- whose time is a date are day-precise, the others to the second.
ALTER TABLE record ADD COLUMN effective_precision TEXT NOT NULL DEFAULT 'second'
    CHECK (effective_precision IN ('year', 'month', 'day', 'second'));
ALTER TABLE record ADD COLUMN effective_text TEXT;
UPDATE record SET effective_precision = 'day'
WHERE kind IN ('checkup', 'immunization', 'medication')
   OR (kind = 'condition'
       AND EXISTS (SELECT 1 FROM condition c WHERE c.record_id = record.id AND c.onset_date IS NOT NULL));

-- An observation entered in another unit than the stored one (132 [lb_av]): `value` is its
-- conversion (for aggregates and roll-ups, unchanged); the value and UCUM unit as entered are
-- kept so that what is shown and exported has the precision that was entered.
ALTER TABLE observation ADD COLUMN entered_value REAL;
ALTER TABLE observation ADD COLUMN entered_unit TEXT;

-- A coded checkup answer keeps its result-code system (メタボ判定 1.2.392.200119.6.1008, a
-- municipal screening's result codes), so it is exported with it.
ALTER TABLE checkup_result ADD COLUMN value_system TEXT;

-- The Bundle entry's fullUrl an imported resource came under, so that a whole-record export can
-- resolve the references other resources of that file made to it (`urn:uuid:…`).
ALTER TABLE record ADD COLUMN original_full_url TEXT;
ALTER TABLE fhir_document ADD COLUMN full_url TEXT;
