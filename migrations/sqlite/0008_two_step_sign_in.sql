-- Two-step sign-in (TOTP, RFC 6238). The key is stored sealed with SECRET_KEY (see
-- platform/secret_box.rs), bound to its user; NULL: two-step sign-in is off.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- A key being set up: shown as a QR code until a code from it confirms it, for a few
-- minutes only (then a new one is made).
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_expires_at INTEGER;
-- The last time step whose code was accepted: a code works once.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- One-time recovery codes, for a lost phone. Only keyed hashes are stored (SECRET_KEY).
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- A practice can require two-step sign-in of all its staff.
ALTER TABLE practices ADD COLUMN require_two_step INTEGER NOT NULL DEFAULT 0 CHECK (require_two_step IN (0, 1));

-- A sign-in whose password was right and whose code is still to come: the browser holds
-- a short-lived cookie with the token; only its hash is here, with the account the
-- session will start in.
CREATE TABLE sign_in_challenges (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    practice_id  INTEGER REFERENCES practices (id) ON DELETE SET NULL,
    client_id    INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sign_in_challenges_user ON sign_in_challenges (user_id);
