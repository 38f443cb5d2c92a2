-- Client names are unique in a practice, ignoring case. The application checked this
-- before inserting, but two simultaneous requests could both pass the check: the schema
-- now decides, and the application turns a violation of this index into "There is
-- already a client called …". The index also serves name searches' ordering.
CREATE UNIQUE INDEX clients_unique_name ON clients (practice_id, lower(name));
