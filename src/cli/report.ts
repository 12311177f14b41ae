// `cambrian report`: write the Markdown + HTML report (with SVG plots) of a run.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { selectRun, withApp, withRepoOptions, type RepoOptions } from './common.ts';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('report')
      .description('write a Markdown + HTML report with plots for a run (default: the newest)')
      .option('--run <id>', 'which run')
      .option('--out <dir>', 'output directory (default: <repo>/.cambrian/reports/<run>)'),
  ).action(async (options: RepoOptions & { run?: string; out?: string }) => {
    await withApp(options, async (app) => {
      const run = await selectRun(app.store, app.repository, options.run);
      const outDir = resolve(options.out ?? join(app.repoDir, '.cambrian', 'reports', run.id));
      const { writeReport } = await import('../report/report.ts');
      const files = await writeReport(app.store, run, outDir);
      process.stdout.write(`report for run ${run.id}:\n  ${files.markdown}\n  ${files.html}\n`);
    });
  });
}
