// The path gate every proposal passes first: canonical relative paths only, nothing under any
// `.git`, no control or glob characters — rejected with a reason, never repaired. Checked directly,
// through checkChanges (every operator), and through applyReply (LLM replies, before any read).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkProposalPaths, proposalPathProblem } from '../../src/operators/proposal-path.ts';
import { checkChanges, type EvolveScope } from '../../src/operators/scope.ts';
import { applyReply } from '../../src/operators/llm/patch/index.ts';

const scope: EvolveScope = {
  include: ['**/*'],
  exclude: [],
  protect: ['eval/', 'cambrian.yaml'],
  limits: { maxFiles: 10, maxChangedLines: 1000 },
};

const BAD: Array<[string, RegExp]> = [
  ['', /empty path/],
  ['src//b.js', /empty segment/],
  ['src/', /empty segment/],
  ['./a.js', /'\.' or '\.\.' segment/],
  ['src/./c.js', /'\.' or '\.\.' segment/],
  ['a/../b.js', /'\.' or '\.\.' segment/],
  ['..', /'\.' or '\.\.' segment/],
  ['/etc/passwd', /absolute/],
  ['C:\\Windows\\x.js', /backslash|absolute/],
  ['C:/x.js', /absolute/],
  ['src\\a.js', /backslash/],
  ['.git/config', /\.git directory/],
  ['.GIT/hooks/pre-commit', /\.git directory/],
  ['sub/.Git/hooks/x', /\.git directory/],
  ['sub/.git', /\.git directory/],
  ['sub/.git./x', /\.git directory/],
  ['sub/GIT~1/config', /\.git directory/],
  ['a\u0000b.js', /control character/],
  ['a\nb.js', /control character/],
  ['src/*.js', /glob/],
  ['src/?.js', /glob/],
  ['src/[ab].js', /glob/],
  ['src/{a,b}.js', /glob/],
];

const GOOD = ['pack.js', 'src/a/b.js', '.github/workflows/ci.yml', '.gitignore', 'src/.gitkeep', 'a.b/c..d/e', 'my.git/x', 'a-b_c@1+2~3.js'];

describe('proposal paths', () => {
  for (const [path, reason] of BAD) {
    it(`rejects ${JSON.stringify(path)} with a reason`, () => {
      const problem = proposalPathProblem(path);
      assert.ok(problem !== null, `${JSON.stringify(path)} was accepted`);
      assert.match(problem, reason);
    });
  }

  it('accepts clean repository paths, .gitignore and .github included', () => {
    for (const path of GOOD) assert.equal(proposalPathProblem(path), null, path);
    assert.deepEqual(checkProposalPaths(GOOD), { ok: true });
  });

  it('names the bad path exactly, control characters escaped', () => {
    const check = checkProposalPaths(['pack.js', 'a\u0000b.js']);
    assert.equal(check.ok, false);
    assert.ok(!check.ok && check.reason.includes('"a\\u0000b.js"'), !check.ok ? check.reason : '');
  });

  it('checkChanges rejects a bad path before reading anything, even when the globs would match it', async () => {
    for (const [path] of BAD) {
      const reads: string[] = [];
      const check = await checkChanges(scope, [{ path: 'pack.js', content: 'x\n' }, { path, content: 'y\n' }], async (p) => {
        reads.push(p);
        return null;
      });
      assert.equal(check.ok, false, path);
      assert.ok(!reads.includes(path), `${JSON.stringify(path)} was read`);
    }
  });

  it('checkChanges still applies protected and evolvable checks to well-formed paths', async () => {
    const check = await checkChanges(scope, [{ path: 'eval/evaluate.mjs', content: 'x\n' }], async () => null);
    assert.equal(check.ok, false);
    assert.match(!check.ok ? check.reason : '', /protected/);
  });

  it('applyReply refuses a reply editing src//b.js without reading it, with feedback for the retry', async () => {
    const reads: string[] = [];
    const reply = ['src//b.js', '<<<<<<< SEARCH', '=======', 'export const B = 1;', '>>>>>>> REPLACE'].join('\n');
    const result = await applyReply(reply, 'search-replace', async (p) => {
      reads.push(p);
      return null;
    }, { files: ['pack.js'], scope });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /src\/\/b\.js.*empty segment/);
    assert.ok(!result.ok && result.diagnostic !== undefined);
    assert.deepEqual(reads, []);
  });
});
