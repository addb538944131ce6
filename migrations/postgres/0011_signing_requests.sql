-- A signature asked for rides on a sign-in in flight: the person is sent to their identity
-- provider to sign in again (prompt=login, max_age=0), and the callback signs only with an
-- ID token whose auth_time is after the request (the kernel's rule). `signing` holds the
-- request as JSON (agreement, capacity, person, version, hash, time); NULL for a sign-in.
ALTER TABLE oidc_sign_ins ADD COLUMN signing TEXT;
