-- Run ownership (docs/adr/0017-run-ownership.md).
-- Which repository a run belongs to: HEAD's root commits and the normalised origin URL. Null on runs
-- created before this migration; those stay visible to every repository that opens the store.
ALTER TABLE runs ADD COLUMN repo_roots text[];
ALTER TABLE runs ADD COLUMN repo_origin text;
-- The lease of the scheduler driving the run: one at a time, renewed by its heartbeat, taken over
-- once expired (times are the database's clock, so hosts with skewed clocks agree).
ALTER TABLE runs ADD COLUMN lease_token text;
ALTER TABLE runs ADD COLUMN lease_host text;
ALTER TABLE runs ADD COLUMN lease_pid integer;
ALTER TABLE runs ADD COLUMN lease_since timestamptz;
ALTER TABLE runs ADD COLUMN lease_expires_at timestamptz;
-- Run ordinals (the n of `r<n>`) come from a sequence: concurrent creators never get the same one.
-- It starts after the highest ordinal already used.
CREATE SEQUENCE run_ordinal_seq;
SELECT setval('run_ordinal_seq', COALESCE((SELECT max(substring(id FROM 2)::bigint) FROM runs WHERE id ~ '^r[0-9]{1,15}$'), 0) + 1, false);
