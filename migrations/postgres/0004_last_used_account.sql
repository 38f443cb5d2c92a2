-- The account a login last chose in the Accounts switcher, so that a new session starts
-- there: what the top bar shows after sign-in is where the next action lands, the same
-- on every app server. NULL (never chose, or no longer a member) starts in the first
-- practice by name.
ALTER TABLE users ADD COLUMN last_practice_id BIGINT REFERENCES practices (id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN last_client_id BIGINT REFERENCES clients (id) ON DELETE SET NULL;
