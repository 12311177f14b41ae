// The individuals repository: every committed candidate of a run. Per-job queries go through the
// primary key or the (run_id, seq) / (run_id, tree) indexes and never scan a run's individuals.
import { and, asc, count, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { OutcomeKind } from '../../core/types.ts';
import type { IndividualPatch, IndividualRecord, IndividualRepo, IndividualStatus } from '../port.ts';
import { individuals } from '../schema.ts';
import { chunks, definedOnly, expectUpdated, rowsOf, type Db } from './db.ts';

type IndividualRow = typeof individuals.$inferSelect;

function toRecord(row: IndividualRow): IndividualRecord {
  return { ...row, status: row.status as IndividualStatus, outcome: row.outcome as OutcomeKind | null };
}

export function individualRepo(db: Db): IndividualRepo {
  const repo: IndividualRepo = {
    async insert(individual) {
      await db.insert(individuals).values(individual);
    },
    async insertMany(rows) {
      if (rows.length === 0) return;
      // Several statements must land together: a savepoint inside a caller's transaction.
      await db.transaction(async (tx) => {
        for (const batch of chunks(rows)) await tx.insert(individuals).values(batch);
      });
    },
    async get(id) {
      const [row] = await db.select().from(individuals).where(eq(individuals.id, id));
      return row ? toRecord(row) : null;
    },
    async getMany(ids) {
      const byId = new Map<string, IndividualRecord>();
      for (const batch of chunks([...new Set(ids)])) {
        const rows = await db.select().from(individuals).where(inArray(individuals.id, batch));
        for (const row of rows) byId.set(row.id, toRecord(row));
      }
      // In the order asked for; unknown ids are left out.
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async findByTree(runId, tree) {
      const [row] = await db
        .select()
        .from(individuals)
        .where(and(eq(individuals.runId, runId), eq(individuals.tree, tree)))
        .orderBy(asc(individuals.seq))
        .limit(1);
      return row ? toRecord(row) : null;
    },
    async update(id, patch: IndividualPatch) {
      const values = definedOnly(patch);
      if (Object.keys(values).length === 0) return;
      const matched = await db.update(individuals).set(values).where(eq(individuals.id, id)).returning({ id: individuals.id });
      expectUpdated('individual', id, matched);
    },
    async listByRun(runId, options = {}) {
      const where = options.status === undefined ? eq(individuals.runId, runId) : and(eq(individuals.runId, runId), eq(individuals.status, options.status));
      if (options.limit === undefined) {
        const rows = await db.select().from(individuals).where(where).orderBy(asc(individuals.seq));
        return rows.map(toRecord);
      }
      // Newest `limit` rows by walking the (run_id, seq) index backwards, returned oldest first.
      const rows = await db.select().from(individuals).where(where).orderBy(desc(individuals.seq)).limit(options.limit);
      return rows.reverse().map(toRecord);
    },
    async lineage(id, limit = 100_000) {
      const chain = rowsOf<{ id: string; depth: number }>(
        await db.execute(sql`
          WITH RECURSIVE chain(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM individuals WHERE id = ${id}
            UNION ALL
            SELECT i.id, i.parent_id, chain.depth + 1
            FROM individuals i JOIN chain ON i.id = chain.parent_id
            WHERE chain.depth < ${limit - 1}
          )
          SELECT id, depth FROM chain ORDER BY depth`),
      );
      return repo.getMany(chain.map((link) => link.id));
    },
    async recentEmbeddings(runId, limit) {
      const rows = await db
        .select({ id: individuals.id, embedding: individuals.embedding })
        .from(individuals)
        .where(and(eq(individuals.runId, runId), eq(individuals.status, 'evaluated'), isNotNull(individuals.embedding)))
        .orderBy(desc(individuals.seq))
        .limit(limit);
      return rows.reverse().map((row) => ({ id: row.id, embedding: row.embedding ?? [] }));
    },
    async failedChildren(parentId, limit) {
      const rows = await db
        .select()
        .from(individuals)
        .where(and(eq(individuals.parentId, parentId), eq(individuals.outcome, 'candidate_failed')))
        .orderBy(desc(individuals.seq))
        .limit(limit);
      return rows.map(toRecord);
    },
    async treesOfRun(runId) {
      return db.select({ id: individuals.id, tree: individuals.tree }).from(individuals).where(eq(individuals.runId, runId)).orderBy(asc(individuals.seq));
    },
    async okResults(runId) {
      return db
        .select({ id: individuals.id, seq: individuals.seq, generation: individuals.generation, commit: individuals.commit, metrics: individuals.metrics })
        .from(individuals)
        .where(and(eq(individuals.runId, runId), eq(individuals.outcome, 'ok'), isNotNull(individuals.fitness)))
        .orderBy(asc(individuals.seq));
    },
    async countByRun(runId) {
      const [row] = await db.select({ n: count() }).from(individuals).where(eq(individuals.runId, runId));
      return row?.n ?? 0;
    },
  };
  return repo;
}
