// The runs repository: one row per `cambrian run`, carrying its counters and persisted loop state.
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { RunPatch, RunRecord, RunRepo, RunState } from '../port.ts';
import { runs } from '../schema.ts';
import { definedOnly, expectUpdated, type Db } from './db.ts';

const RESUMABLE: RunState[] = ['running', 'stopped'];

type RunRow = typeof runs.$inferSelect;

/** The projection is read back into the loop state; absent when none is stored. */
function toRecord(row: RunRow): RunRecord {
  const { loopProjection, ...rest } = row;
  const loopState = loopProjection === null || loopProjection === undefined ? rest.loopState : { ...rest.loopState, projection: loopProjection };
  return { ...rest, state: row.state as RunState, loopState };
}

/**
 * The loop state's `projection` goes to its own column, written only when a patch names it: the
 * per-job rewrite of the loop state stays ~1 KB instead of ~16 KB.
 */
function splitLoopState(loopState: Record<string, unknown> | undefined): { loopState?: Record<string, unknown>; loopProjection?: unknown } {
  if (loopState === undefined) return {};
  if (!('projection' in loopState)) return { loopState };
  const { projection, ...rest } = loopState;
  return { loopState: rest, loopProjection: projection ?? null };
}

export function runRepo(db: Db): RunRepo {
  return {
    async insert(run) {
      await db.insert(runs).values({ ...run, ...splitLoopState(run.loopState) });
    },
    async get(id) {
      const [row] = await db.select().from(runs).where(eq(runs.id, id));
      return row ? toRecord(row) : null;
    },
    async latestResumable() {
      const resumable = or(inArray(runs.state, RESUMABLE), and(eq(runs.state, 'failed'), gt(runs.evaluations, 0)));
      const [row] = await db.select().from(runs).where(resumable).orderBy(desc(runs.createdAt), desc(runs.id)).limit(1);
      return row ? toRecord(row) : null;
    },
    async list() {
      const rows = await db.select().from(runs).orderBy(desc(runs.createdAt), desc(runs.id));
      return rows.map(toRecord);
    },
    async update(id, patch: RunPatch) {
      const values = definedOnly({ ...patch, ...splitLoopState(patch.loopState) });
      if (Object.keys(values).length === 0) return;
      const matched = await db.update(runs).set(values).where(eq(runs.id, id)).returning({ id: runs.id });
      expectUpdated('run', id, matched);
    },
    async addSpend(id, { usd, tokens }) {
      await db
        .update(runs)
        .set({ usdSpent: sql`${runs.usdSpent} + ${usd}`, tokensSpent: sql`${runs.tokensSpent} + ${tokens}` })
        .where(eq(runs.id, id));
    },
  };
}
