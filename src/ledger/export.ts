// Streams the ledger out as JSON Lines, one event per line, paging through rows by id so a ledger of
// any length is exported in constant memory.
import type { RunOwner, Store } from '../store/port.ts';

export interface ExportLedgerOptions {
  /** Only this run's events. */
  runId?: string;
  /** Leaves out the events of runs another repository owns. */
  owner?: RunOwner;
  /** Rows fetched per query. */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 1000;

/** Writes every event as `{"id", "runId", "type", "at", ...event fields}`; returns how many. */
export async function exportLedger(
  store: Pick<Store, 'ledger'>,
  write: (line: string) => void | Promise<void>,
  options: ExportLedgerOptions = {},
): Promise<number> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let afterId: number | undefined;
  let written = 0;
  for (;;) {
    const rows = await store.ledger.list({ runId: options.runId, owner: options.owner, afterId, limit: pageSize });
    for (const row of rows) {
      const { type: _type, runId: _runId, ...fields } = row.data;
      await write(JSON.stringify({ id: row.id, runId: row.runId, type: row.type, at: row.at.toISOString(), ...fields }));
      written++;
    }
    if (rows.length < pageSize) return written;
    afterId = rows[rows.length - 1]!.id;
  }
}
