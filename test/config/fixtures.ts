// Shared fixtures for the config tests: the minimal config from the user guide and a temp repo
// with the files its evaluator command names.
import { createTempDir } from '../support/temp-repo.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const MINIMAL_CONFIG = `goal: "Shorten the tour"
evolve:
  include: ["params.js"]
evaluator:
  command: "python3 eval/evaluate.py ."
  timeoutMs: 30000
metrics:
  length: { direction: min }
fitness: length
`;

export interface ConfigDir {
  dir: string;
  write(files: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

/** A temp folder holding params.js, eval/evaluate.py and the given cambrian.yaml (when not null). */
export async function createConfigDir(config: string | null = MINIMAL_CONFIG): Promise<ConfigDir> {
  const { dir, cleanup } = await createTempDir('cambrian-config-');
  const write = async (files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  };
  await write({ 'params.js': 'export const k = 3;\n', 'eval/evaluate.py': 'print(\'{"length": 1}\')\n' });
  if (config !== null) await write({ 'cambrian.yaml': config });
  return { dir, write, cleanup };
}
