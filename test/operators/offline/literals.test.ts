import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findNumericLiterals, languageOf } from '../../../src/operators/offline/literals.ts';

const texts = async (path: string, content: string) => (await findNumericLiterals(path, content)).map((l) => l.text);

describe('findNumericLiterals', () => {
  it('finds plain decimal literals in JavaScript and skips strings, comments, templates and other forms', async () => {
    const js = [
      'const s = "1.5 inside a string"; // 3 in a comment',
      '/* 4 in a block comment */ const t = `5 and ${6}`;',
      'const x1 = 7, hex = 0x1F, oct = 0o7, bin = 0b1, big = 10n, sep = 1_000, legacy = 07;',
      'const vals = [0.25, .5, 5., 2e-3];',
      'const key = { 8: "eight" }, fixed = 9.5.toFixed(1);',
    ].join('\n');
    assert.deepEqual(await texts('a.js', js), ['7', '0.25', '.5', '5.', '2e-3', '1']);
  });

  it('includes a unary minus in the span but not a binary one', async () => {
    const literals = await findNumericLiterals('a.mjs', 'const a = -1.5, b = - 4, c = d-3, e = -(7);');
    assert.deepEqual(
      literals.map((l) => [l.text, l.value, l.isInteger]),
      [['-1.5', -1.5, false], ['- 4', -4, true], ['3', 3, true], ['7', 7, true]],
    );
  });

  it('returns String#slice offsets even after accented and astral characters', async () => {
    const content = 'const s = "héllo 😀 ü"; // ünï 1\nconst x = [0.5, -2];\n';
    const literals = await findNumericLiterals('a.js', content);
    assert.deepEqual(literals.map((l) => l.text), ['0.5', '-2']);
    for (const l of literals) assert.equal(content.slice(l.start, l.end), l.text);
  });

  it('parses TypeScript and TSX, skipping literal types and enum members', async () => {
    const ts = 'type T = 1 | -2;\nenum E { A = 3 }\nlet v: 4 = 4;\nfunction f(a = 6): number { return -8 * a; }\n';
    assert.deepEqual(await texts('a.ts', ts), ['4', '6', '-8']);
    assert.deepEqual(await texts('c.tsx', 'const e = <div width={3}>4 px</div>;'), ['3']);
  });

  it('parses Python: floats and ints, not imaginary, hex, underscores, strings or f-strings', async () => {
    const py = 'x = "7"  # 8\ny = -2.0 + 3j + 1e5 + 0x10 + 1_0 + f"{3}" + a--1\n';
    const literals = await findNumericLiterals('m.py', py);
    assert.deepEqual(literals.map((l) => [l.text, l.isInteger]), [['-2.0', false], ['1e5', false], ['-1', true]]);
  });

  it('only returns literals inside EVOLVE blocks when the file has them', async () => {
    const py = [
      'LIMIT = 10',
      '# EVOLVE-BLOCK-START 99',
      'rate = 0.5',
      '# EVOLVE-BLOCK-END',
      'steps = 20',
      '# EVOLVE-BLOCK-START',
      'depth = 3',
      '# EVOLVE-BLOCK-END',
    ].join('\n');
    assert.deepEqual(await texts('m.py', py), ['0.5', '3']);
  });

  it('gives the same answers when scans of different languages run concurrently', async () => {
    const inputs: Array<[string, string]> = [
      ['a.py', 'x = [1, 2.5]  # 3\n'],
      ['b.js', 'const y = "4"; const z = [5, -6.5];\n'],
      ['c.ts', 'let w: 7 = 7;\n'],
    ];
    const expected = [['1', '2.5'], ['5', '-6.5'], ['7']];
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => texts(...inputs[i % 3]!)));
    many.forEach((found, i) => assert.deepEqual(found, expected[i % 3]));
  });

  it('falls back to a conservative scanner for other languages', async () => {
    const c = 'int x1 = 3; /* 4 */ char *s = "5"; // 6\n#define A 7\nfloat f = -2.5f; double g = -2.5; h = a-1; k = .5e-3;';
    assert.deepEqual(await texts('main.c', c), ['3', '-2.5', '1', '.5e-3']);
    assert.equal(languageOf('main.c'), null);
    assert.equal(languageOf('src/App.TSX'), 'tsx');
  });
});
