// Runs one evaluator stage as a contained process tree: own process group, allowlisted env,
// resource limits, timeout and abort that kill the whole group, bounded output, and the tree's
// CPU seconds (reported by a bash wrapper through the `times` builtin on fd 3). Started through the
// spawner helper (src/process/), so the engine never forks its own large address space.
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { spawnProcess, type SpawnedProcess } from '../process/spawn.ts';
import { HeadTailBuffer } from './output-buffer.ts';
import { processGroupMembers, signalGroupMembers } from './process-group.ts';
import { limitsPrologue, sandboxCommand, type ResourceLimits, type SandboxSpec } from './sandbox.ts';

/** Variables every evaluator gets from the parent when set; anything else needs `evaluator.env`. */
export const BASE_ENV_NAMES: readonly string[] = [
  'PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TMPDIR', 'USER', 'SHELL', 'TZ',
];

/** How long a process group gets between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2_000;

export interface RunCommandOptions {
  command: string;
  sandbox: SandboxSpec;
  limits: ResourceLimits;
  env: Record<string, string>;
  timeoutMs: number;
  /** Head and tail kept per stream. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  killGraceMs?: number;
  /**
   * Polled every `watchdogMs` while the command runs; a returned reason stops it (e.g. the
   * evaluation directory grew past its disk limit) and is reported as `limitExceeded`.
   */
  watchdog?: () => Promise<string | null>;
  watchdogMs?: number;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  cpuSeconds: number;
  timedOut: boolean;
  aborted: boolean;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (an infrastructure problem). */
  spawnError?: Error;
  /** Why the watchdog stopped the command, when it did. */
  limitExceeded?: string;
}

/**
 * The allowlisted environment: base names and `passNames` copied from `parent` when set, then
 * `extra` (the CAMBRIAN_* variables). Secrets such as API keys never reach a candidate.
 */
export function buildStageEnv(
  parent: NodeJS.ProcessEnv,
  passNames: readonly string[],
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_NAMES, ...passNames]) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

// $1 is the user's command. The wrapper ignores SIGTERM only long enough to report how the
// command ended; fd 3 is closed for the command so a candidate cannot forge the report.
function wrapperScript(limits: ResourceLimits): string {
  return [
    limitsPrologue(limits),
    "trap ':' TERM",
    // A subshell (a fork of this shell) rather than a second bash: one exec less per evaluation.
    // It starts with the default TERM disposition and no positional parameters, like `bash -c`.
    'cambrian_command=$1',
    '( trap - TERM; set --; eval "$cambrian_command" ) 3>&-',
    'cambrian_status=$?',
    '{ echo "status $cambrian_status"; times; } >&3',
    'exit $cambrian_status',
  ].join('\n');
}

