// spawnProcess: the one way Cambrian starts per-job children. Through the process-wide spawner
// helper (started on first use or by startSpawner(), restarted after it dies); directly when the
// helper cannot start, on Windows, or when CAMBRIAN_DIRECT_SPAWN=1 (read here and nowhere else).
import { spawnDirect } from './direct.ts';
import { Spawner } from './spawner.ts';
import type { SpawnedProcess, SpawnOptions } from './types.ts';

export type { ExitStatus, SpawnedProcess, SpawnOptions } from './types.ts';
export { SpawnerLostError } from './types.ts';

/** Set to 1 to start every child directly from this process (debugging the spawner). */
export const DIRECT_SPAWN_ENV = 'CAMBRIAN_DIRECT_SPAWN';

let current: Spawner | undefined;
/** Why the helper is not used for the rest of this process, once it failed to start. */
let unavailable: string | undefined;

function directOnly(): boolean {
  return process.platform === 'win32' || process.env[DIRECT_SPAWN_ENV] === '1' || unavailable !== undefined;
}

/**
 * Starts the helper now if it is not running (idempotent). Call early — before the store is
 * opened — so its one fork happens while the engine is small. Never throws: on failure,
 * spawnProcess falls back to direct spawning.
 */
export function startSpawner(): void {
  if (directOnly() || current?.alive) return;
  const spawner = new Spawner((dead) => {
    if (current === dead) current = undefined; // the next spawn starts a fresh helper
  });
  current = spawner;
  spawner.ready.catch((error: Error) => {
    unavailable = error.message;
    if (current === spawner) current = undefined;
  });
}

/** Starts `file args`; resolves once it runs, rejects with the spawn error (ENOENT, …) otherwise. */
export async function spawnProcess(file: string, args: readonly string[], options: SpawnOptions): Promise<SpawnedProcess> {
  // A second attempt only when the helper was found dead before the request was sent: then the
  // child certainly never started, and a fresh helper can start it.
  for (let attempt = 0; ; attempt++) {
    startSpawner();
    const spawner = current;
    if (spawner === undefined) return spawnDirect(file, args, options);
    try {
      await spawner.ready;
    } catch {
      return spawnDirect(file, args, options);
    }
    if (spawner.alive || attempt > 0) return spawner.spawn(file, args, options);
  }
}

/** The helper's pid, or undefined when children are spawned directly (diagnostics and tests). */
export function spawnerPid(): number | undefined {
  return current?.alive ? current.pid : undefined;
}

/** Stops the helper; the next spawnProcess starts a new one. For tests and orderly shutdown. */
export function stopSpawner(): void {
  current?.stop();
  current = undefined;
}
