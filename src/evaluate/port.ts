// The Evaluator port: run the user's evaluator on one commit and classify what happened.
import type { Metrics, OutcomeKind } from '../core/types.ts';

export interface StageResult {
  name: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** CPU seconds (user + system) the evaluator process tree used. */
  cpuSeconds: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  metrics: Metrics | null;
}

interface EvaluationBase {
  stages: StageResult[];
  durationMs: number;
  cpuSeconds: number;
  /** true when the result came from the cache (same tree, same evaluator config). */
  cached: boolean;
}

export type EvaluationResult =
  | (EvaluationBase & { outcome: 'ok'; metrics: Metrics; stdevs?: Metrics; stoppedAtStage?: string })
  | (EvaluationBase & { outcome: Exclude<OutcomeKind, 'ok'>; reason: string; metrics?: Metrics });

export interface EvaluateRequest {
  commit: string;
  tree: string;
  runId: string;
  individualId: string;
  signal?: AbortSignal;
  /** Run the holdout stages instead of the regular cascade (assimilation candidates only). */
  holdout?: boolean;
}

export interface Evaluator {
  /** A stable hash of everything that changes what the evaluator would report (for the cache). */
  readonly configHash: string;
  /** Whether the evaluator has holdout stages (run only for assimilation candidates). */
  readonly hasHoldout?: boolean;
  evaluate(request: EvaluateRequest): Promise<EvaluationResult>;
  close(): Promise<void>;
}
