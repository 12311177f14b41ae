import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyReply, type ApplyResult } from '../../../src/operators/llm/patch/index.ts';
import type { EvolveScope } from '../../../src/operators/scope.ts';

const scope: EvolveScope = {
  include: ['src/**'],
  exclude: [],
  protect: ['evaluate.js', 'cambrian.yaml'],
  limits: { maxFiles: 5, maxChangedLines: 200 },
};

function reader(files: Record<string, string>) {
  return async (path: string): Promise<string | null> => files[path] ?? null;
}

function changed(result: ApplyResult): Record<string, string | null> {
  assert.ok(result.ok, result.ok ? '' : `${result.reason}\n${result.diagnostic ?? ''}`);
  return Object.fromEntries(result.changes.map((c) => [c.path, c.content]));
}

const PACK = ['function radius() {', '  const r = 0.1;', '  return r;', '}', '', 'export { radius };', ''].join('\n');

describe('applyReply search-replace', () => {
  it('applies an exact match', async () => {
    const reply = 'src/pack.js\n<<<<<<< SEARCH\n  const r = 0.1;\n=======\n  const r = 0.12;\n>>>>>>> REPLACE\n';
    const files = changed(await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK }), { scope }));
    assert.equal(files['src/pack.js'], PACK.replace('0.1;', '0.12;'));
  });

  it('matches despite wrong indentation and re-indents the replacement to the file', async () => {
    const reply = [
      'src/pack.js',
      '<<<<<<< SEARCH',
      'const r = 0.1;',
      'return r;',
      '=======',
      'const r = 0.1;',
      'if (r > 1) {',
      '  return 1;',
      '}',
      'return r;',
      '>>>>>>> REPLACE',
    ].join('\n');
    const files = changed(await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK })));
    assert.equal(
      files['src/pack.js'],
      ['function radius() {', '  const r = 0.1;', '  if (r > 1) {', '    return 1;', '  }', '  return r;', '}', '', 'export { radius };', ''].join('\n'),
    );
  });

  it('ignores trailing whitespace differences', async () => {
    const file = 'let a = 1;   \nlet b = 2;\n';
    const reply = 'src/a.js\n<<<<<<< SEARCH\nlet a = 1;\nlet b = 2;  \n=======\nlet a = 3;\nlet b = 2;\n>>>>>>> REPLACE';
    const files = changed(await applyReply(reply, 'search-replace', reader({ 'src/a.js': file })));
    assert.equal(files['src/a.js'], 'let a = 3;\nlet b = 2;\n');
  });

  it('rejects an ambiguous match, naming the lines', async () => {
    const file = 'x = 1\ny = 2\nx = 1\n';
    const reply = 'src/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 5\n>>>>>>> REPLACE';
    const result = await applyReply(reply, 'search-replace', reader({ 'src/a.py': file }));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.match(result.reason, /matches 2 places \(lines 1, 3\)/);
    assert.match(result.diagnostic ?? '', /more surrounding lines/);
  });

  it('explains a near miss with the closest lines, their numbers and a similarity', async () => {
    const reply = 'src/pack.js\n<<<<<<< SEARCH\n  const r = 0.15;\n  return r;\n=======\n  return 0.2;\n>>>>>>> REPLACE';
    const result = await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK }));
    assert.ok(!result.ok);
    assert.match(result.reason, /SEARCH\/REPLACE block 1 \(src\/pack\.js\) matches nothing/);
    assert.match(result.diagnostic ?? '', /lines 2-3, \d+% similar/);
    assert.match(result.diagnostic ?? '', /    2\|   const r = 0\.1;/);
    assert.match(result.diagnostic ?? '', /First difference at line 2/);
  });

  it('accepts the path inside a fence, with File: prefix, in backticks or bold', async () => {
    const files = { 'src/a.js': 'a\n', 'src/b.js': 'b\n', 'src/c.js': 'c\n', 'src/d.js': 'd\n' };
    const reply = [
      'Some explanation first.',
      '```js',
      'src/a.js',
      '<<<<<<< SEARCH',
      'a',
      '=======',
      'A',
      '>>>>>>> REPLACE',
      '```',
      'File: src/b.js',
      '```javascript',
      '<<<<<<< SEARCH',
      'b',
      '=======',
      'B',
      '>>>>>>> REPLACE',
      '```',
      '`src/c.js`',
      '<<<<<<< SEARCH',
      'c',
      '=======',
      'C',
      '>>>>>>> REPLACE',
      '**src/d.js**',
      '<<<<<<< SEARCH',
      'd',
      '=======',
      'D',
      '>>>>>>> REPLACE',
    ].join('\n');
    const out = changed(await applyReply(reply, 'search-replace', reader(files), { scope }));
    assert.deepEqual(out, { 'src/a.js': 'A\n', 'src/b.js': 'B\n', 'src/c.js': 'C\n', 'src/d.js': 'D\n' });
  });

  it('applies several blocks to several files, and successive blocks to the same file', async () => {
    const reply = [
      'src/pack.js',
      '<<<<<<< SEARCH',
      '  const r = 0.1;',
      '=======',
      '  const r = 0.2;',
      '>>>>>>> REPLACE',
      '<<<<<<< SEARCH',
      'export { radius };',
      '=======',
      'export { radius as r };',
      '>>>>>>> REPLACE',
      'src/util.js',
      '<<<<<<< SEARCH',
      'old',
      '=======',
      'new',
      '>>>>>>> REPLACE',
    ].join('\n');
    const out = changed(await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK, 'src/util.js': 'old\n' })));
    assert.equal(out['src/pack.js'], PACK.replace('0.1', '0.2').replace('{ radius }', '{ radius as r }'));
    assert.equal(out['src/util.js'], 'new\n');
  });

  it('fails the whole reply when one of several blocks does not match', async () => {
    const reply = 'src/util.js\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\nsrc/pack.js\n<<<<<<< SEARCH\nnope\n=======\nx\n>>>>>>> REPLACE';
    const result = await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK, 'src/util.js': 'old\n' }));
    assert.ok(!result.ok);
    assert.match(result.reason, /block 2/);
  });

  it('creates a new file from an empty SEARCH section', async () => {
    const reply = 'src/new.js\n<<<<<<< SEARCH\n=======\nexport const x = 1;\n>>>>>>> REPLACE';
    const out = changed(await applyReply(reply, 'search-replace', reader({}), { scope }));
    assert.deepEqual(out, { 'src/new.js': 'export const x = 1;\n' });
  });

  it('resolves a bare file name to the one shown file that ends with it', async () => {
    const reply = 'pack.js\n<<<<<<< SEARCH\n  return r;\n=======\n  return r * 2;\n>>>>>>> REPLACE';
    const out = changed(await applyReply(reply, 'search-replace', reader({ 'src/pack.js': PACK }), { files: ['src/pack.js'], scope }));
    assert.ok(out['src/pack.js']?.includes('return r * 2;'));
  });

  it('rejects a reply with no blocks', async () => {
    const result = await applyReply('I think the code is fine as it is.', 'search-replace', reader({ 'src/pack.js': PACK }));
    assert.ok(!result.ok);
    assert.match(result.reason, /no SEARCH\/REPLACE block/);
    assert.match(result.diagnostic ?? '', /<<<<<<< SEARCH/);
  });

  it('rejects an unclosed block instead of dropping it', async () => {
    const result = await applyReply('src/pack.js\n<<<<<<< SEARCH\n  return r;\n=======\n  return 2;\n', 'search-replace', reader({ 'src/pack.js': PACK }));
    assert.ok(!result.ok);
    assert.match(result.reason, /block 1 is malformed: it is not closed/);
  });

  it('rejects an edit of a file that does not exist', async () => {
    const result = await applyReply('src/ghost.js\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE', 'search-replace', reader({ 'src/pack.js': PACK }), { scope });
    assert.ok(!result.ok);
    assert.match(result.reason, /src\/ghost\.js, which does not exist/);
  });

  it('rejects an edit of a protected or non-evolvable file', async () => {
    const files = { 'evaluate.js': 'score()\n', 'README.md': 'hi\n' };
    const protectedEdit = await applyReply('evaluate.js\n<<<<<<< SEARCH\nscore()\n=======\nwin()\n>>>>>>> REPLACE', 'search-replace', reader(files), { scope });
    assert.ok(!protectedEdit.ok);
    assert.match(protectedEdit.reason, /evaluate\.js is protected/);
    const outside = await applyReply('README.md\n<<<<<<< SEARCH\nhi\n=======\nho\n>>>>>>> REPLACE', 'search-replace', reader(files), { scope });
    assert.ok(!outside.ok);
    assert.match(outside.reason, /README\.md is not evolvable/);
  });

  it('rejects an edit outside an EVOLVE block', async () => {
    const file = ['const fixed = 1;', '// EVOLVE-BLOCK-START', 'let x = 1;', '// EVOLVE-BLOCK-END', ''].join('\n');
    const inside = await applyReply('src/e.js\n<<<<<<< SEARCH\nlet x = 1;\n=======\nlet x = 2;\n>>>>>>> REPLACE', 'search-replace', reader({ 'src/e.js': file }), { scope });
    assert.equal(inside.ok, true);
    const outside = await applyReply('src/e.js\n<<<<<<< SEARCH\nconst fixed = 1;\n=======\nconst fixed = 9;\n>>>>>>> REPLACE', 'search-replace', reader({ 'src/e.js': file }), { scope });
    assert.ok(!outside.ok);
    assert.match(outside.reason, /edits outside the EVOLVE-BLOCK/);
  });

  it('extracts a model-written subject, sanitised and at most 72 characters', async () => {
    const body = '\nsrc/util.js\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE';
    const tagged = await applyReply('<subject>Grow the `radius` a bit</subject>' + body, 'search-replace', reader({ 'src/util.js': 'old\n' }));
    assert.ok(tagged.ok);
    assert.equal(tagged.subject, 'Grow the radius a bit');
    const long = await applyReply(`Subject: ${'word '.repeat(30)}` + body, 'search-replace', reader({ 'src/util.js': 'old\n' }));
    assert.ok(long.ok);
    assert.ok(long.subject !== null && long.subject.length <= 72 && long.subject.startsWith('word word'));
    const none = await applyReply(body, 'search-replace', reader({ 'src/util.js': 'old\n' }));
    assert.ok(none.ok);
    assert.equal(none.subject, null);
  });
});

