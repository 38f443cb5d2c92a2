-- Sign-up is confirmed by email, so its answer never says whether an email has a login.
-- A request holds what the form gave (the password only as a hash) until the link in the
-- confirmation email is used; only the link token's hash is stored, issued by the outbox
-- worker as the message goes out (`email_outbox.sign_up_request_id`).
CREATE TABLE sign_up_requests (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL CHECK (email = lower(email)),
    name          TEXT    NOT NULL,
    practice_name TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    confirmed_at  INTEGER
);
CREATE INDEX sign_up_requests_expiry ON sign_up_requests (expires_at);
ALTER TABLE email_outbox ADD COLUMN sign_up_request_id INTEGER REFERENCES sign_up_requests (id) ON DELETE SET NULL;
