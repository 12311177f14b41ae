// The run lease as the loop uses it (ADR 0017), and run id allocation, on a real Postgres server:
// the heartbeat keeps a short lease alive, a takeover is noticed, a killed holder on this host or
// any holder on the exclusive embedded store is replaced at once, and concurrent run creation in
// one repository never hands out the same id.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { hostname } from 'node:os';
import { allocateRunId } from '../../src/evolution/run-setup.ts';
import { acquireRunLease, leaseClaim, RunLeaseHeartbeat } from '../../src/evolution/run-lease.ts';
import { GitRepo } from '../../src/git/plumbing.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/port.ts';
import { makeRun } from '../store/records.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const started = await startTestPostgres();
const skip = 'skip' in started ? started.skip : false;
const cluster: TestPostgres | undefined = 'cluster' in started ? started.cluster : undefined;

describe('run lease and run ids on Postgres', { skip }, () => {
  let store: Store;
  let repo: TempRepo;
  before(async () => {
    store = await openStore({ databaseUrl: await cluster!.createDatabase() });
    repo = await createTempRepo();
  });
  after(async () => {
    await store?.close();
    await repo?.cleanup();
    await cluster?.stop();
  });

  const newRun = async (): Promise<string> => {
    const run = makeRun({ state: 'stopped' });
    await store.runs.insert(run);
    return run.id;
  };

  it('keeps a lease alive past its time to live while the heartbeat runs, then frees it', async () => {
    const runId = await newRun();
    const claim = leaseClaim(300);
    await acquireRunLease(store.runs, runId, claim);
    const heartbeat = new RunLeaseHeartbeat(store.runs, runId, claim, () => assert.fail('the lease was not lost'));
    heartbeat.start();
    await sleep(900);
    await assert.rejects(acquireRunLease(store.runs, runId, leaseClaim()), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'CAMBRIAN_RUN_LEASED');
      assert.match(error.message, new RegExp(`run ${runId} is being driven by another scheduler \\(${hostname()} pid ${process.pid} since `));
      assert.match(error.hint ?? '', /--new/);
      return true;
    });
    await heartbeat.release();
    assert.equal(await store.runs.leaseHolder(runId), null);
  });

  it('tells the old holder when another scheduler took its expired lease over', async () => {
    const runId = await newRun();
    const stalled = leaseClaim(150);
    await acquireRunLease(store.runs, runId, stalled);
    await sleep(250); // The holder stalled: no heartbeat ran.
    const next = leaseClaim();
    await acquireRunLease(store.runs, runId, next);
    let lostReason = '';
    const heartbeat = new RunLeaseHeartbeat(store.runs, runId, stalled, (reason) => (lostReason = reason));
    heartbeat.start();
    await sleep(300);
    await heartbeat.release();
    assert.equal(heartbeat.lost, true);
    assert.match(lostReason, /taken over by another scheduler/);
    assert.equal((await store.runs.leaseHolder(runId))?.token, next.token, 'the lost holder did not release the new lease');
  });

  it('replaces at once a live lease whose holder on this host was killed, and any holder on an exclusive store', async () => {
    const runId = await newRun();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    await store.runs.acquireLease(runId, { ...leaseClaim(), pid: deadPid });
    const mine = leaseClaim();
    await acquireRunLease(store.runs, runId, mine);
    assert.equal((await store.runs.leaseHolder(runId))?.token, mine.token);

    const elsewhere = { ...leaseClaim(), host: 'another-host' };
    await assert.rejects(acquireRunLease(store.runs, runId, elsewhere), /driven by another scheduler/);
    await acquireRunLease(store.runs, runId, elsewhere, { exclusiveStore: true });
    assert.equal((await store.runs.leaseHolder(runId))?.host, 'another-host');
  });

  it('gives concurrent run creations in one repository distinct ids, skipping ids whose branches exist', async () => {
    const git = new GitRepo(repo.dir);
    try {
      const next = await store.runs.nextOrdinal();
      await repo.git('branch', `cambrian/r${next + 1}/g0/i0`);
      const ids = await Promise.all(Array.from({ length: 16 }, () => allocateRunId(store.runs, git)));
      assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids.join(',')}`);
      assert.ok(!ids.includes(`r${next + 1}`), 'an id whose branches exist is skipped');
      assert.ok(ids.every((id) => /^r\d+$/.test(id)));
      await Promise.all(ids.map((id) => store.runs.insert(makeRun({ id }))));
    } finally {
      await git.close();
    }
  });
});
