-- Fewer bytes written per job (docs/performance.md, "Statements per job").
-- The PCA projection (~15 KB of the loop state) changes only at a refit: it moves to its own column,
-- written at a refit, so the loop state rewritten with every ingest stays around 1 KB.
ALTER TABLE runs ADD COLUMN loop_projection jsonb;
UPDATE runs SET loop_projection = loop_state -> 'projection', loop_state = loop_state - 'projection';
-- The run's RNG state right after the scheduler drew the job: the schedule step checkpoints its RNG
-- here instead of rewriting the run's loop state; a resume takes the newest of the two.
ALTER TABLE jobs ADD COLUMN rng_state jsonb;
CREATE INDEX jobs_run_seq_idx ON jobs (run_id, seq);
