-- Cohort access applications: an append-only event log per application (the record) and
-- projections of it for lists and queues. Keep postgres/0004 in step.

CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES people(id),
    title         TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0,
    -- The form as last saved (a draft saves even when invalid).
    form          TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX applications_applicant ON applications(applicant_id);

-- Each event once, in order: (application, seq) is unique, so two writers racing on the
-- same application cannot both append the next event.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    seq            INTEGER NOT NULL,
    occurred_at    TEXT NOT NULL,
    actor_id       INTEGER REFERENCES people(id),
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    UNIQUE (application_id, seq)
);
CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
BEGIN SELECT RAISE(ABORT, 'application events are append-only'); END;
CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
BEGIN SELECT RAISE(ABORT, 'application events are append-only'); END;

-- One row per requested cohort: what each node's queue lists.
CREATE TABLE application_parts (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    cohort_id      INTEGER NOT NULL REFERENCES cohorts(id),
    node_id        INTEGER NOT NULL REFERENCES nodes(id),
    state          TEXT NOT NULL,
    handler_id     INTEGER REFERENCES people(id),
    deadline       TEXT,
    paused         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (application_id, cohort_id)
);
-- In queue order: running clocks first, nearest deadline first.
CREATE INDEX application_parts_queue ON application_parts(node_id, paused, deadline);

-- The applicant and the members: who sees the application.
CREATE TABLE application_team (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (application_id, person_id)
);
CREATE INDEX application_team_person ON application_team(person_id);

-- Access granted: one per member per approved cohort. Node systems check these.
CREATE TABLE entitlements (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    cohort_id      INTEGER NOT NULL REFERENCES cohorts(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    ended_at       TEXT,
    end_reason     TEXT CHECK (end_reason IN ('expired', 'revoked')),
    UNIQUE (application_id, cohort_id, person_id)
);
CREATE INDEX entitlements_person ON entitlements(person_id, cohort_id);

-- Keys that sign GA4GH visas. A rotated key stays published until `last_exp`, the expiry
-- of the last visa it signed.
CREATE TABLE visa_signing_keys (
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    n           TEXT NOT NULL,
    e           TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    last_exp    TEXT
);
