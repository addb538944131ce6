-- Hardening: marks that say what a database is, and when an entitlement was granted.
-- Keep sqlite/0008 and postgres/0008 in step.

-- Facts about the database itself. `demo_database` is written by `portal seed-demo`: demo
-- sign-in (anyone may be anyone) works only on a database marked so, never on one that
-- holds real people.
CREATE TABLE portal_marks (
    mark       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- A database seeded before the mark existed: only demo people in it.
INSERT INTO portal_marks (mark, value, created_at)
SELECT 'demo_database', 'seeded before marks', created_at FROM people
WHERE is_demo = 1 AND NOT EXISTS (SELECT 1 FROM people WHERE is_demo = 0)
ORDER BY id LIMIT 1;

-- When the committee's decision granted the entitlement (a visa asserts this time).
ALTER TABLE entitlements ADD COLUMN granted_at TEXT;
UPDATE entitlements SET granted_at = (
    SELECT MAX(ev.occurred_at) FROM application_events ev
    WHERE ev.application_id = entitlements.application_id AND ev.kind = 'access_activated'
);

-- The proposal a mail is about, as application_id says for applications: whoever is
-- excluded from the proposal does not read its mail in the demo outbox.
ALTER TABLE notifications ADD COLUMN proposal_id INTEGER REFERENCES proposals(id);
