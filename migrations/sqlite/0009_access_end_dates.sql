-- Access that ends: a grant may carry the moment it ends (Unix seconds; NULL: no end).
-- Every query that decides or shows access reads `current_assignments`, which leaves out
-- grants past their end, so access is gone on the very next request whatever a sweeper
-- has done; the sweeper then records "access.expired" and removes the row.
ALTER TABLE client_assignments ADD COLUMN ends_at INTEGER;
CREATE INDEX client_assignments_ends ON client_assignments (ends_at) WHERE ends_at IS NOT NULL;
CREATE VIEW current_assignments AS
    SELECT * FROM client_assignments
    WHERE ends_at IS NULL OR ends_at > CAST(strftime('%s', 'now') AS INTEGER);
