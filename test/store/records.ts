// Builders for store records with every field filled, so round-trip tests cover every column.
import { randomUUID } from 'node:crypto';
import type { EliteRecord, EvaluationRecord, IndividualRecord, JobRecord, LlmCallRecord, RunRecord } from '../../src/store/port.ts';

export const uid = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** Whole milliseconds: timestamptz keeps microseconds, JavaScript Dates keep milliseconds. */
export const at = (iso: string): Date => new Date(iso);

export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: uid('run'),
    state: 'running',
    repository: null,
    goal: 'pack 26 circles',
    baseCommit: 'a'.repeat(40),
    baseTree: 'b'.repeat(40),
    config: { evaluator: { command: 'node eval.js' }, islands: 2, nested: { list: [1, 'two', null] } },
    configHash: 'cfg-hash',
    seed: 4_294_967_295,
    createdAt: at('2026-01-01T00:00:00.123Z'),
    updatedAt: at('2026-01-01T00:00:00.123Z'),
    finishedAt: null,
    stopReason: null,
    evaluations: 0,
    individuals: 0,
    bestIndividualId: null,
    bestFitness: null,
    seedFitness: null,
    usdSpent: 0,
    tokensSpent: 0,
    loopState: { rng: [1, 2, 3, 4] },
    ...overrides,
  };
}

export function makeIndividual(runId: string, seq: number, overrides: Partial<IndividualRecord> = {}): IndividualRecord {
  return {
    id: uid('ind'),
    runId,
    seq,
    commit: `commit-${seq}`,
    tree: `tree-${seq}`,
    parentId: null,
    alsoParentId: null,
    generation: 0,
    island: seq % 2,
    operator: 'offline.mutate',
    jobId: null,
    status: 'created',
    outcome: null,
    fitness: null,
    metrics: {},
    meta: {},
    embedding: null,
    descriptor: null,
    cell: null,
    description: `individual ${seq}`,
    createdAt: at('2026-01-01T00:00:01.000Z'),
    ...overrides,
  };
}

export function makeEvaluation(runId: string, individualId: string, seq: number, overrides: Partial<EvaluationRecord> = {}): EvaluationRecord {
  return {
    id: uid('eval'),
    runId,
    individualId,
    seq,
    tree: `tree-${seq}`,
    evaluatorHash: 'eval-hash',
    outcome: 'ok',
    reason: null,
    metrics: { score: 0.5 },
    stdevs: null,
    stages: [
      { name: 'main', exitCode: 0, signal: null, durationMs: 12.5, cpuSeconds: 0.01, timedOut: false, stdout: '{"score":0.5}\n', stderr: '', metrics: { score: 0.5 } },
    ],
    durationMs: 12.5,
    cpuSeconds: 0.01,
    cached: false,
    createdAt: at('2026-01-01T00:00:02.000Z'),
    ...overrides,
  };
}

export function makeJob(runId: string, seq: number, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: uid('job'),
    runId,
    seq,
    status: 'pending',
    operator: 'llm.diff',
    island: 0,
    parentId: 'parent',
    inspirationIds: ['i1', 'i2'],
    seed: 123_456_789_012,
    attempts: 0,
    individualId: null,
    error: null,
    costs: { wallMs: 0, cpuSeconds: 0, tokensIn: 0, tokensOut: 0, usd: 0 },
    createdAt: at('2026-01-01T00:00:03.000Z'),
    startedAt: null,
    finishedAt: null,
    strategy: null,
    ...overrides,
  };
}

export function makeElite(runId: string, island: number, cell: string, overrides: Partial<EliteRecord> = {}): EliteRecord {
  return {
    runId,
    island,
    cell,
    individualId: uid('ind'),
    fitness: 1.5,
    descriptor: [0.25, -0.75],
    updatedAt: at('2026-01-01T00:00:04.000Z'),
    ...overrides,
  };
}

export function makeLlmCall(runId: string, overrides: Partial<LlmCallRecord> = {}): LlmCallRecord {
  return {
    id: uid('llm'),
    runId,
    jobId: null,
    model: 'claude-haiku',
    provider: 'anthropic',
    tokensIn: 1000,
    tokensOut: 200,
    usd: 0.0015,
    latencyMs: 850.5,
    outcome: 'ok',
    error: null,
    createdAt: at('2026-01-01T00:00:05.000Z'),
    ...overrides,
  };
}
