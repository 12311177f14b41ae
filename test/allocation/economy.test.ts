// The energy economy over islands: draws by energy and ROI, the share cap, tickets and prices, the
// Gini levy, bankruptcy and culling, top-ups, the reseed choice, and its state surviving a round
// trip through JSON (the loop state) with the same choices after it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { Economy, gini, initialEconomyState, parseEconomyState, pickReseed, type EconomySettings } from '../../src/allocation/economy.ts';

const SETTINGS: EconomySettings = { initialEnergy: 20, price: 8, maxShare: 0.5, giniCap: 0.5, checkEvery: 10, upkeep: 0, cullAfter: 3, reseed: 2, topUp: 5 };

function economy(islands = 4, settings: Partial<EconomySettings> = {}): Economy {
  const s = { ...SETTINGS, ...settings };
  return new Economy(initialEconomyState(islands, s), s);
}

function draws(e: Economy, n: number, seed = 1): number[] {
  const rng = Rng.fromSeed(seed);
  const counts = e.state.islands.map(() => 0);
  for (let i = 0; i < n; i++) counts[e.pickIsland(rng)]!++;
  return counts;
}

describe('energy economy', () => {
  it('spreads slots evenly while islands are equal, and towards energy and ROI when they are not', () => {
    const even = draws(economy(), 4000);
    for (const c of even) assert.ok(Math.abs(c - 1000) < 120, `even draw: ${even}`);
    const e = economy(2, { maxShare: 1 });
    e.state.islands[0]!.energy = 30;
    e.state.islands[1]!.energy = 10;
    const skewed = draws(e, 4000);
    assert.ok(skewed[0]! > 2 * skewed[1]!, `energy 30 vs 10: ${skewed}`);
  });

  it('debits a ticket per job (priced jobs against the mean job cost) and credits scarce success more', () => {
    const e = economy(2);
    assert.equal(e.debit(0, 0), 1);
    assert.equal(e.state.islands[0]!.energy, 19);
    e.debit(1, 0.01);
    assert.equal(e.debit(1, 0.02), 2, 'a job twice the mean cost pays two tickets');
    for (let i = 0; i < 20; i++) {
      e.debit(0, 0);
      e.credit(0, 0.5);
    }
    // Island 0 succeeds at every job, island 1 never: island 1's success is scarcer, so it is paid more.
    assert.ok(e.priceOf(1) > e.priceOf(0), `${e.priceOf(1)} > ${e.priceOf(0)}`);
    assert.ok(e.priceOf(1) <= SETTINGS.price * 4 && e.priceOf(0) >= SETTINGS.price * 0.5);
    assert.equal(e.credit(1, 0), 0, 'no reward, no credit');
  });

  it('refuses slots to an island over the share cap and counts the guard', () => {
    const e = economy(2, { maxShare: 0.6 });
    e.state.islands[0]!.energy = 1000;
    for (let i = 0; i < 50; i++) e.debit(0, 0);
    e.state.islands[0]!.energy = 1000;
    assert.ok(e.shares()[0]! > 0.6);
    assert.deepEqual(draws(e, 200), [0, 200]);
    assert.ok(e.state.guards.share >= 200);
  });

  it('levies the richest islands when the Gini coefficient passes the cap', () => {
    const e = economy(4, { giniCap: 0.3, topUp: 0 });
    e.state.islands.forEach((a, i) => (a.energy = i === 0 ? 100 : 1));
    const before = e.gini();
    const { events } = e.check(10, [false, false, false, false]);
    assert.equal(events[0]?.kind, 'gini');
    assert.ok(e.gini() < before);
    assert.equal(e.state.guards.gini, 1);
    const total = e.state.islands.reduce((s, a) => s + a.energy, 0);
    assert.ok(Math.abs(total - 103) < 1e-9, 'the levy moves energy, it does not destroy it');
  });

  it('culls an island bankrupt for cullAfter checks in a row, and reseeding restores its energy', () => {
    const e = economy(2, { cullAfter: 2, topUp: 0 });
    e.state.islands[1]!.energy = -3;
    assert.deepEqual(e.check(10, [false, false]).cull, []);
    const drained = economy(2, { upkeep: 1.5 });
    drained.check(10, [false, false]);
    assert.deepEqual(drained.state.islands.map((a) => a.energy), [18.5, 18.5], 'every island pays its upkeep at a check');
    e.state.islands[1]!.energy = 2;
    assert.deepEqual(e.check(20, [false, false]).cull, [], 'a check in credit resets the count');
    e.state.islands[1]!.energy = -1;
    e.check(30, [false, false]);
    assert.deepEqual(e.check(40, [false, false]).cull, [1]);
    e.reseeded(1);
    assert.equal(e.state.islands[1]!.energy, SETTINGS.initialEnergy);
    assert.equal(e.state.islands[1]!.culls, 1);
    assert.equal(e.state.islands[1]!.bankruptChecks, 0);
  });

  it('tops up an island with an above-median ROI near the global best', () => {
    const e = economy(2, { giniCap: 1 });
    e.debit(0, 0);
    e.credit(0, 1);
    e.debit(1, 0);
    e.state.islands[0]!.energy = 10;
    const { events } = e.check(10, [true, true]);
    assert.deepEqual(events, [{ kind: 'top_up', island: 0, amount: 5 }]);
    assert.equal(e.state.islands[0]!.energy, 15);
  });

  it('makes the same draws after a JSON round trip, and fits a stored state to a new island count', () => {
    const e = economy(3);
    e.debit(2, 0);
    e.credit(2, 0.7);
    const copy = new Economy(parseEconomyState(JSON.parse(JSON.stringify(e.state)), 3, SETTINGS)!, SETTINGS);
    assert.deepEqual(draws(copy, 50, 9), draws(e, 50, 9));
    const grown = parseEconomyState(JSON.parse(JSON.stringify(e.state)), 5, SETTINGS)!;
    assert.equal(grown.islands.length, 5);
    assert.equal(grown.islands[4]!.energy, SETTINGS.initialEnergy);
    assert.equal(parseEconomyState(null, 3, SETTINGS), null);
    assert.equal(parseEconomyState({ version: 2 }, 3, SETTINGS), null);
  });

  it('computes the Gini coefficient', () => {
    assert.equal(gini([5, 5, 5, 5]), 0);
    assert.equal(gini([0, 0, 0, 0]), 0);
    assert.ok(Math.abs(gini([0, 0, 0, 4]) - 0.75) < 1e-12);
    assert.equal(gini([-3, 2]), gini([0, 2]));
  });
});

describe('reseeding a culled island', () => {
  const entry = (id: string, cell: string, coords: number[]) => ({ id, cell, coords });
  it('takes one elite per cell, never the global best, far apart', () => {
    const candidates = [
      entry('best', 'a', [0, 0]),
      entry('a2', 'a', [0, 0.1]),
      entry('b', 'b', [0.1, 0]),
      entry('c', 'c', [5, 5]),
      entry('d', 'd', [0.2, 0.2]),
    ];
    const chosen = pickReseed(candidates, 'best', 2).map((c) => c.id);
    assert.deepEqual(chosen, ['a2', 'c']);
    assert.deepEqual(pickReseed(candidates, null, 10).map((c) => c.id).sort(), ['b', 'best', 'c', 'd']);
  });
});
