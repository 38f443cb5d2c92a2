-- Staff ask for a client's access with a reason and an optional end; approvers (anyone who
-- may manage the practice's users) approve it, through the matrix's rules, or decline it.
-- One pending request per person and client; unanswered ones expire after 14 days.
CREATE TABLE access_requests (
    id              INTEGER PRIMARY KEY,
    practice_id     INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role_id         INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    reason          TEXT    NOT NULL,
    -- The end asked for (end of that day), if any; on approval, the end given.
    ends_at         INTEGER,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn', 'expired')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at      INTEGER,
    -- Why it was declined (optional), or why it ended otherwise.
    outcome_note    TEXT
);
CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (user_id, client_id) WHERE status = 'pending';
CREATE INDEX access_requests_practice ON access_requests (practice_id, status, created_at);
CREATE INDEX access_requests_user ON access_requests (user_id, created_at);
CREATE INDEX access_requests_pending_age ON access_requests (created_at) WHERE status = 'pending';

-- "Staff may request access" (on by default).
ALTER TABLE practices ADD COLUMN staff_may_request INTEGER NOT NULL DEFAULT 1 CHECK (staff_may_request IN (0, 1));

-- Access given by approving a request names it (the leaver report says so); any later
-- change of that access by hand clears it.
ALTER TABLE client_assignments ADD COLUMN request_id INTEGER;

-- Messages gathered per person: 'access' (your access changed) and 'request' (staff ask
-- for access, to each approver).
ALTER TABLE access_notices ADD COLUMN kind TEXT NOT NULL DEFAULT 'access' CHECK (kind IN ('access', 'request'));
DROP INDEX access_notices_one_open;
CREATE UNIQUE INDEX access_notices_one_open ON access_notices (practice_id, user_id, kind) WHERE sent_at IS NULL;
