// Conformance tests for run ownership (ADR 0017): runs scoped to their repository, run ordinals
// that concurrent callers never share, and the lease of the scheduler driving a run.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { RepositoryIdentity } from '../../../src/core/types.ts';
import type { LeaseClaim, RunRecord } from '../../../src/store/port.ts';
import type { GetStore } from '../store-suite.ts';
import { at, makeRun, uid } from '../records.ts';

const identity = (origin: string | null, ...roots: string[]): RepositoryIdentity => ({ roots, origin });
const claim = (overrides: Partial<LeaseClaim> = {}): LeaseClaim => ({ token: uid('token'), host: 'host-a', pid: 1234, ttlMs: 60_000, ...overrides });

export function runOwnershipTests(store: GetStore): void {
  describe('run ownership', () => {
    it('shows a repository its own runs and runs without an identity, never another repository\'s', async () => {
      const rootA = uid('root-a');
      const rootB = uid('root-b');
      const a = identity('example.com/team/a', rootA);
      // Old dates: these runs never become the newest of a database other tests share.
      const ofA = makeRun({ repository: a, state: 'stopped', createdAt: at('2001-01-02T00:00:00.000Z') });
      const ofB = makeRun({ repository: identity(null, rootB), state: 'stopped', createdAt: at('2001-01-03T00:00:00.000Z') });
      const legacy = makeRun({ repository: null, state: 'finished', createdAt: at('2001-01-01T00:00:00.000Z') });
      for (const run of [ofA, ofB, legacy]) await store().runs.insert(run);
      const mine = new Set([ofA.id, ofB.id, legacy.id]);
      const listed = async (owner: RepositoryIdentity): Promise<string[]> =>
        (await store().runs.list(owner)).map((run) => run.id).filter((id) => mine.has(id));

      assert.deepEqual(await listed(a), [ofA.id, legacy.id]);
      assert.deepEqual(await listed(identity(null, rootB)), [ofB.id, legacy.id]);
      assert.deepEqual((await store().runs.get(ofA.id, a))?.repository, a, 'the identity round-trips');
      assert.equal(await store().runs.get(ofB.id, a), null, 'another repository\'s run is not found');
      assert.equal((await store().runs.get(legacy.id, a))?.id, legacy.id);
      assert.equal((await store().runs.get(ofB.id))?.id, ofB.id, 'without an owner, any run');
      // A repository that gained a root (an unrelated history merged in) keeps its runs.
      assert.deepEqual(await listed(identity('example.com/team/a', uid('other-root'), rootA)), [ofA.id, legacy.id]);
      // Same history, different origins: a fork with its own origin does not see the original's runs;
      // a clone without an origin does (the origin was removed, or never added).
      assert.deepEqual(await listed(identity('example.com/someone/fork', rootA)), [legacy.id]);
      assert.deepEqual(await listed(identity(null, rootA)), [ofA.id, legacy.id]);
      // Runs that carry no origin are matched on their roots alone.
      assert.deepEqual(await listed(identity('example.com/team/b', rootB)), [ofB.id, legacy.id]);
      await store().runs.update(ofA.id, { state: 'finished' });
      await store().runs.update(ofB.id, { state: 'finished' });
    });

    it('resumes only the repository\'s own newest unfinished run', async () => {
      const a = identity(null, uid('root-a'));
      const b = identity(null, uid('root-b'));
      // Far-future dates: newer than the unfinished runs without an identity other tests leave.
      const olderOfA = makeRun({ repository: a, state: 'stopped', createdAt: at('3001-02-01T00:00:00.000Z') });
      const newerOfB = makeRun({ repository: b, state: 'running', createdAt: at('3001-02-02T00:00:00.000Z') });
      for (const run of [olderOfA, newerOfB]) await store().runs.insert(run);
      assert.equal((await store().runs.latestResumable(a))?.id, olderOfA.id);
      assert.equal((await store().runs.latestResumable(b))?.id, newerOfB.id);
      await store().runs.update(olderOfA.id, { state: 'finished' });
      await store().runs.update(newerOfB.id, { state: 'finished' });
    });

    it('stamps an identity on a run that had none', async () => {
      const run = makeRun({ repository: null, state: 'finished', createdAt: at('2001-03-01T00:00:00.000Z') });
      await store().runs.insert(run);
      const a = identity('example.com/a', uid('root'));
      await store().runs.update(run.id, { repository: a });
      assert.deepEqual((await store().runs.get(run.id))?.repository, a);
      assert.equal(await store().runs.get(run.id, identity(null, uid('root'))), null);
    });

    it('leaves other repositories\' runs out of the ledger an owner reads', async () => {
      const a = identity(null, uid('root-a'));
      const ofA = makeRun({ repository: a, state: 'finished', createdAt: at('2001-05-01T00:00:00.000Z') });
      const ofB = makeRun({ repository: identity(null, uid('root-b')), state: 'finished', createdAt: at('2001-05-02T00:00:00.000Z') });
      for (const run of [ofA, ofB]) await store().runs.insert(run);
      const unrecorded = uid('run-without-row');
      for (const runId of [ofA.id, ofB.id, unrecorded]) {
        await store().ledger.append(runId, [{ type: 'run_stopped', runId, reason: 'interrupted', evaluations: 0 }]);
      }
      const seen = new Set((await store().ledger.list({ owner: a, limit: 100_000 })).map((row) => row.runId));
      assert.ok(seen.has(ofA.id));
      assert.ok(seen.has(unrecorded), 'events of a run without a row are nobody else\'s');
      assert.ok(!seen.has(ofB.id));
    });

    it('hands out distinct run ordinals to concurrent callers', async () => {
      const ordinals = await Promise.all(Array.from({ length: 24 }, () => store().runs.nextOrdinal()));
      assert.equal(new Set(ordinals).size, ordinals.length, `duplicates in ${ordinals.join(',')}`);
      assert.ok(ordinals.every((n) => Number.isInteger(n) && n > 0));
    });

    it('leases a run to one scheduler at a time and names the holder to the others', async () => {
      const run: RunRecord = makeRun({ state: 'finished', createdAt: at('2001-04-01T00:00:00.000Z') });
      await store().runs.insert(run);
      assert.equal(await store().runs.leaseHolder(run.id), null);
      const first = claim({ host: 'host-a', pid: 111 });
      assert.deepEqual(await store().runs.acquireLease(run.id, first), { acquired: true });
      const holder = await store().runs.leaseHolder(run.id);
      assert.equal(holder?.host, 'host-a');
      assert.equal(holder?.pid, 111);
      assert.equal(holder?.expired, false);
      assert.ok(holder!.expiresAt.getTime() > holder!.since.getTime());

      const second = claim({ host: 'host-b', pid: 222 });
      const refused = await store().runs.acquireLease(run.id, second);
      assert.equal(refused.acquired, false);
      assert.equal(!refused.acquired && refused.holder.host, 'host-a');
      assert.equal(!refused.acquired && refused.holder.pid, 111);
      // Re-acquiring one's own lease succeeds and keeps its start; renewing works for the holder only.
      assert.deepEqual(await store().runs.acquireLease(run.id, first), { acquired: true });
      assert.equal((await store().runs.leaseHolder(run.id))?.since.getTime(), holder!.since.getTime());
      assert.equal(await store().runs.renewLease(run.id, first), true);
      assert.equal(await store().runs.renewLease(run.id, second), false);
      // Releasing with someone else's token does nothing; the holder's release frees the run.
      await store().runs.releaseLease(run.id, second.token);
      assert.equal((await store().runs.leaseHolder(run.id))?.pid, 111);
      await store().runs.releaseLease(run.id, first.token);
      assert.equal(await store().runs.leaseHolder(run.id), null);
      assert.deepEqual(await store().runs.acquireLease(run.id, second), { acquired: true });
      await store().runs.releaseLease(run.id, second.token);
    });

    it('lets a new scheduler take over an expired lease, and the old holder finds it lost', async () => {
      const run = makeRun({ state: 'finished', createdAt: at('2001-04-02T00:00:00.000Z') });
      await store().runs.insert(run);
      const killed = claim({ host: 'host-a', pid: 111, ttlMs: 1 });
      assert.deepEqual(await store().runs.acquireLease(run.id, killed), { acquired: true });
      await sleep(30);
      assert.equal((await store().runs.leaseHolder(run.id))?.expired, true);
      const next = claim({ host: 'host-b', pid: 222 });
      assert.deepEqual(await store().runs.acquireLease(run.id, next), { acquired: true });
      assert.equal(await store().runs.renewLease(run.id, killed), false, 'the old holder learns it lost the lease');
      assert.equal((await store().runs.leaseHolder(run.id))?.host, 'host-b');
      await store().runs.releaseLease(run.id, next.token);
    });

    it('refuses a held lease inside a transaction too', async () => {
      const run = makeRun({ state: 'finished', createdAt: at('2001-04-03T00:00:00.000Z') });
      await store().runs.insert(run);
      const first = claim();
      await store().runs.acquireLease(run.id, first);
      const result = await store().transaction((tx) => tx.runs.acquireLease(run.id, claim({ pid: 999 })));
      assert.equal(result.acquired, false);
      await store().runs.releaseLease(run.id, first.token);
    });
  });
}
