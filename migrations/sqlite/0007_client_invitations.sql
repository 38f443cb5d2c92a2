-- A client on Small, Medium or Large invites its own users from its own Manage users page.
-- Such an invitation names the client; NULL is an invitation into the practice itself.
-- One pending invitation per email per account (the practice, or one of its clients).
ALTER TABLE invitations ADD COLUMN client_id INTEGER REFERENCES clients (id) ON DELETE CASCADE;
DROP INDEX invitations_one_pending_per_email;
CREATE UNIQUE INDEX invitations_one_pending_per_email ON invitations (practice_id, COALESCE(client_id, 0), email) WHERE status = 'pending';
-- The Accounts switcher finds a login's client-user accounts by user.
CREATE INDEX client_users_user ON client_users (user_id);
