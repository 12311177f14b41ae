// Starts a child with child_process.spawn in this process: the fallback when the spawner helper is
// unavailable or disabled (CAMBRIAN_DIRECT_SPAWN=1), with the same result shape as the spawner.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ExitStatus, SpawnedProcess, SpawnOptions } from './types.ts';

/** Resolves once the child is running; rejects with the spawn error (ENOENT, EACCES, …) otherwise. */
export function spawnDirect(file: string, args: readonly string[], options: SpawnOptions): Promise<SpawnedProcess> {
  return new Promise((resolve, reject) => {
    const stdio = [options.stdin === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(options.fd3 ? ['pipe'] : [])];
    let child;
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env,
        detached: options.detached,
        stdio: stdio as ('ignore' | 'pipe')[],
        windowsHide: true,
      });
    } catch (error) {
      reject(error);
      return;
    }
    const pipes = child.stdio as unknown as [Writable | null, Readable, Readable, Readable | undefined];
    if (child.pid === undefined) {
      child.once('error', reject);
      for (const pipe of pipes) pipe?.destroy();
      return;
    }
    const exited = new Promise<ExitStatus>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const closed = new Promise<ExitStatus>((done) => child.once('close', (code, signal) => done({ code, signal })));
    // After a successful start 'error' only reports a failed kill(); callers signal groups themselves.
    child.on('error', () => {});
    const stdin = pipes[0];
    if (stdin && typeof options.stdin === 'object') {
      stdin.on('error', () => {}); // a child that exits without reading its input: EPIPE
      stdin.end(options.stdin.input);
    }
    resolve({
      pid: child.pid,
      stdin: options.stdin === 'pipe' ? stdin : null,
      stdout: pipes[1],
      stderr: pipes[2],
      fd3: pipes[3] ?? null,
      exited,
      closed,
      via: 'direct',
    });
  });
}
