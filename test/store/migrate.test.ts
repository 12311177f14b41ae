// The migrator on a real Postgres: applies numbered files once and in order, rolls a failed
// migration back completely, and refuses edited or unknown migrations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { applyMigrations, loadMigrations, MIGRATIONS_DIR } from '../../src/store/migrate.ts';
import { pgliteMigrationClient, postgresMigrationClient } from '../../src/store/migration-clients.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const started = await startTestPostgres();
const skip = 'skip' in started ? started.skip : false;
const cluster: TestPostgres | undefined = 'cluster' in started ? started.cluster : undefined;

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cambrian-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('loadMigrations', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('loads the shipped migrations numbered from 0001 without gaps', () => {
    const shipped = loadMigrations(MIGRATIONS_DIR);
    assert.ok(shipped.length >= 1);
    assert.deepEqual(shipped.map((m) => m.id), shipped.map((_, i) => i + 1));
    assert.equal(shipped[0]!.name, 'initial');
  });

  it('rejects a gap in the numbering and a badly named file', () => {
    dirs.push(migrationsDir({ '0001_a.sql': 'SELECT 1;', '0003_c.sql': 'SELECT 1;' }));
    assert.throws(() => loadMigrations(dirs.at(-1)), /without gaps/);
    dirs.push(migrationsDir({ '0001_a.sql': 'SELECT 1;', '2-b.sql': 'SELECT 1;' }));
    assert.throws(() => loadMigrations(dirs.at(-1)), /NNNN_snake_case/);
  });
});

describe('applyMigrations (postgres)', { skip }, () => {
  let client: postgres.Sql;
  const dirs: string[] = [];
  before(async () => {
    client = postgres(await cluster!.createDatabase(), { max: 2, onnotice: () => undefined });
  });
  after(async () => {
    await client?.end({ timeout: 5 });
    await cluster?.stop();
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  const load = (files: Record<string, string>) => {
    dirs.push(migrationsDir(files));
    return loadMigrations(dirs.at(-1));
  };
  const tables = async () => (await client`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`).map((row) => row.tablename as string);

  it('applies pending migrations in order, once', async () => {
    const v1 = load({ '0001_one.sql': 'CREATE TABLE one (id int);' });
    assert.deepEqual(await applyMigrations(postgresMigrationClient(client), v1), [1]);
    const v2 = load({ '0001_one.sql': 'CREATE TABLE one (id int);', '0002_two.sql': 'CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);' });
    assert.deepEqual(await applyMigrations(postgresMigrationClient(client), v2), [2]);
    assert.deepEqual(await applyMigrations(postgresMigrationClient(client), v2), []);
    assert.deepEqual(await tables(), ['cambrian_migrations', 'one', 'two']);
  });

  it('rolls back a failing migration and everything applied with it', async () => {
    const broken = load({
      '0001_one.sql': 'CREATE TABLE one (id int);',
      '0002_two.sql': 'CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);',
      '0003_three.sql': 'CREATE TABLE three (id int);',
      '0004_bad.sql': 'CREATE TABLE four (id int);\nSELECT no_such_function();',
    });
    await assert.rejects(applyMigrations(postgresMigrationClient(client), broken), /no_such_function/);
    assert.deepEqual(await tables(), ['cambrian_migrations', 'one', 'two']);
    assert.deepEqual((await client`SELECT id FROM cambrian_migrations ORDER BY id`).map((row) => row.id), [1, 2]);
  });

  it('refuses a migration edited after it was applied', async () => {
    const edited = load({ '0001_one.sql': 'CREATE TABLE one (id bigint);', '0002_two.sql': 'CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);' });
    await assert.rejects(applyMigrations(postgresMigrationClient(client), edited), /0001_one\.sql was edited/);
  });

  it('refuses a database migrated by a newer Cambrian', async () => {
    const older = load({ '0001_one.sql': 'CREATE TABLE one (id int);' });
    await assert.rejects(applyMigrations(postgresMigrationClient(client), older), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'CAMBRIAN_STORE_FAILED');
      assert.match(error.hint ?? '', /upgrade/);
      return true;
    });
  });
});

describe('0003_loop_state_split on a store written before it (PGlite)', () => {
  it('moves the projection out of the loop state into its own column, the rest untouched', async () => {
    const client = new PGlite();
    try {
      const shipped = loadMigrations(MIGRATIONS_DIR);
      await applyMigrations(pgliteMigrationClient(client), shipped.filter((m) => m.id <= 2));
      const projection = { mean: [0.5], components: [[1]], scale: [2] };
      const insert = `INSERT INTO runs (id, state, goal, base_commit, base_tree, config, config_hash, seed, created_at, updated_at,
        evaluations, individuals, usd_spent, tokens_spent, loop_state) VALUES ($1, 'stopped', 'g', 'c', 't', '{}', 'h', 1, now(), now(), 0, 1, 0, 0, $2)`;
      await client.query(insert, ['fitted', JSON.stringify({ version: 1, rng: [1, 2, 3, 4], projection })]);
      await client.query(insert, ['unfitted', JSON.stringify({ version: 1, rng: [1, 2, 3, 4], projection: null })]);
      assert.deepEqual(await applyMigrations(pgliteMigrationClient(client), shipped), shipped.filter((m) => m.id > 2).map((m) => m.id));
      const rows = (await client.query<{ id: string; loop_state: Record<string, unknown>; loop_projection: unknown }>('SELECT id, loop_state, loop_projection FROM runs ORDER BY id')).rows;
      assert.deepEqual(rows, [
        { id: 'fitted', loop_state: { version: 1, rng: [1, 2, 3, 4] }, loop_projection: projection },
        { id: 'unfitted', loop_state: { version: 1, rng: [1, 2, 3, 4] }, loop_projection: null },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe('0005_run_ownership on a store written before it (PGlite)', () => {
  it('keeps old runs without an identity and numbers new runs after the highest r<n>', async () => {
    const client = new PGlite();
    try {
      const shipped = loadMigrations(MIGRATIONS_DIR);
      await applyMigrations(pgliteMigrationClient(client), shipped.filter((m) => m.id <= 4));
      const insert = `INSERT INTO runs (id, state, goal, base_commit, base_tree, config, config_hash, seed, created_at, updated_at,
        evaluations, individuals, usd_spent, tokens_spent, loop_state) VALUES ($1, 'stopped', 'g', 'c', 't', '{}', 'h', 1, now(), now(), 0, 1, 0, 0, '{}')`;
      for (const id of ['r1', 'r12', 'r3', 'run-imported']) await client.query(insert, [id]);
      assert.deepEqual(await applyMigrations(pgliteMigrationClient(client), shipped), shipped.filter((m) => m.id > 4).map((m) => m.id));
      const rows = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM runs WHERE repo_roots IS NULL AND repo_origin IS NULL AND lease_token IS NULL')).rows;
      assert.equal(rows[0]!.n, 4);
      const next = (await client.query<{ n: string }>("SELECT nextval('run_ordinal_seq')::text AS n")).rows;
      assert.equal(next[0]!.n, '13');
    } finally {
      await client.close();
    }
  });

  it('starts a fresh store at r1', async () => {
    const client = new PGlite();
    try {
      await applyMigrations(pgliteMigrationClient(client), loadMigrations(MIGRATIONS_DIR));
      assert.equal((await client.query<{ n: string }>("SELECT nextval('run_ordinal_seq')::text AS n")).rows[0]!.n, '1');
    } finally {
      await client.close();
    }
  });
});
