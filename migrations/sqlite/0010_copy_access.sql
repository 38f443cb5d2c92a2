-- Copying one staff member's access to another sets a different role per client: the
-- undo record keeps each client's new role too (NULL: the batch's one role, or removed).
ALTER TABLE bulk_batch_rows ADD COLUMN new_role_id INTEGER;
-- End dates travel with the roles: what a row had (so an undo gives back the same end, and
-- never access whose end has passed) and what the change gave (a copy keeps the source's).
ALTER TABLE bulk_batch_rows ADD COLUMN previous_ends_at INTEGER;
ALTER TABLE bulk_batch_rows ADD COLUMN new_ends_at INTEGER;
