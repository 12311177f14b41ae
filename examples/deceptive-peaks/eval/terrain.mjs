// The deceptive-peaks landscape: a 10 × 10 field whose height is the highest of one broad, low
// hill (the decoy) and a few narrow, tall peaks. Beacons earn the height where they stand; a
// beacon closer than JAM_DISTANCE to a beacon listed before it earns nothing. Pure functions, shared
// by the evaluator and the tests, so the documented optimum is computed from the same numbers.

export const FIELD_SIZE = 10;
export const BEACON_COUNT = 4;
export const JAM_DISTANCE = 1.0;

/** Gaussian hills: height × exp(−d² / (2·spread²)). The first is the decoy. */
export const HILLS = Object.freeze([
  { name: 'decoy', x: 3.0, y: 3.0, height: 0.4, spread: 2.5 },
  { name: 'summit', x: 8.0, y: 7.6, height: 1.0, spread: 0.5 },
  { name: 'east', x: 8.6, y: 3.4, height: 0.9, spread: 0.5 },
  { name: 'north', x: 3.2, y: 8.6, height: 0.85, spread: 0.5 },
  { name: 'ridge', x: 6.0, y: 9.2, height: 0.8, spread: 0.5 },
  { name: 'west', x: 1.0, y: 6.2, height: 0.7, spread: 0.5 },
  { name: 'south', x: 5.8, y: 1.0, height: 0.7, spread: 0.5 },
].map((h) => Object.freeze(h)));

/**
 * The best possible score: one beacon on each of the BEACON_COUNT highest narrow peaks (they are
 * more than JAM_DISTANCE apart, and each peak's height is the field's height at its centre).
 */
export const GLOBAL_OPTIMUM = HILLS.slice(1)
  .map((h) => h.height)
  .sort((a, b) => b - a)
  .slice(0, BEACON_COUNT)
  .reduce((sum, h) => sum + h, 0);

/** Height of the field at (x, y); 0 outside the square. */
export function heightAt(x, y) {
  if (!(x >= 0 && x <= FIELD_SIZE && y >= 0 && y <= FIELD_SIZE)) return 0;
  let best = 0;
  for (const h of HILLS) {
    const d2 = (x - h.x) ** 2 + (y - h.y) ** 2;
    best = Math.max(best, h.height * Math.exp(-d2 / (2 * h.spread * h.spread)));
  }
  return best;
}

/** Whether beacon i stands closer than JAM_DISTANCE to a beacon listed before it. */
export function isJammed(beacons, i) {
  const [x, y] = beacons[i];
  for (let j = 0; j < i; j++) if (Math.hypot(x - beacons[j][0], y - beacons[j][1]) < JAM_DISTANCE) return true;
  return false;
}

/** What each beacon earns, in order: its height, or 0 when it is jammed. */
export function earnings(beacons) {
  return beacons.map(([x, y], i) => (isJammed(beacons, i) ? 0 : heightAt(x, y)));
}

/** The score of a placement: the sum of its beacons' earnings. */
export function scoreBeacons(beacons) {
  return earnings(beacons).reduce((sum, e) => sum + e, 0);
}
