import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertHostilePenalised, assertPenalised, checkedExampleConfig, evaluate, evaluateNumericProposal, evaluateSeed, materialiseAndEvaluate, useSeededRepo, useWorkDir, variant, type ExampleProgram } from './example-support.ts';

type Beacon = [number, number];
/** The example's field is plain JavaScript: its exports, as the tests use them. */
interface Terrain {
  BEACON_COUNT: number;
  JAM_DISTANCE: number;
  GLOBAL_OPTIMUM: number;
  HILLS: ReadonlyArray<{ name: string; x: number; y: number; height: number; spread: number }>;
  heightAt(x: number, y: number): number;
  scoreBeacons(beacons: readonly Beacon[]): number;
}
const terrain = (await import(new URL('../../examples/deceptive-peaks/eval/terrain.mjs', import.meta.url).href)) as Terrain;

/** The seed's score, as its README documents it. */
const SEED_SCORE = 0.7278;
const INVALID = { score: 0, valid: 0, jammed: 0, peaks_claimed: 0, reach_x: 0, reach_y: 0 };
const PEAKS: ExampleProgram = { example: 'deceptive-peaks', file: 'beacons.js', invalid: INVALID };

function withBeacons(beacons: readonly Beacon[]): (source: string) => string {
  return (s) => s.replace(/export const BEACONS = \[[\s\S]*?\n\];/, `export const BEACONS = ${JSON.stringify(beacons)};`);
}

describe('deceptive-peaks example', () => {
  const work = useWorkDir('cambrian-peaks-');

  it('has a cambrian.yaml that validates, with the beacons\' reach as the archive axes', async () => {
    const config = await checkedExampleConfig('deceptive-peaks', ['beacons.js'], 'score');
    assert.equal(config.metrics['score']?.direction, 'max');
    assert.equal(config.budget.maxEvaluations, 300);
    assert.ok(Array.isArray(config.archive.descriptors));
    assert.deepEqual(config.archive.descriptors.map((d) => d.metric), ['reach_x', 'reach_y']);
  });

  it('scores the seed at its documented value, far below the global optimum, on one JSON line', async () => {
    const result = await evaluateSeed('deceptive-peaks');
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4, `seed score ${result.json['score']}`);
    assert.deepEqual([result.json['jammed'], result.json['peaks_claimed'], result.json['reach_x'], result.json['reach_y']], [0, 0, 5.8, 5.8]);
  });

  it('reaches the documented global optimum with one beacon on each of the four highest peaks', async () => {
    assert.equal(terrain.GLOBAL_OPTIMUM, 3.55);
    const peaks = terrain.HILLS.slice(1).sort((a, b) => b.height - a.height).slice(0, terrain.BEACON_COUNT);
    const beacons = peaks.map((p): Beacon => [p.x, p.y]);
    assert.ok(Math.abs(terrain.scoreBeacons(beacons) - 3.55) < 1e-9);
    const result = await evaluate(await variant('deceptive-peaks', work(), 'optimum', 'beacons.js', withBeacons(beacons)));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Math.abs(result.json['score']! - 3.55) < 1e-9);
    assert.equal(result.json['peaks_claimed'], 4);
  });

  it('is deceptive: the top of the decoy is worth much less than the peaks, and the seed sits on its slope', () => {
    const decoy = terrain.HILLS[0]!;
    const side = terrain.JAM_DISTANCE / 2;
    const onDecoy: Beacon[] = [[decoy.x - side, decoy.y - side], [decoy.x + side, decoy.y - side], [decoy.x - side, decoy.y + side], [decoy.x + side, decoy.y + side]];
    const decoyScore = terrain.scoreBeacons(onDecoy);
    assert.ok(decoyScore > SEED_SCORE * 1.8 && decoyScore < terrain.GLOBAL_OPTIMUM / 2, `decoy ${decoyScore}`);
    // Every narrow peak is more than 2.5 away from every seed beacon: no small step reaches one.
    for (const peak of terrain.HILLS.slice(1)) {
      for (const [x, y] of [[4.6, 4.6], [5.8, 4.6], [4.6, 5.8], [5.8, 5.8]]) assert.ok(Math.hypot(peak.x - x!, peak.y - y!) > 2.5, peak.name);
    }
    // Between the decoy and a peak the ground dips: walking from the seed towards the summit first loses height.
    const summit = terrain.HILLS[1]!;
    const halfway = terrain.heightAt((5.8 + summit.x) / 2, (5.8 + summit.y) / 2);
    assert.ok(halfway < terrain.heightAt(5.8, 5.8) && halfway < summit.height / 4);
  });

  it('lets a jammed beacon earn nothing and a beacon off the field earn nothing, without failing', async () => {
    const jammed = await evaluate(await variant('deceptive-peaks', work(), 'jammed', 'beacons.js', withBeacons([[3, 3], [3.5, 3], [6, 6], [7, 7]])));
    assert.equal(jammed.code, 0, jammed.stderr);
    assert.equal(jammed.json['jammed'], 1);
    assert.ok(Math.abs(jammed.json['score']! - terrain.scoreBeacons([[3, 3], [20, 20], [6, 6], [7, 7]])) < 1e-12);
    const outside = await evaluate(await variant('deceptive-peaks', work(), 'outside', 'beacons.js', withBeacons([[-1, 3], [3, 11], [6, 6], [8, 7.6]])));
    assert.equal(outside.code, 0, outside.stderr);
    assert.ok(Math.abs(outside.json['score']! - terrain.heightAt(6, 6) - 1) < 1e-12);
  });

  it('penalises placements that are not 4 finite [x, y] pairs', async () => {
    await assertPenalised(PEAKS, work(), [
      ['fewer', (s) => s.replace('  [5.8, 5.8],\n', ''), /expected exactly 4 beacons, got 3/],
      ['triples', (s) => s.replace('return BEACONS.map(([x, y]) => [x, y]);', 'return BEACONS.map(([x, y]) => [x, y, 1]);'), /beacon 0 is not an \[x, y\] pair/],
      ['nan', (s) => s.replace('[5.8, 5.8]', '[5.8, Number.NaN]'), /beacon 3 has a coordinate that is not a finite number/],
      ['infinite', (s) => s.replace('[5.8, 5.8]', '[1e308 * 10, 5.8]'), /beacon 3 has a coordinate that is not a finite number/],
      ['string', (s) => s.replace('[5.8, 5.8]', "['5.8', 5.8]"), /beacon 3 has a coordinate that is not a finite number/],
    ]);
  });

  it('penalises hostile programs with the reason on stderr, and keeps its own metrics line last', async () => {
    await assertHostilePenalised(PEAKS, work(), 'placeBeacons', ['score', SEED_SCORE]);
  });

  it('materialises as a git repository with the seed committed, whose evaluator runs there', async () => {
    const result = await materialiseAndEvaluate('deceptive-peaks', work(), ['README.md', 'beacons.js', 'cambrian.yaml', 'eval/evaluate.mjs', 'eval/terrain.mjs']);
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4);
  });

  describe('with the numeric operator', () => {
    const seeded = useSeededRepo('deceptive-peaks', ['beacons.js'], ['eval/evaluate.mjs', 'eval/terrain.mjs', 'cambrian.yaml']);

    it('proposes in-scope edits to the coordinates that the evaluator can score', async () => {
      const result = await evaluateNumericProposal(seeded, join(work(), 'mutated'));
      assert.equal(result.code, 0, result.stderr);
      assert.notEqual(result.json['score'], SEED_SCORE);
    });
  });
});
