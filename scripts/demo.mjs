// The README's demo: write the circle-packing example as a fresh git repo in ./demo (git-ignored),
// evolve it offline with the built-in operators, and print the best branch.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'demo', 'circle-packing');
const cli = join(root, 'bin', 'cambrian.js');
const extra = process.argv.slice(2);

if (existsSync(target)) rmSync(target, { recursive: true, force: true });
const steps = [
  ['example', 'circle-packing', target],
  ['run', '--repo', target, '--new', ...extra],
  ['best', '--repo', target],
];
for (const args of steps) {
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.stdout.write(`\nThe evolved repository is ${target}\n  git -C ${target} log --oneline cambrian/r1/best | head\n  node bin/cambrian.js report --repo ${target}\n`);
