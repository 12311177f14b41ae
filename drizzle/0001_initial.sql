-- 0001_initial: Cambrian's first schema. Append-only: never edit this file after it ships; add
-- 0002_*.sql instead (a breaking change says so in its first line).

CREATE TABLE runs (
  id text PRIMARY KEY,
  state text NOT NULL,
  goal text NOT NULL,
  base_commit text NOT NULL,
  base_tree text NOT NULL,
  config jsonb NOT NULL,
  config_hash text NOT NULL,
  seed bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  stop_reason text,
  evaluations integer NOT NULL,
  individuals integer NOT NULL,
  best_individual_id text,
  best_fitness double precision,
  seed_fitness double precision,
  usd_spent double precision NOT NULL,
  tokens_spent bigint NOT NULL,
  loop_state jsonb NOT NULL
);
CREATE INDEX runs_state_created_idx ON runs (state, created_at);

CREATE TABLE individuals (
  id text PRIMARY KEY,
  run_id text NOT NULL,
  seq integer NOT NULL,
  "commit" text NOT NULL,
  tree text NOT NULL,
  parent_id text,
  also_parent_id text,
  generation integer NOT NULL,
  island integer NOT NULL,
  operator text NOT NULL,
  job_id text,
  status text NOT NULL,
  outcome text,
  fitness double precision,
  metrics jsonb NOT NULL,
  meta jsonb NOT NULL,
  embedding double precision[],
  descriptor double precision[],
  cell text,
  description text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX individuals_run_seq_idx ON individuals (run_id, seq);
CREATE INDEX individuals_run_tree_idx ON individuals (run_id, tree);

CREATE TABLE evaluations (
  id text PRIMARY KEY,
  run_id text NOT NULL,
  individual_id text NOT NULL,
  seq integer NOT NULL,
  tree text NOT NULL,
  evaluator_hash text NOT NULL,
  outcome text NOT NULL,
  reason text,
  metrics jsonb NOT NULL,
  stdevs jsonb,
  stages jsonb NOT NULL,
  duration_ms double precision NOT NULL,
  cpu_seconds double precision NOT NULL,
  cached boolean NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX evaluations_tree_hash_idx ON evaluations (tree, evaluator_hash, created_at);
CREATE INDEX evaluations_run_seq_idx ON evaluations (run_id, seq);
CREATE INDEX evaluations_individual_idx ON evaluations (individual_id);

CREATE TABLE jobs (
  id text PRIMARY KEY,
  run_id text NOT NULL,
  seq integer NOT NULL,
  status text NOT NULL,
  operator text NOT NULL,
  island integer NOT NULL,
  parent_id text NOT NULL,
  inspiration_ids text[] NOT NULL,
  seed bigint NOT NULL,
  attempts integer NOT NULL,
  individual_id text,
  error text,
  wall_ms double precision NOT NULL,
  cpu_seconds double precision NOT NULL,
  tokens_in bigint NOT NULL,
  tokens_out bigint NOT NULL,
  usd double precision NOT NULL,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_run_status_seq_idx ON jobs (run_id, status, seq);

CREATE TABLE elites (
  run_id text NOT NULL,
  island integer NOT NULL,
  cell text NOT NULL,
  individual_id text NOT NULL,
  fitness double precision NOT NULL,
  descriptor double precision[] NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT elites_pkey PRIMARY KEY (run_id, island, cell)
);

CREATE TABLE ledger_events (
  id bigserial PRIMARY KEY,
  run_id text,
  type text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  data jsonb NOT NULL
);
CREATE INDEX ledger_events_run_id_idx ON ledger_events (run_id, id);

CREATE TABLE llm_calls (
  id text PRIMARY KEY,
  run_id text,
  job_id text,
  model text NOT NULL,
  provider text NOT NULL,
  tokens_in bigint NOT NULL,
  tokens_out bigint NOT NULL,
  usd double precision NOT NULL,
  latency_ms double precision NOT NULL,
  outcome text NOT NULL,
  error text,
  created_at timestamptz NOT NULL
);
CREATE INDEX llm_calls_run_created_idx ON llm_calls (run_id, created_at);
