// Typed ledger events. Each is appended in the same transaction as the state it describes; the same
// stream feeds the live terminal view and `cambrian ledger export`.
import type { Metrics, OutcomeKind } from '../core/types.ts';

export type LedgerEvent =
  | { type: 'run_started'; runId: string; baseCommit: string; seed: number; configHash: string; resumed: boolean }
  | { type: 'run_resumed'; runId: string; evaluations: number; reopenedJobs: number }
  | { type: 'job_scheduled'; runId: string; jobId: string; operator: string; island: number; parentId: string }
  | { type: 'job_failed'; runId: string; jobId: string; operator: string; reason: string }
  | {
      type: 'individual_created';
      runId: string;
      individualId: string;
      commit: string;
      parentId: string | null;
      alsoParentId: string | null;
      operator: string;
      island: number;
      generation: number;
    }
  | {
      type: 'evaluation_finished';
      runId: string;
      individualId: string;
      outcome: OutcomeKind;
      fitness: number | null;
      metrics: Metrics;
      reason: string | null;
      durationMs: number;
      cpuSeconds: number;
      cached: boolean;
    }
  | {
      type: 'elite_replaced';
      runId: string;
      island: number;
      cell: string;
      individualId: string;
      previousId: string | null;
      fitness: number;
    }
  | { type: 'best_improved'; runId: string; individualId: string; fitness: number; previousFitness: number | null }
  | { type: 'archive_refit'; runId: string; samples: number; elites: number; elitesPerIsland: number[] }
  | { type: 'migration'; runId: string; fromIsland: number; toIsland: number; individualIds: string[] }
  | {
      type: 'llm_call';
      runId: string;
      jobId: string | null;
      model: string;
      tokensIn: number;
      tokensOut: number;
      usd: number;
      latencyMs: number;
      outcome: string;
    }
  | { type: 'sandbox_disabled'; runId: string; reason: string }
  /** A new run's prior from an earlier run's strategy statistics: loaded (pending), then judged. */
  | { type: 'allocation_prior'; runId: string; fromRun: string; status: 'pending' | 'accepted' | 'rejected'; arms: number; checked: number; armError: number; flatError: number }
  /** Every `allocation.reportEvery` evaluations: where the jobs went and what they earned. */
  | {
      type: 'allocation_summary';
      runId: string;
      evaluations: number;
      arms: Array<{ arm: string; pulls: number; meanReward: number; meanCost: number; roi: number | null }>;
      islands: Array<{
        island: number;
        best: number | null;
        stagnantFor: number;
        elites: number;
        /** Economy figures (absent when islands take turns). */
        energy?: number;
        roi?: number | null;
        share?: number;
        culls?: number;
      }>;
      /** Gini coefficient of island energy and the effective number of islands (absent without the economy). */
      gini?: number;
      effectiveIslands?: number;
      guards?: { share: number; gini: number };
      /** The assimilation gate so far (absent without it). */
      assimilation?: { attempts: number; passed: number; evaluations: number; noiseless: boolean; screened?: number; noiseSd?: number | null };
    }
  /** A challenger to the run's best, tested before it may become the best (see allocation/assimilation.ts). */
  | {
      type: 'assimilation';
      runId: string;
      /** Counted evaluations when the attempt was decided. */
      atEvaluation: number;
      individualId: string;
      incumbentId: string;
      passed: boolean;
      method: 'exact' | 'noiseless' | 'sampled' | 'screened';
      reasons: string[];
      challenger: { n: number; mean: number; sd: number };
      incumbent: { n: number; mean: number; sd: number };
      uplift: number;
      p: number;
      holdout: { challenger: number | null; incumbent: number | null } | null;
      /** Evaluations the gate ran for this attempt (not counted in the budget). */
      evaluations: number;
    }
  /** An economy check that did something: a Gini levy, top-ups. */
  | { type: 'economy_check'; runId: string; evaluations: number; actions: Array<{ kind: 'gini'; before: number; after: number } | { kind: 'top_up'; island: number; amount: number }> }
  /** An island bankrupt for `cullAfter` checks, emptied and reseeded from other islands' elites. */
  | { type: 'island_culled'; runId: string; island: number; evaluations: number; reseededIds: string[] }
  | { type: 'run_stopped'; runId: string; reason: string; evaluations: number }
  | { type: 'run_finished'; runId: string; reason: string; evaluations: number; bestIndividualId: string | null; bestFitness: number | null };

export type LedgerEventType = LedgerEvent['type'];

export const LEDGER_EVENT_TYPES: readonly LedgerEventType[] = [
  'run_started',
  'run_resumed',
  'job_scheduled',
  'job_failed',
  'individual_created',
  'evaluation_finished',
  'elite_replaced',
  'best_improved',
  'archive_refit',
  'migration',
  'allocation_prior',
  'allocation_summary',
  'assimilation',
  'economy_check',
  'island_culled',
  'llm_call',
  'sandbox_disabled',
  'run_stopped',
  'run_finished',
];
