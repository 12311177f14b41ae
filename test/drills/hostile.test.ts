// Fault drills with hostile candidates inside a real run: 200 candidates whose evaluation hangs,
// forks sleeping grandchildren, allocates without bound, dials the network, floods stdout or prints
// garbage metrics. The run must finish its budget, classify every one with a reason, and leave no
// process behind. Also: an evaluator process killed from outside mid-evaluation is classified and
// the run goes on.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { detectSandbox } from '../../src/evaluate/sandbox.ts';
import { openStore } from '../../src/store/open.ts';
import { runCli, startCli } from '../support/cli.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const repos: TempRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

/** The candidate: MODE picks the behaviour, SALT makes every child's tree unique. */
const CANDIDATE = `// EVOLVE-BLOCK-START
export const MODE = 3;
export const SALT = 1000;
// EVOLVE-BLOCK-END
`;

/** Behaviours by MODE % 8. Port of a listening server on the host is passed in PROBE_PORT. */
const EVALUATOR = `import { MODE, SALT } from '../candidate.mjs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
const kind = Math.abs(Math.trunc(MODE)) % 8;
const ok = () => console.log(JSON.stringify({ score: (SALT % 97) + kind }));
switch (kind) {
  case 0: setInterval(() => {}, 1000); break;                                    // hangs forever
  case 1: spawn('sleep', ['600'], { stdio: 'ignore' }); setInterval(() => {}, 1000); break; // forks a sleeping grandchild, hangs
  case 2: { const hog = []; for (;;) hog.push(Buffer.alloc(32 * 1024 * 1024, 1)); } // allocates without bound
  case 3: {                                                                        // dials the host
    const socket = connect(Number(process.env.PROBE_PORT ?? 9), '127.0.0.1');
    socket.on('connect', () => { console.log(JSON.stringify({ score: 999 })); process.exit(0); });
    socket.on('error', () => { console.error('no network'); process.exit(3); });
    break;
  }
  case 4: { const line = 'x'.repeat(1 << 20) + '\\n'; for (let i = 0; i < 50; i++) process.stdout.write(line); break; } // 50 MB of output
  case 5: console.log('{"score": NaN}'); break;                                    // garbage metric
  case 6: console.log('{"score": "high"}'); break;                                 // garbage metric
  default: ok();
}
`;

function config(budget: number, port: number, extra = ''): string {
  return `goal: survive hostile candidates
evolve:
  include: ["candidate.mjs"]
evaluator:
  command: node eval/evaluate.mjs
  timeoutMs: 1500
  memoryMb: 512
  env: [PROBE_PORT]
metrics:
  score: { direction: max }
fitness: score
budget:
  maxEvaluations: ${budget}
archive:
  warmup: 4
  islands: 2
operators:
  numeric: { weight: 1, maxLiterals: 2, initialSigma: 0.5 }
${extra}`;
}

async function hostileRepo(budget: number, port: number, evaluator = EVALUATOR): Promise<TempRepo> {
  const repo = await createTempRepo({
    'candidate.mjs': CANDIDATE.replace('MODE = 3', 'MODE = 7'),
    'eval/evaluate.mjs': evaluator,
    'cambrian.yaml': config(budget, port),
  });
  repos.push(repo);
  return repo;
}

async function listeningServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, connections: () => connections };
}

/** Processes whose command line contains the marker (leftovers of candidates). */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(name));
  }
  return found;
}

const sandbox = await detectSandbox();
const skip = sandbox.bwrap ? false : `bubblewrap cannot run here (${sandbox.reason}); candidates are never run without it`;

