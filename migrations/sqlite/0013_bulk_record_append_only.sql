-- A bulk action's audit event names its batch; the batch's rows (every client it changed,
-- with the role and end before and after) are the detail of that event, so they are
-- append-only like the audit log itself. The batch's own row keeps its fixed columns; only
-- its running count and when it was undone may be set.
CREATE TRIGGER bulk_batch_rows_no_update BEFORE UPDATE ON bulk_batch_rows
BEGIN
    SELECT RAISE(ABORT, 'bulk_batch_rows is append-only');
END;
CREATE TRIGGER bulk_batch_rows_no_delete BEFORE DELETE ON bulk_batch_rows
BEGIN
    SELECT RAISE(ABORT, 'bulk_batch_rows is append-only');
END;
CREATE TRIGGER bulk_batches_fixed BEFORE UPDATE OF id, practice_id, user_id, actor_user_id, new_role_id, created_at ON bulk_batches
BEGIN
    SELECT RAISE(ABORT, 'bulk_batches: only changed and undone_at may be set');
END;
CREATE TRIGGER bulk_batches_no_delete BEFORE DELETE ON bulk_batches
BEGIN
    SELECT RAISE(ABORT, 'bulk_batches is append-only');
END;
