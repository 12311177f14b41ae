// Seeded, serialisable pseudo-random numbers (sfc32). Every random choice in Cambrian goes through an
// Rng passed in explicitly; its state is persisted so a resumed run continues the same sequence.

export type RngState = readonly [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A generator seeded from any integer (or string); the same seed always gives the same sequence. */
  static fromSeed(seed: number | string): Rng {
    const h = hashSeed(String(seed));
    const rng = new Rng([h[0]!, h[1]!, h[2]!, h[3]!]);
    for (let i = 0; i < 15; i++) rng.nextUint32();
    return rng;
  }

  static fromState(state: RngState): Rng {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v))) throw new Error('invalid Rng state');
    return new Rng(state);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** An independent generator derived from this one (consumes one draw). */
  fork(label = ''): Rng {
    return Rng.fromSeed(`${this.nextUint32()}:${label}`);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Rng.int needs n > 0, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick on an empty list');
    return items[this.int(items.length)]!;
  }

  /** Index chosen with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + (w > 0 ? w : 0), 0);
    if (!(total > 0)) throw new Error('Rng.weightedIndex needs a positive total weight');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]! > 0 ? weights[i]! : 0;
      if (r < w) return i;
      r -= w;
    }
    return weights.length - 1;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

function hashSeed(text: string): number[] {
  // cyrb128: spreads any string over four 32-bit words.
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) | 0, (h2 ^ h1) | 0, (h3 ^ h1) | 0, (h4 ^ h1) | 0];
}
