// A damaged embedded store is refused with CAMBRIAN_STORE_FAILED and left exactly as it was, never
// taken for an empty one; leftovers of a creation killed with -9 are removed by the next open.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { CambrianError } from '../../src/errors.ts';
import { embeddedPaths, openDatabase, openStore } from '../../src/store/open.ts';
import { runCli } from '../support/cli.ts';
import { createExampleRepo, type ExampleRepo } from '../support/example-repo.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';
import { makeRun } from './records.ts';

const CHILD_TIMEOUT_MS = 60_000;
const repos: Array<TempRepo | ExampleRepo> = [];
let templateRoot: { dir: string; cleanup(): Promise<void> } | undefined;
/** A real store holding one run; each test copies it (creating one costs seconds). */
let template = '';

before(async () => {
  const source = await createTempRepo();
  repos.push(source);
  const store = await openStore({ repoDir: source.dir });
  await store.runs.insert(makeRun({ id: 'precious', goal: 'keep me' }));
  await store.close();
  templateRoot = await createTempDir('cambrian-store-template-');
  template = join(templateRoot.dir, 'db');
  cpSync(embeddedPaths(source.dir).dataDir, template, { recursive: true });
});

after(async () => {
  for (const repo of repos) await repo.cleanup();
  await templateRoot?.cleanup();
});

/** Every path under dir, with its size and mtime when `written` is asked: equal snapshots mean nothing was written. */
function snapshot(dir: string, written = true): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((path) => {
      if (!written) return path;
      const stat = statSync(join(dir, path));
      return `${path} ${stat.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`;
    });
}

/** A repo whose .cambrian/db is a copy of a store holding one run, damaged by `damage`. */
async function repoWithStore(damage: (dataDir: string) => void): Promise<{ repo: TempRepo; dataDir: string }> {
  const repo = await createTempRepo();
  repos.push(repo);
  const { dataDir } = embeddedPaths(repo.dir);
  mkdirSync(join(repo.dir, '.cambrian'));
  cpSync(template, dataDir, { recursive: true });
  damage(dataDir);
  return { repo, dataDir };
}

/** `opened`: Postgres did start on the folder (and so touched files), but must have created nothing. */
async function assertRefused(repoDir: string, dataDir: string, what: RegExp, opened = false): Promise<void> {
  const before = snapshot(dataDir, !opened);
  await assert.rejects(openStore({ repoDir }), (error: unknown) => {
    assert.ok(error instanceof CambrianError, `a CambrianError, not ${String(error)}`);
    assert.equal(error.code, 'CAMBRIAN_STORE_FAILED');
    assert.match(error.message, /damaged/);
    assert.match(error.message, what);
    assert.match(error.hint ?? '', /backup/);
    assert.match(error.hint ?? '', /move it aside/);
    return true;
  });
  assert.deepEqual(snapshot(dataDir, !opened), before, 'the damaged folder is left as it was');
  assert.equal(existsSync(embeddedPaths(repoDir).lockPath), false, 'the lock is released');
}

