// Runs a coding agent's shell command in its own process group with a wall-clock limit: on timeout
// or abort the whole group gets SIGTERM, then SIGKILL after a grace period, so helpers the agent
// spawned die with it. Keeps only the tail of stdout/stderr.
import { spawn } from 'node:child_process';

export interface AgentCommand {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is closed at once when absent). */
  stdin?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Bytes of each stream kept (the end). */
  maxOutputBytes?: number;
}

export interface AgentRun {
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  killedBy: string | null;
  timedOut: boolean;
  aborted: boolean;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
}

const DEFAULT_KILL_GRACE_MS = 2_000;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

export function runAgentCommand(options: AgentCommand): Promise<AgentRun> {
  const { killGraceMs = DEFAULT_KILL_GRACE_MS, maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES } = options;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true, // own process group, so the group can be killed as a whole
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = new TailBuffer(maxOutputBytes);
    const stderr = new TailBuffer(maxOutputBytes);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    // Helpers left running after the shell exits would hold the pipes open: end the group.
    child.on('exit', () => killGroup('SIGKILL'));
    child.on('error', (error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code, killedBy) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        killedBy,
        timedOut,
        aborted,
        stdoutTail: stdout.text(),
        stderrTail: stderr.text(),
        durationMs: Date.now() - started,
      });
    });
    child.stdin.on('error', () => {}); // an agent that never reads stdin closes it early (EPIPE)
    child.stdin.end(options.stdin ?? '');
  });
}

/** Keeps the last `maxBytes` of a stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - this.chunks[0]!.length >= this.maxBytes) this.bytes -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.maxBytes)).toString('utf8');
  }
}
