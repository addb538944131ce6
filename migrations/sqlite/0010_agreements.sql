-- Collaboration agreements (docs/agreements.md): the row is the command lock and the
-- lists' read model, the log holds the typed events, and small projections answer
-- "who takes part" for lists and mail. Keep postgres/0010 in step.

-- The agreements a selected proposal started become the first rows; outside a call an
-- agreement has no proposal, so the column loses NOT NULL (SQLite rebuilds the table).
CREATE TABLE agreements_rebuilt (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER UNIQUE REFERENCES proposals(id),
    state       TEXT NOT NULL DEFAULT 'draft',
    title       TEXT NOT NULL DEFAULT '',
    model_name  TEXT,
    started_by  INTEGER NOT NULL REFERENCES people(id),
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    -- The earliest open milestone or obligation of the version in force (lists sort by
    -- it, so overdue ones come first), and what it is.
    next_due    TEXT,
    next_due_what TEXT
);
INSERT INTO agreements_rebuilt (id, proposal_id, state, started_by, started_at, updated_at)
    SELECT id, proposal_id, 'draft', started_by, started_at, started_at FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_rebuilt RENAME TO agreements;
CREATE INDEX agreements_due ON agreements(next_due);

CREATE TABLE agreement_events (
    id           INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    seq          INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,
    actor_id     INTEGER REFERENCES people(id),
    kind         TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT,
    reason       TEXT,
    payload      TEXT,
    UNIQUE (agreement_id, seq)
);
CREATE TRIGGER agreement_events_no_update BEFORE UPDATE ON agreement_events
BEGIN SELECT RAISE(ABORT, 'agreement events are append-only'); END;
CREATE TRIGGER agreement_events_no_delete BEFORE DELETE ON agreement_events
BEGIN SELECT RAISE(ABORT, 'agreement events are append-only'); END;

-- Who takes part, as the latest version names them: the parties' organisations, the
-- people named to sign, and the nodes involved. Rewritten with every command.
CREATE TABLE agreement_parties (
    agreement_id    INTEGER NOT NULL REFERENCES agreements(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (agreement_id, organisation_id)
);
CREATE INDEX agreement_parties_organisation ON agreement_parties(organisation_id);
CREATE TABLE agreement_signers (
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (agreement_id, person_id)
);
CREATE TABLE agreement_nodes (
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    node_id      INTEGER NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (agreement_id, node_id)
);

-- Who holds each internal approval role (the legal office, finance, node leads).
CREATE TABLE agreement_approvers (
    role      TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (role, person_id)
);

-- Collaboration models, versioned: a change is a new version; agreements keep a copy of
-- the version they chose.
CREATE TABLE collaboration_models (
    model_id   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (model_id, version)
);

-- Every signed version's hash, for the public verification page.
CREATE TABLE signed_versions (
    hash         TEXT PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    version      INTEGER NOT NULL,
    in_force_at  TEXT NOT NULL
);
