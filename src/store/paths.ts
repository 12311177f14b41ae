// Where the embedded store lives in a repository: a light module (no driver), so commands that only
// need the path (e.g. to say there is no store yet) do not load PGlite.
import { join, resolve } from 'node:path';
import { CAMBRIAN_DIR } from './git-exclude.ts';

export function embeddedPaths(repoDir: string): { dir: string; dataDir: string; lockPath: string } {
  const dir = join(resolve(repoDir), CAMBRIAN_DIR);
  return { dir, dataDir: join(dir, 'db'), lockPath: join(dir, 'db.lock') };
}
