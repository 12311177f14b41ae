// The agent operator with real bubblewrap on a real repository: scripted shell "agents" get the
// prompt, edit a plain copy of the parent's tree, and their changes are read back in-process and
// scope-checked; timeouts kill the whole sandbox; and a hostile agent (planted .git with a filter,
// links out of the scope, reading ~/.ssh) gets neither git metadata into a proposal, nor a secret
// out, nor a host process to run its filter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectSandbox } from '../../../src/evaluate/sandbox.ts';
import { computeSandboxView } from '../../../src/evaluate/sandbox-view.ts';
import { TreeDirPool } from '../../../src/git/tree-dir-pool.ts';
import { createAgentOperator, type AgentOperatorDeps } from '../../../src/operators/agent/agent.ts';
import type { Proposal } from '../../../src/operators/port.ts';
import { survivors, uniqueMarker } from '../../evaluate/helpers.ts';
import { createTempDir } from '../../support/temp-repo.ts';
import { createFixture, PACK_JS, SCOPE, type Fixture } from '../llm/harness.ts';

const IDENTITY = { GIT_AUTHOR_NAME: 'Agent', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'Agent', GIT_COMMITTER_EMAIL: 'a@example.com' };
const hasBwrap = (await detectSandbox()).bwrap;
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

function changes(proposal: Proposal): Record<string, string | null> {
  assert.equal(proposal.kind, 'changes', proposal.kind === 'rejected' ? proposal.reason : '');
  assert.ok(proposal.kind === 'changes');
  return Object.fromEntries(proposal.changes.map((c) => [c.path, c.content]));
}

