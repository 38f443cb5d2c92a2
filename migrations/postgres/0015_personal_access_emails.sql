-- A person's own choice to get (1) or not (0) the emails that tell them their client
-- access changed; the practice's `access_emails` still turns them off for everyone.
ALTER TABLE users ADD COLUMN access_emails BIGINT NOT NULL DEFAULT 1 CHECK (access_emails IN (0, 1));
