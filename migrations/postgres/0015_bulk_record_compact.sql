-- A bulk action's undo record becomes five arrays in its batch's row instead of a row per
-- client changed: 10,000 rows (each a heap and an index insert, kept for good) took five
-- times as long as the change itself. Element i of each array is one client changed:
-- the client, its previous role and end, and its new role and end (a bulk action's new
-- role is the batch's `new_role_id`; its new-role arrays are empty). The view
-- `bulk_batch_rows` reads them back as the table it replaces, so what reads the record
-- (undo, the leaver report, copying access) is unchanged. The arrays are written once,
-- with their batch, and are fixed from then on like the batch's other columns. They are
-- stored uncompressed: compressing 80 KB arrays cost more than writing them.
ALTER TABLE bulk_batches
    ADD COLUMN record_clients BIGINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN record_previous_roles BIGINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN record_previous_ends BIGINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN record_new_roles BIGINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN record_new_ends BIGINT[] NOT NULL DEFAULT '{}';
ALTER TABLE bulk_batches
    ALTER COLUMN record_clients SET STORAGE EXTERNAL,
    ALTER COLUMN record_previous_roles SET STORAGE EXTERNAL,
    ALTER COLUMN record_previous_ends SET STORAGE EXTERNAL,
    ALTER COLUMN record_new_roles SET STORAGE EXTERNAL,
    ALTER COLUMN record_new_ends SET STORAGE EXTERNAL;
UPDATE bulk_batches b SET
    record_clients = r.clients,
    record_previous_roles = r.previous_roles,
    record_previous_ends = r.previous_ends,
    record_new_roles = r.new_roles,
    record_new_ends = r.new_ends
FROM (SELECT batch_id,
             array_agg(client_id ORDER BY client_id) AS clients,
             array_agg(previous_role_id ORDER BY client_id) AS previous_roles,
             array_agg(previous_ends_at ORDER BY client_id) AS previous_ends,
             array_agg(new_role_id ORDER BY client_id) AS new_roles,
             array_agg(new_ends_at ORDER BY client_id) AS new_ends
      FROM bulk_batch_rows GROUP BY batch_id) r
WHERE r.batch_id = b.id;
DROP TABLE bulk_batch_rows;
CREATE VIEW bulk_batch_rows AS
    SELECT b.id AS batch_id, u.client_id, u.previous_role_id, u.previous_ends_at, u.new_role_id, u.new_ends_at
    FROM bulk_batches b
    CROSS JOIN LATERAL unnest(b.record_clients, b.record_previous_roles, b.record_previous_ends,
                              b.record_new_roles, b.record_new_ends)
        AS u (client_id, previous_role_id, previous_ends_at, new_role_id, new_ends_at);
DROP TRIGGER bulk_batches_fixed ON bulk_batches;
CREATE TRIGGER bulk_batches_fixed BEFORE UPDATE OF id, practice_id, user_id, actor_user_id, new_role_id, created_at,
        record_clients, record_previous_roles, record_previous_ends, record_new_roles, record_new_ends ON bulk_batches
    FOR EACH ROW EXECUTE FUNCTION bulk_record_append_only();
