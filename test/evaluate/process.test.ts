// The stage runner against real processes: timeouts and aborts kill whole trees, limits contain
// runaway candidates, output stays bounded, secrets stay out, and the sandbox holds (with bwrap).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildStageEnv, runCommand, type RunCommandOptions } from '../../src/evaluate/process.ts';
import { detectSandbox, systemOnlyView } from '../../src/evaluate/sandbox.ts';
import { computeSandboxView } from '../../src/evaluate/sandbox-view.ts';
import { createTempDir } from '../support/temp-repo.ts';
import { survivors, uniqueMarker } from './helpers.ts';

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const hasBwrap = (await detectSandbox()).bwrap;
const NO_BWRAP = 'bubblewrap is not usable on this machine';
/** What the commands here need: the system, and node/python wherever this machine's PATH has them. */
const VIEW = computeSandboxView({ path: process.env.PATH, home: process.env.HOME, commands: [], readOnlyPaths: [], network: false });

describe('runCommand', () => {
  let scratch: { dir: string; cleanup(): Promise<void> };
  let worktree: string;

  before(async () => {
    scratch = await createTempDir('cambrian-process-');
    worktree = join(scratch.dir, 'worktree');
    await mkdir(worktree);
  });
  after(() => scratch.cleanup());

  function run(command: string, overrides: Partial<RunCommandOptions> & { bwrap?: boolean; network?: boolean } = {}) {
    const { bwrap = hasBwrap, network = false, ...rest } = overrides;
    return runCommand({
      command,
      sandbox: { bwrap, worktree, writableDirs: [], network, view: VIEW, tmpMb: 64, shmMb: 16 },
      limits: { memoryMb: 4096 },
      env: buildStageEnv(process.env, [], {}),
      timeoutMs: 20_000,
      maxOutputBytes: 65_536,
      killGraceMs: 500,
      ...rest,
    });
  }

  for (const bwrap of [false, true]) {
    describe(bwrap ? 'inside bubblewrap' : 'without a sandbox', { skip: bwrap && !hasBwrap ? NO_BWRAP : false }, () => {
      it('reports exit code, output and CPU seconds of waited-for grandchildren', async () => {
        // Burns 300 ms of CPU (not wall time, which a loaded machine stretches).
        const busy = 'node -e "while (process.cpuUsage().user < 300000) {}"';
        const result = await run(`bash -c '${busy}'; echo out; echo err >&2; exit 3`, { bwrap });
        assert.equal(result.exitCode, 3);
        assert.equal(result.signal, null);
        assert.equal(result.stdout, 'out\n');
        assert.equal(result.stderr, 'err\n');
        assert.equal(result.timedOut, false);
        assert.ok(result.cpuSeconds >= 0.3, `cpuSeconds ${result.cpuSeconds}`);
      });

      it('kills a command that sleeps forever, and its sleeping grandchild, on timeout', async () => {
        const marker = uniqueMarker();
        const started = Date.now();
        const result = await run(`bash -c 'sleep 1000; : ${marker}' & sleep 1000; : ${marker}`, { bwrap, timeoutMs: 300 });
        assert.equal(result.timedOut, true);
        assert.equal(result.exitCode, null);
        assert.ok(Date.now() - started < 3_000, 'returned within timeout + grace');
        assert.deepEqual(await survivors(marker), []);
      });

      it('kills a process that ignores SIGTERM after the grace period', async () => {
        const marker = uniqueMarker();
        const result = await run(`trap '' TERM; bash -c 'trap "" TERM; sleep 1000; : ${marker}'`, { bwrap, timeoutMs: 200 });
        assert.equal(result.timedOut, true);
        assert.deepEqual(await survivors(marker), []);
      });

      it('kills what a finished command left running in the background', async () => {
        const marker = uniqueMarker();
        const result = await run(`(sleep 1000; : ${marker}) & echo done`, { bwrap });
        assert.equal(result.exitCode, 0);
        assert.equal(result.stdout, 'done\n');
        assert.deepEqual(await survivors(marker), []);
      });

      it('stops the tree when the signal aborts', async () => {
        const marker = uniqueMarker();
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 200);
        const result = await run(`sleep 1000; : ${marker}`, { bwrap, signal: controller.signal });
        assert.equal(result.aborted, true);
        assert.equal(result.timedOut, false);
        assert.deepEqual(await survivors(marker), []);
      });

      it('runs normal node, wasm and python evaluators under the default memory limit', async () => {
        const result = await run(
          'node -e "new WebAssembly.Memory({ initial: 1 }); console.log(1)" && python3 -c "print(2)"',
          { bwrap },
        );
        assert.equal(result.stderr, '');
        assert.equal(result.stdout, '1\n2\n');
      });

      it('contains node and python processes that allocate without bound', async () => {
        const limits = { memoryMb: 256 };
        const node = await run('node -e "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))"', { bwrap, limits });
        assert.notEqual(node.exitCode, 0);
        assert.match(node.stderr, /out of memory|Allocation failed/i);
        const python = await run('python3 -c "a = []\nwhile True: a.append(bytearray(1 << 20))"', { bwrap, limits });
        assert.equal(python.exitCode, 1);
        assert.match(python.stderr, /MemoryError/);
      });

      it('stops a busy loop at the CPU limit with SIGXCPU', async () => {
        const result = await run('while :; do :; done', { bwrap, limits: { memoryMb: 4096, cpuSeconds: 1 } });
        assert.equal(result.signal, 'SIGXCPU');
        assert.equal(result.timedOut, false);
      });
    });
  }

  it('keeps head and tail of 50 MB of output in bounded memory', async () => {
    const print = (bytes: number) => run(`head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo '{"score": 1}'`, { maxOutputBytes: 1024 });
    // Warm up at full size: the first large read grows the heap (and, through the spawner, the IPC
    // decoder's young generation) whatever is kept; a second one must not grow it by what it printed.
    await print(50_000_000);
    const rssBefore = process.memoryUsage().rss;
    const result = await print(50_000_000);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.equal(result.exitCode, 0);
    assert.ok(result.stdout.length < 2 * 1024 + 100, `kept ${result.stdout.length} chars`);
    const omitted = 50_000_000 + '\n{"score": 1}\n'.length - 2 * 1024;
    assert.ok(result.stdout.startsWith(`${'x'.repeat(1024)}\n[… ${omitted} bytes omitted …]\nxxx`), 'head, marker, tail');
    assert.ok(result.stdout.endsWith('{"score": 1}\n'), 'the last line survives');
    assert.ok(rssGrowthMb < 25, `rss grew ${rssGrowthMb.toFixed(1)} MB`);
  });

  it('passes only allowlisted variables: secrets in the parent never reach the command', async () => {
    const parent = { ...process.env, OPENAI_API_KEY: 'sk-secret', MY_SETTING: 'visible', PATH: process.env.PATH };
    const env = buildStageEnv(parent, ['MY_SETTING'], { CAMBRIAN_RUN_ID: 'r1' });
    assert.equal(env.OPENAI_API_KEY, undefined);
    const result = await run('env', { env });
    assert.doesNotMatch(result.stdout, /OPENAI_API_KEY|sk-secret/);
    assert.match(result.stdout, /^MY_SETTING=visible$/m);
    assert.match(result.stdout, /^CAMBRIAN_RUN_ID=r1$/m);
  });

  it('reports a command that cannot be started', async () => {
    const result = await runCommand({
      command: 'true',
      sandbox: { bwrap: false, worktree: join(worktree, 'missing-dir'), writableDirs: [], network: false, view: systemOnlyView(), tmpMb: 1, shmMb: 1 },
      limits: { memoryMb: 4096 },
      env: {},
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
    });
    assert.ok(result.spawnError, 'spawnError set');
  });

  describe('the bubblewrap sandbox', { skip: hasBwrap ? false : NO_BWRAP }, () => {
    let server: Server;
    let port: number;
    let connections = 0;

    before(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end('hello\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const connect = () =>
      `node -e "require('net').connect(${port}, '127.0.0.1').on('data', d => { process.stdout.write(d); process.exit(0) }).on('error', e => { console.error(e.code); process.exit(1) })"`;

    it('cuts the network unless allowed', async () => {
      const isolated = await run(connect());
      assert.equal(isolated.exitCode, 1);
      assert.equal(connections, 0, 'the server saw no connection');
      const allowed = await run(connect(), { network: true });
      assert.equal(allowed.stdout, 'hello\n');
      assert.equal(connections, 1);
    });

    it('lets the command write its worktree and private /tmp, and nothing else', async () => {
      await writeFile(join(worktree, 'victim.txt'), 'x');
      // A sibling of the worktree under /tmp lands in the private tmpfs; a path elsewhere is read-only.
      const sibling = join(scratch.dir, 'sibling.txt');
      const elsewhere = join(homedir(), `${uniqueMarker()}.txt`);
      const result = await run(
        `rm -f victim.txt && touch made.txt ${sibling} && echo t > /tmp/private.txt && cat /tmp/private.txt && ` +
          `{ touch ${elsewhere} 2>/dev/null || echo blocked; } && { mount -o remount,rw / 2>/dev/null || echo no-remount; }`,
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stdout, 't\nblocked\nno-remount\n');
      assert.deepEqual((await readdir(worktree)).sort(), ['made.txt']);
      assert.equal(await exists(sibling), false);
      assert.equal(await exists(elsewhere), false);
      assert.equal(await exists('/tmp/private.txt'), false);
    });

    it('sizes the private /tmp and /dev/shm', async () => {
      const fill = (dir: string, mb: number) => `{ head -c ${mb}M /dev/zero > ${dir}/fill 2>/dev/null && echo fits || echo full; rm -f ${dir}/fill; }`;
      const result = await run(`${fill('/tmp', 32)}; ${fill('/tmp', 80)}; ${fill('/dev/shm', 8)}; ${fill('/dev/shm', 24)}`);
      assert.equal(result.stdout, 'fits\nfull\nfits\nfull\n', result.stderr);
    });

    it('kills a grandchild that escaped the process group with setsid', async () => {
      const marker = uniqueMarker();
      const result = await run(`setsid bash -c 'sleep 1000; : ${marker}' & echo started`);
      assert.equal(result.stdout, 'started\n');
      assert.deepEqual(await survivors(marker), []);
    });
  });
});
