// The evaluations repository: one row per evaluator verdict, also the cross-run result cache keyed by
// (tree, evaluator hash) — the same code under the same evaluator config is never measured twice.
// `lookupTree` answers the cache and the run's duplicate check for a new child in one statement.
import { and, asc, count, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { OutcomeKind } from '../../core/types.ts';
import { REUSABLE_OUTCOMES, type EvaluationRecord, type EvaluationRepo } from '../port.ts';
import { evaluations, individuals } from '../schema.ts';
import type { Db } from './db.ts';


type EvaluationRow = typeof evaluations.$inferSelect;

function toRecord(row: EvaluationRow): EvaluationRecord {
  return { ...row, outcome: row.outcome as OutcomeKind };
}

/** Results of this tree under this evaluator config that may be reused (any run). */
function reusable(tree: string, evaluatorHash: string): SQL | undefined {
  return and(eq(evaluations.tree, tree), eq(evaluations.evaluatorHash, evaluatorHash), inArray(evaluations.outcome, [...REUSABLE_OUTCOMES]));
}

export function evaluationRepo(db: Db): EvaluationRepo {
  return {
    async insert(evaluation) {
      await db.insert(evaluations).values(evaluation);
    },
    async findCached(tree, evaluatorHash) {
      const [row] = await db
        .select()
        .from(evaluations)
        .where(reusable(tree, evaluatorHash))
        .orderBy(desc(evaluations.createdAt), desc(evaluations.id))
        .limit(1);
      return row ? toRecord(row) : null;
    },
    async lookupTree(runId, tree, evaluatorHash) {
      const duplicateId = sql<string | null>`(SELECT ${individuals.id} FROM ${individuals} WHERE ${individuals.runId} = ${runId} AND ${individuals.tree} = ${tree} ORDER BY ${individuals.seq} LIMIT 1)`;
      // Right-joined to one constant row, so there is always a row to carry the duplicate's id.
      const [row] = await db
        .select({ evaluation: evaluations, duplicateId })
        .from(evaluations)
        .rightJoin(sql`(SELECT 1) AS one`, reusable(tree, evaluatorHash))
        .orderBy(desc(evaluations.createdAt), desc(evaluations.id))
        .limit(1);
      // Without a cached result the evaluation's columns are all NULL (drizzle keeps the object).
      const evaluation = row?.evaluation?.id ? row.evaluation : null;
      return { cached: evaluation ? toRecord(evaluation) : null, duplicateId: row?.duplicateId ?? null };
    },
    async reusableTrees(evaluatorHash) {
      const rows = await db
        .selectDistinct({ tree: evaluations.tree })
        .from(evaluations)
        .where(and(eq(evaluations.evaluatorHash, evaluatorHash), inArray(evaluations.outcome, [...REUSABLE_OUTCOMES])));
      return rows.map((row) => row.tree);
    },
    async listByIndividual(individualId) {
      const rows = await db.select().from(evaluations).where(eq(evaluations.individualId, individualId)).orderBy(asc(evaluations.seq), asc(evaluations.createdAt));
      return rows.map(toRecord);
    },
    async countByOutcome(runId) {
      const rows = await db.select({ outcome: evaluations.outcome, n: count() }).from(evaluations).where(eq(evaluations.runId, runId)).groupBy(evaluations.outcome);
      return Object.fromEntries(rows.map((row) => [row.outcome, row.n])) as Partial<Record<OutcomeKind, number>>;
    },
    async recentFailures(runId, limit) {
      const rows = await db
        .select()
        .from(evaluations)
        .where(and(eq(evaluations.runId, runId), ne(evaluations.outcome, 'ok')))
        .orderBy(desc(evaluations.seq), desc(evaluations.createdAt))
        .limit(limit);
      return rows.map(toRecord);
    },
    async progress(runId) {
      const rows = await db
        .select({ seq: evaluations.seq, individualId: evaluations.individualId, outcome: evaluations.outcome, fitness: individuals.fitness })
        .from(evaluations)
        .leftJoin(individuals, eq(individuals.id, evaluations.individualId))
        .where(eq(evaluations.runId, runId))
        .orderBy(asc(evaluations.seq), asc(evaluations.createdAt));
      return rows.map((row) => ({ ...row, outcome: row.outcome as OutcomeKind }));
    },
  };
}
