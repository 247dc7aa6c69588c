-- v19: a recipient may hold copies of figures derived on the device, not of one stored record:
-- an event organiser's daily step totals (issue #19). Such a row's `record_id` is the figure's
-- key (`steps:<event>:<date>`), its `version` the value last sent; it is never an orphan of an
-- erased record (sync reconciles it with what the totals are now).
ALTER TABLE sync_remote ADD COLUMN derived INTEGER NOT NULL DEFAULT 0 CHECK (derived IN (0, 1));
