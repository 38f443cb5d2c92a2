-- Telling staff when their client access changes (a practice can turn it off). Single
-- clicks within five minutes gather into one message per person; a bulk action or a copy
-- is sent as one message at once. Messages go out through the email outbox.
ALTER TABLE practices ADD COLUMN access_emails INTEGER NOT NULL DEFAULT 1 CHECK (access_emails IN (0, 1));
CREATE TABLE access_notices (
    id           INTEGER PRIMARY KEY,
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lines        TEXT    NOT NULL,
    send_after   INTEGER NOT NULL,
    sent_at      INTEGER
);
CREATE UNIQUE INDEX access_notices_one_open ON access_notices (practice_id, user_id) WHERE sent_at IS NULL;
CREATE INDEX access_notices_due ON access_notices (send_after) WHERE sent_at IS NULL;
