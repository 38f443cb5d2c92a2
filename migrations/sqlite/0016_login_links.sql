-- Links sent to a login's own address that change how it signs in: a two-step sign-in
-- reset an admin asked for, a forgotten password, a new email address to confirm. Only a
-- hash of the single-use token is stored, issued by the outbox worker as the message goes
-- out (`email_outbox.login_link_id`); mail kept without SMTP (local use) carries its link.
CREATE TABLE login_links (
    id           INTEGER PRIMARY KEY,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('two_step_reset', 'password_reset', 'email_change')),
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    -- For an email change: the address being confirmed.
    new_email    TEXT    CHECK (new_email = lower(new_email)),
    -- Who asked, when it was not the login's owner (an admin of this practice).
    practice_id  INTEGER REFERENCES practices (id) ON DELETE SET NULL,
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX login_links_by_user ON login_links (user_id, purpose);
ALTER TABLE email_outbox ADD COLUMN login_link_id INTEGER REFERENCES login_links (id) ON DELETE SET NULL;
