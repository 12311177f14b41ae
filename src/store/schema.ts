// The drizzle description of Cambrian's tables. The SQL that creates them lives in the numbered
// migrations under drizzle/ (append-only); test/store checks that both agree column by column.
import type { JobStrategy } from './port.ts';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Metrics } from '../core/types.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { StageRecord } from './port.ts';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Token counts and seeds can pass 2^31; 2^53 is plenty and keeps them JavaScript numbers. */
const bigNumber = (name: string) => bigint(name, { mode: 'number' });

export const migrations = pgTable('cambrian_migrations', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  checksum: text('checksum').notNull(),
  appliedAt: timestamptz('applied_at').notNull().defaultNow(),
});

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    state: text('state').notNull(),
    goal: text('goal').notNull(),
    baseCommit: text('base_commit').notNull(),
    baseTree: text('base_tree').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    configHash: text('config_hash').notNull(),
    seed: bigNumber('seed').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
    finishedAt: timestamptz('finished_at'),
    stopReason: text('stop_reason'),
    evaluations: integer('evaluations').notNull(),
    individuals: integer('individuals').notNull(),
    bestIndividualId: text('best_individual_id'),
    bestFitness: doublePrecision('best_fitness'),
    seedFitness: doublePrecision('seed_fitness'),
    usdSpent: doublePrecision('usd_spent').notNull(),
    tokensSpent: bigNumber('tokens_spent').notNull(),
    loopState: jsonb('loop_state').$type<Record<string, unknown>>().notNull(),
    /** The loop state's PCA projection, kept apart: it changes only at a refit (migration 0003). */
    loopProjection: jsonb('loop_projection').$type<unknown>(),
    /** The owning repository's root commits and normalised origin (null before migration 0005). */
    repoRoots: text('repo_roots').array(),
    repoOrigin: text('repo_origin'),
    /** The lease of the scheduler driving the run (migration 0005; see repos/run-lease.ts). */
    leaseToken: text('lease_token'),
    leaseHost: text('lease_host'),
    leasePid: integer('lease_pid'),
    leaseSince: timestamptz('lease_since'),
    leaseExpiresAt: timestamptz('lease_expires_at'),
  },
  (t) => [index('runs_state_created_idx').on(t.state, t.createdAt)],
);

export const individuals = pgTable(
  'individuals',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    seq: integer('seq').notNull(),
    commit: text('commit').notNull(),
    tree: text('tree').notNull(),
    parentId: text('parent_id'),
    alsoParentId: text('also_parent_id'),
    generation: integer('generation').notNull(),
    island: integer('island').notNull(),
    operator: text('operator').notNull(),
    jobId: text('job_id'),
    status: text('status').notNull(),
    outcome: text('outcome'),
    fitness: doublePrecision('fitness'),
    metrics: jsonb('metrics').$type<Metrics>().notNull(),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull(),
    embedding: doublePrecision('embedding').array(),
    descriptor: doublePrecision('descriptor').array(),
    cell: text('cell'),
    description: text('description').notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('individuals_run_seq_idx').on(t.runId, t.seq),
    index('individuals_run_tree_idx').on(t.runId, t.tree),
    index('individuals_parent_seq_idx').on(t.parentId, t.seq),
  ],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    individualId: text('individual_id').notNull(),
    seq: integer('seq').notNull(),
    tree: text('tree').notNull(),
    evaluatorHash: text('evaluator_hash').notNull(),
    outcome: text('outcome').notNull(),
    reason: text('reason'),
    metrics: jsonb('metrics').$type<Metrics>().notNull(),
    stdevs: jsonb('stdevs').$type<Metrics>(),
    stages: jsonb('stages').$type<StageRecord[]>().notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    cpuSeconds: doublePrecision('cpu_seconds').notNull(),
    cached: boolean('cached').notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    // findCached looks up (tree, evaluator) across runs and wants the newest row.
    index('evaluations_tree_hash_idx').on(t.tree, t.evaluatorHash, t.createdAt),
    index('evaluations_run_seq_idx').on(t.runId, t.seq),
    index('evaluations_individual_idx').on(t.individualId),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    seq: integer('seq').notNull(),
    status: text('status').notNull(),
    operator: text('operator').notNull(),
    island: integer('island').notNull(),
    parentId: text('parent_id').notNull(),
    inspirationIds: text('inspiration_ids').array().notNull(),
    seed: bigNumber('seed').notNull(),
    attempts: integer('attempts').notNull(),
    individualId: text('individual_id'),
    error: text('error'),
    wallMs: doublePrecision('wall_ms').notNull(),
    cpuSeconds: doublePrecision('cpu_seconds').notNull(),
    tokensIn: bigNumber('tokens_in').notNull(),
    tokensOut: bigNumber('tokens_out').notNull(),
    usd: doublePrecision('usd').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    /** The run's RNG state right after the scheduler drew this job (null before migration 0003). */
    rngState: jsonb('rng_state').$type<number[]>(),
    /** The allocation bandit's choice for this job (null under fixed weights and before 0004). */
    strategy: jsonb('strategy').$type<JobStrategy>(),
  },
  (t) => [index('jobs_run_status_seq_idx').on(t.runId, t.status, t.seq), index('jobs_run_seq_idx').on(t.runId, t.seq)],
);

export const elites = pgTable(
  'elites',
  {
    runId: text('run_id').notNull(),
    island: integer('island').notNull(),
    cell: text('cell').notNull(),
    individualId: text('individual_id').notNull(),
    fitness: doublePrecision('fitness').notNull(),
    descriptor: doublePrecision('descriptor').array().notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'elites_pkey', columns: [t.runId, t.island, t.cell] })],
);

export const ledgerEvents = pgTable(
  'ledger_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id'),
    type: text('type').notNull(),
    at: timestamptz('at').notNull().defaultNow(),
    data: jsonb('data').$type<LedgerEvent>().notNull(),
  },
  (t) => [index('ledger_events_run_id_idx').on(t.runId, t.id)],
);

export const llmCalls = pgTable(
  'llm_calls',
  {
    id: text('id').primaryKey(),
    runId: text('run_id'),
    jobId: text('job_id'),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    tokensIn: bigNumber('tokens_in').notNull(),
    tokensOut: bigNumber('tokens_out').notNull(),
    usd: doublePrecision('usd').notNull(),
    latencyMs: doublePrecision('latency_ms').notNull(),
    outcome: text('outcome').notNull(),
    error: text('error'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('llm_calls_run_created_idx').on(t.runId, t.createdAt)],
);

/** Every table, for the schema/migration agreement check. */
export const allTables = [migrations, runs, individuals, evaluations, jobs, elites, ledgerEvents, llmCalls] as const;
