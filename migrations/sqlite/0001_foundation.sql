-- Foundation: nodes, organisations, cohorts, people, roles, sessions, events, job leases.
-- Times are RFC 3339 UTC text (see app/src/db.rs). Keep postgres/0001 in step.

CREATE TABLE nodes (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name_sv         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    city            TEXT NOT NULL,
    description_sv  TEXT NOT NULL,
    description_en  TEXT NOT NULL,
    contact_email   TEXT,
    catalogue_site_url TEXT,
    catalogue_url   TEXT,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE node_services (
    node_id  INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    service  TEXT NOT NULL,
    PRIMARY KEY (node_id, service)
);

CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('university', 'hospital', 'region', 'company', 'agency')),
    company_kind TEXT CHECK (company_kind IN ('spin_out', 'sme', 'pharma', 'infrastructure_provider')),
    node_id      INTEGER REFERENCES nodes(id),
    city         TEXT,
    website      TEXT,
    illustrative INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    CHECK ((kind = 'company') = (company_kind IS NOT NULL))
);
CREATE INDEX organisations_node ON organisations(node_id);

CREATE TABLE cohorts (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    acronym             TEXT NOT NULL,
    title_sv            TEXT NOT NULL,
    title_en            TEXT NOT NULL,
    description_sv      TEXT NOT NULL,
    description_en      TEXT NOT NULL,
    population_sv       TEXT NOT NULL,
    population_en       TEXT NOT NULL,
    participants        INTEGER NOT NULL CHECK (participants >= 0),
    age_min             INTEGER,
    age_max             INTEGER,
    access_conditions_sv TEXT NOT NULL,
    access_conditions_en TEXT NOT NULL,
    catalogue_entry_url TEXT,
    origin              TEXT NOT NULL CHECK (origin IN ('entered', 'harvested')),
    illustrative        INTEGER NOT NULL DEFAULT 0,
    last_modified       TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE cohort_nodes (
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    node_id   INTEGER NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (cohort_id, node_id)
);
CREATE INDEX cohort_nodes_node ON cohort_nodes(node_id);

-- Controlled vocabulary values per cohort: data_type, sample_type, disease_area, keyword.
CREATE TABLE cohort_facets (
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    facet     TEXT NOT NULL CHECK (facet IN ('data_type', 'sample_type', 'disease_area', 'keyword')),
    value     TEXT NOT NULL,
    PRIMARY KEY (cohort_id, facet, value)
);
CREATE INDEX cohort_facets_value ON cohort_facets(facet, value);

-- GA4GH Data Use Ontology codes on a cohort (e.g. HMB, DS with a disease term, NPU, IRB).
CREATE TABLE cohort_consent_codes (
    cohort_id    INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    disease_term TEXT,
    PRIMARY KEY (cohort_id, code)
);

CREATE TABLE people (
    id                INTEGER PRIMARY KEY,
    issuer            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    email             TEXT,
    home_organisation TEXT,
    preferred_lang    TEXT CHECK (preferred_lang IN ('sv', 'en')),
    is_demo           INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE TABLE memberships (
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (person_id, organisation_id)
);

CREATE TABLE role_assignments (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('company_representative', 'reviewer', 'access_committee_member', 'node_coordinator', 'steering_board_member', 'administrator')),
    scope_node_id   INTEGER REFERENCES nodes(id),
    scope_cohort_id INTEGER REFERENCES cohorts(id),
    granted_by      INTEGER REFERENCES people(id),
    granted_at      TEXT NOT NULL,
    revoked_at      TEXT
);
CREATE INDEX role_assignments_person ON role_assignments(person_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Every state change: who, when, what, from which state to which, and why.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    occurred_at  TEXT NOT NULL,
    actor_id     INTEGER REFERENCES people(id),
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT,
    reason       TEXT,
    request_id   TEXT
);
CREATE INDEX events_subject ON events(subject_kind, subject_id);

-- One row per background job; a replica runs a job only while it holds the lease.
CREATE TABLE job_leases (
    job              TEXT PRIMARY KEY,
    holder           TEXT NOT NULL,
    leased_until     TEXT NOT NULL,
    last_started_at  TEXT,
    last_finished_at TEXT,
    last_outcome     TEXT
);