describe('a damaged embedded store', () => {
  it('opens an intact copy (the copy itself is sound)', async () => {
    const { repo } = await repoWithStore(() => undefined);
    const store = await openStore({ repoDir: repo.dir });
    try {
      assert.equal((await store.runs.get('precious'))?.goal, 'keep me');
    } finally {
      await store.close();
    }
  });

  for (const [missing, what] of [
    ['base', /missing base\//],
    ['global/pg_control', /missing global\/pg_control/],
    // Without PG_VERSION PGlite would run initdb over the folder: the silent start-over of the issue.
    ['PG_VERSION', /missing PG_VERSION/],
  ] as const) {
    it(`is refused, and left untouched, without ${missing}`, async () => {
      const { repo, dataDir } = await repoWithStore((dir) => rmSync(join(dir, missing), { recursive: true }));
      await assertRefused(repo.dir, dataDir, what);
      assert.equal(existsSync(join(dataDir, missing)), false, 'nothing re-created it');
    });
  }

  it('is refused when its tables survive but the migrations table does not', async () => {
    const { repo, dataDir } = await repoWithStore(() => undefined);
    const database = await openDatabase({ repoDir: repo.dir });
    await database.db.execute(sql`DROP TABLE cambrian_migrations`);
    await database.close();
    await assertRefused(repo.dir, dataDir, /no cambrian_migrations table/, true);
    const pglite = await PGlite.create({ dataDir });
    try {
      const { rows } = await pglite.query<{ migrations: string | null; goal: string }>(
        "SELECT to_regclass('cambrian_migrations')::text AS migrations, goal FROM runs",
      );
      assert.deepEqual(rows, [{ migrations: null, goal: 'keep me' }], 'not migrated over, data kept');
    } finally {
      await pglite.close();
    }
  });

  it('makes `cambrian status` and `cambrian runs` fail with the error, not "no runs yet"', async () => {
    const repo = await createExampleRepo('circle-packing');
    repos.push(repo);
    const { dataDir } = embeddedPaths(repo.dir);
    mkdirSync(join(repo.dir, '.cambrian'), { recursive: true });
    cpSync(template, dataDir, { recursive: true });
    rmSync(join(dataDir, 'global', 'pg_control'));
    const before = snapshot(dataDir);
    for (const command of ['status', 'runs']) {
      const result = await runCli([command, '--repo', repo.dir]);
      assert.equal(result.code, 2, `${command} exits 2, as for every user error`);
      assert.doesNotMatch(result.stdout, /no runs yet/);
      assert.match(result.stderr, /the embedded store at .* is damaged \(missing global\/pg_control\)/);
      assert.match(result.stderr, /hint: .*move it aside/);
      assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
    assert.deepEqual(snapshot(dataDir), before);
  });
});

describe('an interrupted creation', () => {
  it('leaves a db.creating-* folder when killed with -9, which the next open removes', async () => {
    const repo = await createTempRepo();
    repos.push(repo);
    const cambrianDir = join(repo.dir, '.cambrian');
    // Kill the opener and its creating child together, as a crash or the OOM killer would.
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../../src/store/open.ts', import.meta.url).href)});
      await openStore({ repoDir: process.env.CAMBRIAN_TEST_REPO });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, CAMBRIAN_TEST_REPO: repo.dir },
      detached: true,
      stdio: 'ignore',
      timeout: CHILD_TIMEOUT_MS,
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const leftovers = (): string[] => (existsSync(cambrianDir) ? readdirSync(cambrianDir).filter((name) => name.startsWith('db.creating-')) : []);
    const deadline = Date.now() + CHILD_TIMEOUT_MS;
    while (leftovers().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    assert.equal(leftovers().length, 1, 'the killed creation left its staging folder');
    assert.equal(existsSync(join(cambrianDir, 'db')), false, 'and no store');

    const store = await openStore({ repoDir: repo.dir });
    try {
      assert.deepEqual(await store.runs.list('any'), []);
    } finally {
      await store.close();
    }
    assert.deepEqual(leftovers(), []);
  });

  it('removes a stale creating folder next to an existing store without touching the store', async () => {
    const { repo, dataDir } = await repoWithStore(() => undefined);
    const { dir } = embeddedPaths(repo.dir);
    const leftover = join(dir, 'db.creating-999999');
    mkdirSync(join(leftover, 'base'), { recursive: true });
    writeFileSync(join(leftover, 'PG_VERSION'), '17\n');
    const store = await openStore({ repoDir: repo.dir });
    await store.close();
    assert.equal(existsSync(leftover), false);
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
    const reopened = await openStore({ repoDir: repo.dir });
    try {
      assert.equal((await reopened.runs.get('precious'))?.goal, 'keep me');
    } finally {
      await reopened.close();
    }
  });
});
