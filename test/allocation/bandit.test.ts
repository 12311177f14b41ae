// The strategy bandit against simulated strategies with known reward and cost: it starves a bad arm
// (but never to zero), prefers the cheaper of equal arms, follows a change, learns per context,
// replays exactly from its persisted state, and keeps or drops an earlier run's prior by the gate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import {
  contextCell,
  GATE_OBSERVATIONS,
  initialBanditState,
  priorFrom,
  StrategyBandit,
  type BanditState,
  type JobContext,
  type Strategy,
} from '../../src/allocation/bandit.ts';

const SETTINGS = { discount: 0.98, explorationFloor: 0.05, contextPrior: 4 };
const PLAIN: JobContext = { stagnant: false, topParent: false, failingParent: false, pressed: false };

function arms(...names: string[]): Strategy[] {
  return names.map((name) => ({ arm: name, operator: name, model: null, temperature: null }));
}

/** Runs `jobs` choices against an environment; returns the pulls per arm. */
function simulate(
  bandit: StrategyBandit,
  strategies: Strategy[],
  jobs: number,
  env: (arm: string, job: number, rng: Rng, context: JobContext) => { reward: number; cost: number },
  seed = 1,
  contextOf: (job: number) => JobContext = () => PLAIN,
): Map<string, number> {
  const rng = Rng.fromSeed(seed);
  const envRng = Rng.fromSeed(seed + 1000);
  const pulls = new Map<string, number>();
  for (let job = 0; job < jobs; job++) {
    const context = contextOf(job);
    const chosen = bandit.choose(strategies, context, rng);
    pulls.set(chosen.arm, (pulls.get(chosen.arm) ?? 0) + 1);
    const { reward, cost } = env(chosen.arm, job, envRng, context);
    bandit.observe(chosen.arm, contextCell(context), reward, cost);
  }
  return pulls;
}

