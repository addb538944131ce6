-- Forms refused without JavaScript: the post is kept a few minutes so the page can be
-- shown again with the message at its field and what was typed (server/src/form_refusals.rs).
-- Keep sqlite/0009 and postgres/0009 in step.
CREATE TABLE refused_forms (
    token        TEXT PRIMARY KEY,
    -- The session that posted it (a keyed hash, as sessions are kept); NULL when signed out.
    session_hash TEXT,
    path         TEXT NOT NULL,
    error        TEXT NOT NULL,
    fields       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX refused_forms_created ON refused_forms(created_at);
