// The two-halves landscape: 8 dials in each half, every one set to 5.0 by the seed. 5.0 sits on a
// small, narrow bump (the dial's "click", worth 0.2); each dial's real notch (worth 1) lies 1.0–1.4
// away, past a dip where the dial earns almost nothing. A dial's credit is the higher of the two
// bells. Each half is worth HALF_POINTS × the mean credit of its dials; the score is both halves
// added. Pure functions, shared by the evaluator and the tests.

export const DIALS_PER_HALF = 8;
export const HALF_POINTS = 50;
/** Where the seed sets every dial, and the small bump there. */
export const CLICK = Object.freeze({ at: 5.0, credit: 0.2, width: 0.15 });
/** Width of a notch's bell: 0.3 away from its notch a dial keeps e^-1 ≈ 37% of the notch's credit. */
export const NOTCH_WIDTH = 0.3;
export const NOTCHES = Object.freeze({
  left: Object.freeze([6.2, 3.8, 6.3, 3.7, 6.1, 3.9, 6.4, 3.6]),
  right: Object.freeze([3.8, 6.2, 3.7, 6.3, 3.9, 6.1, 3.6, 6.4]),
});

/** Credit of one dial in [0, 1]: 1 on its notch, 0.2 on the seed's click, ≈ 0 in between. */
export function dialCredit(value, notch) {
  const click = CLICK.credit * Math.exp(-(((value - CLICK.at) / CLICK.width) ** 2));
  const real = Math.exp(-(((value - notch) / NOTCH_WIDTH) ** 2));
  return Math.max(click, real);
}

/** Points of one half: HALF_POINTS × the mean credit of its dials. */
export function halfPoints(dials, notches) {
  return (HALF_POINTS * dials.reduce((sum, v, i) => sum + dialCredit(v, notches[i]), 0)) / notches.length;
}
