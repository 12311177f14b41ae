// Options every repository command shares (--repo, --config, --database-url) and opening the app
// from them. The environment is handed over here, once, from process.env.
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { App } from '../app.ts';
import { CambrianError } from '../errors.ts';
import { redactError } from '../security/redact.ts';
import type { RunOwner, RunRecord, Store } from '../store/port.ts';

export interface RepoOptions {
  repo?: string;
  config?: string;
  databaseUrl?: string;
}

export function withRepoOptions(command: Command): Command {
  return command
    .option('--repo <dir>', 'the git repository to work on', '.')
    .option('--config <file>', 'config file (default: <repo>/cambrian.yaml)')
    .addOption(new Option('--database-url <url>', 'use a Postgres server instead of the embedded store').env('CAMBRIAN_DATABASE_URL'));
}

export async function withApp<T>(options: RepoOptions, fn: (app: App) => Promise<T>): Promise<T> {
  // Loaded on use: `--help` and light commands never load the store, SDKs or the loop.
  const { openApp } = await import('../app.ts');
  const app = await openApp({
    repoDir: resolve(options.repo ?? '.'),
    configPath: options.config,
    databaseUrl: options.databaseUrl,
    env: process.env,
  });
  try {
    return await fn(app);
  } catch (error) {
    // The message may quote candidate output or a provider's reply: scrub it before it is printed.
    throw redactError(error, app.redactor);
  } finally {
    await app.close();
  }
}

/** The run a read-only command reports on: --run ID, else the newest run. */
export async function selectRun(store: Store, owner: RunOwner, runId: string | undefined): Promise<RunRecord> {
  if (runId) {
    const run = await store.runs.get(runId, owner);
    if (!run) throw new CambrianError('CAMBRIAN_NO_RUN', `this repository has no run \`${runId}\``, { hint: 'list its runs with `cambrian runs`' });
    return run;
  }
  const [newest] = await store.runs.list(owner);
  if (!newest) throw new CambrianError('CAMBRIAN_NO_RUN', 'this repository has no Cambrian run yet', { hint: 'start one with `cambrian run`' });
  return newest;
}

export function parsePositiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) {
      throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `${name} must be a positive whole number, got \`${value}\``);
    }
    return n;
  };
}

export function parseInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `${name} must be a whole number, got \`${value}\``);
    return n;
  };
}

export function formatFitness(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const abs = Math.abs(value);
  return abs !== 0 && (abs >= 1e6 || abs < 1e-4) ? value.toExponential(4) : String(Number(value.toPrecision(7)));
}
