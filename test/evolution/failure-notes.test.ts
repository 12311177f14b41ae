// The failure notes prompts show, over a real embedded store: the parent's own failure first, then
// its newest failed children; read from the store once per parent, then kept current by ingest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureNotes } from '../../src/evolution/failure-notes.ts';
import { openStore } from '../../src/store/open.ts';
import type { IndividualRecord, Store } from '../../src/store/port.ts';
import { makeEvaluation, makeIndividual, uid } from '../store/records.ts';

describe('FailureNotes', () => {
  let dir: string;
  let store: Store;
  let counting: Store;
  let reads = 0;
  const runId = uid('run');
  let parent: IndividualRecord;

  const fail = async (seq: number, stderr: string): Promise<[IndividualRecord, ReturnType<typeof makeEvaluation>]> => {
    const child = makeIndividual(runId, seq, { parentId: parent.id, operator: 'llm-diff', outcome: 'candidate_failed', status: 'evaluated' });
    const evaluation = makeEvaluation(runId, child.id, seq, { outcome: 'candidate_failed', reason: `exit ${seq}` });
    evaluation.stages = evaluation.stages.map((s) => ({ ...s, stderr }));
    await store.individuals.insert(child);
    await store.evaluations.insert(evaluation);
    return [child, evaluation];
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cambrian-failure-notes-'));
    store = await openStore({ repoDir: dir });
    const count = <T extends object>(repo: T): T =>
      new Proxy(repo, { get: (target, key) => { const v = Reflect.get(target, key); return typeof v === 'function' ? (...a: unknown[]) => (reads++, v.apply(target, a)) : v; } });
    counting = { ...store, individuals: count(store.individuals), evaluations: count(store.evaluations) };
    parent = makeIndividual(runId, 0, { outcome: 'candidate_failed', status: 'evaluated' });
    await store.individuals.insert(parent);
    const own = makeEvaluation(runId, parent.id, 0, { outcome: 'candidate_failed', reason: 'own failure' });
    await store.evaluations.insert(own);
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the parent\'s own failure, then its newest failed children, reading the store once per parent', async () => {
    await fail(1, 'first');
    await fail(2, 'second');
    const notes = new FailureNotes(counting);
    reads = 0;
    const shown = await notes.forParent(parent);
    assert.deepEqual(shown.map((n) => n.reason), ['own failure', 'exit 2', 'exit 1']);
    assert.equal(shown[1]!.stderrTail, 'second');
    const afterFirst = reads;
    assert.ok(afterFirst > 0);
    assert.deepEqual((await notes.forParent(parent)).map((n) => n.reason), ['own failure', 'exit 2', 'exit 1']);
    assert.equal(reads, afterFirst, 'the second ask is answered from memory');

    const [child, evaluation] = await fail(3, 'third');
    notes.record(child, evaluation);
    assert.deepEqual((await notes.forParent(parent)).map((n) => n.reason), ['own failure', 'exit 3', 'exit 2']);
    assert.equal(reads, afterFirst, 'a recorded failure needs no read either');
    // A fresh instance (a resumed session) finds the same in the store.
    assert.deepEqual((await new FailureNotes(store).forParent(parent)).map((n) => n.reason), ['own failure', 'exit 3', 'exit 2']);
  });
});
