-- "Where you're signed in": each session keeps the browser's User-Agent and the address it
-- started from (both as the request gave them, cut to a few hundred characters).
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
-- A two-step key being set up belongs to the session that asked for it (with the password
-- entered again): no other session of the login is shown it or may confirm it.
ALTER TABLE users ADD COLUMN totp_pending_session TEXT;
-- Mail is retried while what it carries is valid (its link's own end; other mail a day from
-- when it was queued, or from when an Admin sent it again).
ALTER TABLE email_outbox ADD COLUMN retry_until BIGINT;
