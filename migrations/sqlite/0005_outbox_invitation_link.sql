-- An invitation email queued for SMTP no longer holds its link: the body holds a
-- placeholder and this column names the invitation, and the worker issues the token and
-- writes the link into the message only as it sends it. A live link is then never stored
-- in plain text (only its hash, on the invitation). Mail kept for the Sent email page
-- (no SMTP configured, local use) still carries its link.
ALTER TABLE email_outbox ADD COLUMN invitation_id INTEGER REFERENCES invitations (id) ON DELETE SET NULL;