describe('StrategyBandit', () => {
  it('gives an arm whose proposals always fail fewer than 10% of 100 jobs (every seed of ten)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
      const pulls = simulate(bandit, arms('good', 'ok', 'broken'), 100, (arm, _job, rng) => ({
        reward: arm === 'broken' ? 0 : rng.next() < (arm === 'good' ? 0.6 : 0.4) ? 1 : 0,
        cost: 1,
      }), seed);
      assert.ok((pulls.get('broken') ?? 0) < 10, `seed ${seed}: broken arm got ${pulls.get('broken')} of 100`);
    }
  });

  it('never starves an arm: the exploration floor keeps trying it', () => {
    const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
    const pulls = simulate(bandit, arms('good', 'broken'), 2000, (arm) => ({ reward: arm === 'good' ? 0.8 : 0, cost: 1 }));
    const broken = pulls.get('broken') ?? 0;
    assert.ok(broken >= 20 && broken < 200, `broken arm pulled ${broken} times of 2000 (floor 5% over 2 arms)`);
  });

  it('prefers the cheaper of two arms with the same reward (reward per unit of cost)', () => {
    const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
    const pulls = simulate(bandit, arms('cheap', 'pricey'), 300, (arm, _job, rng) => ({
      reward: rng.next() < 0.5 ? 1 : 0,
      cost: arm === 'pricey' ? 10 : 1,
    }));
    assert.ok((pulls.get('cheap') ?? 0) > 240, `cheap arm got ${pulls.get('cheap')} of 300`);
  });

  it('follows a change: an arm that stops paying loses its jobs (discounting)', () => {
    const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
    const env = (arm: string, job: number) => ({ reward: arm === 'a' ? (job < 300 ? 0.9 : 0) : 0.4, cost: 1 });
    const before = simulate(bandit, arms('a', 'b'), 300, env);
    assert.ok((before.get('a') ?? 0) > 240, `before the change a got ${before.get('a')} of 300`);
    // Old evidence weighs less with every observation (0.98 each): within ~50 jobs it is outweighed.
    simulate(bandit, arms('a', 'b'), 50, (arm, job) => env(arm, job + 300), 7);
    const settled = simulate(bandit, arms('a', 'b'), 100, (arm, job) => env(arm, job + 350), 8);
    assert.ok((settled.get('b') ?? 0) > 85, `50 jobs after the change b got ${settled.get('b')} of the next 100`);
  });

  it('learns per context: each arm where it pays', () => {
    const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
    const stagnantOn = (job: number): JobContext => ({ ...PLAIN, stagnant: job % 2 === 0 });
    const env = (arm: string, _job: number, _rng: Rng, context: JobContext) => ({
      reward: (arm === 'explore') === context.stagnant ? 0.8 : 0.1,
      cost: 1,
    });
    simulate(bandit, arms('explore', 'exploit'), 400, env, 3, stagnantOn);
    const rng = Rng.fromSeed(99);
    let right = 0;
    for (let job = 0; job < 200; job++) {
      const context = stagnantOn(job);
      const chosen = bandit.choose(arms('explore', 'exploit'), context, rng);
      if ((chosen.arm === 'explore') === context.stagnant) right++;
    }
    assert.ok(right > 160, `${right} of 200 choices fit their context`);
  });

  it('continues the exact same choices from its persisted state (a resumed run)', () => {
    const env = (arm: string, _job: number, rng: Rng) => ({ reward: rng.next() * (arm === 'a' ? 1 : 0.7), cost: arm === 'c' ? 2 : 1 });
    const straight = new StrategyBandit(initialBanditState(), SETTINGS);
    simulate(straight, arms('a', 'b', 'c'), 80, env, 5);
    const saved = JSON.parse(JSON.stringify(straight.state)) as BanditState;
    const rngA = Rng.fromSeed(42);
    const rngB = Rng.fromSeed(42);
    const resumed = new StrategyBandit(saved, SETTINGS);
    for (let job = 0; job < 50; job++) {
      const a = straight.choose(arms('a', 'b', 'c'), PLAIN, rngA);
      const b = resumed.choose(arms('a', 'b', 'c'), PLAIN, rngB);
      assert.equal(b.arm, a.arm, `job ${job}`);
      straight.observe(a.arm, contextCell(PLAIN), 0.3, 1);
      resumed.observe(b.arm, contextCell(PLAIN), 0.3, 1);
    }
    assert.deepEqual(resumed.state, straight.state);
  });

  it('keeps an earlier run\'s statistics that predict this run, and drops ones that mislead it', () => {
    const truth = (arm: string) => ({ reward: arm === 'good' ? 0.9 : 0.05, cost: 1 });
    const earlier = new StrategyBandit(initialBanditState(), SETTINGS);
    simulate(earlier, arms('good', 'bad'), 200, truth);

    const faithful = initialBanditState();
    faithful.prior = priorFrom('r1', earlier.state, ['good', 'bad']);
    const kept = new StrategyBandit(faithful, SETTINGS);
    simulate(kept, arms('good', 'bad'), GATE_OBSERVATIONS, truth, 2);
    assert.equal(faithful.prior?.status, 'accepted');

    const misleading = initialBanditState();
    misleading.prior = priorFrom('r1', earlier.state, ['good', 'bad']);
    const dropped = new StrategyBandit(misleading, SETTINGS);
    // The world changed: the formerly bad arm is now the good one.
    simulate(dropped, arms('good', 'bad'), GATE_OBSERVATIONS, (arm) => truth(arm === 'good' ? 'bad' : 'good'), 2);
    assert.equal(misleading.prior?.status, 'rejected');
    assert.ok(misleading.prior!.armError > misleading.prior!.flatError);
  });

  it('reports pulls, mean reward, mean cost and reward per unit cost, busiest first', () => {
    const bandit = new StrategyBandit(initialBanditState(), SETTINGS);
    bandit.observe('a', contextCell(PLAIN), 1, 2);
    bandit.observe('a', contextCell(PLAIN), 0, 2);
    bandit.observe('b', contextCell(PLAIN), 0.5, 0);
    assert.deepEqual(bandit.summary(), [
      { arm: 'a', pulls: 2, meanReward: 0.5, meanCost: 2, roi: 0.25 },
      { arm: 'b', pulls: 1, meanReward: 0.5, meanCost: 0, roi: null },
    ]);
  });
});
