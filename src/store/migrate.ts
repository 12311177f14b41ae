// Applies the numbered SQL migrations under drizzle/ in order, each recorded in cambrian_migrations
// with a checksum. All of it runs in one transaction under an advisory lock, so two processes opening
// one Postgres database at once never race, and a failed migration leaves the database as it was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CambrianError } from '../errors.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle/', import.meta.url));

/** Arbitrary, fixed key for pg_advisory_xact_lock: "only one migrator at a time". */
const MIGRATION_LOCK_KEY = 4_719_201_337;
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  id: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** The raw SQL surface the migrator needs; each driver adapts its own client to it. */
export interface MigrationSession {
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>;
  query<Row extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface MigrationClient {
  transaction<T>(fn: (session: MigrationSession) => Promise<T>): Promise<T>;
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match) throw new Error(`migration file ${file} must be named NNNN_snake_case.sql`);
      // Normalise line endings so a checkout with CRLF does not look like an edited migration.
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return { id: Number(match[1]), name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  migrations.forEach((migration, index) => {
    if (migration.id !== index + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps; found ${migration.id} at position ${index + 1}`);
  });
  return migrations;
}

/** Applies every migration the database has not seen; returns the ids it applied. */
export async function applyMigrations(client: MigrationClient, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  return client.transaction(async (session) => {
    await session.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await session.exec(`CREATE TABLE IF NOT EXISTS cambrian_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await session.query<{ id: number; name: string; checksum: string }>(
      'SELECT id, name, checksum FROM cambrian_migrations ORDER BY id',
    );
    checkApplied(applied, migrations);
    const pending = migrations.filter((migration) => !applied.some((row) => row.id === migration.id));
    for (const migration of pending) {
      await session.exec(migration.sql);
      await session.query('INSERT INTO cambrian_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
        migration.id,
        migration.name,
        migration.checksum,
      ]);
    }
    return pending.map((migration) => migration.id);
  });
}

function checkApplied(applied: Array<{ id: number; name: string; checksum: string }>, migrations: Migration[]): void {
  for (const row of applied) {
    const known = migrations.find((migration) => migration.id === row.id);
    if (!known) {
      throw new CambrianError('CAMBRIAN_STORE_FAILED', `the database has migration ${row.id} (${row.name}), which this Cambrian does not know`, {
        hint: 'the store was written by a newer Cambrian; upgrade Cambrian to open it',
      });
    }
    if (known.checksum !== row.checksum) {
      // Migrations are append-only: an edited file would leave old and new databases different.
      throw new Error(`migration ${known.file} was edited after it was applied; add a new migration instead`);
    }
  }
}
