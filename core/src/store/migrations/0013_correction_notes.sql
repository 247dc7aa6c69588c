-- v13: a note may annotate another record (a correction of an official result, which is never
-- edited itself: S-21). Erasing or deleting the record takes its notes with it (write.rs).
ALTER TABLE note ADD COLUMN about TEXT;
CREATE INDEX note_about ON note (about) WHERE about IS NOT NULL;
