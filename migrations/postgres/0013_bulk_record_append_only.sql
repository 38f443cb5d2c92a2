-- A bulk action's audit event names its batch; the batch's rows (every client it changed,
-- with the role and end before and after) are the detail of that event, so they are
-- append-only like the audit log itself. The batch's own row keeps its fixed columns; only
-- its running count and when it was undone may be set.
CREATE FUNCTION bulk_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER bulk_batch_rows_no_update_or_delete BEFORE UPDATE OR DELETE ON bulk_batch_rows
    FOR EACH ROW EXECUTE FUNCTION bulk_record_append_only();
CREATE TRIGGER bulk_batches_no_delete BEFORE DELETE ON bulk_batches
    FOR EACH ROW EXECUTE FUNCTION bulk_record_append_only();
CREATE TRIGGER bulk_batches_fixed BEFORE UPDATE OF id, practice_id, user_id, actor_user_id, new_role_id, created_at ON bulk_batches
    FOR EACH ROW EXECUTE FUNCTION bulk_record_append_only();
