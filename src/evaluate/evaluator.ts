// CommandEvaluator: runs the user's evaluator command(s) on a candidate's worktree — stages as a
// cascade, optional repeats — and turns what happened into an EvaluationResult. No cache here:
// the loop looks up (tree, configHash) in the store before calling evaluate().
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluatorMemory, type EvaluatorConfig, type MetricSpec, type StageConfig } from '../config/schema.ts';
import { CambrianError } from '../errors.ts';
import type { Metrics, OutcomeKind } from '../core/types.ts';
import { UnsafeTreePathError } from '../git/materialize.ts';
import type { Worktree, WorktreePool } from '../git/port.ts';
import { evaluatorConfigHash } from './config-hash.ts';
import { readStageMetrics } from './metrics.ts';
import { classifyRun, type RunFailure } from './outcome.ts';
import type { EvaluateRequest, EvaluationResult, Evaluator, StageResult } from './port.ts';
import { buildStageEnv, runCommand } from './process.ts';
import { summarizeRepeats } from './repeats.ts';
import { detectSandbox, type SandboxStatus } from './sandbox.ts';
import { computeSandboxView, type SandboxView } from './sandbox-view.ts';

export interface CommandEvaluatorOptions {
  config: EvaluatorConfig;
  metrics: Record<string, MetricSpec>;
  fitness: string;
  /** Lends worktrees; owned (and closed) by the caller. */
  pool: WorktreePool;
  /** Called once when evaluators run without a sandbox (the user opted out), and for cleanup problems. */
  onWarning?: (message: string) => void;
  /** Where the allowlisted variables are read from; defaults to process.env. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL on timeout or abort. */
  killGraceMs?: number;
}

type CascadeResult =
  | { ok: true; metrics: Metrics; stoppedAtStage?: string }
  | (RunFailure & { ok: false; metrics?: Metrics });

/** An EvaluationResult before the bookkeeping every result shares. */
type Verdict =
  | { outcome: 'ok'; metrics: Metrics; stdevs?: Metrics; stoppedAtStage?: string }
  | { outcome: Exclude<OutcomeKind, 'ok'>; reason: string; metrics?: Metrics };

const ABORTED_FAILURE: RunFailure = { outcome: 'inconclusive', reason: 'evaluation aborted' };
const ABORTED: Verdict = ABORTED_FAILURE;

export class CommandEvaluator implements Evaluator {
  readonly configHash: string;
  private readonly options: CommandEvaluatorOptions;
  /** The cascade every evaluation runs, and the holdout stages only assimilation candidates run. */
  private readonly stages: StageConfig[];
  private readonly holdoutStages: StageConfig[];
  private warnedUnsandboxed = false;
  private view: SandboxView | null = null;
  /** The environment evaluators inherit from (allowlisted); read once. */
  private readonly parentEnv: NodeJS.ProcessEnv;

  constructor(options: CommandEvaluatorOptions) {
    this.options = options;
    this.parentEnv = options.parentEnv ?? process.env;
    this.configHash = evaluatorConfigHash(options.config, options.metrics, options.fitness);
    const { config } = options;
    const all = config.stages ?? [{ name: 'main', command: config.command!, timeoutMs: config.timeoutMs }];
    this.stages = all.filter((s) => s.holdout !== true);
    this.holdoutStages = all.filter((s) => s.holdout === true);
  }

  get hasHoldout(): boolean {
    return this.holdoutStages.length > 0;
  }

