// The elites repository: the persisted MAP-Elites archive, one row per (run, island, cell).
import { and, asc, eq, sql } from 'drizzle-orm';
import type { EliteRecord, EliteRepo } from '../port.ts';
import { elites } from '../schema.ts';
import { chunks, INSERT_BATCH_ROWS, type Db } from './db.ts';

/** One multi-row INSERT may not name the same (run, island, cell) twice: the last row wins. */
function lastPerCell(rows: EliteRecord[]): EliteRecord[] {
  const byCell = new Map<string, EliteRecord>();
  for (const row of rows) byCell.set(JSON.stringify([row.runId, row.island, row.cell]), row);
  return [...byCell.values()];
}

export function eliteRepo(db: Db): EliteRepo {
  const upsertIn = async (handle: Db, rows: EliteRecord[]): Promise<void> => {
    for (const batch of chunks(lastPerCell(rows))) {
      await handle
        .insert(elites)
        .values(batch)
        .onConflictDoUpdate({
          target: [elites.runId, elites.island, elites.cell],
          set: {
            individualId: sql`excluded.individual_id`,
            fitness: sql`excluded.fitness`,
            descriptor: sql`excluded.descriptor`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    }
  };
  return {
    async upsert(rows) {
      if (rows.length === 0) return;
      // One statement is atomic on its own; only several need a savepoint (the loop upserts one row a job).
      if (rows.length <= INSERT_BATCH_ROWS) await upsertIn(db, rows);
      else await db.transaction((tx) => upsertIn(tx, rows));
    },
    async replaceAll(runId, rows) {
      const foreign = rows.find((row) => row.runId !== runId);
      if (foreign) throw new Error(`replaceAll(${runId}) was given an elite of run ${foreign.runId}`);
      await db.transaction(async (tx) => {
        await tx.delete(elites).where(eq(elites.runId, runId));
        await upsertIn(tx, rows);
      });
    },
    async list(runId) {
      return db.select().from(elites).where(and(eq(elites.runId, runId))).orderBy(asc(elites.island), asc(elites.cell));
    },
  };
}
