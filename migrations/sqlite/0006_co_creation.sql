-- Co-creation: company profiles, calls with their criteria, proposals with an append-only
-- event log, conflicts of interest, review assignments, reviews with their history, and
-- the agreements selected proposals start. Keep postgres/0006 in step.

-- A company is an organisation of kind 'company'; its representatives are its members.
CREATE TABLE company_profiles (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    org_number      TEXT NOT NULL UNIQUE,
    size            TEXT NOT NULL CHECK (size IN ('micro', 'small', 'medium', 'large')),
    contact_name    TEXT NOT NULL,
    contact_email   TEXT NOT NULL,
    contact_phone   TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE calls (
    id                     INTEGER PRIMARY KEY,
    slug                   TEXT NOT NULL UNIQUE,
    title_sv               TEXT NOT NULL,
    title_en               TEXT NOT NULL,
    body_sv                TEXT NOT NULL,
    body_en                TEXT NOT NULL,
    opens_at               TEXT NOT NULL,
    closes_at              TEXT NOT NULL,
    trl_min                INTEGER NOT NULL CHECK (trl_min BETWEEN 1 AND 9),
    trl_max                INTEGER NOT NULL CHECK (trl_max BETWEEN 1 AND 9),
    disease_areas          TEXT NOT NULL DEFAULT '',
    expression_of_interest INTEGER NOT NULL DEFAULT 0,
    -- Half points (6 = 3.0) on the weighted mean.
    overall_threshold      INTEGER NOT NULL DEFAULT 6 CHECK (overall_threshold BETWEEN 0 AND 10),
    reviewers_per_proposal INTEGER NOT NULL DEFAULT 3 CHECK (reviewers_per_proposal BETWEEN 1 AND 9),
    published              INTEGER NOT NULL DEFAULT 0,
    decisions_released_at  TEXT,
    created_by             INTEGER REFERENCES people(id),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    CHECK (trl_min <= trl_max),
    CHECK (opens_at < closes_at)
);

CREATE TABLE call_criteria (
    call_id        INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    code           TEXT NOT NULL,
    name_sv        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_sv TEXT NOT NULL,
    description_en TEXT NOT NULL,
    threshold      INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 10),
    weight         INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    PRIMARY KEY (call_id, code)
);

CREATE TABLE proposals (
    id                 INTEGER PRIMARY KEY,
    call_id            INTEGER NOT NULL REFERENCES calls(id),
    company_id         INTEGER NOT NULL REFERENCES organisations(id),
    created_by         INTEGER NOT NULL REFERENCES people(id),
    state              TEXT NOT NULL,
    stage              TEXT NOT NULL CHECK (stage IN ('expression_of_interest', 'full')),
    title              TEXT NOT NULL DEFAULT '',
    form               TEXT NOT NULL DEFAULT '{}',
    submitted_at       TEXT,
    ineligible_reason  TEXT,
    decision           TEXT CHECK (decision IN ('selected', 'reserve', 'not_selected')),
    decision_rationale TEXT,
    consensus_summary  TEXT,
    released_at        TEXT,
    agreement_started  INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX proposals_call ON proposals(call_id, state);
CREATE INDEX proposals_company ON proposals(company_id);

CREATE TABLE proposal_events (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    seq         INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    actor_id    INTEGER REFERENCES people(id),
    kind        TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    reason      TEXT,
    UNIQUE (proposal_id, seq)
);
CREATE TRIGGER proposal_events_no_update BEFORE UPDATE ON proposal_events
BEGIN SELECT RAISE(ABORT, 'proposal events are append-only'); END;
CREATE TRIGGER proposal_events_no_delete BEFORE DELETE ON proposal_events
BEGIN SELECT RAISE(ABORT, 'proposal events are append-only'); END;

CREATE TABLE proposal_attachments (
    id           INTEGER PRIMARY KEY,
    proposal_id  INTEGER NOT NULL REFERENCES proposals(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('clinical_letter')),
    filename     TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    uploaded_by  INTEGER NOT NULL REFERENCES people(id),
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX proposal_attachments_proposal ON proposal_attachments(proposal_id);

-- A declared conflict of interest with a company hides its proposals from the person.
CREATE TABLE company_conflicts (
    person_id   INTEGER NOT NULL REFERENCES people(id),
    company_id  INTEGER NOT NULL REFERENCES organisations(id),
    kind        TEXT NOT NULL CHECK (kind IN ('employment', 'financial', 'collaboration', 'personal')),
    declared_at TEXT NOT NULL,
    PRIMARY KEY (person_id, company_id)
);
CREATE INDEX company_conflicts_company ON company_conflicts(company_id);

CREATE TABLE review_assignments (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    reviewer_id INTEGER NOT NULL REFERENCES people(id),
    source      TEXT NOT NULL CHECK (source IN ('manual', 'suggested')),
    assigned_by INTEGER REFERENCES people(id),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, reviewer_id)
);
CREATE INDEX review_assignments_reviewer ON review_assignments(reviewer_id);

-- A review as it stands (draft or submitted); `revision` counts submissions.
CREATE TABLE reviews (
    proposal_id  INTEGER NOT NULL REFERENCES proposals(id),
    reviewer_id  INTEGER NOT NULL REFERENCES people(id),
    assessed_trl INTEGER CHECK (assessed_trl BETWEEN 1 AND 9),
    confidence   TEXT CHECK (confidence IN ('low', 'medium', 'high')),
    submitted_at TEXT,
    revision     INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (proposal_id, reviewer_id)
);

-- Half points (0–10) and the required comment, per criterion.
CREATE TABLE review_scores (
    proposal_id INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL,
    criterion   TEXT NOT NULL,
    score       INTEGER CHECK (score BETWEEN 0 AND 10),
    comment     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, reviewer_id, criterion),
    FOREIGN KEY (proposal_id, reviewer_id) REFERENCES reviews(proposal_id, reviewer_id)
);

-- Every submitted revision of a review, with the justification of a change.
CREATE TABLE review_revisions (
    id            INTEGER PRIMARY KEY,
    proposal_id   INTEGER NOT NULL,
    reviewer_id   INTEGER NOT NULL,
    revision      INTEGER NOT NULL,
    snapshot      TEXT NOT NULL,
    justification TEXT,
    submitted_at  TEXT NOT NULL,
    UNIQUE (proposal_id, reviewer_id, revision)
);
CREATE TRIGGER review_revisions_no_update BEFORE UPDATE ON review_revisions
BEGIN SELECT RAISE(ABORT, 'review revisions are append-only'); END;
CREATE TRIGGER review_revisions_no_delete BEFORE DELETE ON review_revisions
BEGIN SELECT RAISE(ABORT, 'review revisions are append-only'); END;

-- Started from a selected proposal; the agreements work builds on it.
CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL UNIQUE REFERENCES proposals(id),
    state       TEXT NOT NULL DEFAULT 'drafting',
    started_by  INTEGER NOT NULL REFERENCES people(id),
    started_at  TEXT NOT NULL
);
