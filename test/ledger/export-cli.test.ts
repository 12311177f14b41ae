// `cambrian ledger export` end to end: from the embedded store to a file (atomically, one run only),
// from a Postgres store named by CAMBRIAN_DATABASE_URL to stdout, and a clear error with no store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { register } from '../../src/cli/ledger.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { openStore } from '../../src/store/open.ts';
import { startTestPostgres } from '../support/postgres.ts';

const run = promisify(execFile);
const CHILD_TIMEOUT_MS = 60_000;
const repoRoot = new URL('../../', import.meta.url);

const events = (runId: string, count: number): LedgerEvent[] =>
  Array.from({ length: count }, (_, n) => ({ type: 'job_failed', runId, jobId: `job-${n}`, operator: 'llm.diff', reason: `reason ${n}` }));

async function cli(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'cambrian', ...args]);
}

describe('cambrian ledger export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cambrian-ledger-'));
  const repoDir = join(dir, 'repo');
  before(async () => {
    delete process.env.CAMBRIAN_DATABASE_URL;
    const store = await openStore({ repoDir });
    await store.ledger.append('run-a', events('run-a', 3));
    await store.ledger.append('run-b', events('run-b', 2));
    await store.ledger.append('run-a', [{ type: 'run_stopped', runId: 'run-a', reason: 'interrupted', evaluations: 3 }]);
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one run\'s events to a file, in order, leaving no temp file', async () => {
    const out = join(dir, 'ledger.jsonl');
    await cli(['ledger', 'export', '--repo', repoDir, '--run', 'run-a', '--out', out]);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map((line) => [line.runId, line.type, line.jobId ?? line.reason]), [
      ['run-a', 'job_failed', 'job-0'],
      ['run-a', 'job_failed', 'job-1'],
      ['run-a', 'job_failed', 'job-2'],
      ['run-a', 'run_stopped', 'interrupted'],
    ]);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  });

  it('refuses to overwrite nothing: a repository without a store is a user error, and no store is created', async () => {
    const empty = join(dir, 'empty');
    await assert.rejects(cli(['ledger', 'export', '--repo', empty]), (error: Error & { code?: string }) => error.code === 'CAMBRIAN_NO_RUN');
    assert.equal(existsSync(join(empty, '.cambrian')), false);
  });

  it('reads a Postgres store named by CAMBRIAN_DATABASE_URL and prints JSON Lines to stdout', async (t) => {
    const started = await startTestPostgres();
    if ('skip' in started) return t.skip(started.skip);
    try {
      const databaseUrl = await started.cluster.createDatabase();
      const store = await openStore({ databaseUrl });
      await store.ledger.append('run-p', events('run-p', 5));
      await store.close();
      const script = `
        const { Command } = await import('commander');
        const { register } = await import(${JSON.stringify(new URL('src/cli/ledger.ts', repoRoot).href)});
        const program = new Command();
        register(program);
        await program.parseAsync(['node', 'cambrian', 'ledger', 'export']);`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot.pathname,
        env: { ...process.env, CAMBRIAN_DATABASE_URL: databaseUrl },
        timeout: CHILD_TIMEOUT_MS,
        signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
      });
      const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: number; jobId: string; at: string });
      assert.deepEqual(lines.map((line) => line.jobId), ['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
      assert.ok(lines.every((line, i) => i === 0 || line.id > lines[i - 1]!.id));
    } finally {
      await started.cluster.stop();
    }
  });
});
