// Opens the Store: embedded PGlite under <repo>/.cambrian/db (locked to one process), or a Postgres
// server through postgres-js. Either way the migrations are applied before the first query.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { CambrianError } from '../errors.ts';
import { createInChildProcess, damagedStoreError, inspectDataDir, removeCreationLeftovers } from './embedded-dir.ts';
import { CAMBRIAN_DIR, excludeCambrianDir } from './git-exclude.ts';
import { acquireStoreLock } from './lock.ts';
import { applyMigrations } from './migrate.ts';
import { withBatchedWrites } from './batched-writes.ts';
import { pgliteMigrationClient, postgresMigrationClient } from './migration-clients.ts';
import type { Store } from './port.ts';
import type { Db } from './repos/db.ts';
import { createRepos } from './repos/index.ts';

export type OpenStoreOptions = { repoDir: string } | { databaseUrl: string };

/** A migrated database handle, before it is wrapped as a Store (tests inspect the schema through it). */
export interface OpenDatabase {
  backend: Store['backend'];
  db: Db;
  close(): Promise<void>;
}

/**
 * `standard_conforming_strings` is Postgres' default, pinned because batched writes inline values as
 * '…' literals whose only escape is a doubled quote (batched-writes.ts).
 * PGlite reserves 128 MB of shared buffers by default; 16 MB cuts a reopened store's RSS from ~320 MB
 * to ~180 MB (measured in facts.md), and Cambrian's working set is small rows.
 */
export const PGLITE_CONF = ['shared_buffers = 16MB', 'standard_conforming_strings = on'];
/** Server connections per process: the loop is one writer plus a few readers. */
const SERVER_POOL_SIZE = 4;

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const database = await openDatabase(options);
  const repos = createRepos(database.db);
  let closed: Promise<void> | null = null;
  return {
    backend: database.backend,
    ...repos,
    transaction: (fn) => database.db.transaction((tx) => fn(createRepos(tx))),
    close: () => (closed ??= database.close()),
  };
}

export async function openDatabase(options: OpenStoreOptions): Promise<OpenDatabase> {
  return 'databaseUrl' in options ? openServer(options.databaseUrl) : openEmbedded(options.repoDir);
}

import { embeddedPaths } from './paths.ts';

export { embeddedPaths };

async function openEmbedded(repoDir: string): Promise<OpenDatabase> {
  const paths = embeddedPaths(repoDir);
  mkdirSync(paths.dir, { recursive: true });
  excludeCambrianDir(repoDir);
  // The lock comes before PGlite touches the folder: a second opener must not even start it.
  const lock = acquireStoreLock(paths.lockPath);
  let client: PGlite | undefined;
  try {
    removeCreationLeftovers(paths.dataDir);
    // A damaged folder throws here, before PGlite (which would run initdb over it) ever sees it.
    if (inspectDataDir(paths.dataDir) === 'new') await createInChildProcess(paths.dataDir, PGLITE_CONF);
    client = await PGlite.create({ dataDir: paths.dataDir, postgresqlconf: PGLITE_CONF });
    await refuseTablesWithoutMigrations(client, paths.dataDir);
    await applyMigrations(pgliteMigrationClient(client));
  } catch (error) {
    await client?.close().catch(() => undefined);
    lock.release();
    throw storeFailed(`could not open the embedded store at ${paths.dataDir}`, error, `if it is damaged, restore it from a backup or move it aside (mv ${paths.dataDir} ${paths.dataDir}.damaged); never delete it while its runs may be needed`);
  }
  const pglite = client;
  return {
    backend: 'pglite',
    db: drizzlePglite({ client: withBatchedWrites(pglite) }),
    close: async () => {
      try {
        await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * Migrations create their table together with every other one, in one transaction: tables without
 * `cambrian_migrations` mean a damaged catalog, and migrating would build a second, empty schema.
 */
async function refuseTablesWithoutMigrations(client: PGlite, dataDir: string): Promise<void> {
  const { rows } = await client.query<{ tables: number; migrated: boolean | null }>(
    "SELECT count(*)::int AS tables, bool_or(tablename = 'cambrian_migrations') AS migrated FROM pg_tables WHERE schemaname = 'public'",
  );
  const [{ tables, migrated } = { tables: 0, migrated: null }] = rows;
  if (tables > 0 && !migrated) throw damagedStoreError(dataDir, `${tables} tables but no cambrian_migrations table`);
}

async function openServer(databaseUrl: string): Promise<OpenDatabase> {
  const client = postgres(databaseUrl, {
    max: SERVER_POOL_SIZE,
    onnotice: () => undefined, // "relation already exists, skipping" is not news
    connect_timeout: 10,
  });
  try {
    await applyMigrations(postgresMigrationClient(client));
  } catch (error) {
    await client.end({ timeout: 5 }).catch(() => undefined);
    throw storeFailed(`could not open the Postgres store at ${redact(databaseUrl)}`, error, 'check that the server is running and the URL, user and password are right');
  }
  return {
    backend: 'postgres',
    db: drizzlePostgres({ client }),
    close: () => client.end({ timeout: 5 }),
  };
}

function storeFailed(message: string, cause: unknown, hint: string): unknown {
  if (cause instanceof CambrianError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CambrianError('CAMBRIAN_STORE_FAILED', `${message}: ${detail}`, { hint, cause });
}

/** Never print a password from a connection URL. */
function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable database URL>';
  }
}
