// Runs the Store conformance suite on a real Postgres server (a throwaway local cluster), plus the
// server-only behaviour: concurrent openers migrate once, and the schema matches schema.ts.
import { loadMigrations } from '../../src/store/migrate.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, openStore } from '../../src/store/open.ts';
import { rowsOf } from '../../src/store/repos/db.ts';
import { sql } from 'drizzle-orm';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { assertSchemaMatchesDatabase } from './schema-check.ts';
import { storeSuite } from './store-suite.ts';

const started = await startTestPostgres();
const skip = 'skip' in started ? started.skip : false;
const cluster: TestPostgres | undefined = 'cluster' in started ? started.cluster : undefined;

describe('Postgres store', { skip }, () => {
  let databaseUrl = '';
  before(async () => {
    databaseUrl = await cluster!.createDatabase();
  });
  after(async () => {
    await cluster?.stop();
  });

  storeSuite('postgres', () => openStore({ databaseUrl }));

  it('migrates a fresh database exactly once when several openers race (advisory lock)', async () => {
    const freshUrl = await cluster!.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: freshUrl })));
    try {
      const applied = rowsOf<{ id: number }>(await stores[0]!.db.execute(sql`SELECT id FROM cambrian_migrations ORDER BY id`));
      assert.deepEqual(applied.map((row) => row.id), loadMigrations().map((m) => m.id));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('has exactly the tables, columns and indexes schema.ts declares', async () => {
    const database = await openDatabase({ databaseUrl });
    try {
      await assertSchemaMatchesDatabase(database);
    } finally {
      await database.close();
    }
  });

  it('reports an unreachable server as a store error with a hint', async () => {
    await assert.rejects(openStore({ databaseUrl: 'postgres://nobody:secret@127.0.0.1:1/none' }), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'CAMBRIAN_STORE_FAILED');
      assert.ok(!error.message.includes('secret'), 'the password is not printed');
      assert.match(error.hint ?? '', /server is running/);
      return true;
    });
  });
});
