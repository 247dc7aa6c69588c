-- v18: who joined which walking event (issue #19; events/ holds the rules). Joining is a consent
-- permit and leaving a withdrawal: both directive ids are kept beside the membership.
CREATE TABLE event_member (
    subject_id      TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    team            TEXT,
    joined_utc      INTEGER NOT NULL,
    join_directive  TEXT NOT NULL,
    left_utc        INTEGER,
    leave_directive TEXT,
    PRIMARY KEY (subject_id, event_id)
) STRICT, WITHOUT ROWID;
