// `cambrian ledger export`: writes the ledger as JSON Lines to stdout or, atomically, to a file.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CambrianError, isCambrianError } from '../errors.ts';
import { createRedactor, type Redactor } from '../security/redact.ts';
import type { OpenStoreOptions } from '../store/open.ts';
import { embeddedPaths } from '../store/paths.ts';
import type { RunOwner, Store } from '../store/port.ts';
import type { ExportLedgerOptions } from '../ledger/export.ts';

interface ExportFlags {
  out?: string;
  run?: string;
  repo: string;
  databaseUrl?: string;
}

export function register(program: Command): void {
  const ledger = program.command('ledger').description('Inspect the ledger of every event and cost.');
  ledger
    .command('export')
    .description('Write every ledger event as one JSON object per line.')
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .option('--run <id>', 'only this run')
    .option('--repo <dir>', 'the repository whose runs to export (and whose embedded store to read)', '.')
    .addOption(new Option('--database-url <url>', 'read a Postgres store instead of the embedded one').env('CAMBRIAN_DATABASE_URL'))
    .action(async (flags: ExportFlags) => {
      const { openStore } = await import('../store/open.ts');
      const options = storeOptions(flags);
      const owner = await ownerOf(resolve(flags.repo), 'databaseUrl' in options);
      const store = await openStore(options);
      // Rows are scrubbed when written; scrubbing again on the way out also cleans a store written
      // before scrubbing existed, with what this environment names as secrets.
      const redactor = createRedactor({ env: process.env, ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}) });
      try {
        const scope = await exportScope(store, owner, flags.run);
        const written = flags.out === undefined
          ? await exportToStdout(store, scope, redactor)
          : await exportToFile(store, resolve(flags.out), scope, redactor);
        if (flags.out !== undefined) process.stderr.write(`wrote ${written} ledger events to ${flags.out}\n`);
      } finally {
        await store.close();
      }
    });
}

/**
 * Whose events to export: a shared server holds other repositories' runs, which are left out, so
 * there --repo must be a git repository. An embedded store belongs to the folder it lives in.
 */
async function ownerOf(repoDir: string, server: boolean): Promise<RunOwner> {
  const { openRepo } = await import('../git/repo.ts');
  const { repositoryIdentity } = await import('../git/identity.ts');
  let git: Awaited<ReturnType<typeof openRepo>>;
  try {
    git = await openRepo(repoDir);
  } catch (error) {
    if (!server && isCambrianError(error)) return 'any';
    throw error;
  }
  try {
    return await repositoryIdentity(git.repoDir);
  } finally {
    await git.close();
  }
}

/** The owner's events (or those of the run named by --run, which must not be another repository's). */
async function exportScope(store: Store, owner: RunOwner, runId: string | undefined): Promise<ExportLedgerOptions> {
  if (runId === undefined) return { owner };
  if ((await store.runs.get(runId)) && !(await store.runs.get(runId, owner))) {
    throw new CambrianError('CAMBRIAN_NO_RUN', `this repository has no run \`${runId}\``, { hint: 'list its runs with `cambrian runs`' });
  }
  return { runId };
}

function storeOptions(flags: ExportFlags): OpenStoreOptions {
  if (flags.databaseUrl) return { databaseUrl: flags.databaseUrl };
  const repoDir = resolve(flags.repo);
  // Opening creates a database; exporting from a repository that never ran should not.
  if (!existsSync(embeddedPaths(repoDir).dataDir)) {
    throw new CambrianError('CAMBRIAN_NO_RUN', `no Cambrian store in ${repoDir}`, {
      hint: 'start a run there with `cambrian run`, pass --repo DIR, or --database-url for a Postgres store',
    });
  }
  return { repoDir };
}

async function exportToStdout(store: Store, scope: ExportLedgerOptions, redactor: Redactor): Promise<number> {
  const { exportLedger } = await import('../ledger/export.ts');
  return exportLedger(store, async (line) => {
    if (!process.stdout.write(redactor.redact(line) + '\n')) await once(process.stdout, 'drain');
  }, scope);
}

/** Bytes gathered before each write: one syscall per line would dominate a large export. */
const FILE_CHUNK_CHARS = 64 * 1024;

/** Writes to a temp file beside the target and renames it: readers never see half an export. */
async function exportToFile(store: Store, path: string, scope: ExportLedgerOptions, redactor: Redactor): Promise<number> {
  const temp = `${path}.${process.pid}.tmp`;
  const file = await open(temp, 'wx');
  try {
    let pending = '';
    const { exportLedger } = await import('../ledger/export.ts');
    const written = await exportLedger(store, async (line) => {
      pending += redactor.redact(line) + '\n';
      if (pending.length >= FILE_CHUNK_CHARS) {
        await file.write(pending);
        pending = '';
      }
    }, scope);
    await file.write(pending);
    await file.sync();
    await file.close();
    await rename(temp, path);
    return written;
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