export function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const env = options.sandbox.bwrap ? { ...options.env, TMPDIR: '/tmp' } : options.env;
  const { file, args } = sandboxCommand(options.sandbox, [
    'bash', '-c', wrapperScript(options.limits), 'cambrian-stage', options.command,
  ]);
  const started = performance.now();
  const stdout = new HeadTailBuffer(options.maxOutputBytes);
  const stderr = new HeadTailBuffer(options.maxOutputBytes);
  let report = '';
  let timedOut = false;
  let limitExceeded: string | undefined;
  let aborted = false;

  return new Promise((resolve) => {
    let pid: number | undefined;
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (signal: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    let cpuSampledSeconds = 0;
    let stopRequested = false;
    const stop = (): void => {
      stopRequested = true;
      if (pid === undefined) return; // still starting: stopped as soon as it has a pid
      // Sample the live tree first: processes killed before their parent waits for them would
      // otherwise vanish from the `times` report.
      const members = processGroupMembers(pid);
      cpuSampledSeconds = members.reduce((sum, m) => sum + m.cpuSeconds, 0);
      // Outside bwrap the group leader is the wrapper, which survives SIGTERM to report. Under
      // bwrap the leader is bwrap itself, whose death would take the wrapper down unreported.
      if (options.sandbox.bwrap && members.length > 0) signalGroupMembers(members, 'SIGTERM', pid);
      else killGroup('SIGTERM');
      timers.push(setTimeout(() => killGroup('SIGKILL'), killGraceMs));
    };
    const onAbort = (): void => {
      aborted = true;
      stop();
    };

    let settled = false;
    const finish = (result: Omit<CommandResult, 'durationMs' | 'stdout' | 'stderr' | 'timedOut' | 'aborted'>): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        ...result,
        durationMs: Math.round(performance.now() - started),
        timedOut,
        aborted,
        ...(limitExceeded !== undefined && { limitExceeded }),
        stdout: stdout.toString(),
        stderr: stderr.toString(),
      });
    };

    const onStarted = (child: SpawnedProcess): void => {
      pid = child.pid;
      const outStream = child.stdout;
      const errStream = child.stderr;
      const reportStream = child.fd3!;
      outStream.on('data', (chunk: Buffer) => stdout.push(chunk));
      errStream.on('data', (chunk: Buffer) => stderr.push(chunk));
      reportStream.setEncoding('utf8').on('data', (chunk: string) => {
        if (report.length < 1_000) report += chunk;
      });
      if (stopRequested) stop();

      void child.exited.then(({ code, signal }) => {
        // The command is over; whatever it left running in its group goes too.
        killGroup('SIGKILL');
        const outcome = () => finish({ ...decodeExit(code, signal, report), cpuSeconds: Math.max(parseTimes(report), round3(cpuSampledSeconds)) });
        // Wait for the pipes to drain, but not forever: an escaped process may hold them open.
        const drainTimer = setTimeout(() => {
          outStream.destroy();
          errStream.destroy();
          reportStream.destroy();
          outcome();
        }, killGraceMs);
        timers.push(drainTimer);
        void child.closed.then(() => {
          clearTimeout(drainTimer);
          outcome();
        }, () => {});
      }, (lost: Error) => {
        // The spawner died under it (SpawnerLostError): an infrastructure failure, not the candidate's.
        killGroup('SIGKILL');
        finish({ exitCode: null, signal: null, cpuSeconds: 0, spawnError: lost });
      });
    };

    if (options.watchdog) {
      const watchdog = options.watchdog;
      let checking = false;
      const interval = setInterval(() => {
        if (checking || limitExceeded !== undefined) return;
        checking = true;
        void watchdog().then((reason) => {
          checking = false;
          if (reason === null || limitExceeded !== undefined || settled) return;
          limitExceeded = reason;
          stop();
        }, () => (checking = false));
      }, options.watchdogMs ?? 500);
      timers.push(interval);
    }
    // Armed before the start: a slow start counts against the timeout and can be aborted.
    timers.push(setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    spawnProcess(file, args, {
      cwd: options.sandbox.worktree,
      env,
      detached: true, // own process group (and session): we signal -pid to reach grandchildren
      stdin: 'ignore',
      fd3: true,
    }).then(onStarted, (error: Error) => finish({ exitCode: null, signal: null, cpuSeconds: 0, spawnError: error }));
  });
}

/** The command's own exit: from the wrapper's report (exit status 128+N means signal N, as in sh). */
function decodeExit(code: number | null, signal: NodeJS.Signals | null, report: string): { exitCode: number | null; signal: string | null } {
  const match = /^status (\d+)$/m.exec(report);
  const status = match ? Number(match[1]) : code;
  if (status === null) return { exitCode: null, signal };
  if (status > 128) {
    const name = signalName(status - 128);
    if (name !== undefined) return { exitCode: null, signal: name };
  }
  return { exitCode: status, signal: null };
}

function signalName(signo: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
}

/** Sums the two lines of bash `times` (the shell, then its waited-for descendants). */
export function parseTimes(report: string): number {
  let seconds = 0;
  for (const match of report.matchAll(/(\d+)m(\d+(?:[.,]\d+)?)s/g)) {
    seconds += Number(match[1]) * 60 + Number(match[2]!.replace(',', '.'));
  }
  return round3(seconds);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
