-- The federated catalogue: node details, where each record came from, harvest runs and
-- full-text search. Keep postgres/0003 in step.

ALTER TABLE nodes ADD COLUMN contact_name TEXT;
-- The node's catalogue is one of the portal's own demo fixtures (the UI says so).
ALTER TABLE nodes ADD COLUMN catalogue_is_demo INTEGER NOT NULL DEFAULT 0;

ALTER TABLE cohorts ADD COLUMN access_committee TEXT;
ALTER TABLE cohorts ADD COLUMN access_rights TEXT NOT NULL DEFAULT 'restricted'
    CHECK (access_rights IN ('public', 'restricted', 'non_public'));
-- Harvested records: the node whose catalogue holds them and the dataset's IRI there.
ALTER TABLE cohorts ADD COLUMN source_node_id INTEGER REFERENCES nodes(id);
ALTER TABLE cohorts ADD COLUMN source_iri TEXT;
-- A digest of the mapped record, so a harvest can tell "unchanged" from "updated".
ALTER TABLE cohorts ADD COLUMN source_digest TEXT;
-- Set when the node's catalogue no longer lists the dataset. Records are never deleted:
-- applications and grants refer to them.
ALTER TABLE cohorts ADD COLUMN withdrawn_at TEXT;
-- What full-text search reads, written by the portal whenever a record changes.
ALTER TABLE cohorts ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE cohorts ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX cohorts_source ON cohorts(source_node_id, source_iri);
CREATE INDEX cohorts_participants ON cohorts(participants);
CREATE INDEX cohorts_modified ON cohorts(last_modified);
CREATE INDEX cohort_consent_codes_code ON cohort_consent_codes(code, cohort_id);

CREATE VIRTUAL TABLE cohort_search USING fts5(
    search_title, search_body,
    content = 'cohorts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER cohort_search_insert AFTER INSERT ON cohorts BEGIN
    INSERT INTO cohort_search(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
END;
CREATE TRIGGER cohort_search_delete AFTER DELETE ON cohorts BEGIN
    INSERT INTO cohort_search(cohort_search, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
END;
CREATE TRIGGER cohort_search_update AFTER UPDATE OF search_title, search_body ON cohorts BEGIN
    INSERT INTO cohort_search(cohort_search, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    INSERT INTO cohort_search(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
END;

CREATE TABLE harvest_runs (
    id            INTEGER PRIMARY KEY,
    node_id       INTEGER NOT NULL REFERENCES nodes(id),
    initiated_by  TEXT NOT NULL CHECK (initiated_by IN ('schedule', 'manual')),
    requested_by  INTEGER REFERENCES people(id),
    source_url    TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed')),
    pages         INTEGER NOT NULL DEFAULT 0,
    datasets_seen INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    withdrawn     INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    -- JSON array of per-dataset problems that did not fail the run (e.g. a missing title).
    warnings      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX harvest_runs_node ON harvest_runs(node_id, id);
-- One run per node at a time, whichever replica or person starts it.
CREATE UNIQUE INDEX harvest_runs_one_running ON harvest_runs(node_id) WHERE outcome = 'running';
