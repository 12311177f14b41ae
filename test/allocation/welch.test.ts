// Welch's t-test and the Student t distribution against reference values (SciPy's t.cdf, betainc
// and ttest_ind(equal_var=False, alternative='greater')).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describe as describeSample, regularizedBeta, studentCdf, welchGreater } from '../../src/allocation/welch.ts';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('Student t distribution', () => {
  it('matches reference values', () => {
    close(studentCdf(1, 1), 0.75); // Cauchy
    close(studentCdf(2, 5), 0.9490303, 1e-6);
    close(studentCdf(-2, 5), 0.0509697, 1e-6);
    close(studentCdf(2.776445, 4), 0.975, 1e-6);
    close(studentCdf(0, 7), 0.5);
    close(studentCdf(1.959964, Infinity), 0.975, 1e-6);
    assert.equal(studentCdf(Infinity, 3), 1);
    assert.equal(studentCdf(-Infinity, 3), 0);
  });

  it('computes the regularised incomplete beta at both ends of its symmetry switch', () => {
    close(regularizedBeta(0.5, 2, 2), 0.5);
    close(regularizedBeta(0.2, 2, 3), 0.1808);
    close(regularizedBeta(0.9, 2, 3), 0.9963);
  });
});

describe('Welch one-sided test', () => {
  it('matches the reference one-sided Welch test', () => {
    // a = [5.1, 4.9, 5.6, 5.8], b = [4.2, 4.6, 4.4]: t = 3.961774, df = 4.473223, p = 0.006688256
    const result = welchGreater(describeSample([5.1, 4.9, 5.6, 5.8]), describeSample([4.2, 4.6, 4.4]));
    close(result.t, 3.961774, 1e-6);
    close(result.df, 4.473223, 1e-6);
    close(result.p, 0.006688256, 1e-6);
  });

  it('treats exact measurements as exact, and an empty or NaN sample as no evidence', () => {
    assert.equal(welchGreater(describeSample([2]), describeSample([1])).p, 0);
    assert.equal(welchGreater(describeSample([1]), describeSample([1])).p, 1);
    assert.equal(welchGreater(describeSample([0.5]), describeSample([1])).p, 1);
    assert.equal(welchGreater(describeSample([]), describeSample([1])).p, 1);
    assert.equal(welchGreater(describeSample([NaN, 1]), describeSample([1])).p, 1);
  });

  it('gives a lower mean a p-value above one half', () => {
    const result = welchGreater(describeSample([1, 1.2, 0.9]), describeSample([2, 2.1, 1.9]));
    assert.ok(result.p > 0.99, String(result.p));
  });
});