describe('agent operator', { skip: hasBwrap ? false : 'bubblewrap is not usable on this machine (agents only run sandboxed unless the user opts out)' }, () => {
  let fx: Fixture;
  let pool: TreeDirPool;
  let scratch: { dir: string; cleanup(): Promise<void> };
  /** The agent's HOME: a temp directory holding a fake private key it must not be able to read. */
  let home: string;
  const secret = `FAKE-PRIVATE-KEY-${randomUUID()}`;

  before(async () => {
    fx = await createFixture();
    scratch = await createTempDir('cambrian-agent-test-');
    home = join(scratch.dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh/id_rsa'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${secret}\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
    pool = new TreeDirPool({ repo: fx.git, size: 1, root: join(scratch.dir, 'pool') });
  });
  after(async () => {
    await pool.close();
    await scratch.cleanup();
    await fx.close();
  });

  const agent = (command: string, extra: Partial<AgentOperatorDeps> = {}) => {
    const env: Record<string, string | undefined> = { ...process.env, ...IDENTITY, HOME: home };
    return createAgentOperator({
      pool,
      listFiles: (commit) => fx.git.listFiles(commit),
      command,
      promptVia: 'stdin',
      timeoutMs: 20_000,
      env,
      envNames: [],
      sandbox: {
        bwrap: true,
        view: computeSandboxView({ path: env['PATH'], home, commands: [command], readOnlyPaths: [], network: false }),
        network: false,
        dataMb: 1024,
        tmpMb: 64,
        shmMb: 16,
        homeMb: 16,
      },
      ...extra,
    });
  };

  it('runs a scripted agent on the prompt from stdin and collects its edit', async () => {
    // The script only edits when the prompt really arrived on stdin.
    const command = `grep -q 'Pack circles' && sed -i 's/const base = 0.1;/const base = 0.2;/' src/pack.js && echo 'Subject: raise base radius'`;
    const proposal = await agent(command).propose(fx.context());
    assert.deepEqual(changes(proposal), { 'src/pack.js': PACK_JS.replace('0.1;', '0.2;') });
    assert.ok(proposal.kind === 'changes');
    assert.equal(proposal.description, 'raise base radius');
  });

  it('passes the prompt as a file, keeps new evolvable files and ignores its own droppings', async () => {
    const command = [
      'test -f "$CAMBRIAN_PROMPT_FILE"',
      'grep -q "Files you may change" "$CAMBRIAN_PROMPT_FILE"',
      "printf 'export const extra = 1;\\n' > src/extra.js",
      "echo 'chat log' > .agent-history.md",
    ].join(' && ');
    const proposal = await agent(command, { promptVia: 'file' }).propose(fx.context());
    assert.deepEqual(changes(proposal), { 'src/extra.js': 'export const extra = 1;\n' });
    assert.ok(proposal.kind === 'changes');
    assert.equal(proposal.description, 'agent: edit extra.js');
  });

  it('collects edits an agent committed to a repository it made itself, and never its git metadata', async () => {
    // The directory has no .git; agents such as aider make one. Even with everything evolvable,
    // the repository the agent made is not part of the proposal (its index is binary).
    const command = [
      'test ! -e .git',
      'git init -q && git add -A && git commit -q -m base',
      `sed -i "s/'pack'/'packed'/" src/util.js && git commit -q -am 'agent commit'`,
      'test -f .git/index',
    ].join(' && ');
    const everything = { ...SCOPE, include: ['**'] };
    const proposal = await agent(command, { envNames: Object.keys(IDENTITY) }).propose(fx.context({ scope: everything }));
    assert.deepEqual(changes(proposal), { 'src/util.js': "export function helper() {\n  return 'packed';\n}\n" });
  });

  it('rejects an agent that edits a protected file', async () => {
    const command = `echo 'console.log(JSON.stringify({ score: 99 }));' > evaluate.js && sed -i 's/0.1;/0.3;/' src/pack.js`;
    const proposal = await agent(command).propose(fx.context());
    assert.ok(proposal.kind === 'rejected');
    assert.match(proposal.reason, /^agent: evaluate\.js is protected/);
  });

  it('kills the whole sandbox on timeout, rejects, and releases a directory the next user gets clean', async () => {
    const marker = uniqueMarker();
    const command = `bash -c 'sleep 30; : ${marker}' & sed -i 's/0.1;/0.4;/' src/pack.js; mkdir -p .git; sleep 30; : ${marker}`;
    const started = Date.now();
    const proposal = await agent(command, { timeoutMs: 400 }).propose(fx.context());
    assert.ok(proposal.kind === 'rejected');
    assert.match(proposal.reason, /^agent: timed out after 400 ms/);
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(await survivors(marker), [], 'the background helper died with the sandbox');
    // The pool has one directory: acquiring it again proves the operator released it.
    const worktree = await pool.acquire(fx.repo.head, AbortSignal.timeout(5_000));
    assert.equal(await readFile(join(worktree.path, 'src/pack.js'), 'utf8'), PACK_JS, 'the next user gets a clean copy');
    assert.equal(await exists(join(worktree.path, '.git')), false);
    await worktree.release();
  });

  it('rejects a failing command with its stderr, and an agent that changes nothing', async () => {
    const failing = await agent(`echo 'model quota exceeded' >&2; exit 3`).propose(fx.context());
    assert.ok(failing.kind === 'rejected');
    assert.equal(failing.reason, 'agent: the command exited with code 3: model quota exceeded');
    const idle = await agent('true').propose(fx.context());
    assert.ok(idle.kind === 'rejected');
    assert.match(idle.reason, /changed no evolvable file/);
  });

  it('rejects an agent that leaves a link in place of an evolvable file', async () => {
    const proposal = await agent('ln -sf /etc/passwd src/util.js').propose(fx.context());
    assert.ok(proposal.kind === 'rejected');
    assert.equal(proposal.reason, 'agent: the agent left src/util.js as a symbolic link');
  });

  it('gives a hostile agent no git metadata in the proposal, no secret out, and no host process to run its filter', async () => {
    // Host-side git would run these on `git status`, a checkout or a commit in a directory with this .git.
    const marker = join(scratch.dir, 'filter-ran');
    const gitConfig = `[core]\n\tfsmonitor = touch ${marker}\n\thooksPath = .\n[filter "evil"]\n\tclean = touch ${marker}\n\tsmudge = touch ${marker}\n\trequired = true\n`;
    const stealing = `{ cat ~/.ssh/id_rsa; cat '${join(home, '.ssh/id_rsa')}'; }`;
    const command = [
      `mkdir -p .git && printf '%s' '${gitConfig}' > .git/config`,
      `printf '%s' '${gitConfig}' > src/.git`, // a `.git` file inside the evolve scope
      "echo '* filter=evil' > .gitattributes",
      'ln -s /etc/passwd evil',
      `${stealing} > src/stolen.js 2>&1`,
      "sed -i 's/const base = 0.1;/const base = 0.25;/' src/pack.js",
    ].join('; ');
    const proposal = await agent(command).propose(fx.context());
    const changed = changes(proposal);
    assert.deepEqual(Object.keys(changed).sort(), ['src/pack.js', 'src/stolen.js']);
    assert.equal(changed['src/pack.js'], PACK_JS.replace('0.1;', '0.25;'));
    assert.ok(!Object.keys(changed).some((path) => path.split('/').some((part) => part.toLowerCase() === '.git')), 'no .git path');
    assert.doesNotMatch(JSON.stringify(proposal), new RegExp(secret), 'the key never reached the sandbox');
    assert.match(changed['src/stolen.js'] ?? '', /No such file or directory/);

    const loud = await agent(`${stealing} >&2; cat ~/.ssh/id_rsa; exit 1`).propose(fx.context());
    assert.ok(loud.kind === 'rejected');
    assert.doesNotMatch(loud.reason, new RegExp(secret));
    assert.match(loud.reason, /^agent: the command exited with code 1/);
    assert.match(await readFile(join(home, '.ssh/id_rsa'), 'utf8'), new RegExp(secret), 'the key is there on the host');

    // What the host does next with the proposal and the directory: commit it, lend the directory again.
    const child = await fx.git.commitChild({ parent: fx.repo.head, changes: proposal.kind === 'changes' ? proposal.changes : [], subject: 'hostile', trailers: [], timestamp: 1 });
    const next = await pool.acquire(child.commit, AbortSignal.timeout(5_000));
    assert.deepEqual((await readdir(next.path)).sort(), ['cambrian.yaml', 'evaluate.js', 'src']);
    assert.deepEqual((await readdir(join(next.path, 'src'))).sort(), ['pack.js', 'stolen.js', 'util.js']);
    await next.release();
    assert.equal(await fx.repo.git('status', '--porcelain'), '');
    assert.equal(await exists(marker), false, 'no process on the host ran the planted filter or fsmonitor');
  });
});
