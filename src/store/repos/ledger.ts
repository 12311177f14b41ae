// The ledger repository: typed events appended in order (bigserial id) and read back in pages.
import { and, asc, count, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { LedgerEventType } from '../../ledger/events.ts';
import type { LedgerRepo, LedgerRow } from '../port.ts';
import { ledgerEvents, runs } from '../schema.ts';
import { ownedBy } from './runs.ts';
import type { Db } from './db.ts';

/** Page size when the caller names none. */
export const DEFAULT_LEDGER_PAGE = 1000;

export function ledgerRepo(db: Db): LedgerRepo {
  return {
    async append(runId, events) {
      if (events.length === 0) return;
      // One multi-row INSERT: ids are drawn from the sequence in VALUES order, so order is kept.
      await db.insert(ledgerEvents).values(events.map((event) => ({ runId, type: event.type, data: event })));
    },
    async list(options = {}) {
      const conditions: SQL[] = [];
      if (options.runId !== undefined) conditions.push(eq(ledgerEvents.runId, options.runId));
      const owned = options.owner === undefined ? undefined : ownedBy(options.owner);
      if (owned !== undefined) {
        conditions.push(sql`NOT EXISTS (SELECT 1 FROM ${runs} WHERE ${runs.id} = ${ledgerEvents.runId} AND NOT (${owned}))`);
      }
      if (options.afterId !== undefined) conditions.push(gt(ledgerEvents.id, options.afterId));
      if (options.types !== undefined) conditions.push(inArray(ledgerEvents.type, [...options.types]));
      const rows = await db
        .select()
        .from(ledgerEvents)
        .where(and(...conditions))
        .orderBy(asc(ledgerEvents.id))
        .limit(options.limit ?? DEFAULT_LEDGER_PAGE);
      return rows.map((row): LedgerRow => ({ ...row, type: row.type as LedgerEventType }));
    },
    async count(runId) {
      const [row] = await db
        .select({ n: count() })
        .from(ledgerEvents)
        .where(runId === undefined ? undefined : eq(ledgerEvents.runId, runId));
      return row?.n ?? 0;
    },
  };
}
