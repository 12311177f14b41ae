import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PCA } from 'ml-pca';
import { cellKey } from '../../../src/core/descriptors/binning.ts';
import { principalComponents } from '../../../src/core/descriptors/pca.ts';
import { fitProjection, project, type Projection } from '../../../src/core/descriptors/projection.ts';
import { Rng } from '../../../src/core/rng.ts';
import { structuredSamples, unitVector } from '../fixtures.ts';

const DIM = 64;

function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i]!, 0);
}

function assertUsable(p: Projection, dims: number): void {
  assert.equal(p.components.length, dims);
  for (const [i, c] of p.components.entries()) {
    assert.ok(Math.abs(dot(c, c) - 1) < 1e-9, 'unit length');
    for (let j = 0; j < i; j++) assert.ok(Math.abs(dot(c, p.components[j]!)) < 1e-9, 'orthogonal');
  }
  assert.ok(p.scale.every((s) => Number.isFinite(s) && s > 0), `scale ${p.scale}`);
}

describe('principalComponents', () => {
  it('finds the same top components as ml-pca', () => {
    const rng = Rng.fromSeed('pca vs ml-pca');
    const basis = [0, 1, 2, 3].map(() => unitVector(rng, DIM));
    const samples = structuredSamples(rng, 300, DIM, basis, 0.2);
    const mine = principalComponents(samples, 3);
    const reference = new PCA(samples).getEigenvectors().to2DArray();
    const referenceVariance = new PCA(samples).getEigenvalues();
    for (let k = 0; k < 3; k++) {
      const overlap = Math.abs(mine.components[k]!.reduce((s, v, j) => s + v * reference[j]![k]!, 0));
      assert.ok(overlap > 0.9999, `component ${k} overlap ${overlap}`);
      assert.ok(Math.abs(mine.variances[k]! / referenceVariance[k]! - 1) < 1e-4);
    }
  });
});

describe('fitProjection', () => {
  const rng = Rng.fromSeed('projection');
  const basis = [0, 1, 2].map(() => unitVector(rng, DIM));

  it('maps the mean to the middle, standardises, and clips at ±3σ', () => {
    const samples = structuredSamples(rng, 200, DIM, basis);
    const p = fitProjection(samples, 2);
    assertUsable(p, 2);
    assert.deepEqual(project(p, p.mean), [0.5, 0.5]);
    const oneSigma = p.mean.map((m, j) => m + p.scale[0]! * p.components[0]![j]!);
    assert.ok(Math.abs(project(p, oneSigma)[0]! - 4 / 6) < 1e-9);
    const far = p.mean.map((m, j) => m + 100 * p.scale[0]! * p.components[0]![j]! - 100 * p.scale[1]! * p.components[1]![j]!);
    assert.deepEqual(project(p, far), [1, 0]);
  });

  it('still returns a usable projection from degenerate samples', () => {
    const one = unitVector(rng, DIM);
    for (const samples of [[one], [one, one, one], [one, unitVector(rng, DIM)], structuredSamples(rng, 3, DIM, basis)]) {
      const p = fitProjection(samples, 4);
      assertUsable(p, 4);
      for (const c of project(p, unitVector(rng, DIM))) assert.ok(c >= 0 && c <= 1);
      assert.deepEqual(fitProjection(samples, 4), p, 'deterministic');
    }
  });

  it('is plain JSON data', () => {
    const p = fitProjection(structuredSamples(rng, 50, DIM, basis), 3);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  it('fixes signs deterministically without a previous fit (largest loading positive)', () => {
    const p = fitProjection(structuredSamples(rng, 100, DIM, basis), 3);
    for (const c of p.components) {
      const largest = c.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      assert.ok(largest > 0);
    }
  });

  it('keeps component signs aligned with the previous fit on similar samples', () => {
    const first = fitProjection(structuredSamples(rng, 150, DIM, basis), 3);
    // A previous fit whose signs disagree with the deterministic rule must still win.
    const flipped: Projection = { ...first, components: first.components.map((c, i) => (i === 1 ? c.map((v) => -v) : c)) };
    for (let round = 0; round < 5; round++) {
      const refit = fitProjection(structuredSamples(rng, 150, DIM, basis), 3, flipped);
      refit.components.forEach((c, i) => assert.ok(dot(c, flipped.components[i]!) > 0.9, `round ${round} component ${i}`));
    }
  });

  it('keeps the axes when two components swap rank between fits', () => {
    // Two directions of nearly equal variance: which one PCA ranks first depends on the sample.
    const equal = [basis[0]!, basis[1]!];
    const previous = fitProjection(structuredSamplesEqual(rng, 300, equal), 2);
    for (let round = 0; round < 5; round++) {
      const refit = fitProjection(structuredSamplesEqual(rng, 300, equal), 2, previous);
      refit.components.forEach((c, i) => assert.ok(dot(c, previous.components[i]!) > 0.8, `round ${round} component ${i}`));
    }
  });

  it('does not flip cells when refitting on similar samples', () => {
    const points = structuredSamples(rng, 300, DIM, basis);
    const first = fitProjection(structuredSamples(rng, 300, DIM, basis), 2);
    const second = fitProjection(structuredSamples(rng, 300, DIM, basis), 2, first);
    const same = points.filter((v) => cellKey(project(first, v), 10) === cellKey(project(second, v), 10)).length;
    assert.ok(same / points.length > 0.7, `only ${same} of ${points.length} points kept their cell`);
    // A flipped axis would send a point from bin b to bin 9−b; no point may move more than one bin.
    for (const v of points) {
      const a = project(first, v), b = project(second, v);
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 0.15, `coordinate moved from ${a[i]} to ${b[i]}`);
    }
  });
});

function structuredSamplesEqual(rng: Rng, count: number, directions: number[][]): number[][] {
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: DIM }, () => rng.normal() * 0.05);
    for (const d of directions) {
      const amount = rng.normal();
      for (let j = 0; j < DIM; j++) v[j]! += amount * d[j]!;
    }
    return v;
  });
}
