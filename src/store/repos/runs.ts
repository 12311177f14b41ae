// The runs repository: one row per `cambrian run`, carrying its counters, persisted loop state, the
// repository it belongs to and the lease of the scheduler driving it.
import { and, arrayOverlaps, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { LeaseClaim, RunOwner, RunPatch, RunRecord, RunRepo, RunState } from '../port.ts';
import { runs } from '../schema.ts';
import { definedOnly, expectUpdated, rowsOf, type Db } from './db.ts';

const RESUMABLE: RunState[] = ['running', 'stopped'];

type RunRow = typeof runs.$inferSelect;

/** The projection is read back into the loop state; absent when none is stored. */
function toRecord(row: RunRow): RunRecord {
  const { loopProjection, repoRoots, repoOrigin, leaseToken, leaseHost, leasePid, leaseSince, leaseExpiresAt, ...rest } = row;
  const loopState = loopProjection === null || loopProjection === undefined ? rest.loopState : { ...rest.loopState, projection: loopProjection };
  const repository = repoRoots === null ? null : { roots: repoRoots, origin: repoOrigin };
  return { ...rest, state: row.state as RunState, repository, loopState };
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

function repositoryColumns(repository: RunRecord['repository'] | undefined): { repoRoots?: string[] | null; repoOrigin?: string | null } {
  if (repository === undefined) return {};
  return { repoRoots: repository?.roots ?? null, repoOrigin: repository?.origin ?? null };
}

/**
 * The owner's runs (ADR 0017): a shared root commit, and the same origin unless either side has
 * none (a remote added or removed later does not orphan a run; forks with their own origins stay
 * apart). Runs without an identity predate it and are everyone's.
 */
export function ownedBy(owner: RunOwner): SQL | undefined {
  if (owner === 'any') return undefined;
  const sameOrigin = owner.origin === null ? undefined : or(isNull(runs.repoOrigin), eq(runs.repoOrigin, owner.origin));
  const sameRepository = owner.roots.length === 0 ? sql`false` : and(arrayOverlaps(runs.repoRoots, owner.roots), sameOrigin);
  return or(isNull(runs.repoRoots), sameRepository);
}

/** Now plus a lease's time to live, on the database's clock. */
const expiresIn = (ttlMs: number): SQL => sql`now() + (${Math.max(1, Math.round(ttlMs))})::integer * interval '1 millisecond'`;

export function runRepo(db: Db): RunRepo {
  return {
    async insert(run) {
      const { repository, ...rest } = run;
      await db.insert(runs).values({ ...rest, ...repositoryColumns(repository), ...splitLoopState(run.loopState) });
    },
    async get(id, owner = 'any') {
      const [row] = await db.select().from(runs).where(and(eq(runs.id, id), ownedBy(owner)));
      return row ? toRecord(row) : null;
    },
    async latestResumable(owner) {
      const resumable = or(inArray(runs.state, RESUMABLE), and(eq(runs.state, 'failed'), gt(runs.evaluations, 0)));
      const [row] = await db.select().from(runs).where(and(resumable, ownedBy(owner))).orderBy(desc(runs.createdAt), desc(runs.id)).limit(1);
      return row ? toRecord(row) : null;
    },
    async list(owner) {
      const rows = await db.select().from(runs).where(ownedBy(owner)).orderBy(desc(runs.createdAt), desc(runs.id));
      return rows.map(toRecord);
    },
    async nextOrdinal() {
      const [row] = rowsOf<{ ordinal: string | number }>(await db.execute(sql`SELECT nextval('run_ordinal_seq') AS ordinal`));
      return Number(row!.ordinal);
    },
    async update(id, patch: RunPatch) {
      const { repository, ...rest } = patch;
      const values = definedOnly({ ...rest, ...repositoryColumns(repository), ...splitLoopState(patch.loopState) });
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
    async acquireLease(id, claim: LeaseClaim, options = {}) {
      // One statement: two schedulers racing for a free lease cannot both win. (RETURNING a column
      // other than "id" keeps the embedded store's write batching from answering for the row.)
      const free = or(
        isNull(runs.leaseToken),
        lt(runs.leaseExpiresAt, sql`now()`),
        eq(runs.leaseToken, claim.token),
        options.replacing === undefined ? undefined : eq(runs.leaseToken, options.replacing),
      );
      const taken = await db
        .update(runs)
        .set({
          leaseToken: claim.token,
          leaseHost: claim.host,
          leasePid: claim.pid,
          leaseSince: sql`CASE WHEN ${runs.leaseToken} = ${claim.token} THEN ${runs.leaseSince} ELSE now() END`,
          leaseExpiresAt: expiresIn(claim.ttlMs),
        })
        .where(and(eq(runs.id, id), free))
        .returning({ token: runs.leaseToken });
      if (taken.length > 0) return { acquired: true };
      const holder = await this.leaseHolder(id);
      if (!holder) throw new Error(`cannot lease run ${id}: no such run`);
      return { acquired: false, holder };
    },
    async renewLease(id, claim) {
      const renewed = await db
        .update(runs)
        .set({ leaseExpiresAt: expiresIn(claim.ttlMs) })
        .where(and(eq(runs.id, id), eq(runs.leaseToken, claim.token)))
        .returning({ token: runs.leaseToken });
      return renewed.length > 0;
    },
    async releaseLease(id, token) {
      await db
        .update(runs)
        .set({ leaseToken: null, leaseHost: null, leasePid: null, leaseSince: null, leaseExpiresAt: null })
        .where(and(eq(runs.id, id), eq(runs.leaseToken, token)));
    },
    async leaseHolder(id) {
      const [row] = await db
        .select({
          token: runs.leaseToken,
          host: runs.leaseHost,
          pid: runs.leasePid,
          since: runs.leaseSince,
          expiresAt: runs.leaseExpiresAt,
          expired: sql<boolean>`${runs.leaseExpiresAt} < now()`,
        })
        .from(runs)
        .where(eq(runs.id, id));
      if (!row || row.token === null || row.since === null || row.expiresAt === null) return null;
      return { token: row.token, host: row.host ?? '?', pid: row.pid ?? 0, since: row.since, expiresAt: row.expiresAt, expired: row.expired === true };
    },
  };
}
