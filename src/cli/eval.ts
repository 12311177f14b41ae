// `cambrian eval [REV]`: run the evaluator once on a commit exactly as a run would (worktree,
// sandbox, limits) and print what it reported — the tool to debug an evaluator before a long run.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createRedactor, redactError } from '../security/redact.ts';
import { formatFitness, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';
import { startSpawner } from '../process/spawn.ts';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('eval')
      .argument('[rev]', 'the commit to evaluate', 'HEAD')
      .description('evaluate one commit and print its metrics (no run, no store)')
      .option('--json', 'print the full result as JSON')
      .option('--no-sandbox', 'run the evaluator WITHOUT bubblewrap (unsafe: the candidate gets your privileges)'),
  ).action(async (rev: string, options: RepoOptions & { json?: boolean; sandbox?: boolean }) => {
    startSpawner(); // before the store and modules grow this process (docs/adr/0009-spawner.md)
    const [{ loadConfig }, { createEvaluator }, { openRepo }] = await Promise.all([
      import('../config/loader.ts'),
      import('../app.ts'),
      import('../git/repo.ts'),
    ]);
    const git = await openRepo(resolve(options.repo ?? '.'));
    try {
      const { config } = await loadConfig({ repoDir: git.repoDir, configPath: options.config, env: process.env });
      if (options.sandbox === false) config.evaluator.sandbox = 'none';
      // What the candidate printed is shown as the store would keep it: without known secrets.
      const redactor = createRedactor({ env: process.env, config, databaseUrl: options.databaseUrl });
      const commit = await git.resolve(rev);
      const tree = await git.treeOf(commit);
      const { pool, evaluator } = await createEvaluator(git, config, {
        size: 1,
        warn: (m) => process.stderr.write(`cambrian: warning: ${redactor.redact(m)}\n`),
      });
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const result = redactor.redactDeep(await evaluator.evaluate({ commit, tree, runId: 'eval', individualId: commit.slice(0, 12), signal: controller.signal }));
        const fitness = result.outcome === 'ok' ? (result.metrics[config.fitness] ?? null) : null;
        if (options.json) printJson({ commit, tree, fitness, ...result });
        else {
          const lines = [`${commit.slice(0, 12)}: ${result.outcome}${result.outcome === 'ok' ? '' : ` — ${result.reason}`}`];
          if (result.metrics) lines.push(`  metrics: ${Object.entries(result.metrics).map(([k, v]) => `${k}=${formatFitness(v)}`).join(' ')}`);
          if (fitness !== null) lines.push(`  fitness (${config.fitness}): ${formatFitness(fitness)}`);
          lines.push(`  ${result.durationMs} ms wall, ${result.cpuSeconds.toFixed(2)} s CPU`);
          for (const stage of result.stages) {
            const tail = (text: string): string => text.trimEnd().split('\n').slice(-10).join('\n    ');
            lines.push(`  stage ${stage.name}: exit ${stage.exitCode ?? stage.signal}${stage.timedOut ? ' (timed out)' : ''}`);
            if (stage.stderr.trim()) lines.push(`    stderr (tail):\n    ${tail(stage.stderr)}`);
            if (result.outcome !== 'ok' && stage.stdout.trim()) lines.push(`    stdout (tail):\n    ${tail(stage.stdout)}`);
          }
          process.stdout.write(lines.join('\n') + '\n');
        }
        if (result.outcome !== 'ok') process.exitCode = 1;
      } catch (error) {
        throw redactError(error, redactor);
      } finally {
        process.off('SIGINT', onSigint);
        await evaluator.close();
        await pool.close();
      }
    } finally {
      await git.close();
    }
  });
}
