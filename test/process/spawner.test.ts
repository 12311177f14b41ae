// Starting children through the spawner helper and directly: the same behaviour both ways (pipes,
// large output, exit codes, signals, start errors, group kill); the helper's own guarantees (a
// crash fails the children in flight and the next start works; a dead engine takes it and its
// children down).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { spawnDirect } from '../../src/process/direct.ts';
import { spawnerPid, spawnProcess, SpawnerLostError, stopSpawner, type SpawnedProcess, type SpawnOptions } from '../../src/process/spawn.ts';

after(() => stopSpawner());

const base: SpawnOptions = { cwd: tmpdir(), env: process.env, detached: true, stdin: 'ignore' };

function collect(stream: Readable | null): () => Buffer {
  const chunks: Buffer[] = [];
  stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

type Start = (file: string, args: readonly string[], options: SpawnOptions) => Promise<SpawnedProcess>;

for (const [name, start] of [['through the spawner', spawnProcess], ['directly', spawnDirect]] as [string, Start][]) {
  describe(`starting a child ${name}`, () => {
    it('relays stdin, stdout, stderr and fd 3 and reports the exit code', async () => {
      const child = await start('sh', ['-c', 'cat; echo oops >&2; echo report >&3; exit 3'], { ...base, stdin: 'pipe', fd3: true });
      assert.equal(child.via, name === 'directly' ? 'direct' : 'spawner');
      const [out, err, fd3] = [collect(child.stdout), collect(child.stderr), collect(child.fd3)];
      child.stdin!.write('hello ');
      child.stdin!.end('world');
      assert.deepEqual(await child.closed, { code: 3, signal: null });
      assert.equal(out().toString(), 'hello world');
      assert.equal(err().toString(), 'oops\n');
      assert.equal(fd3().toString(), 'report\n');
    });

    it('writes given input and closes stdin', async () => {
      const child = await start('wc', ['-c'], { ...base, stdin: { input: Buffer.alloc(100_000, 1) } });
      const out = collect(child.stdout);
      await child.closed;
      assert.equal(out().toString().trim(), '100000');
    });

    it('carries 20 MB of output byte for byte', async () => {
      const script = 'f=$(mktemp); head -c 20000000 /dev/urandom > "$f"; sha256sum < "$f" >&2; cat "$f"; rm "$f"';
      const child = await start('sh', ['-c', script], base);
      const [out, err] = [collect(child.stdout), collect(child.stderr)];
      assert.deepEqual(await child.closed, { code: 0, signal: null });
      assert.equal(out().length, 20_000_000);
      assert.equal(err().toString().split(' ')[0], createHash('sha256').update(out()).digest('hex'));
    });

    it('reports the signal that ended the child', async () => {
      const child = await start('sh', ['-c', 'kill -TERM $$'], base);
      assert.deepEqual(await child.closed, { code: null, signal: 'SIGTERM' });
    });

    it('rejects a command or working directory that does not exist with the spawn error', async () => {
      await assert.rejects(start('no-such-command-here', [], base), { code: 'ENOENT' });
      await assert.rejects(start('true', [], { ...base, cwd: join(tmpdir(), 'no-such-dir-here') }), { code: 'ENOENT' });
    });

    it('puts the child in its own process group, which the caller can kill whole', async () => {
      const child = await start('sh', ['-c', 'sleep 30 & echo $!; wait'], base);
      const out = collect(child.stdout);
      await waitUntil(() => out().length > 0, 5_000);
      const grandchild = Number(out().toString());
      assert.ok(alive(grandchild));
      process.kill(-child.pid, 'SIGKILL');
      assert.deepEqual(await child.closed, { code: null, signal: 'SIGKILL' });
      assert.ok(await waitUntil(() => !alive(grandchild), 2_000), 'the grandchild died with its group');
    });

    it('lets the caller give up on a pipe a grandchild holds open', async () => {
      const child = await start('sh', ['-c', '(sleep 30 &) ; exit 0'], base);
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      child.stdout.destroy();
      child.stderr.destroy();
      await child.closed;
      process.kill(-child.pid, 'SIGKILL');
    });
  });
}

describe('the spawner helper', () => {
  it('fails the children it was running when it dies, and the next start gets a new helper', async () => {
    const child = await spawnProcess('sh', ['-c', 'sleep 30 & echo $!; wait'], base);
    const out = collect(child.stdout);
    await waitUntil(() => out().length > 0, 5_000);
    const grandchild = Number(out().toString());
    const helper = spawnerPid()!;
    process.kill(helper, 'SIGKILL');
    await assert.rejects(child.exited, SpawnerLostError);
    assert.ok(await waitUntil(() => !alive(grandchild), 2_000), 'the lost child group was killed');

    const next = await spawnProcess('echo', ['again'], base);
    const again = collect(next.stdout);
    await next.closed;
    assert.equal(again().toString(), 'again\n');
    assert.notEqual(spawnerPid(), helper);
  });

  it('stays small: it does not load tsx or the engine', async () => {
    await (await spawnProcess('true', [], base)).closed;
    const status = await import('node:fs').then((fs) => fs.readFileSync(`/proc/${spawnerPid()}/status`, 'utf8'));
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    assert.ok(rssMb < 80, `helper RSS ${rssMb.toFixed(0)} MB`);
  });

  it('exits with the engine, killing the children it started, even when the engine is SIGKILLed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cambrian-spawner-'));
    try {
      const script = join(dir, 'engine.mts');
      const spawnModule = fileURLToPath(new URL('../../src/process/spawn.ts', import.meta.url));
      await writeFile(script, [
        `import { spawnProcess, spawnerPid } from ${JSON.stringify(spawnModule)};`,
        `const child = await spawnProcess('sleep', ['60'], { cwd: '/', env: process.env, detached: true, stdin: 'ignore' });`,
        'console.log(JSON.stringify({ helper: spawnerPid(), child: child.pid }));',
        'setInterval(() => {}, 1000);',
      ].join('\n'));
      const engine = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => engine.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      const { helper, child } = JSON.parse(line) as { helper: number; child: number };
      assert.ok(alive(helper) && alive(child));
      engine.kill('SIGKILL');
      assert.ok(await waitUntil(() => !alive(helper), 5_000), 'the helper exited');
      assert.ok(await waitUntil(() => !alive(child), 2_000), 'its child was killed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
