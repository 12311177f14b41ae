// The spawner helper's lifecycle, engine side: fork spawner-child.mjs once (plain node, no tsx), ask
// it to start children, route their output messages, and fail every pending child if it dies.
// Forking from the engine costs ~6 ms at 350 MB RSS; from the helper, well under 1 ms, and the
// engine's event loop never blocks on a fork. Why and guarantees: docs/adr/0009-spawner.md.
//
// Protocol (advanced serialisation, so Buffers travel as bytes), engine → helper:
//   spawn {id, file, args, cwd, env, detached, stdin: 'ignore'|'pipe'|'input', input?, fd3, killOnParentExit}
//   in {id, data} · in-end {id} · drop {id, fd}
// helper → engine:
//   ready {pid} · spawned {id, pid} · spawn-error {id, error} · data {id, fd, data} · end {id, fd}
//   exit {id, code, signal}
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RemoteProcess } from './remote-process.ts';
import { SpawnerLostError, type SpawnedProcess, type SpawnOptions } from './types.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./spawner-child.mjs', import.meta.url));
/** Node starts in ~50 ms; on a loaded two-core machine allow far more before giving up on the helper. */
const READY_TIMEOUT_MS = 15_000;

type HelperMessage =
  | { t: 'ready'; pid: number }
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'spawn-error'; id: number; error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } }
  | { t: 'data'; id: number; fd: number; data: Uint8Array }
  | { t: 'end'; id: number; fd: number }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };

interface PendingStart {
  resolve: (handle: SpawnedProcess) => void;
  reject: (error: Error) => void;
  options: SpawnOptions;
}

export class Spawner {
  /** Resolves when the helper is up; rejects if it cannot start. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private readonly starting = new Map<number, PendingStart>();
  private readonly running = new Map<number, RemoteProcess>();
  private nextId = 1;
  private dead: string | undefined;
  private holds = 0;

  /** Called once when the helper exits or its channel breaks, after every pending child failed. */
  constructor(private readonly onDeath: (spawner: Spawner) => void = () => {}) {
    // execArgv [] and no NODE_OPTIONS: the helper must not load tsx or inherit --cpu-prof & co.
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    this.child = fork(CHILD_SCRIPT, [], {
      execArgv: [],
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the spawner did not start within ${READY_TIMEOUT_MS} ms`));
        this.child.kill('SIGKILL');
      }, READY_TIMEOUT_MS);
      this.child.once('message', (message: HelperMessage) => {
        clearTimeout(timer);
        if (message.t === 'ready') resolve();
        else reject(new Error(`the spawner said ${message.t} before ready`));
      });
      this.child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the spawner exited during start-up (${this.dead ?? 'unknown'})`));
      });
    });
    this.ready.catch(() => {});
    this.hold(); // until ready: a process waiting only for the helper must not exit early
    void this.ready.finally(() => this.release()).catch(() => {});
    this.child.on('message', (message: HelperMessage) => this.receive(message));
    this.child.on('exit', (code, signal) => this.die(signal ? `killed by ${signal}` : `exited with ${code}`));
    this.child.on('disconnect', () => this.die('its channel closed'));
    this.child.on('error', (error) => this.die(error.message));
    this.child.unref();
    this.child.channel?.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  spawn(file: string, args: readonly string[], options: SpawnOptions): Promise<SpawnedProcess> {
    if (this.dead !== undefined) return Promise.reject(new Error(`the spawner is gone (${this.dead})`));
    const id = this.nextId++;
    const { stdin } = options;
    const request = {
      t: 'spawn', id, file, args, cwd: options.cwd, env: options.env, detached: options.detached,
      stdin: typeof stdin === 'object' ? 'input' : stdin,
      input: typeof stdin === 'object' ? stdin.input : undefined,
      fd3: options.fd3 === true,
      killOnParentExit: options.killOnParentExit ?? true,
    };
    return new Promise<SpawnedProcess>((resolve, reject) => {
      this.starting.set(id, { resolve, reject, options });
      this.hold();
      this.send(request, (error) => {
        if (error && this.starting.delete(id)) {
          this.release();
          reject(error);
        }
      });
    });
  }

  /** Stops the helper (its children are killed per killOnParentExit). For tests and shutdown. */
  stop(): void {
    this.child.disconnect();
  }

  private send(message: object, callback?: (error: Error | null) => void): void {
    if (this.dead !== undefined || !this.child.connected) {
      callback?.(new Error(`the spawner is gone (${this.dead ?? 'disconnected'})`));
      return;
    }
    this.child.send(message, undefined, undefined, callback);
  }

  private receive(message: HelperMessage): void {
    if (message.t === 'ready') return;
    if (message.t === 'spawned' || message.t === 'spawn-error') {
      const pending = this.starting.get(message.id);
      if (!pending) return;
      this.starting.delete(message.id);
      if (message.t === 'spawn-error') {
        this.release();
        pending.reject(Object.assign(new Error(message.error.message), message.error));
        return;
      }
      const { options } = pending;
      const remote = new RemoteProcess(
        message.id,
        message.pid,
        options.killOnParentExit ?? true,
        options.fd3 ? [1, 2, 3] : [1, 2],
        options.stdin === 'pipe',
        (m, cb) => this.send(m, cb),
      );
      this.running.set(message.id, remote);
      const handle = remote.handle();
      void handle.closed.catch(() => {}).finally(() => {
        if (this.running.delete(message.id)) this.release();
      });
      pending.resolve(handle);
      return;
    }
    const remote = this.running.get(message.id);
    if (!remote) return;
    if (message.t === 'data') remote.data(message.fd, message.data);
    else if (message.t === 'end') remote.end(message.fd);
    else remote.exit({ code: message.code, signal: message.signal });
  }

  /** Fails everything in flight. Children still running lose their relay: end their groups. */
  private die(reason: string): void {
    if (this.dead !== undefined) return;
    this.dead = reason;
    for (const [id, pending] of this.starting) {
      this.starting.delete(id);
      this.release();
      // The request may have been acted on: the child's fate is unknown, so this is not retried.
      pending.reject(new SpawnerLostError(reason));
    }
    for (const remote of this.running.values()) {
      if (!remote.hasExited && remote.killGroupOnLoss) killTree(remote.pid);
      remote.lose(reason);
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.onDeath(this);
  }

  /** Keeps this process alive while a child is starting or running, as a direct spawn would. */
  private hold(): void {
    if (this.holds++ === 0) this.child.channel?.ref();
  }

  private release(): void {
    if (--this.holds === 0) this.child.channel?.unref();
  }
}

function killTree(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone, or not a group leader
    }
  }
}
