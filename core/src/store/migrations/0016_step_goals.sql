-- v16: each person's daily step goal history (issue #19; goals/ holds the rule). A row says
-- that from this local date the goal is `daily_steps`, or the guideline's for the age when NULL.
CREATE TABLE step_goal (
    subject_id     TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    effective_from TEXT NOT NULL,
    daily_steps    INTEGER CHECK (daily_steps IS NULL OR daily_steps BETWEEN 500 AND 50000),
    set_utc        INTEGER NOT NULL,
    PRIMARY KEY (subject_id, effective_from)
) STRICT, WITHOUT ROWID;
