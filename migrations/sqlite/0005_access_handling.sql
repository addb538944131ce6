-- Handling access applications: which node decides each cohort, each node's rules, the
-- basket, team invitations, submitted versions, reviewers, attachments and the mail
-- outbox. Keep postgres/0005 in step.

-- A queue page is read in index order to its end: the last tie-breaker belongs in the index
-- too, or every part of the node is sorted before the first 500 are taken.
DROP INDEX application_parts_queue;
CREATE INDEX application_parts_queue ON application_parts(node_id, paused, deadline, application_id);

-- The node whose access committee decides on a cohort (NULL: the harvesting node, else
-- the first node that holds it).
ALTER TABLE cohorts ADD COLUMN deciding_node_id INTEGER REFERENCES nodes(id);

-- A node's rules for deciding (missing row: the regulation's defaults).
CREATE TABLE node_access_rules (
    node_id            INTEGER PRIMARY KEY REFERENCES nodes(id),
    decision_months    INTEGER NOT NULL CHECK (decision_months BETWEEN 1 AND 12),
    extension_months   INTEGER NOT NULL CHECK (extension_months BETWEEN 0 AND 12),
    quorum             INTEGER NOT NULL CHECK (quorum BETWEEN 1 AND 50),
    majority           TEXT NOT NULL CHECK (majority IN ('simple', 'two_thirds')),
    chair_decides_ties INTEGER NOT NULL DEFAULT 1,
    chair_person_id    INTEGER REFERENCES people(id),
    updated_at         TEXT NOT NULL
);

-- Cohorts a researcher has picked in the catalogue, before starting an application.
CREATE TABLE basket_items (
    person_id INTEGER NOT NULL REFERENCES people(id),
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, cohort_id)
);

-- An e-mailed invitation to join an application's team; only the token's hash is kept.
CREATE TABLE application_invitations (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    email          TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    accepted_by    INTEGER REFERENCES people(id),
    accepted_at    TEXT
);
CREATE INDEX application_invitations_application ON application_invitations(application_id);

-- The form as it was submitted, one row per version: what committees compare.
CREATE TABLE application_versions (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    version        INTEGER NOT NULL,
    form           TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    PRIMARY KEY (application_id, version)
);
CREATE TRIGGER application_versions_no_update BEFORE UPDATE ON application_versions
BEGIN SELECT RAISE(ABORT, 'submitted versions are kept as they were'); END;
CREATE TRIGGER application_versions_no_delete BEFORE DELETE ON application_versions
BEGIN SELECT RAISE(ABORT, 'submitted versions are kept as they were'); END;

-- Reviewers a node's committee asked for advice, and what they declared.
CREATE TABLE application_reviewers (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    node_id        INTEGER NOT NULL REFERENCES nodes(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    -- NULL until declared; 1 when the reviewer has a conflict of interest.
    conflicted     INTEGER,
    advised        INTEGER NOT NULL DEFAULT 0,
    invited_at     TEXT NOT NULL,
    PRIMARY KEY (application_id, node_id, person_id)
);
CREATE INDEX application_reviewers_person ON application_reviewers(person_id);

-- Files that belong to an application (the ethics decision): stored outside the web root
-- by the storage interface under `storage_key`; checked to be PDF by their content.
CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    purpose        TEXT NOT NULL CHECK (purpose IN ('ethics_decision')),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    storage_key    TEXT NOT NULL UNIQUE,
    uploaded_by    INTEGER NOT NULL REFERENCES people(id),
    uploaded_at    TEXT NOT NULL
);
CREATE INDEX attachments_application ON attachments(application_id);

-- Mail waiting to go, and what went: written in the same transaction as the change it
-- tells about, sent (and retried) by the mail job. `dedupe_key` keeps reminders to once.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient_id    INTEGER REFERENCES people(id),
    recipient_email TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    application_id  INTEGER REFERENCES applications(id),
    dedupe_key      TEXT UNIQUE,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TEXT,
    -- 'outbox' when no mail server is configured (demo): shown on the outbox page instead.
    delivery        TEXT NOT NULL DEFAULT 'pending' CHECK (delivery IN ('pending', 'sent', 'outbox', 'failed'))
);
CREATE INDEX notifications_due ON notifications(delivery, next_attempt_at);
CREATE INDEX notifications_recipient ON notifications(recipient_id, id);
