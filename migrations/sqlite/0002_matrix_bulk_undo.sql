-- Bulk actions in the Partner module matrix can be undone right after: each bulk action
-- records, set-based, the state it replaced for every client it changed.
CREATE TABLE bulk_batches (
    id             INTEGER PRIMARY KEY,
    practice_id    INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,            -- the staff member whose access changed
    actor_user_id  INTEGER NOT NULL,
    new_role_id    INTEGER,                     -- NULL: access removed
    changed        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    undone_at      INTEGER
);

CREATE TABLE bulk_batch_rows (
    batch_id          INTEGER NOT NULL REFERENCES bulk_batches (id) ON DELETE CASCADE,
    client_id         INTEGER NOT NULL,
    previous_role_id  INTEGER,                  -- NULL: had no access (N/A)
    PRIMARY KEY (batch_id, client_id)
);

-- Live updates poll "the newest change to this staff member's access" by audit event.
CREATE INDEX audit_events_target ON audit_events (practice_id, target_type, target_id, id);
-- Matrix filtering by plan within a practice.
CREATE INDEX clients_practice_plan ON clients (practice_id, plan, name);
