-- A bulk action over 10,000 clients writes 10,000 undo rows, so each row's cost counts.
-- The foreign key to bulk_batches checked every row (a trigger call each: 45 ms of a
-- 65 ms "remove from all clients") against a batch created a moment before in the same
-- transaction, and batches can never be deleted (0013), so it guarded nothing; it goes.
ALTER TABLE bulk_batch_rows DROP CONSTRAINT bulk_batch_rows_batch_id_fkey;
