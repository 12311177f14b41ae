// Runs the Store conformance suite on embedded PGlite, plus what only the embedded store does: the
// process lock, the .git/info/exclude entry, and data that survives a reopen.
import { loadMigrations } from '../../src/store/migrate.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { embeddedPaths, openDatabase, openStore } from '../../src/store/open.ts';
import { readLockHolder } from '../../src/store/lock.ts';
import { rowsOf } from '../../src/store/repos/db.ts';
import { makeRun } from './records.ts';
import { assertSchemaMatchesDatabase } from './schema-check.ts';
import { storeSuite } from './store-suite.ts';

const run = promisify(execFile);
const CHILD_TIMEOUT_MS = 60_000;
const repoRoot = new URL('../../', import.meta.url);

/** Opens (and closes) the store at repoDir in a separate node process; returns what happened. */
async function openInChild(repoDir: string): Promise<{ opened?: boolean; code?: string; message?: string; hint?: string }> {
  const script = `
    const { openStore } = await import(${JSON.stringify(new URL('src/store/open.ts', repoRoot).href)});
    try {
      const store = await openStore({ repoDir: process.env.CAMBRIAN_TEST_REPO });
      await store.close();
      console.log(JSON.stringify({ opened: true }));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint }));
    }`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('.', repoRoot).pathname,
    env: { ...process.env, CAMBRIAN_TEST_REPO: repoDir },
    timeout: CHILD_TIMEOUT_MS,
    signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** A pid that certainly belonged to a process on this host and is now dead. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', ''], { timeout: CHILD_TIMEOUT_MS });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const repoDir = mkdtempSync(join(tmpdir(), 'cambrian-store-'));
const paths = embeddedPaths(repoDir);

describe('embedded PGlite store', () => {
  before(async () => {
    await run('git', ['init', '--quiet', repoDir], { timeout: 10_000, signal: AbortSignal.timeout(10_000) });
  });
  after(() => {
    rmSync(repoDir, { recursive: true, force: true });
  });

  storeSuite('pglite', () => openStore({ repoDir }));

  it('has exactly the tables, columns and indexes schema.ts declares, migrated once', async () => {
    const database = await openDatabase({ repoDir });
    try {
      await assertSchemaMatchesDatabase(database);
      const applied = rowsOf<{ id: number }>(await database.db.execute(sql`SELECT id FROM cambrian_migrations`));
      assert.deepEqual(applied.map((row) => row.id), loadMigrations().map((m) => m.id), 'reopening does not apply migrations again');
      const [buffers] = rowsOf<{ shared_buffers: string }>(await database.db.execute(sql`SHOW shared_buffers`));
      assert.equal(buffers?.shared_buffers, '16MB');
    } finally {
      await database.close();
    }
  });

  it('lists .cambrian/ in .git/info/exclude once, never in .gitignore', async () => {
    const store = await openStore({ repoDir });
    await store.close();
    const exclude = readFileSync(join(repoDir, '.git', 'info', 'exclude'), 'utf8');
    assert.equal(exclude.split('\n').filter((line) => line === '/.cambrian/').length, 1);
    assert.equal(existsSync(join(repoDir, '.gitignore')), false);
    const { stdout } = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repoDir, timeout: 10_000 });
    assert.equal(stdout, '', 'git status does not show the store');
  });

  it('refuses a second process while the store is open, naming the holder, and frees the lock on close', async () => {
    const store = await openStore({ repoDir });
    try {
      await store.runs.insert(makeRun({ id: 'survives-reopen', goal: 'keep me' }));
      const child = await openInChild(repoDir);
      assert.equal(child.code, 'CAMBRIAN_STORE_LOCKED');
      assert.match(child.message ?? '', new RegExp(`pid ${process.pid}\\b`));
      assert.ok(child.message?.includes(process.argv.join(' ')), `names the holder's command: ${child.message}`);
      assert.match(child.hint ?? '', /kill|finish/);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(paths.lockPath), false);
  });

  it('takes over a stale lock left by a dead process, and the data is still there', async () => {
    const pid = await deadPid();
    writeFileSync(paths.lockPath, JSON.stringify({ pid, hostname: hostname(), command: 'cambrian run (killed)', startedAt: '2026-01-01T00:00:00.000Z', token: 'old' }));
    const store = await openStore({ repoDir });
    try {
      assert.equal(readLockHolder(paths.lockPath)?.pid, process.pid);
      assert.equal((await store.runs.get('survives-reopen'))?.goal, 'keep me');
    } finally {
      await store.close();
    }
    assert.equal(existsSync(paths.lockPath), false);
    assert.deepEqual(await openInChild(repoDir), { opened: true });
  });
});
