// One long-lived `git update-ref --stdin` per repository: each call is its own `start` … `commit`
// transaction (git answers `start: ok`, `commit: ok`), so moving a branch costs no spawn. Git's own
// ref backend does the locking, packed refs and reflogs; a transaction git refuses ends the
// process (it dies on any error), and the next call starts a fresh one.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CambrianError } from '../errors.ts';
import { GIT_SAFETY_CONFIG, gitEnv } from './exec.ts';

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

/** Whitespace or control characters would split a command line; git refuses them in ref names anyway. */
const UNSAFE_ARGUMENT = /[\s\x00-\x1f\x7f]/;

export class RefUpdater {
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending: Pending | null = null;
  private stdout = '';
  private stderr = '';
  /** Transactions run one at a time, so a failure can only ever belong to the one in flight. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly repoDir: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Pid of the running update-ref process, if any (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Applies `update <ref> <new> [<old>]` / `delete <ref> [<old>]` commands atomically: all or none.
   * Rejects with CAMBRIAN_GIT_FAILED carrying git's message when git refuses the transaction.
   */
  transaction(commands: ReadonlyArray<readonly string[]>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('RefUpdater is closed'));
    for (const command of commands) {
      const unsafe = command.find((argument) => argument === '' || UNSAFE_ARGUMENT.test(argument));
      if (unsafe !== undefined) {
        return Promise.reject(new CambrianError('CAMBRIAN_BAD_ARGUMENT', `not a valid ref name or object: ${JSON.stringify(unsafe)}`));
      }
    }
    if (commands.length === 0) return Promise.resolve();
    const run = this.tail.then(() => this.apply(commands.map((command) => command.join(' '))));
    this.tail = run.catch(() => {});
    return run;
  }

  /** Waits for queued transactions, then ends the process. The updater must not be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // Referenced until it has exited: an idle reader is unreferenced, and a caller awaiting its exit
    // must not be dropped by an event loop that sees nothing else to wait for.
    this.setReferenced(child, true);
    child.stdin.end();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
    await exited;
    clearTimeout(killTimer);
  }

  private apply(lines: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.ensureChild();
      const timer = setTimeout(() => {
        this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git update-ref --stdin did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.pending = null;
        this.setReferenced(child, false);
      };
      this.pending = {
        resolve: () => (settle(), resolve()),
        reject: (error) => (settle(), reject(error)),
      };
      this.stderr = '';
      this.setReferenced(child, true);
      child.stdin.write(`start\n${lines.join('\n')}\ncommit\n`);
    });
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child !== null) return this.child;
    const args = [...GIT_SAFETY_CONFIG, '-c', 'core.logAllRefUpdates=false', 'update-ref', '--no-deref', '--stdin'];
    const child = spawn('git', args, { cwd: this.repoDir, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(child, chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.child === child) this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.stdin.on('error', () => {}); // EPIPE after git died; 'close' reports why.
    child.on('error', (error) => this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git update-ref could not start: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
      this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git update-ref --stdin ${how} in ${this.repoDir}: ${this.stderr.trim() || '(no stderr)'}`));
    });
    this.child = child;
    this.stdout = '';
    this.setReferenced(child, false);
    return child;
  }

  private onStdout(child: ChildProcessWithoutNullStreams, text: string): void {
    if (this.child !== child) return;
    this.stdout += text;
    for (let newline = this.stdout.indexOf('\n'); newline >= 0; newline = this.stdout.indexOf('\n')) {
      const line = this.stdout.slice(0, newline);
      this.stdout = this.stdout.slice(newline + 1);
      if (line === 'commit: ok') this.pending?.resolve();
      else if (line !== 'start: ok') this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git update-ref --stdin answered "${line}"`));
    }
  }

  /** Rejects the transaction in flight and forgets the process; the next call starts a new one. */
  private fail(child: ChildProcessWithoutNullStreams, error: unknown): void {
    if (this.child !== child) return;
    this.child = null;
    child.kill('SIGKILL');
    this.pending?.reject(error);
  }

  /** An idle process must not keep Node alive; a busy one must, or awaiting callers would be dropped. */
  private setReferenced(child: ChildProcessWithoutNullStreams, referenced: boolean): void {
    for (const handle of [child, child.stdout, child.stdin, child.stderr] as Array<{ ref?(): void; unref?(): void }>) {
      if (referenced) handle.ref?.();
      else handle.unref?.();
    }
  }
}
