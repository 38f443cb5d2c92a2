-- A bulk action's undo record becomes one value in its batch's row instead of a row per
-- client changed: 10,000 rows (each a b-tree insert, kept for good) took longer than the
-- change itself. `record` is a JSON array with one array per client changed:
-- [client, previous role, previous end, new role, new end] (a bulk action's new role is
-- the batch's `new_role_id`; it leaves the last two out). The view `bulk_batch_rows` reads
-- it back as the table it replaces, so what reads the record (undo, the leaver report,
-- copying access) is unchanged. The record is written once, with its batch, and is fixed
-- from then on like the batch's other columns.
ALTER TABLE bulk_batches ADD COLUMN record TEXT NOT NULL DEFAULT '[]';
UPDATE bulk_batches SET record = (
    SELECT json_group_array(json_array(r.client_id, r.previous_role_id, r.previous_ends_at, r.new_role_id, r.new_ends_at))
    FROM bulk_batch_rows r WHERE r.batch_id = bulk_batches.id
) WHERE EXISTS (SELECT 1 FROM bulk_batch_rows r WHERE r.batch_id = bulk_batches.id);
-- Dropping a table drops its append-only triggers first, so they do not fire here.
DROP TABLE bulk_batch_rows;
CREATE VIEW bulk_batch_rows AS
    SELECT b.id AS batch_id,
           j.value ->> 0 AS client_id,
           j.value ->> 1 AS previous_role_id,
           j.value ->> 2 AS previous_ends_at,
           j.value ->> 3 AS new_role_id,
           j.value ->> 4 AS new_ends_at
    FROM bulk_batches b, json_each(b.record) j;
DROP TRIGGER bulk_batches_fixed;
CREATE TRIGGER bulk_batches_fixed BEFORE UPDATE OF id, practice_id, user_id, actor_user_id, new_role_id, created_at, record ON bulk_batches
BEGIN
    SELECT RAISE(ABORT, 'bulk_batches: only changed and undone_at may be set');
END;
