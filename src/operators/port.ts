// The Operator port: given a parent (and inspirations), propose file changes for one child.
// Offline operators, LLM operators and coding agents all sit behind this one interface.
import type { FileChange, IndividualView } from '../core/types.ts';
import type { Rng } from '../core/rng.ts';
import type { EvolveScope } from './scope.ts';
import type { LlmUsage } from '../llm/port.ts';

/** Read access to any commit's files (through git, never the user's working tree). */
export interface FileReader {
  readFile(commit: string, path: string): Promise<string | null>;
  listFiles(commit: string): Promise<string[]>;
  diff(from: string, to: string, paths?: string[]): Promise<string>;
  mergeFile(base: string, ours: string, theirs: string): Promise<{ content: string; conflicts: boolean }>;
  mergeBase(a: string, b: string): Promise<string | null>;
}

/** A failed evaluation of a past child, fed back to operators that learn from errors. */
export interface FailureNote {
  individualId: string;
  operator: string;
  reason: string;
  stderrTail: string;
}

/** What an operator may record about its own costs (the ledger prices every job). */
export interface CostSink {
  addLlmCall(call: LlmUsage): void;
}

export interface ProposeContext {
  runId: string;
  jobId: string;
  goal: string;
  /** The seed commit of the run: genomes are diffs against it. */
  baseCommit: string;
  parent: IndividualView;
  inspirations: IndividualView[];
  /** Best-first trend of the parent's lineage (newest first), for prompts. */
  lineage: IndividualView[];
  recentFailures: FailureNote[];
  scope: EvolveScope;
  files: FileReader;
  /** Individuals by id (crossover looks up the other parent). */
  fitnessDirection: 'min' | 'max';
  rng: Rng;
  signal: AbortSignal;
  costs: CostSink;
  /** The model and temperature the allocation chose for this job (LLM operators pass them on). */
  llmChoice?: { model: string | null; temperature: number | null };
}

export type Proposal =
  | {
      kind: 'changes';
      changes: FileChange[];
      /** One-line commit subject (<= 72 chars). */
      description: string;
      /** Metadata the child carries (e.g. step sizes); merged over the parent's. */
      meta?: Record<string, unknown>;
      /** Second parent for crossover: recorded in a trailer and the ledger, never in history. */
      alsoParentId?: string;
    }
  | {
      kind: 'rejected';
      reason: string;
      /**
       * The operator itself could not work (an agent that crashed, timed out or could not start),
       * as opposed to a proposal that was bad: counts toward the run's consecutive operator failures.
       */
      operatorFailed?: boolean;
    };

export interface Operator {
  readonly name: string;
  /** Whether the operator needs a second elite among the inspirations (crossover). */
  readonly needsInspirations?: boolean;
  /**
   * Whether the operator reads `ctx.lineage` and `ctx.recentFailures` (prompts do). Fetching them
   * costs the loop several statements a job, so operators that leave this unset get them empty.
   */
  readonly usesHistory?: boolean;
  propose(ctx: ProposeContext): Promise<Proposal>;
}
