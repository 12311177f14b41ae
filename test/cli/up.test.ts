// `cambrian up` end to end with the real server binaries: it creates and starts a cluster under
// .cambrian/pg whose URL a client can use, is idempotent, stops and restarts with the data kept,
// never shows up in `git status`, and says clearly when no server binaries are installed.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { findPostgresBin } from '../../src/store/local-postgres.ts';
import { runCli } from '../support/cli.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

function serverSkip(): string | false {
  try {
    findPostgresBin({ path: process.env['PATH'] });
    return false;
  } catch {
    return 'no PostgreSQL server binaries (initdb, pg_ctl) found; apt-get install postgresql';
  }
}

const URL_LINE = /^postgres:\/\/\S+@127\.0\.0\.1:\d+\/cambrian$/m;

function urlOf(stdout: string): string {
  const match = URL_LINE.exec(stdout);
  assert.ok(match, `no database URL in: ${stdout}`);
  return match[0];
}

async function query<T extends object>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** If the test process dies before `after` runs, do not leave the server running. */
function killServerOnExit(repoDir: string): () => void {
  const kill = (): void => {
    try {
      const pid = Number(readFileSync(join(repoDir, '.cambrian', 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // Not running.
    }
  };
  process.on('exit', kill);
  return () => process.off('exit', kill);
}

describe('cambrian up', { skip: serverSkip() }, () => {
  let repo: TempRepo;
  let forgetServer = (): void => undefined;
  before(async () => {
    repo = await createTempRepo();
    // As root the cluster runs as the `postgres` user, which must be able to traverse the repo.
    if (userInfo().uid === 0) chmodSync(repo.dir, 0o711);
    forgetServer = killServerOnExit(repo.dir);
  });
  after(async () => {
    await runCli(['up', '--stop', '--repo', repo.dir]);
    forgetServer();
    await repo.cleanup();
  });

  it('creates and starts a cluster whose URL a client can connect to, kept out of git', async () => {
    const result = await runCli(['up', '--repo', repo.dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /created and started/);
    assert.match(result.stdout, /cambrian run --database-url/);
    const url = urlOf(result.stdout);
    const rows = await query(url, (sql) => sql<{ db: string }[]>`SELECT current_database() AS db`);
    assert.equal(rows[0]!.db, 'cambrian');
    assert.equal(await repo.git('status', '--porcelain'), '');
  });

  it('says it is already running and prints the same URL the second time', async () => {
    const first = await runCli(['up', '--repo', repo.dir]);
    const second = await runCli(['up', '--repo', repo.dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already running/);
    assert.equal(urlOf(second.stdout), urlOf(first.stdout));
  });

  it('stops, and a later up restarts the same cluster with its data', async () => {
    const url = urlOf((await runCli(['up', '--repo', repo.dir])).stdout);
    await query(url, (sql) => sql`CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`.simple());
    const stop = await runCli(['up', '--stop', '--repo', repo.dir]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /stopped/);
    await assert.rejects(query(url, (sql) => sql`SELECT 1`));
    const again = await runCli(['up', '--repo', repo.dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /: started/);
    assert.equal(urlOf(again.stdout), url);
    const rows = await query(url, (sql) => sql<{ v: number }[]>`SELECT v FROM kept`);
    assert.deepEqual(rows.map((r) => r.v), [42]);
  });
});

describe('cambrian up without server binaries', () => {
  it('explains how to install them, with no stack trace', async () => {
    const repo = await createTempRepo();
    const empty = mkdtempSync(join(tmpdir(), 'cambrian-no-pg-'));
    try {
      const result = await runCli(['up', '--repo', repo.dir], { env: { CAMBRIAN_PG_BIN: empty } });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /no PostgreSQL server binaries \(initdb, pg_ctl\) found/);
      assert.match(result.stderr, /apt-get install postgresql/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.equal(result.stdout, '');
    } finally {
      rmSync(empty, { recursive: true, force: true });
      await repo.cleanup();
    }
  });
});
