// `cambrian run`: start (or resume) a run and show it live. Ctrl-C stops gracefully and leaves a
// resumable run; a second Ctrl-C exits at once (the next start cleans up).
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { allocationSchema, type CambrianConfig } from '../config/schema.ts';
import type { RunSummary } from '../evolution/engine.ts';
import type { Budget } from '../evolution/session.ts';
import { bestBranch } from '../git/branches.ts';
import { CambrianError } from '../errors.ts';
import { formatFitness, parseInteger, parsePositiveInt, withApp, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';
import { startSpawner } from '../process/spawn.ts';
import type { ViewMode } from './live-view.ts';

/** Exit status of a run that failed (no operator or evaluation could make progress); it stays resumable. */
export const EXIT_RUN_FAILED = 3;
/** Exit status of a run stopped by Ctrl-C or SIGTERM (resumable), as a shell reports SIGINT. */
export const EXIT_RUN_STOPPED = 130;

const EXIT_STATUS_HELP = `
Exit status:
  0    the run finished (a budget, the target fitness or a plateau ended it)
  1    internal error (a bug; the message has a stack trace)
  2    user error (bad config or argument, or the evaluator fails on the seed)
  ${EXIT_RUN_FAILED}    the run failed: no progress was possible (e.g. the only LLM endpoint is
       unreachable, or evaluations keep ending infra_failed); the cause is printed and shown by
       \`cambrian status\`; fix it and \`cambrian run\` resumes the run
  ${EXIT_RUN_STOPPED}  stopped by Ctrl-C / SIGTERM; \`cambrian run\` resumes it
`;

/** Used when the config sets no stop condition at all, so a run never goes on forever by accident. */
export const DEFAULT_MAX_EVALUATIONS = 100;

interface RunOptions extends RepoOptions {
  maxEvals?: number;
  workers?: number;
  seed?: number;
  new?: boolean;
  json?: boolean;
  baseline?: string;
  record?: boolean;
  replay?: boolean;
  /** false with --no-sandbox. */
  sandbox?: boolean;
  freshPolicy?: boolean;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('run')
      .description('evolve the repository (resumes the newest unfinished run unless --new)')
      .option('--max-evals <n>', 'evaluation budget (the seed included)', parsePositiveInt('--max-evals'))
      .option('--workers <n>', 'concurrent jobs (default: config, else CPU cores)', parsePositiveInt('--workers'))
      .option('--seed <n>', 'random seed for a new run', parseInteger('--seed'))
      .option('--new', 'start a new run even if an unfinished one exists')
      .option('--baseline <kind>', 'run a baseline instead: independent (random restarts from the seed) or hillclimb')
      .option('--record', 'record every LLM request/response under .cambrian/cassettes/')
      .option('--replay', 'answer LLM requests from .cambrian/cassettes/ (fails on a miss)')
      .option('--json', 'stream ledger events as JSON lines on stdout')
      .option('--fresh-policy', 'a new run starts with no strategy statistics from earlier runs')
      .option('--no-sandbox', 'run candidates WITHOUT bubblewrap (unsafe: they get your privileges; recorded in the ledger)')
      .addHelpText('after', EXIT_STATUS_HELP),
  ).action(async (options: RunOptions) => {
    // The process spawner starts while this process is still small: every later child is forked
    // from it, not from this process once it holds the store (docs/adr/0009-spawner.md). Commands
    // that start few processes (status, best) start it on first use instead.
    startSpawner();
    await withApp(options, async (app) => {
      applyOverrides(app.config, options);
      const summary = await runWithView(app, options);
      printSummary(app, summary, options.json === true);
      if (summary.state === 'stopped') process.exitCode = EXIT_RUN_STOPPED;
      if (summary.state === 'failed') process.exitCode = EXIT_RUN_FAILED;
    });
  });
}

