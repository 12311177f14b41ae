import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitWorktreePool } from '../../../src/git/worktree-pool.ts';
import { createAgentOperator, type AgentOperatorDeps } from '../../../src/operators/agent/agent.ts';
import type { Proposal } from '../../../src/operators/port.ts';
import { createFixture, PACK_JS, type Fixture } from '../llm/harness.ts';

const IDENTITY = { GIT_AUTHOR_NAME: 'Agent', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'Agent', GIT_COMMITTER_EMAIL: 'a@example.com' };

function changes(proposal: Proposal): Record<string, string | null> {
  assert.equal(proposal.kind, 'changes', proposal.kind === 'rejected' ? proposal.reason : '');
  assert.ok(proposal.kind === 'changes');
  return Object.fromEntries(proposal.changes.map((c) => [c.path, c.content]));
}

/** Running (a killed process whose new parent has not reaped it yet is a zombie: not running). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null ? true : !/^\d+ \(.*\) Z /.test(stat);
}

describe('agent operator', () => {
  let fx: Fixture;
  let pool: GitWorktreePool;
  let scratch: string;
  before(async () => {
    fx = await createFixture();
    scratch = await mkdtemp(join(tmpdir(), 'cambrian-agent-test-'));
    pool = new GitWorktreePool({ repo: fx.git, size: 1, root: join(scratch, 'worktrees') });
  });
  after(async () => {
    await pool.close();
    await rm(scratch, { recursive: true, force: true });
    await fx.close();
  });

  const agent = (command: string, extra: Partial<AgentOperatorDeps> = {}) =>
    createAgentOperator({ pool, command, promptVia: 'stdin', timeoutMs: 10_000, env: { ...process.env, ...IDENTITY }, ...extra });

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

  it('collects edits the agent committed itself', async () => {
    const command = `sed -i "s/'pack'/'packed'/" src/util.js && git commit -q -am 'agent commit'`;
    const proposal = await agent(command).propose(fx.context());
    assert.deepEqual(changes(proposal), { 'src/util.js': "export function helper() {\n  return 'packed';\n}\n" });
  });

  it('rejects an agent that edits a protected file', async () => {
    const command = `echo 'console.log(JSON.stringify({ score: 99 }));' > evaluate.js && sed -i 's/0.1;/0.3;/' src/pack.js`;
    const proposal = await agent(command).propose(fx.context());
    assert.ok(proposal.kind === 'rejected');
    assert.match(proposal.reason, /^agent: evaluate\.js is protected/);
  });

  it('kills the whole process group on timeout, rejects, and releases the worktree', async () => {
    const pidFile = join(scratch, 'helper.pid');
    const command = `sleep 30 & echo $! > '${pidFile}'; sed -i 's/0.1;/0.4;/' src/pack.js; sleep 30`;
    const started = Date.now();
    const proposal = await agent(command, { timeoutMs: 400 }).propose(fx.context());
    assert.ok(proposal.kind === 'rejected');
    assert.match(proposal.reason, /^agent: timed out after 400 ms/);
    assert.ok(Date.now() - started < 5_000);
    const helper = Number((await readFile(pidFile, 'utf8')).trim());
    assert.equal(await isRunning(helper), false, 'the background helper died with the group');
    // The pool has one worktree: acquiring it again proves the operator released it.
    const worktree = await pool.acquire(fx.repo.head, AbortSignal.timeout(5_000));
    assert.equal(await readFile(join(worktree.path, 'src/pack.js'), 'utf8'), PACK_JS, 'the next user gets a clean checkout');
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
});
