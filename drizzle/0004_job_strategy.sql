-- The strategy the allocation bandit chose for a job (arm, model, temperature, context cell): a
-- reopened job is re-run with the same model and temperature, and observations name their arm.
ALTER TABLE jobs ADD COLUMN strategy jsonb;
