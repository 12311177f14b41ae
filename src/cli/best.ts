// `cambrian best`: the best individual of a run — its commit, branch, fitness and metrics, and
// optionally its diff against the run's base commit (the genome).
import type { Command } from 'commander';
import { bestBranch } from '../git/branches.ts';
import { CambrianError } from '../errors.ts';
import { formatFitness, selectRun, withApp, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';

interface BestOptions extends RepoOptions {
  run?: string;
  json?: boolean;
  diff?: boolean;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('best')
      .description('show the best individual of a run (default: the newest run)')
      .option('--run <id>', 'which run')
      .option('--diff', 'print its diff against the run’s base commit')
      .option('--json', 'print JSON'),
  ).action(async (options: BestOptions) => {
    await withApp(options, async (app) => {
      const run = await selectRun(app.store, options.run);
      if (!run.bestIndividualId) {
        throw new CambrianError('CAMBRIAN_NO_RUN', `run ${run.id} has no successfully evaluated individual yet`, { hint: 'see `cambrian status`' });
      }
      const best = (await app.store.individuals.get(run.bestIndividualId))!;
      const diff = options.diff ? await app.git.diff(run.baseCommit, best.commit) : undefined;
      const result = {
        run: run.id,
        individual: best.id,
        commit: best.commit,
        branch: bestBranch(run.id),
        fitness: best.fitness,
        // The assimilation gate records a noisy best at the mean of its fresh re-measurements.
        ...(run.bestFitness !== null && run.bestFitness !== best.fitness ? { remeasuredFitness: run.bestFitness } : {}),
        metrics: best.metrics,
        seedFitness: run.seedFitness,
        evaluations: run.evaluations,
        generation: best.generation,
        operator: best.operator,
        ...(diff !== undefined ? { diff } : {}),
      };
      if (options.json) return printJson(result);
      const metrics = Object.entries(best.metrics).map(([k, v]) => `${k}=${formatFitness(v)}`).join(' ');
      process.stdout.write(
        [
          `run ${run.id}: best ${best.id} (generation ${best.generation}, ${best.operator})`,
          `  ${app.config.fitness}: ${formatFitness(best.fitness)}${'remeasuredFitness' in result ? ` (re-measured at the assimilation gate: mean ${formatFitness(run.bestFitness)})` : ''} (seed ${formatFitness(run.seedFitness)}) after ${run.evaluations} evaluations`,
          `  metrics: ${metrics}`,
          `  commit ${best.commit}  branch ${result.branch}`,
          `  merge it: git merge ${result.branch}`,
        ].join('\n') + '\n',
      );
      if (diff !== undefined) process.stdout.write('\n' + diff);
    });
  });
}
