-- Identity and audit: OIDC sign-in attempts, claim-to-role rules, API tokens, organisation
-- scopes on roles, and the hash chain that makes the events table tamper-evident.
-- Keep postgres/0002 in step.

-- The audit trail is the events table. Each row carries the hash of the row before it
-- (prev_hash) and its own (row_hash); a unique prev_hash means the chain cannot fork.
ALTER TABLE events ADD COLUMN summary TEXT;
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN row_hash TEXT;
CREATE UNIQUE INDEX events_chain ON events(prev_hash);
CREATE INDEX events_actor ON events(actor_id);
CREATE INDEX events_action ON events(action);

-- Append-only: a row may be sealed once (its hashes set), never changed or removed after.
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
WHEN OLD.row_hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Which provider a session came from, so sign-out can end the provider's session too.
ALTER TABLE sessions ADD COLUMN provider_id TEXT;
ALTER TABLE sessions ADD COLUMN id_token TEXT;

-- A sign-in in flight: created when the browser is sent to the provider, consumed (deleted)
-- by the callback. Only hashes of the state and of the browser-binding cookie are kept.
CREATE TABLE oidc_sign_ins (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX oidc_sign_ins_expiry ON oidc_sign_ins(expires_at);

-- "A person whose ID token has claim C containing value V gets role R (with scope)".
CREATE TABLE claim_role_rules (
    id              INTEGER PRIMARY KEY,
    provider_id     TEXT,
    claim           TEXT NOT NULL,
    value           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('company_representative', 'reviewer', 'access_committee_member', 'node_coordinator', 'steering_board_member', 'administrator')),
    scope_node_id   INTEGER REFERENCES nodes(id),
    scope_cohort_id INTEGER REFERENCES cohorts(id),
    created_by      INTEGER REFERENCES people(id),
    created_at      TEXT NOT NULL,
    removed_at      TEXT
);

ALTER TABLE role_assignments ADD COLUMN source_rule_id INTEGER REFERENCES claim_role_rules(id);
ALTER TABLE role_assignments ADD COLUMN revoked_by INTEGER REFERENCES people(id);
ALTER TABLE role_assignments ADD COLUMN revoke_reason TEXT;
-- One live grant per person, role and scope, even when two requests race.
CREATE UNIQUE INDEX role_assignments_live ON role_assignments
    (person_id, role, COALESCE(scope_node_id, 0), COALESCE(scope_cohort_id, 0)) WHERE revoked_at IS NULL;

-- Bearer tokens for node systems. Only the hash is kept; the prefix identifies a token in lists.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    node_id      INTEGER REFERENCES nodes(id),
    created_by   INTEGER NOT NULL REFERENCES people(id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    revoked_by   INTEGER REFERENCES people(id)
);