describe('hostile candidates in a run', { skip }, () => {
  it('finishes a 200-evaluation budget with every hostile candidate contained and classified', async () => {
    const probe = await listeningServer();
    try {
      const repo = await hostileRepo(200, probe.port);
      const result = await runCli(['run', '--repo', repo.dir, '--workers', '2'], { env: { PROBE_PORT: String(probe.port) } });
      assert.equal(result.code, 0, result.stderr);

      const store = await openStore({ repoDir: repo.dir });
      try {
        const [run] = await store.runs.list('any');
        assert.equal(run!.state, 'finished');
        assert.equal(run!.evaluations, 200);
        const progress = await store.evaluations.progress(run!.id);
        const failed = progress.filter((p) => p.outcome !== 'ok');
        assert.ok(failed.length >= 50, `hostile candidates were generated and failed (${failed.length})`);
        const reasons = new Map<string, number>();
        const examples = new Map<string, string>();
        for (const p of failed) {
          const [evaluation] = await store.evaluations.listByIndividual(p.individualId);
          assert.ok(evaluation?.reason && evaluation.reason.length > 5, `${p.individualId} has a reason`);
          assert.equal(evaluation.outcome, 'candidate_failed', `${p.individualId}: ${evaluation.reason}`);
          const kind = /timed out/.test(evaluation.reason)
            ? 'timeout'
            : /memory/i.test(evaluation.reason)
              ? 'memory'
              : /NaN|not a (finite )?number|string/i.test(evaluation.reason)
                ? 'metric'
                : /exit/i.test(evaluation.reason)
                  ? 'exit'
                  : 'other';
          reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
          examples.set(kind, evaluation.reason);
          const stdout = evaluation.stages.reduce((n, s) => n + s.stdout.length, 0);
          assert.ok(stdout < 300_000, 'captured output is capped');
        }
        for (const kind of ['timeout', 'memory', 'metric', 'exit']) {
          assert.ok((reasons.get(kind) ?? 0) > 0, `some candidates failed by ${kind}: ${JSON.stringify([...reasons])} ${JSON.stringify([...examples])}`);
        }
      } finally {
        await store.close();
      }
      assert.equal(probe.connections(), 0, 'no candidate reached the network');
      assert.deepEqual(await processesWith('sleep\u0000600'), [], 'no forked grandchild survived');
    } finally {
      probe.server.close();
    }
  });

  it('stores NUL bytes a candidate prints (stdout, stderr, a metric name) without stopping the run', async () => {
    // Postgres refuses NUL in text and jsonb: one stray byte in a failing candidate's stderr used to
    // fail the store write and with it the run. The store boundary now writes U+FFFD instead.
    const nul = `import { MODE, SALT } from '../candidate.mjs';
const kind = Math.abs(Math.trunc(MODE)) % 3;
if (kind === 0) { process.stderr.write('bad\\0byte\\n'); process.exit(1); }
if (kind === 2) console.log(JSON.stringify({ score: SALT % 97, ['x\\u0000y']: 1 }));
else { process.stdout.write('\\0\\0\\n'); console.log(JSON.stringify({ score: SALT % 97 })); }
`;
    const repo = await hostileRepo(16, 9, nul);
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '2']);
    assert.equal(result.code, 0, result.stderr);
    const store = await openStore({ repoDir: repo.dir });
    try {
      const [run] = await store.runs.list('any');
      assert.equal(run!.state, 'finished');
      assert.equal(run!.evaluations, 16);
      const progress = await store.evaluations.progress(run!.id);
      const stages = (await Promise.all(progress.map((p) => store.evaluations.listByIndividual(p.individualId)))).flat().flatMap((e) => e.stages);
      const text = stages.map((s) => s.stdout + s.stderr).join('');
      assert.ok(!text.includes('\0'), 'no NUL reached the store');
      assert.ok(text.includes('\uFFFD'), `the NUL bytes candidates printed are shown as U+FFFD: ${JSON.stringify(text.slice(0, 200))}`);
      const reasons = (await Promise.all(progress.map((p) => store.evaluations.listByIndividual(p.individualId)))).flat().map((e) => e.reason ?? '');
      assert.ok(reasons.some((r) => /control character in its name/.test(r)), 'a NUL in a metric name fails that candidate with a reason');
    } finally {
      await store.close();
    }
  });

  it('classifies an evaluation whose process is killed from outside and carries on', async () => {
    const marker = `cambrian-victim-${process.pid}`;
    const slow = `import { SALT } from '../candidate.mjs';\nsetTimeout(() => console.log(JSON.stringify({ score: SALT % 97 })), 1000);\n// ${marker}\n`;
    const repo = await hostileRepo(6, 9, slow);
    await repo.commit({ 'cambrian.yaml': config(6, 9).replace('node eval/evaluate.mjs', `node eval/evaluate.mjs ${marker}`) });
    const { child, done } = startCli(['run', '--repo', repo.dir, '--workers', '1', '--json']);
    // Once the seed's evaluation is in (a failing seed would stop the run), kill the next
    // evaluator process that appears.
    let seedDone = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"type":"evaluation_finished"')) seedDone = true;
    });
    let killed = 0;
    let polling = false;
    const killer = setInterval(async () => {
      if (!seedDone || killed > 0 || polling) return;
      polling = true;
      try {
        for (const pid of await processesWith(marker)) {
          const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (cmdline.startsWith('node') && killed === 0) {
            killed++;
            process.kill(pid, 'SIGKILL');
          }
        }
      } finally {
        polling = false;
      }
    }, 10);
    const result = await done;
    clearInterval(killer);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(killed, 1, 'the evaluator process was killed once');
    const store = await openStore({ repoDir: repo.dir });
    try {
      const [run] = await store.runs.list('any');
      assert.equal(run!.evaluations, 6, 'the run went on to its budget');
      const failures = await store.evaluations.recentFailures(run!.id, 10);
      assert.ok(failures.some((f) => /signal|SIGKILL|killed/i.test(f.reason ?? '')), JSON.stringify(failures.map((f) => f.reason)));
    } finally {
      await store.close();
    }
  });
});
