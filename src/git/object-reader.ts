// One long-lived `git cat-file --batch-command -z` per repository: object reads without a spawn
// each. Requests are answered in order; a crashed, killed or stuck reader is restarted on next use.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CambrianError } from '../errors.ts';
import { GIT_SAFETY_CONFIG, gitEnv } from './exec.ts';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

export interface ObjectContents extends ObjectInfo {
  content: Buffer;
}

interface Request {
  kind: 'info' | 'contents';
  name: string;
  header?: ObjectInfo;
  parts: Buffer[];
  remaining: number;
  timer: NodeJS.Timeout;
  resolve(value: ObjectContents | ObjectInfo | null): void;
  reject(error: unknown): void;
}

const LF = 0x0a;

export class BatchObjectReader {
  private child: ChildProcessWithoutNullStreams | null = null;
  private queue: Request[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(
    private readonly repoDir: string,
    private readonly requestTimeoutMs = 30_000,
  ) {}

  /** Pid of the running cat-file process, if one is running (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Type and size of an object name (`<sha>`, `<commit>^{tree}`, `<commit>:<path>`); null when missing. */
  info(name: string): Promise<ObjectInfo | null> {
    return this.request('info', name) as Promise<ObjectInfo | null>;
  }

  /** Type, size and raw bytes of an object name; null when missing. */
  contents(name: string): Promise<ObjectContents | null> {
    return this.request('contents', name) as Promise<ObjectContents | null>;
  }

  /** Lets the reader finish queued requests, then waits for it to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // Referenced until it has exited: an idle reader is unreferenced, and a caller awaiting its exit
    // must not be dropped by an event loop that sees nothing else to wait for.
    this.setReferenced(child, true);
    child.stdin.end();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), this.requestTimeoutMs);
    await exited;
    clearTimeout(killTimer);
  }

  private request(kind: Request['kind'], name: string): Promise<ObjectContents | ObjectInfo | null> {
    if (this.closed) return Promise.reject(new Error('BatchObjectReader is closed'));
    if (name.includes('\0')) return Promise.reject(new Error(`object name contains NUL: ${JSON.stringify(name)}`));
    return new Promise((resolve, reject) => {
      const child = this.ensureChild();
      const timer = setTimeout(() => {
        // A stuck reader answers nothing more; killing it fails every queued request and the
        // next request starts a fresh one.
        this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git cat-file did not answer "${name}" within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.queue.push({ kind, name, parts: [], remaining: 0, timer, resolve, reject });
      this.setReferenced(child, true);
      child.stdin.write(`${kind} ${name}\0`);
    });
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child !== null) return this.child;
    const child = spawn('git', [...GIT_SAFETY_CONFIG, 'cat-file', '--batch-command', '-z'], {
      cwd: this.repoDir,
      env: gitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child !== child) return; // late output of a reader we already gave up on
      try {
        this.onData(chunk);
      } catch (error) {
        this.fail(child, error);
      }
    });
    child.stdin.on('error', () => {}); // EPIPE after a crash; 'close' reports it.
    child.on('error', (error) => this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git cat-file could not start: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
      this.fail(child, new CambrianError('CAMBRIAN_GIT_FAILED', `git cat-file --batch-command ${how}: ${stderr.trim() || '(no stderr)'}`));
    });
    this.child = child;
    this.pending = Buffer.alloc(0);
    return child;
  }

  /** Rejects everything queued on `child` and forgets it, so the next request restarts the reader. */
  private fail(child: ChildProcessWithoutNullStreams, error: unknown): void {
    if (this.child !== child) return;
    this.child = null;
    child.kill('SIGKILL');
    const queued = this.queue;
    this.queue = [];
    this.pending = Buffer.alloc(0);
    for (const request of queued) {
      clearTimeout(request.timer);
      request.reject(error);
    }
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      if (head.header === undefined) {
        const newline = this.pending.indexOf(LF);
        if (newline < 0) return;
        const line = this.pending.subarray(0, newline).toString('utf8');
        this.pending = this.pending.subarray(newline + 1);
        const header = parseHeader(line, head.name);
        if (header === null || head.kind === 'info') {
          this.finish(header);
          continue;
        }
        head.header = header;
        head.remaining = header.size + 1; // contents are followed by a LF
      }
      const take = Math.min(head.remaining, this.pending.length);
      head.parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      head.remaining -= take;
      if (head.remaining > 0) return;
      const content = Buffer.concat(head.parts).subarray(0, head.header.size);
      this.finish({ ...head.header, content });
    }
  }

  private finish(value: ObjectContents | ObjectInfo | null): void {
    const request = this.queue.shift();
    if (request === undefined) return;
    clearTimeout(request.timer);
    request.resolve(value);
    if (this.queue.length === 0 && this.child !== null) this.setReferenced(this.child, false);
  }

  /** An idle reader must not keep Node alive; a busy one must, or awaiting callers would be dropped. */
  private setReferenced(child: ChildProcessWithoutNullStreams, referenced: boolean): void {
    const handles = [child, child.stdout, child.stdin, child.stderr] as Array<{ ref?(): void; unref?(): void }>;
    for (const handle of handles) {
      if (referenced) handle.ref?.();
      else handle.unref?.();
    }
  }
}

function parseHeader(line: string, name: string): ObjectInfo | null {
  if (line === `${name} missing` || line === `${name} ambiguous`) return null;
  const [oid, type, size] = line.split(' ');
  if (oid === undefined || type === undefined || size === undefined || !/^[0-9a-f]{40,64}$/.test(oid)) {
    throw new CambrianError('CAMBRIAN_GIT_FAILED', `git cat-file answered "${line}" for "${name}"`);
  }
  return { oid, type, size: Number(size) };
}
