// Creates a new embedded database folder in a child process (plain JS, no loader). PGlite's initdb
// runs inside WASM and leaves a process at ~0.8 GB; doing it here keeps the long-lived `cambrian`
// process small (a reopen costs ~0.3 s and ~160 MB), which also keeps its fork()s cheap.
// Usage: node create-pglite.mjs <dataDir> <postgresqlconf as JSON>
import { rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const [dataDir, conf] = process.argv.slice(2);
const parent = process.ppid;
try {
  const db = await PGlite.create({ dataDir, postgresqlconf: JSON.parse(conf ?? '[]') });
  await db.query('SELECT 1');
  await db.close();
} finally {
  // Only the parent renames the folder into place; if it was killed meanwhile, nobody will.
  if (process.ppid !== parent) rmSync(dataDir, { recursive: true, force: true });
}