  async evaluate(request: EvaluateRequest): Promise<EvaluationResult> {
    const started = performance.now();
    const stageResults: StageResult[] = [];
    const finish = (verdict: Verdict): EvaluationResult => ({
      ...verdict,
      stages: stageResults,
      durationMs: Math.round(performance.now() - started),
      cpuSeconds: Math.round(stageResults.reduce((sum, s) => sum + s.cpuSeconds, 0) * 1000) / 1000,
      cached: false,
    });
    if (request.signal?.aborted) return finish(ABORTED);

    let sandbox: SandboxStatus;
    try {
      sandbox = await this.ensureSandbox();
    } catch (error) {
      return finish({ outcome: 'infra_failed', reason: message(error) });
    }
    let worktree: Worktree;
    try {
      worktree = await this.options.pool.acquire(request.commit, request.signal);
    } catch (error) {
      if (request.signal?.aborted) return finish(ABORTED);
      if (error instanceof UnsafeTreePathError) return finish({ outcome: 'candidate_failed', reason: error.message });
      return finish({ outcome: 'infra_failed', reason: `could not check out ${request.commit}: ${message(error)}` });
    }
    try {
      const { repeats } = this.options.config;
      const runs: Metrics[] = [];
      let stoppedAtStage: string | undefined;
      for (let repeat = 1; repeat <= repeats; repeat++) {
        const stages = request.holdout === true ? this.holdoutStages : this.stages;
        if (stages.length === 0) return finish({ outcome: 'infra_failed', reason: 'the evaluator has no holdout stage' });
        const cascade = await this.runCascade(stages, request, worktree.path, sandbox, stageResults);
        if (!cascade.ok) {
          const reason = repeats > 1 ? `repeat ${repeat}/${repeats}: ${cascade.reason}` : cascade.reason;
          return finish({ outcome: cascade.outcome, reason, ...(cascade.metrics && { metrics: cascade.metrics }) });
        }
        runs.push(cascade.metrics);
        // A candidate that misses a threshold is not worth re-measuring.
        if (cascade.stoppedAtStage !== undefined) {
          stoppedAtStage = cascade.stoppedAtStage;
          break;
        }
      }
      const { mean, stdevs } = summarizeRepeats(runs);
      return finish({ outcome: 'ok', metrics: mean, ...(stdevs && { stdevs }), ...(stoppedAtStage !== undefined && { stoppedAtStage }) });
    } finally {
      await worktree.release().catch((error: unknown) => this.warn(`could not release worktree ${worktree.path}: ${message(error)}`));
    }
  }

  async close(): Promise<void> {
    // Nothing to release: the pool belongs to whoever created it.
  }

  private async runCascade(
    stages: readonly StageConfig[],
    request: EvaluateRequest,
    worktree: string,
    sandbox: SandboxStatus,
    results: StageResult[],
  ): Promise<CascadeResult> {
    const { fitness, metrics: specs } = this.options;
    const named = (stage: StageConfig, reason: string) => (this.options.config.stages ? `stage \`${stage.name}\`: ${reason}` : reason);
    let merged: Metrics = {};
    for (const [index, stage] of stages.entries()) {
      if (request.signal?.aborted) return { ok: false, ...ABORTED_FAILURE };
      const run = await this.runStage(stage, request, worktree, sandbox);
      if ('outcome' in run) return { ok: false, ...run, reason: named(stage, run.reason) };
      results.push(run.result);
      if (run.failure) return { ok: false, ...run.failure, reason: named(stage, run.failure.reason), ...(index > 0 && { metrics: merged }) };
      merged = { ...merged, ...run.result.metrics };
      const isLast = index === stages.length - 1;
      if (stage.threshold === undefined || isLast) continue;
      const value = merged[fitness];
      if (value === undefined) {
        return { ok: false, outcome: 'candidate_failed', reason: named(stage, `has a threshold but reported no \`${fitness}\` (the fitness metric)`), metrics: merged };
      }
      const reached = specs[fitness]?.direction === 'min' ? value <= stage.threshold : value >= stage.threshold;
      if (!reached) return { ok: true, metrics: merged, stoppedAtStage: stage.name };
    }
    if (merged[fitness] === undefined) {
      const got = Object.keys(merged).join(', ') || 'none';
      return { ok: false, outcome: 'candidate_failed', reason: `metrics have no \`${fitness}\` (the fitness metric); got: ${got}`, metrics: merged };
    }
    return { ok: true, metrics: merged };
  }

