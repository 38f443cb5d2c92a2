-- The whole product's schema. Invariants live here as constraints, not only in code:
-- one role per (staff member, client), no assignment across practices, one main user,
-- one pending invitation per email, append-only audit log.
-- Times are Unix seconds (INTEGER); flags are INTEGER 0/1 so the same SQL reads both backends.

-- The partner account: an accountancy practice.
CREATE TABLE practices (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
    created_at  INTEGER NOT NULL
);

-- One global login; a user can belong to several businesses.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name           TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
    password_hash  TEXT,                       -- NULL until the user sets a password
    created_at     INTEGER NOT NULL
);

-- Roles belong to a practice and are reused on each of its clients. The predefined ones
-- (admin, employee, user) are created with the practice so every foreign key below can
-- demand that a role and what it is granted on belong to the same practice.
CREATE TABLE roles (
    id           INTEGER PRIMARY KEY,
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('admin', 'employee', 'user', 'custom')),
    name         TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 60),
    name_key     TEXT    NOT NULL,             -- lower-cased name: names are unique ignoring case
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (practice_id, id),
    UNIQUE (practice_id, name_key)
);
CREATE UNIQUE INDEX roles_one_of_each_predefined_kind ON roles (practice_id, kind) WHERE kind <> 'custom';

-- Permissions of custom roles (predefined roles' permissions are defined in code).
CREATE TABLE role_permissions (
    practice_id  INTEGER NOT NULL,
    role_id      INTEGER NOT NULL,
    permission   TEXT    NOT NULL,
    PRIMARY KEY (role_id, permission),
    FOREIGN KEY (practice_id, role_id) REFERENCES roles (practice_id, id) ON DELETE CASCADE
);

-- Staff of a practice (users of the partner account) and their role there.
CREATE TABLE practice_members (
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('active', 'deactivated')),
    is_main      INTEGER NOT NULL DEFAULT 0 CHECK (is_main IN (0, 1)),
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (practice_id, user_id),
    FOREIGN KEY (practice_id, role_id) REFERENCES roles (practice_id, id)
);
CREATE UNIQUE INDEX practice_members_one_main_user ON practice_members (practice_id) WHERE is_main = 1;
CREATE INDEX practice_members_user ON practice_members (user_id);

-- Client accounts: the businesses whose books the practice keeps.
CREATE TABLE clients (
    id           INTEGER PRIMARY KEY,
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
    plan         TEXT    NOT NULL CHECK (plan IN ('practice_edition', 'small', 'medium', 'large')),
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (practice_id, id)
);
CREATE INDEX clients_practice_name ON clients (practice_id, name);

-- A staff member's role on one client, granted through the Partner module matrix.
-- The primary key allows one role per (staff member, client); the composite foreign keys
-- make the member, the client and the role all belong to the same practice.
CREATE TABLE client_assignments (
    practice_id  INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    client_id    INTEGER NOT NULL,
    role_id      INTEGER NOT NULL,
    granted_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    granted_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id),
    FOREIGN KEY (practice_id, user_id) REFERENCES practice_members (practice_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, client_id) REFERENCES clients (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, role_id) REFERENCES roles (practice_id, id)
);
CREATE INDEX client_assignments_client ON client_assignments (client_id);
CREATE INDEX client_assignments_practice_user ON client_assignments (practice_id, user_id);

-- A client's own users (clients on Small, Medium and Large manage these themselves).
CREATE TABLE client_users (
    practice_id  INTEGER NOT NULL,
    client_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('active', 'deactivated')),
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (client_id, user_id),
    FOREIGN KEY (practice_id, client_id) REFERENCES clients (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, role_id) REFERENCES roles (practice_id, id)
);

-- Invitations into a practice. Only a hash of the single-use token is stored.
CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    email        TEXT    NOT NULL CHECK (email = lower(email)),
    name         TEXT    NOT NULL,
    role_id      INTEGER NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
    invited_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    accepted_at  INTEGER,
    FOREIGN KEY (practice_id, role_id) REFERENCES roles (practice_id, id)
);
CREATE UNIQUE INDEX invitations_one_pending_per_email ON invitations (practice_id, email) WHERE status = 'pending';

-- Server-side sessions, so any app server can serve any request. The cookie carries a
-- random token; only its hash is stored.
CREATE TABLE sessions (
    token_hash          TEXT    PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    current_practice_id INTEGER REFERENCES practices (id) ON DELETE SET NULL,
    current_client_id   INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-in counters per account and per address, shared by all app servers.
CREATE TABLE login_throttle (
    throttle_key     TEXT    PRIMARY KEY,   -- 'email:<address>' or 'ip:<address>'
    failures         INTEGER NOT NULL,
    window_started   INTEGER NOT NULL,
    locked_until     INTEGER
);

-- Outgoing email, sent by a worker with retries so an SMTP outage loses nothing.
CREATE TABLE email_outbox (
    id               INTEGER PRIMARY KEY,
    practice_id      INTEGER REFERENCES practices (id) ON DELETE SET NULL,
    to_address       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body_text        TEXT    NOT NULL,
    body_html        TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'kept', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER,               -- a worker's lease, so two servers never send twice
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);

-- Append-only audit trail: who did what, when, to what, before -> after.
CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY,
    practice_id     INTEGER,                -- no foreign key: the trail outlives what it describes
    actor_user_id   INTEGER,
    action          TEXT    NOT NULL,
    target_type     TEXT,
    target_id       INTEGER,
    target_label    TEXT,
    before_json     TEXT,
    after_json      TEXT,
    affected_count  INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX audit_events_practice ON audit_events (practice_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
