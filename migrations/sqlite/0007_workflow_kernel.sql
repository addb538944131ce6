-- The workflow kernel: every workflow's events carry actor, time, from-state, to-state,
-- reason and the typed event; who the rules exclude from a record is kept where queues
-- and lists can read it; audit events name the nodes whose business they are (for node
-- systems' exports). Keep postgres/0007 in step.

-- Application events gain the columns every workflow's log has.
ALTER TABLE application_events ADD COLUMN from_state TEXT;
ALTER TABLE application_events ADD COLUMN to_state TEXT;
ALTER TABLE application_events ADD COLUMN reason TEXT;

-- Proposal events gain the typed event; rows written before keep only kind and reason
-- (the upgrade appends one `migrated` event per proposal that carries its state then).
ALTER TABLE proposal_events ADD COLUMN payload TEXT;

-- Who a workflow's rules exclude from a record: its team or its company, and those who
-- declared a conflict. Written from the kernel's answer with every command.
CREATE TABLE exclusions (
    subject_kind TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (subject_kind, subject_id, person_id)
);
CREATE INDEX exclusions_person ON exclusions(person_id, subject_kind);

-- The nodes an audit event concerns (an application's nodes, a node's own changes).
CREATE TABLE event_nodes (
    event_id INTEGER NOT NULL REFERENCES events(id),
    node_id  INTEGER NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (event_id, node_id)
);
CREATE INDEX event_nodes_node ON event_nodes(node_id, event_id);

-- Earlier audit events about applications and nodes, attributed the same way.
INSERT INTO event_nodes (event_id, node_id)
SELECT DISTINCT e.id, ap.node_id FROM events e JOIN application_parts ap
    ON e.subject_kind = 'application' AND CAST(ap.application_id AS TEXT) = e.subject_id;
INSERT INTO event_nodes (event_id, node_id)
SELECT DISTINCT e.id, n.id FROM events e JOIN nodes n
    ON e.subject_kind IN ('node', 'harvest') AND n.slug = e.subject_id;

-- Earlier exclusions: teams and declared conflicts of applications, representatives and
-- declared conflicts of proposals.
INSERT INTO exclusions (subject_kind, subject_id, person_id)
SELECT 'application', application_id, person_id FROM application_team
UNION SELECT 'application', application_id, person_id FROM application_reviewers WHERE conflicted = 1;
INSERT INTO exclusions (subject_kind, subject_id, person_id)
SELECT 'proposal', p.id, m.person_id FROM proposals p JOIN memberships m ON m.organisation_id = p.company_id
UNION SELECT 'proposal', p.id, k.person_id FROM proposals p JOIN company_conflicts k ON k.company_id = p.company_id;

-- Each submitted version of a proposal: what administrators, the board and reviewers read
-- (the company's draft changes as it is typed). Append-only.
CREATE TABLE proposal_versions (
    proposal_id  INTEGER NOT NULL REFERENCES proposals(id),
    version      INTEGER NOT NULL,
    stage        TEXT NOT NULL,
    form         TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, version)
);
CREATE TRIGGER proposal_versions_no_update BEFORE UPDATE ON proposal_versions
BEGIN SELECT RAISE(ABORT, 'proposal versions are append-only'); END;
CREATE TRIGGER proposal_versions_no_delete BEFORE DELETE ON proposal_versions
BEGIN SELECT RAISE(ABORT, 'proposal versions are append-only'); END;

-- An invitation to represent a company: accepted by whoever opens the mailed link, signed in.
CREATE TABLE company_invitations (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES organisations(id),
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_by INTEGER REFERENCES people(id),
    accepted_at TEXT
);
CREATE INDEX company_invitations_company ON company_invitations(company_id);
