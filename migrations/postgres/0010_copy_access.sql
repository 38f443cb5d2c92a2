-- Copying one staff member's access to another sets a different role per client: the
-- undo record keeps each client's new role too (NULL: the batch's one role, or removed).
ALTER TABLE bulk_batch_rows ADD COLUMN new_role_id BIGINT;