  /** One stage: a fresh metrics directory outside the worktree, the process, its metrics. */
  private async runStage(
    stage: StageConfig,
    request: EvaluateRequest,
    worktree: string,
    sandbox: SandboxStatus,
  ): Promise<RunFailure | { result: StageResult; failure?: RunFailure }> {
    const { config } = this.options;
    let metricsDir: string;
    try {
      metricsDir = await mkdtemp(join(tmpdir(), 'cambrian-stage-'));
    } catch (error) {
      return { outcome: 'infra_failed', reason: `could not create a temp directory: ${message(error)}` };
    }
    try {
      const metricsFile = join(metricsDir, 'metrics.json');
      const env = buildStageEnv(this.parentEnv, config.env, {
        CAMBRIAN_RUN_ID: request.runId,
        CAMBRIAN_INDIVIDUAL_ID: request.individualId,
        CAMBRIAN_WORKTREE: worktree,
        CAMBRIAN_METRICS_FILE: metricsFile,
        CAMBRIAN_STAGE: stage.name,
      });
      const memory = evaluatorMemory(config);
      const limits = {
        memoryMb: memory.dataMb,
        ...(config.cpuSeconds !== undefined && { cpuSeconds: config.cpuSeconds }),
        ...(config.diskMb !== undefined && { fileMb: config.diskMb }),
      };
      const diskMb = config.diskMb;
      const run = await runCommand({
        command: stage.command,
        sandbox: { bwrap: sandbox.bwrap, worktree, writableDirs: [metricsDir], network: config.network, view: this.sandboxView(), tmpMb: memory.tmpMb, shmMb: memory.shmMb },
        limits,
        env,
        timeoutMs: stage.timeoutMs,
        maxOutputBytes: config.maxOutputBytes,
        ...(request.signal && { signal: request.signal }),
        ...(this.options.killGraceMs !== undefined && { killGraceMs: this.options.killGraceMs }),
        ...(diskMb !== undefined && {
          watchdog: async () =>
            (await directoryBytes(worktree, diskMb * MB)) > diskMb * MB ? `wrote more than the disk limit (${diskMb} MB) into its directory` : null,
        }),
      });
      const result: StageResult = {
        name: stage.name,
        exitCode: run.exitCode,
        signal: run.signal,
        durationMs: run.durationMs,
        cpuSeconds: run.cpuSeconds,
        timedOut: run.timedOut,
        stdout: run.stdout,
        stderr: run.stderr,
        metrics: null,
      };
      const failure = classifyRun(run, { ...limits, memoryMb: config.memoryMb, timeoutMs: stage.timeoutMs, ...(diskMb !== undefined && { diskMb }) });
      if (failure) return { result, failure };
      // A process stopped at the file-size limit may have been ignored by its parent: judge the result.
      if (diskMb !== undefined && (await directoryBytes(worktree, diskMb * MB)) >= diskMb * MB) {
        return { result, failure: { outcome: 'candidate_failed', reason: `filled its directory up to the disk limit (${diskMb} MB)` } };
      }
      const parsed = await readStageMetrics(metricsFile, run.stdout);
      if (!parsed.ok) return { result, failure: { outcome: 'candidate_failed', reason: parsed.reason } };
      result.metrics = parsed.metrics;
      return { result };
    } finally {
      await rm(metricsDir, { recursive: true, force: true }).catch((error: unknown) => this.warn(`could not remove ${metricsDir}: ${message(error)}`));
    }
  }

  /**
   * How candidates will be contained: bubblewrap, or nothing when the user opted out
   * (`evaluator.sandbox: none`). Without a working bubblewrap and no opt-out this throws a
   * CambrianError: candidate code never runs with the host's view by default.
   */
  async ensureSandbox(): Promise<SandboxStatus> {
    if (this.options.config.sandbox === 'none') {
      if (!this.warnedUnsandboxed) {
        this.warnedUnsandboxed = true;
        this.warn(
          'evaluator.sandbox is `none`: candidate code runs with your privileges — it can read your files and ' +
            'environment, write anywhere you can and reach the network. Use this only for code you trust.',
        );
      }
      return { bwrap: false, reason: 'sandbox turned off (evaluator.sandbox: none)' };
    }
    const status = await detectSandbox();
    if (!status.bwrap) throw sandboxUnavailable(status.reason);
    return status;
  }

  /** The host view of the sandbox: computed once, from the evaluator's PATH and the config. */
  private sandboxView(): SandboxView {
    if (this.view === null) {
      const { config } = this.options;
      const env = this.parentEnv;
      this.view = computeSandboxView({
        path: env['PATH'],
        home: env['HOME'],
        commands: this.stages.map((stage) => stage.command),
        readOnlyPaths: config.readOnlyPaths,
        network: config.network,
      });
      for (const skipped of this.view.skipped) this.warn(`evaluator.readOnlyPaths: ${skipped} is not visible to the evaluator`);
    }
    return this.view;
  }

  private warn(text: string): void {
    this.options.onWarning?.(text);
  }
}

const MB = 1024 * 1024;

/** Bytes of regular files under `dir` (links not followed), counting stops once past `stopAt`. */
async function directoryBytes(dir: string, stopAt: number): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= stopAt) {
    const current = pending.pop()!;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) total += await lstat(full).then((s) => s.size, () => 0);
    }
  }
  return total;
}

export function sandboxUnavailable(reason: string | undefined): CambrianError {
  return new CambrianError('CAMBRIAN_SANDBOX_UNAVAILABLE', `cannot contain candidate code: ${reason ?? 'bubblewrap does not work here'}`, {
    hint:
      'install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) and make sure ' +
      'unprivileged user namespaces are allowed (sysctl kernel.unprivileged_userns_clone=1, or ' +
      'kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04). To run candidates unsandboxed anyway ' +
      '(unsafe: they get your privileges), set `evaluator.sandbox: none` or pass --no-sandbox.',
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
