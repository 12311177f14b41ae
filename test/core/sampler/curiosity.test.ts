import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CuriosityStats } from '../../../src/core/sampler/curiosity.ts';

describe('CuriosityStats', () => {
  it('scores 0 for unknown cells and more for cells whose children improved', () => {
    const stats = new CuriosityStats();
    assert.equal(stats.score('1,1'), 0);
    for (let i = 0; i < 5; i++) {
      stats.record('good', true);
      stats.record('bad', false);
    }
    assert.ok(stats.score('good') > 0.8);
    assert.ok(stats.score('bad') > 0 && stats.score('bad') < 0.2);
  });

  it('forgets old evidence: a cell that stopped being tried drifts back towards the prior', () => {
    const stats = new CuriosityStats({ halfLife: 10 });
    for (let i = 0; i < 20; i++) stats.record('old', false);
    const fresh = stats.score('old');
    for (let i = 0; i < 100; i++) stats.record('other', true);
    assert.ok(stats.score('old') > fresh);
    assert.ok(Math.abs(stats.score('old') - 0.5) < 0.05);
  });

  it('keeps at most maxCells cells, forgetting the least recently recorded', () => {
    const stats = new CuriosityStats({ maxCells: 3 });
    for (const cell of ['a', 'b', 'c', 'a', 'd', 'e']) stats.record(cell, true);
    // Recency order after the records: b, c, a, d, e — so b and c were forgotten.
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].filter((c) => stats.score(c) > 0), ['a', 'd', 'e']);
    assert.equal((stats.toJSON() as { cells: unknown[] }).cells.length, 3);
  });

  it('does not change state when scoring', () => {
    const stats = new CuriosityStats();
    stats.record('a', true);
    stats.record('b', false);
    const before = JSON.stringify(stats);
    stats.score('a');
    stats.score('b');
    assert.equal(JSON.stringify(stats), before);
  });

  it('round-trips through JSON and continues identically', () => {
    const original = new CuriosityStats({ halfLife: 7, maxCells: 4 });
    for (let i = 0; i < 30; i++) original.record(`c${i % 6}`, i % 4 === 0);
    const copy = CuriosityStats.fromJSON(JSON.parse(JSON.stringify(original)));
    for (let i = 0; i < 10; i++) {
      original.record(`c${i % 5}`, i % 3 === 0);
      copy.record(`c${i % 5}`, i % 3 === 0);
    }
    assert.deepEqual(copy.toJSON(), original.toJSON());
    for (let i = 0; i < 6; i++) assert.equal(copy.score(`c${i}`), original.score(`c${i}`));
  });

  it('rejects malformed JSON', () => {
    assert.throws(() => CuriosityStats.fromJSON(null), /invalid/);
    assert.throws(() => CuriosityStats.fromJSON({ halfLife: 1, maxCells: 1, clock: 0, cells: [[1, 2, 3, 4]] }), /invalid/);
  });
});
