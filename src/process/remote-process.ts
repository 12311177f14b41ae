// The engine-side view of one child started by the spawner helper: streams fed from IPC messages,
// stdin writes sent back as messages, and the exit promises (rejected if the spawner dies first).
import { Readable, Writable } from 'node:stream';
import { SpawnerLostError, type ExitStatus, type SpawnedProcess } from './types.ts';

/** Sends one message to the spawner; the callback runs once it is written (or failed). */
export type SendToSpawner = (message: object, callback?: (error: Error | null) => void) => void;

export class RemoteProcess {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly outputs = new Map<number, Readable>();
  private readonly ended = new Set<number>();
  /** Resolves once every output stream got its end from the helper or was destroyed here. */
  private readonly allEnded: Promise<void>;
  private readonly endWaiters = new Map<number, () => void>();
  private resolveExit!: (status: ExitStatus) => void;
  private rejectExit!: (error: Error) => void;
  private readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;

  constructor(
    readonly id: number,
    pid: number,
    readonly killGroupOnLoss: boolean,
    outputFds: readonly number[],
    stdinPipe: boolean,
    private readonly send: SendToSpawner,
  ) {
    this.pid = pid;
    this.exited = new Promise<ExitStatus>((resolve, reject) => {
      this.resolveExit = resolve;
      this.rejectExit = reject;
    });
    this.exited.catch(() => {}); // callers may await only `closed`
    const ends: Promise<void>[] = [];
    for (const fd of outputFds) {
      ends.push(new Promise<void>((resolve) => this.endWaiters.set(fd, resolve)));
      const markEnded = (): void => this.markEnded(fd);
      const ended = this.ended;
      this.outputs.set(fd, new Readable({
        read() {},
        destroy(error, callback) {
          // Destroyed before its end: tell the spawner to close its side too.
          if (!ended.has(fd)) send({ t: 'drop', id, fd });
          markEnded();
          callback(error);
        },
      }));
    }
    this.allEnded = Promise.all(ends).then(() => {});
    this.stdin = stdinPipe
      ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          send({ t: 'in', id, data: chunk }, (error) => callback(error ?? undefined));
        },
        final(callback) {
          send({ t: 'in-end', id }, (error) => callback(error ?? undefined));
        },
      })
      : null;
  }

  data(fd: number, chunk: Uint8Array): void {
    // Advanced serialisation may hand back a plain Uint8Array; callers expect Buffers.
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.outputs.get(fd)?.push(buffer);
  }

  end(fd: number): void {
    this.outputs.get(fd)?.push(null);
    this.markEnded(fd);
  }

  private markEnded(fd: number): void {
    this.ended.add(fd);
    this.endWaiters.get(fd)?.();
  }

  exit(status: ExitStatus): void {
    this.exitStatus = status;
    this.resolveExit(status);
  }

  /** The spawner died: the child's output and exit will never arrive. */
  lose(detail: string): void {
    const error = new SpawnerLostError(detail);
    if (this.exitStatus === undefined) this.rejectExit(error);
    for (const [fd, stream] of this.outputs) {
      this.ended.add(fd);
      stream.destroy();
      this.markEnded(fd);
    }
    this.stdin?.destroy();
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  handle(): SpawnedProcess {
    // Like Node's 'close': the exit and every pipe's end are in. A turn of the loop more lets a
    // flowing consumer receive what was pushed last; a consumer that never reads does not hold it up.
    const closed = this.exited.then(async (status) => {
      await this.allEnded;
      await new Promise((resolve) => setImmediate(resolve));
      return status;
    });
    closed.catch(() => {});
    return {
      pid: this.pid,
      stdin: this.stdin,
      stdout: this.outputs.get(1)!,
      stderr: this.outputs.get(2)!,
      fd3: this.outputs.get(3) ?? null,
      exited: this.exited,
      closed,
      via: 'spawner',
    };
  }
}
