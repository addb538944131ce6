-- A person's gender as they declare it in their profile: optional (NULL is no answer),
-- with "prefer not to say". The dashboard counts it only in aggregates; the audit trail
-- records that the declaration changed, never its value. Keep sqlite/ and postgres/ in step.
ALTER TABLE people ADD COLUMN gender TEXT CHECK (gender IN ('woman', 'man', 'another', 'prefer_not_to_say'));
