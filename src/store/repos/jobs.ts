// The jobs repository: the scheduler writes a job as a row, a worker claims it, runs it and reports
// its status and costs here. Queries go through the (run_id, status, seq) index.
import { and, asc, count, desc, eq, gte, inArray, isNotNull, sum } from 'drizzle-orm';
import type { JobCosts, JobPatch, JobRecord, JobRepo, JobStatus } from '../port.ts';
import { jobs } from '../schema.ts';
import { definedOnly, expectUpdated, type Db } from './db.ts';

const OPEN: JobStatus[] = ['pending', 'running'];
const ERRORED: JobStatus[] = ['failed', 'abandoned'];

type JobRow = typeof jobs.$inferSelect;
type JobInsert = typeof jobs.$inferInsert;

function toRecord(row: JobRow): JobRecord {
  const { wallMs, cpuSeconds, tokensIn, tokensOut, usd, rngState: _checkpoint, strategy, ...rest } = row;
  return { ...rest, status: row.status as JobStatus, costs: { wallMs, cpuSeconds, tokensIn, tokensOut, usd }, strategy: strategy ?? null };
}

function toRow(job: JobRecord): JobInsert {
  const { costs, ...rest } = job;
  return { ...rest, ...costs };
}

export function jobRepo(db: Db): JobRepo {
  return {
    async insert(job, options = {}) {
      await db.insert(jobs).values({ ...toRow(job), rngState: options.rngState ? [...options.rngState] : null });
    },
    async newestRngCheckpoint(runId, fromSeq) {
      // A short backward walk of the (run_id, seq) index; rows written before migration 0003 carry none.
      const [row] = await db
        .select({ seq: jobs.seq, rngState: jobs.rngState })
        .from(jobs)
        .where(and(eq(jobs.runId, runId), gte(jobs.seq, fromSeq), isNotNull(jobs.rngState)))
        .orderBy(desc(jobs.seq))
        .limit(1);
      return row?.rngState ? { seq: row.seq, rngState: row.rngState } : null;
    },
    async get(id) {
      const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
      return row ? toRecord(row) : null;
    },
    async update(id, patch: JobPatch) {
      const { costs, ...rest } = patch;
      const values = definedOnly({ ...rest, ...costs });
      if (Object.keys(values).length === 0) return;
      const matched = await db.update(jobs).set(values).where(eq(jobs.id, id)).returning({ id: jobs.id });
      expectUpdated('job', id, matched);
    },
    async listOpen(runId) {
      const rows = await db.select().from(jobs).where(and(eq(jobs.runId, runId), inArray(jobs.status, OPEN))).orderBy(asc(jobs.seq));
      return rows.map(toRecord);
    },
    async countByStatus(runId) {
      const rows = await db.select({ status: jobs.status, n: count() }).from(jobs).where(eq(jobs.runId, runId)).groupBy(jobs.status);
      return Object.fromEntries(rows.map((row) => [row.status, row.n])) as Partial<Record<JobStatus, number>>;
    },
    async recentErrors(runId, limit) {
      const rows = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.runId, runId), inArray(jobs.status, ERRORED)))
        .orderBy(desc(jobs.seq))
        .limit(limit);
      return rows.map(toRecord);
    },
    async totals(runId): Promise<JobCosts> {
      const [row] = await db
        .select({ wallMs: sum(jobs.wallMs), cpuSeconds: sum(jobs.cpuSeconds), tokensIn: sum(jobs.tokensIn), tokensOut: sum(jobs.tokensOut), usd: sum(jobs.usd) })
        .from(jobs)
        .where(eq(jobs.runId, runId));
      // SUM is NULL over no rows and numeric (a string) over bigint: normalise to numbers.
      return {
        wallMs: Number(row?.wallMs ?? 0),
        cpuSeconds: Number(row?.cpuSeconds ?? 0),
        tokensIn: Number(row?.tokensIn ?? 0),
        tokensOut: Number(row?.tokensOut ?? 0),
        usd: Number(row?.usd ?? 0),
      };
    },
  };
}
