// Where a run's time goes: one llm-loop run (bench/llm-loop.ts's work) with the CLI under
// `--cpu-prof`, then the functions and files with the most self time. Not part of `npm run bench`;
// run it when a figure misses its target:  node --import tsx bench/profile.ts [iterations] [workers]
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLlmServer } from '../test/support/llm-server.ts';
import { createRepo, reply } from './llm-loop.ts';
import { BENCH_ROOT } from './support.ts';

const iterations = Number(process.argv[2] ?? 300);
const workers = Number(process.argv[3] ?? 1);
const server = await startLlmServer(reply);
const repo = await createRepo(server.url);
const profileDir = await mkdtemp(join(tmpdir(), 'cambrian-profile-'));
const started = Date.now();
await new Promise<void>((resolve, reject) => {
  const child = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, join(BENCH_ROOT, 'bin', 'cambrian.js'), 'run', '--repo', repo.dir, '--max-evals', String(iterations), '--workers', String(workers), '--json'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LLM_LOOP_KEY: 'sk-bench' } },
  );
  child.on('error', reject);
  child.on('close', () => resolve());
});
const wallS = (Date.now() - started) / 1000;
await server.close();
await repo.cleanup();

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
for (const file of files) {
  const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const url = frame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/') || '(native)';
    const us = profile.timeDeltas[i] ?? 0;
    byFunction.set(`${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`, (byFunction.get(`${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`) ?? 0) + us);
    const group = url.startsWith('dist/') ? url : url.split('/')[0]!;
    byFile.set(group, (byFile.get(group) ?? 0) + us);
  });
  const total = (profile.endTime - profile.startTime) / 1000;
  console.log(`\n${file}: ${total.toFixed(0)} ms profiled, ${iterations} iterations, ${workers} worker(s), wall ${wallS.toFixed(1)} s`);
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((us / 1000 / iterations)).toFixed(2).padStart(6)} ms/it  ${k}`).join('\n');
  console.log('by file or package (self time):\n' + top(byFile, 25));
  console.log('by function (self time):\n' + top(byFunction, 30));
}
