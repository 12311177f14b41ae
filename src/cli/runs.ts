// `cambrian runs`: every run in this repository's store, newest first.
import type { Command } from 'commander';
import { formatFitness, withApp, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';

export function register(program: Command): void {
  withRepoOptions(
    program.command('runs').description('list the runs of this repository').option('--json', 'print JSON'),
  ).action(async (options: RepoOptions & { json?: boolean }) => {
    await withApp(options, async (app) => {
      const runs = await app.store.runs.list(app.repository);
      if (options.json) {
        return printJson(
          runs.map((r) => ({ run: r.id, state: r.state, createdAt: r.createdAt.toISOString(), evaluations: r.evaluations, bestFitness: r.bestFitness, seedFitness: r.seedFitness, stopReason: r.stopReason, operators: Object.keys((r.config['operators'] as object) ?? {}) })),
        );
      }
      if (runs.length === 0) return void process.stdout.write('no runs yet — start one with `cambrian run`\n');
      const rows = runs.map((r) => [
        r.id,
        r.state,
        r.createdAt.toISOString().slice(0, 16).replace('T', ' '),
        String(r.evaluations),
        formatFitness(r.seedFitness),
        formatFitness(r.bestFitness),
        Object.keys((r.config['operators'] as object) ?? {}).join(','),
        r.stopReason ?? '',
      ]);
      printTable(['run', 'state', 'started', 'evals', 'seed', 'best', 'operators', 'reason'], rows);
    });
  });
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
}
