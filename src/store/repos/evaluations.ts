// The evaluations repository: one row per evaluator verdict, also the cross-run result cache keyed by
// (tree, evaluator hash) — the same code under the same evaluator config is never measured twice.
import { and, asc, count, desc, eq, inArray, ne } from 'drizzle-orm';
import type { OutcomeKind } from '../../core/types.ts';
import type { EvaluationRecord, EvaluationRepo } from '../port.ts';
import { evaluations, individuals } from '../schema.ts';
import type { Db } from './db.ts';

/** Outcomes that say something about the code, not about the machine: safe to reuse. */
const REUSABLE: OutcomeKind[] = ['ok', 'candidate_failed'];

type EvaluationRow = typeof evaluations.$inferSelect;

function toRecord(row: EvaluationRow): EvaluationRecord {
  return { ...row, outcome: row.outcome as OutcomeKind };
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
        .where(and(eq(evaluations.tree, tree), eq(evaluations.evaluatorHash, evaluatorHash), inArray(evaluations.outcome, REUSABLE)))
        .orderBy(desc(evaluations.createdAt), desc(evaluations.id))
        .limit(1);
      return row ? toRecord(row) : null;
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