describe('applyReply unified diff', () => {
  it('applies hunks located by content even when the line numbers are wrong', async () => {
    const reply = [
      '```diff',
      '--- a/src/pack.js',
      '+++ b/src/pack.js',
      '@@ -40,3 +40,3 @@',
      ' function radius() {',
      '-  const r = 0.1;',
      '+  const r = 0.3;',
      '   return r;',
      '@@ -99,1 +99,1 @@',
      '-export { radius };',
      '+export { radius as r };',
      '```',
    ].join('\n');
    const out = changed(await applyReply(reply, 'diff', reader({ 'src/pack.js': PACK }), { scope }));
    assert.equal(out['src/pack.js'], PACK.replace('0.1', '0.3').replace('{ radius }', '{ radius as r }'));
  });

  it('uses the header line number only to break ties', async () => {
    const file = 'x = 1\ny = 2\nx = 1\n';
    const reply = '--- a/src/a.py\n+++ b/src/a.py\n@@ -3,1 +3,1 @@\n-x = 1\n+x = 5\n';
    const out = changed(await applyReply(reply, 'diff', reader({ 'src/a.py': file })));
    assert.equal(out['src/a.py'], 'x = 1\ny = 2\nx = 5\n');
  });

  it('creates and deletes files, and explains a hunk that does not match', async () => {
    const reply = '--- /dev/null\n+++ b/src/new.js\n@@ -0,0 +1,2 @@\n+a\n+b\n--- a/src/old.js\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n';
    const out = changed(await applyReply(reply, 'diff', reader({ 'src/old.js': 'gone\n' }), { scope }));
    assert.deepEqual(out, { 'src/new.js': 'a\nb\n', 'src/old.js': null });
    const miss = await applyReply('--- a/src/pack.js\n+++ b/src/pack.js\n@@ -1,1 +1,1 @@\n-  const q = 0.1;\n+  const q = 2;\n', 'diff', reader({ 'src/pack.js': PACK }));
    assert.ok(!miss.ok);
    assert.match(miss.reason, /diff hunk 1 \(src\/pack\.js\) matches nothing/);
    assert.match(miss.diagnostic ?? '', /closest lines/);
  });

  it('rejects a reply without a diff', async () => {
    const result = await applyReply('no diff here', 'diff', reader({}));
    assert.ok(!result.ok);
    assert.match(result.reason, /no unified diff/);
  });
});

