-- Each change noted for someone's next access email (and each access request for an
-- approver's) is a line of its own, appended. Before, every click for one person updated
-- that person's one open notice row; on PostgreSQL each click's transaction held the row
-- until it committed, so clicks for one person, from every app server, committed one
-- after another. A message gathers a person's lines of one kind once the first is due
-- (flush_due deletes the lines it sends, in the transaction that queues the email).
CREATE TABLE access_notice_lines (
    id           INTEGER PRIMARY KEY,
    practice_id  INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('access', 'request')),
    -- One change; a line moved from an older notice may hold several, one per text line.
    line         TEXT    NOT NULL,
    -- How many changes this line stands for (more than its text lines once a notice was full).
    changes      INTEGER NOT NULL DEFAULT 1,
    send_after   INTEGER NOT NULL,
    FOREIGN KEY (practice_id, user_id) REFERENCES practice_members (practice_id, user_id) ON DELETE CASCADE
);
CREATE INDEX access_notice_lines_person ON access_notice_lines (practice_id, user_id, kind, id);
CREATE INDEX access_notice_lines_due ON access_notice_lines (send_after);

INSERT INTO access_notice_lines (practice_id, user_id, kind, line, changes, send_after)
SELECT n.practice_id, n.user_id, n.kind, n.lines, n.changes, n.send_after
FROM access_notices n
WHERE n.sent_at IS NULL
  AND EXISTS (SELECT 1 FROM practice_members m WHERE m.practice_id = n.practice_id AND m.user_id = n.user_id);

DROP TABLE access_notices;
