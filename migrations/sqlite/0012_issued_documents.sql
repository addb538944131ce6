-- Every PDF the portal has handed out of a signed agreement version, by the SHA-256 of its
-- bytes, so the public verification page recognises an unchanged copy and nothing else.
-- A later release may lay the PDF out differently; the copies handed out before still
-- verify, because each one's hash stays here. Keep sqlite/ and postgres/ in step.
CREATE TABLE issued_documents (
    sha256          TEXT PRIMARY KEY,
    agreement_id    INTEGER NOT NULL REFERENCES agreements(id),
    version         INTEGER NOT NULL,
    first_issued_at TEXT NOT NULL
);
