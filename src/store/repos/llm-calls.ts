// The LLM calls repository: one row per provider request with its tokens, price and latency.
import { count, desc, eq, sum } from 'drizzle-orm';
import type { LlmCallRecord, LlmCallRepo } from '../port.ts';
import { llmCalls } from '../schema.ts';
import type { Db } from './db.ts';

type LlmCallRow = typeof llmCalls.$inferSelect;

function toRecord(row: LlmCallRow): LlmCallRecord {
  return { ...row, outcome: row.outcome as LlmCallRecord['outcome'] };
}

export function llmCallRepo(db: Db): LlmCallRepo {
  return {
    async insert(call) {
      await db.insert(llmCalls).values(call);
    },
    async totals(runId) {
      const [row] = await db
        .select({ calls: count(), tokensIn: sum(llmCalls.tokensIn), tokensOut: sum(llmCalls.tokensOut), usd: sum(llmCalls.usd) })
        .from(llmCalls)
        .where(eq(llmCalls.runId, runId));
      return {
        calls: row?.calls ?? 0,
        tokensIn: Number(row?.tokensIn ?? 0),
        tokensOut: Number(row?.tokensOut ?? 0),
        usd: Number(row?.usd ?? 0),
      };
    },
    /** Newest first; `limit` keeps the newest. */
    async list(runId, limit) {
      const query = db.select().from(llmCalls).where(eq(llmCalls.runId, runId)).orderBy(desc(llmCalls.createdAt), desc(llmCalls.id));
      const rows = limit === undefined ? await query : await query.limit(limit);
      return rows.map(toRecord);
    },
  };
}
