// Writes inside an embedded-store transaction are sent to PGlite together. PGlite's `query` costs six
// protocol round trips into WebAssembly (parse, describe, bind, describe, execute, sync): for the
// short rows Cambrian writes that dominates, ~1.2 ms a statement where the work is ~0.2 ms. Inside
// `transaction()`, an INSERT/UPDATE/DELETE is therefore queued with its parameters inlined as quoted
// literals, and the queue runs as ONE simple-protocol `exec` just before the next statement that
// needs a reply (a SELECT) and at the end of the transaction — so a job's writes cost one round trip.
//
// Semantics kept:
// - A quoted literal is an untyped constant, resolved by Postgres exactly as PGlite's untyped
//   parameters are (both are serialised to text by type); `standard_conforming_strings` is on
//   (PGLITE_CONF), so `'` doubled is the only escape, and backslashes are plain characters.
// - `UPDATE … RETURNING "id"` (how repositories check that a row existed) is queued with a stand-in
//   row; when the batch runs, an update that matched nothing throws, inside the transaction, which
//   then rolls back — the same all-or-nothing outcome as throwing at the statement.
// - Drizzle's PGlite driver calls only `query` on a transaction (and `exec` is kept for raw SQL);
//   nothing else of PGlite's Transaction is offered.
// - Anything else (other RETURNING lists, a value that is not text, number, boolean or date, a NUL
//   character, which Postgres refuses in text) takes the ordinary path, queued writes first.
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';

type QueryOptions = Parameters<Transaction['query']>[2];

interface Queued {
  sql: string;
  /** For `UPDATE … RETURNING "id"`: what to say when it matched no row. */
  mustMatch: string | null;
}

const WRITE = /^\s*(insert|update|delete)\s/i;
const RETURNING_ID = /\sreturning\s+"id"\s*$/i;
const RETURNING = /\sreturning\s/i;

/**
 * `client` with `transaction()` batching writes as described above; every other method is the
 * client's own. Drizzle's PGlite driver only calls `query` (and `transaction`) on it.
 */
export function withBatchedWrites(client: PGlite): PGlite {
  const transaction: PGlite['transaction'] = (callback) =>
    client.transaction(async (tx) => {
      const batching = new BatchingTransaction(tx);
      const result = await callback(batching as unknown as Transaction);
      await batching.flush();
      return result;
    });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'transaction') return transaction;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

class BatchingTransaction {
  private queued: Queued[] = [];

  constructor(private readonly tx: Transaction) {}

  get closed(): boolean {
    return this.tx.closed;
  }

  async query<T>(sql: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    const queued = WRITE.test(sql) ? toQueued(sql, params) : null;
    if (queued === null) {
      await this.flush();
      return this.tx.query<T>(sql, params, options);
    }
    this.queued.push(queued);
    if (queued.mustMatch === null) return { rows: [], fields: [], affectedRows: 0 } as Results<T>;
    // The stand-in row: repositories only count it; the real count is checked in flush().
    const row = options?.rowMode === 'array' ? [null] : { id: null };
    return { rows: [row], fields: [{ name: 'id', dataTypeID: 25 }], affectedRows: 1 } as unknown as Results<T>;
  }

  async exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    await this.flush();
    return this.tx.exec(sql, options);
  }

  async rollback(): Promise<void> {
    this.queued = [];
    await this.tx.rollback();
  }

  /** Runs the queued writes as one statement list; throws if a checked update matched no row. */
  async flush(): Promise<void> {
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    const results = await this.tx.exec(batch.map((q) => q.sql).join(';\n'));
    if (results.length !== batch.length) {
      throw new Error(`batched writes: ${batch.length} statements gave ${results.length} results`);
    }
    batch.forEach((queued, index) => {
      if (queued.mustMatch !== null && results[index]!.rows.length === 0) throw new Error(queued.mustMatch);
    });
  }
}

/** The statement with its parameters inlined, or null when it must take the ordinary path. */
export function toQueued(sql: string, params: readonly unknown[]): Queued | null {
  let mustMatch: string | null = null;
  if (RETURNING.test(sql)) {
    if (!/^\s*update\s/i.test(sql) || !RETURNING_ID.test(sql)) return null;
    const table = /^\s*update\s+("[^"]+"|\S+)/i.exec(sql)?.[1] ?? 'a row';
    mustMatch = `cannot update ${table.replaceAll('"', '')}: no such row (batched update matched nothing)`;
  }
  const literals: string[] = [];
  for (const value of params) {
    const literal = toLiteral(value);
    if (literal === null) return null;
    literals.push(literal);
  }
  const inlined = inlineParameters(sql, literals);
  return inlined === null ? null : { sql: inlined, mustMatch };
}

/** A quoted SQL literal for what PGlite would send as text, or null for anything else. */
export function toLiteral(value: unknown): string | null {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    text = value.toISOString();
  } else return null;
  if (text.includes('\0')) return null;
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Replaces `$n` placeholders outside quoted literals and identifiers; null when a placeholder has
 * no value or the text has a construct this scanner does not follow (dollar quoting, E'' strings).
 */
export function inlineParameters(sql: string, literals: readonly string[]): string | null {
  let out = '';
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, index);
      if (end < 0) return null;
      if (char === "'" && index > 0 && /[eEuUbBxX&]/.test(sql[index - 1]!)) return null;
      out += sql.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    if (char === '$') {
      const digits = /^\$(\d+)/.exec(sql.slice(index, index + 8));
      if (!digits) return null;
      const literal = literals[Number(digits[1]) - 1];
      if (literal === undefined) return null;
      out += literal;
      index += digits[0].length;
      continue;
    }
    if (char === '-' && sql[index + 1] === '-') return null;
    if (char === '/' && sql[index + 1] === '*') return null;
    if (char === ';') return null;
    out += char;
    index++;
  }
  return out;
}

/** Index of the quote closing the one at `start` (a doubled quote is part of the text), or -1. */
function closingQuote(sql: string, start: number): number {
  const quote = sql[start]!;
  for (let at = start + 1; at < sql.length; at++) {
    if (sql[at] !== quote) continue;
    if (sql[at + 1] === quote) {
      at++;
      continue;
    }
    return at;
  }
  return -1;
}