function applyOverrides(config: CambrianConfig, options: RunOptions): void {
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.sandbox === false) config.evaluator.sandbox = 'none';
  if (options.baseline !== undefined) {
    if (options.baseline !== 'independent' && options.baseline !== 'hillclimb') {
      throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `--baseline must be \`independent\` or \`hillclimb\`, got \`${options.baseline}\``);
    }
    config.operators = { [`baseline-${options.baseline}`]: { weight: 1 } };
    // A baseline is the plain algorithm: no bandit, islands in turns, one measurement per best.
    config.allocation = allocationSchema.parse({ ...(config.allocation ?? {}), policy: 'fixed', economy: { enabled: 'off' }, assimilation: { gate: 'off' } });
    options.new = true;
  }
}

export function budgetFrom(config: CambrianConfig, maxEvals: number | undefined): Budget {
  const b = config.budget;
  const anyStop = b.maxEvaluations ?? b.maxWallClockMs ?? b.targetFitness ?? b.plateau ?? b.maxUsd ?? b.maxTokens;
  return {
    maxEvaluations: maxEvals ?? b.maxEvaluations ?? (anyStop === undefined ? DEFAULT_MAX_EVALUATIONS : null),
    maxWallClockMs: b.maxWallClockMs ?? null,
    targetFitness: b.targetFitness ?? null,
    plateau: b.plateau ?? null,
  };
}

async function runWithView(app: App, options: RunOptions): Promise<RunSummary> {
  // The loop's modules load only when a run starts (not for `--help` or a bad flag).
  const [{ buildLoop, defaultWorkers }, { runEvolution }, { EventBus }, { startLiveView }, { llmOperatorFactories }] = await Promise.all([
    import('../app.ts'),
    import('../evolution/engine.ts'),
    import('../evolution/event-bus.ts'),
    import('./live-view.ts'),
    import('../llm-wiring.ts'),
  ]);
  const workers = options.workers ?? defaultWorkers(app.config);
  const bus = new EventBus();
  const budget = budgetFrom(app.config, options.maxEvals);
  const extraOperators = await llmOperatorFactories(app, {
    record: options.record === true,
    replay: options.replay === true,
    forceNew: options.new === true,
    workers,
  });
  const loop = await buildLoop(app, { workers, bus, extraOperators: extraOperators.factories, jobCosts: extraOperators.jobCosts });
  const mode: ViewMode = options.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain';
  const view = startLiveView(bus, mode, budget.maxEvaluations);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\ncambrian: stopping after the jobs in flight (Ctrl-C again to quit now; the run stays resumable)\n');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await runEvolution(loop.deps, { forceNew: options.new === true, budget, freshPolicy: options.freshPolicy === true }, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    view.stop();
    await loop.close();
    await extraOperators.close();
  }
}

const STATE_TEXT: Record<RunSummary['state'], string> = {
  finished: 'finished',
  stopped: 'stopped (resumable: run `cambrian run` again)',
  failed: 'failed (resumable: fix the cause, then run `cambrian run` again)',
};

function printSummary(app: App, summary: RunSummary, json: boolean): void {
  const { run } = summary;
  const branch = run.bestIndividualId ? bestBranch(run.id) : null;
  if (json) {
    printJson({ type: 'summary', run: run.id, state: summary.state, reason: app.redactor.redact(summary.reason), evaluations: run.evaluations, bestFitness: run.bestFitness, seedFitness: run.seedFitness, branch });
    return;
  }
  const lines = [
    `run ${run.id} ${STATE_TEXT[summary.state]}: ${app.redactor.redact(summary.reason)}`,
    `  evaluations: ${run.evaluations}`,
    `  seed ${app.config.fitness}: ${formatFitness(run.seedFitness)}   best: ${formatFitness(run.bestFitness)}`,
  ];
  if (summary.state === 'failed') {
    process.stderr.write(`cambrian: run ${run.id} failed: ${app.redactor.redact(summary.reason)}\n`);
  }
  if (branch) {
    lines.push(`  best branch: ${branch}`);
    lines.push(`  see it: git log --oneline ${branch}   |   cambrian best --diff`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