describe('applyReply full rewrite', () => {
  it('takes a fenced file preceded by its path', async () => {
    const reply = 'Subject: simpler radius\n\nsrc/pack.js\n```js\nexport const radius = () => 0.2;\n```\n';
    const result = await applyReply(reply, 'rewrite', reader({ 'src/pack.js': PACK }), { scope, files: ['src/pack.js'] });
    assert.deepEqual(changed(result), { 'src/pack.js': 'export const radius = () => 0.2;\n' });
    assert.ok(result.ok);
    assert.equal(result.subject, 'simpler radius');
  });

  it('takes an unnamed block as the only evolvable file, and refuses it when there are several', async () => {
    const reply = 'Here it is:\n```python\nprint(2)\n```';
    const one = await applyReply(reply, 'rewrite', reader({ 'src/a.py': 'print(1)\n' }), { files: ['src/a.py'] });
    assert.deepEqual(changed(one), { 'src/a.py': 'print(2)\n' });
    const two = await applyReply(reply, 'rewrite', reader({ 'src/a.py': 'print(1)\n' }), { files: ['src/a.py', 'src/b.py'] });
    assert.ok(!two.ok);
    assert.match(two.reason, /names no file/);
  });

  it('rejects a rewrite that changes a line outside the EVOLVE block', async () => {
    const file = '# fixed\n# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n';
    const reply = 'src/e.py\n```python\n# changed\n# EVOLVE-BLOCK-START\nx = 2\n# EVOLVE-BLOCK-END\n```';
    const result = await applyReply(reply, 'rewrite', reader({ 'src/e.py': file }), { scope });
    assert.ok(!result.ok);
    assert.match(result.reason, /outside the EVOLVE-BLOCK/);
  });
});
