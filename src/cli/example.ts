// `cambrian example NAME DIR`: write a bundled example problem as a fresh git repository with its
// config committed, ready for `cambrian run --repo DIR`.
import type { Command } from 'commander';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CambrianError } from '../errors.ts';
import { runGit } from '../git/exec.ts';

export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

export async function listExamples(): Promise<string[]> {
  const entries = await readdir(EXAMPLES_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function materialiseExample(name: string, dir: string): Promise<void> {
  const examples = await listExamples();
  if (!examples.includes(name)) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `there is no example \`${name}\``, { hint: `examples: ${examples.join(', ')}` });
  }
  const target = resolve(dir);
  const existing = await stat(target).catch(() => null);
  if (existing && (!existing.isDirectory() || (await readdir(target)).length > 0)) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `${target} already exists and is not empty`, { hint: 'choose a new directory' });
  }
  await mkdir(target, { recursive: true });
  await cp(join(EXAMPLES_DIR, name), target, { recursive: true });
  await runGit(['init', '-q', '-b', 'main'], { cwd: target });
  await runGit(['add', '-A'], { cwd: target });
  // A fixed identity and date: every copy of an example starts from the same seed commit SHA, so
  // runs with the same seed are comparable commit by commit across machines.
  await runGit(['-c', 'user.name=Cambrian', '-c', 'user.email=cambrian@localhost', 'commit', '-q', '-m', `${name}: seed program`], {
    cwd: target,
    env: { GIT_AUTHOR_DATE: EXAMPLE_DATE, GIT_COMMITTER_DATE: EXAMPLE_DATE },
  });
}

const EXAMPLE_DATE = '2026-01-01T00:00:00Z';

export function register(program: Command): void {
  program
    .command('example')
    .argument('<name>', 'which example (circle-packing)')
    .argument('<dir>', 'where to write it (a new directory)')
    .description('write a bundled example problem as a fresh git repository')
    .action(async (name: string, dir: string) => {
      await materialiseExample(name, dir);
      process.stdout.write(`wrote example ${name} to ${resolve(dir)} (a git repository with one commit)\nnext: cambrian run --repo ${dir}\n`);
    });
}
