// The one shape every subprocess start returns, whether spawned directly or through the spawner
// helper (see docs/adr/0009-spawner.md): a pid, its pipes as streams, and promises for its end.
import type { Readable, Writable } from 'node:stream';

export interface SpawnOptions {
  cwd: string;
  /** The child's whole environment (nothing is inherited implicitly). */
  env: NodeJS.ProcessEnv;
  /** Start the child as the leader of its own process group (and session): signal `-pid` to reach its tree. */
  detached: boolean;
  /**
   * stdin: 'ignore', 'pipe' (a Writable on the result), or bytes written to it before it is closed
   * (cheaper than a Writable through the spawner: they travel with the start request).
   */
  stdin: 'ignore' | 'pipe' | { input: string | Buffer };
  /** Open a fourth pipe on fd 3, read as `fd3` (the evaluator's CPU-times report). */
  fd3?: boolean;
  /**
   * Through the spawner: when the parent process dies, SIGKILL the child's process group (default
   * true). Off for short git commands, which finish on their own as they did before the spawner,
   * rather than being cut mid-write with a lock file left behind.
   */
  killOnParentExit?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  pid: number;
  /** Set when stdin is 'pipe'. Write errors (EPIPE) are emitted here: listen for 'error'. */
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable;
  /** Set when fd3 was requested. */
  fd3: Readable | null;
  /** The child exited (its pipes may still be open: a grandchild can hold them). */
  exited: Promise<ExitStatus>;
  /** The child exited and every output stream ended or was destroyed (Node's 'close'). */
  closed: Promise<ExitStatus>;
  /** How it was started, for diagnostics and tests. */
  via: 'spawner' | 'direct';
}

/** The spawner died while the child was running: the child's fate and output are unknown. */
export class SpawnerLostError extends Error {
  readonly code = 'CAMBRIAN_SPAWNER_LOST';
  constructor(detail: string) {
    super(`the spawner process died while the child was running (${detail})`);
    this.name = 'SpawnerLostError';
  }
}
