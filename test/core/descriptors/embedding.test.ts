import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellKey } from '../../../src/core/descriptors/binning.ts';
import { combineEmbeddings, EMBEDDING_DIM, embedText } from '../../../src/core/descriptors/embedding.ts';
import { fitProjection, project } from '../../../src/core/descriptors/projection.ts';
import { identifierParts, numericValue, tokenize } from '../../../src/core/descriptors/tokenize.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosine } from '../fixtures.ts';

const program = (a: number, b: number, c: number): string => `
// Packs circles into a unit square.
export function pack(count: number): Circle[] {
  const radius = ${a};
  const spacing = ${b} * radius;
  let jitter = ${c};
  return layout(count, radius, spacing, jitter);
}
`;

describe('embedText', () => {
  it('is deterministic, unit length and EMBEDDING_DIM long', () => {
    const a = embedText('src/pack.ts', program(0.5, 2.1, 0.01));
    const b = embedText('src/pack.ts', program(0.5, 2.1, 0.01));
    assert.equal(a.length, EMBEDDING_DIM);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-12);
  });

  it('gives different vectors for different numeric literals, even tiny changes', () => {
    const base = embedText('src/pack.ts', program(0.5, 2.1, 0.01));
    assert.ok(cosine(base, embedText('src/pack.ts', program(0.7, 2.1, 0.01))) < 0.99);
    assert.notDeepEqual(base, embedText('src/pack.ts', program(0.5001, 2.1, 0.01)));
  });

  it('keeps close values closer than distant ones', () => {
    const base = embedText('src/pack.ts', program(0.5, 2.1, 0.01));
    const near = cosine(base, embedText('src/pack.ts', program(0.55, 2.1, 0.01)));
    const far = cosine(base, embedText('src/pack.ts', program(500, 2.1, 0.01)));
    assert.ok(near > far, `near ${near} should exceed far ${far}`);
  });

  it('spreads numeric-only mutants over many cells after PCA', () => {
    const rng = Rng.fromSeed('numeric mutants');
    const variants = Array.from({ length: 60 }, () =>
      embedText('src/pack.ts', program(+(0.5 * Math.exp(rng.normal() * 0.3)).toPrecision(4), +(2 + rng.normal() * 0.5).toPrecision(4), +(0.01 * Math.exp(rng.normal())).toPrecision(3))),
    );
    const projection = fitProjection(variants, 2);
    const cells = new Set(variants.map((v) => cellKey(project(projection, v), 10)));
    assert.ok(cells.size >= 15, `only ${cells.size} distinct cells out of 60 mutants`);
  });

  it('weighs a change in a comment less than the same change in code', () => {
    const base = embedText('a.py', 'def step(x):\n    # move the particle\n    return x + velocity\n');
    const comment = embedText('a.py', 'def step(x):\n    # shift the particle\n    return x + velocity\n');
    const code = embedText('a.py', 'def step(x):\n    # move the particle\n    return x + momentum\n');
    assert.ok(cosine(base, comment) > cosine(base, code));
  });

  it('relates identifiers through their camelCase and snake_case parts', () => {
    const camel = embedText('a.ts', 'maxIterCount = 1');
    const snake = embedText('a.ts', 'max_iter_count = 1');
    const other = embedText('a.ts', 'zebraHorse = 1');
    assert.ok(cosine(camel, snake) > cosine(camel, other));
  });

  it('embeds an empty file by its path alone', () => {
    const v = embedText('src/empty.ts', '');
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-12);
    assert.notDeepEqual(v, embedText('lib/other.py', ''));
  });
});

describe('combineEmbeddings', () => {
  const a = embedText('a.ts', 'const alpha = 1;');
  const b = embedText('b.ts', 'let beta = "two";');

  it('returns a single part unchanged and ignores zero weights', () => {
    assert.ok(cosine(combineEmbeddings([{ vector: a, weight: 3 }]), a) > 1 - 1e-12);
    assert.ok(cosine(combineEmbeddings([{ vector: a, weight: 1 }, { vector: b, weight: 0 }]), a) > 1 - 1e-12);
  });

  it('is a weighted mean, normalised, leaning towards the heavier part', () => {
    const mix = combineEmbeddings([{ vector: a, weight: 3 }, { vector: b, weight: 1 }]);
    assert.ok(Math.abs(Math.hypot(...mix) - 1) < 1e-12);
    assert.ok(cosine(mix, a) > cosine(mix, b));
  });

  it('rejects vectors of the wrong dimension', () => {
    assert.throws(() => combineEmbeddings([{ vector: [1, 0], weight: 1 }]), /dims/);
  });
});

describe('tokenize', () => {
  it('reads "//" as floor division in Python and "#" as its comment', () => {
    const kinds = tokenize('a.py', 'x = y // 2  # halve').map((t) => `${t.kind}:${t.text}`);
    assert.deepEqual(kinds, ['ident:x', 'punct:=', 'ident:y', 'punct:/', 'punct:/', 'number:2', 'comment:# halve']);
  });

  it('reads C-style comments and keeps "#" out of them elsewhere', () => {
    const kinds = tokenize('a.ts', 'a /* b */ + 1e-3 // c').map((t) => t.kind);
    assert.deepEqual(kinds, ['ident', 'comment', 'punct', 'number', 'comment']);
  });

  it('splits identifiers and parses numeric literals', () => {
    assert.deepEqual(identifierParts('parseHTTPResponse_v2'), ['parse', 'http', 'response', 'v2']);
    assert.equal(numericValue('1_000'), 1000);
    assert.equal(numericValue('0x1F'), 31);
    assert.equal(numericValue('2.5e-3f'), 0.0025);
    assert.equal(numericValue('10n'), 10);
  });
});
