// A pre-initialised embedded store: initdb (2–3.5 s and ~0.8 GB inside PGlite's WASM) runs once,
// when Cambrian is built, and every new repository's store starts as a copy of that folder with
// the migrations already applied. Used only when it was made by the installed PGlite version;
// otherwise a new store is created from scratch as before (embedded-dir.ts).
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, loadMigrations } from './migrate.ts';
import { pgliteMigrationClient } from './migration-clients.ts';

/** dist/store-template/ at the package root (the same folder from src/ under tsx and from dist/). */
export const STORE_TEMPLATE_DIR = fileURLToPath(new URL('../../dist/store-template/', import.meta.url));

interface TemplateInfo {
  pglite: string;
  migrations: string[];
  postgresqlConf: string[];
}

/** The installed PGlite's version (its package.json is not exported: found from its entry point). */
function installedPgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** The template's data folder when it exists and matches the installed PGlite and config; else null. */
export function usableTemplate(postgresqlConf: readonly string[], dir: string = STORE_TEMPLATE_DIR): string | null {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'template.json'), 'utf8')) as TemplateInfo;
    const data = join(dir, 'pgdata');
    if (info.pglite !== installedPgliteVersion()) return null;
    if (JSON.stringify(info.postgresqlConf) !== JSON.stringify(postgresqlConf)) return null;
    return existsSync(join(data, 'PG_VERSION')) ? data : null;
  } catch {
    return null;
  }
}

/** Copies the template's data folder to `target` (which must not exist). */
export function copyTemplate(templateData: string, target: string): void {
  cpSync(templateData, target, { recursive: true, errorOnExist: true, force: false });
}

/** Builds the template (initdb + migrations) into `dir`, replacing an older one atomically. */
export async function buildStoreTemplate(postgresqlConf: string[], dir: string = STORE_TEMPLATE_DIR): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const staging = join(dir, `pgdata.building-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const db = await PGlite.create({ dataDir: staging, postgresqlconf: postgresqlConf });
    try {
      await applyMigrations(pgliteMigrationClient(db));
      // A checkpoint, so the copy starts with nothing to replay.
      await db.exec('CHECKPOINT');
    } finally {
      await db.close();
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const info: TemplateInfo = { pglite: installedPgliteVersion(), migrations: loadMigrations().map((m) => m.name), postgresqlConf };
  rmSync(join(dir, 'pgdata'), { recursive: true, force: true });
  renameSync(staging, join(dir, 'pgdata'));
  writeFileSync(join(dir, 'template.json'), `${JSON.stringify(info, null, 2)}\n`);
}
