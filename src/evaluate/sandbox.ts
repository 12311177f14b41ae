// Builds the argv that runs an evaluator command contained: bubblewrap with a minimal read-only
// view of the host (sandbox-view.ts), a writable evaluation directory, sized private /tmp and
// /dev/shm, no network, no capabilities; plain spawn only when the user opted out. Also the bash
// prologue that sets per-process resource limits. See docs/adr/0005-sandbox.md, docs/security.md.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { computeSandboxView, type SandboxView } from './sandbox-view.ts';

export interface SandboxStatus {
  bwrap: boolean;
  /** Why bubblewrap is not used (absent, or present but failing, e.g. no user namespaces). */
  reason?: string;
}

export interface SandboxSpec {
  /** Whether to wrap in bubblewrap (from detectSandbox()). */
  bwrap: boolean;
  /** The candidate worktree: the working directory and the only writable host directory. */
  worktree: string;
  /** Further host directories the evaluator may write (e.g. the stage's metrics directory). */
  writableDirs: string[];
  network: boolean;
  /** What of the host is visible (read-only); computed once per evaluator. */
  view: SandboxView;
  /** Sizes of the private /tmp and /dev/shm (RAM-backed), in MB. */
  tmpMb: number;
  shmMb: number;
  /** A private, writable, sized home directory (agents keep their settings and caches there). */
  privateHome?: { path: string; sizeMb: number };
}

/** A view with only the system directories (the probe, and callers with nothing else to show). */
export function systemOnlyView(): SandboxView {
  return computeSandboxView({ path: undefined, home: undefined, commands: [], readOnlyPaths: [], network: false });
}

const BWRAP = 'bwrap';
const PROBE_TIMEOUT_MS = 5_000;

let detected: Promise<SandboxStatus> | undefined;

/**
 * Probes once per process whether bubblewrap can actually start a sandbox here (being installed is
 * not enough: inside some containers it exists but cannot create namespaces).
 */
export function detectSandbox(): Promise<SandboxStatus> {
  detected ??= probeBwrap();
  return detected;
}

function probeBwrap(): Promise<SandboxStatus> {
  return new Promise((resolve) => {
    const spec: SandboxSpec = { bwrap: true, worktree: tmpdir(), writableDirs: [], network: false, view: systemOnlyView(), tmpMb: 1, shmMb: 1 };
    const argv = [...bwrapArgs(spec), 'true'];
    const child = spawn(BWRAP, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 2_000) stderr += chunk;
    });
    child.on('error', (error) => resolve({ bwrap: false, reason: `bwrap not available (${error.message})` }));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ bwrap: true });
      else resolve({ bwrap: false, reason: `bwrap failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no output'}` });
    });
  });
}

const MB = 1024 * 1024;

/** The bwrap options for a spec; the command to run follows them. Order matters: later mounts win. */
function bwrapArgs(spec: SandboxSpec): string[] {
  const args: string[] = [];
  // A fresh /dev (null, zero, random, tty…), read-only so it cannot serve as unbounded storage;
  // /dev/shm is its own sized tmpfs.
  args.push('--dev', '/dev', '--perms', '1777', '--size', String(spec.shmMb * MB), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--proc', '/proc');
  args.push('--perms', '1777', '--size', String(spec.tmpMb * MB), '--tmpfs', '/tmp');
  // Before the view's binds, so toolchains bound under the home directory land on top of it.
  if (spec.privateHome) args.push('--perms', '0700', '--size', String(spec.privateHome.sizeMb * MB), '--tmpfs', spec.privateHome.path);
  // The view's binds come after the /tmp tmpfs so a listed path under /tmp stays visible.
  for (const mount of spec.view.mounts) {
    if (mount.kind === 'symlink') args.push('--symlink', mount.source, mount.dest);
    else args.push('--ro-bind', mount.source, mount.dest);
  }
  if (spec.view.home !== null && !spec.privateHome) args.push('--dir', spec.view.home);
  for (const mask of spec.view.masks) {
    if (mask.kind === 'file') args.push('--ro-bind', '/dev/null', mask.path);
    else args.push('--size', String(MB), '--tmpfs', mask.path, '--remount-ro', mask.path);
  }
  // Binds come after --tmpfs /tmp so a worktree under /tmp is mounted on top of the private /tmp.
  for (const dir of [spec.worktree, ...spec.writableDirs]) args.push('--bind', dir, dir);
  // The root bwrap builds (a tmpfs holding the mount points) must not be storage either.
  args.push('--remount-ro', '/');
  // A private pid namespace: when bwrap dies, the kernel kills everything inside, including
  // processes that left our process group with setsid().
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts');
  if (!spec.network) args.push('--unshare-net');
  // As root, a process keeps CAP_SYS_ADMIN inside and could simply remount / read-write.
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--chdir', spec.worktree);
  return args;
}

/** The program and arguments that run `innerArgv` under the spec (sandboxed or not). */
export function sandboxCommand(spec: SandboxSpec, innerArgv: string[]): { file: string; args: string[] } {
  if (!spec.bwrap) {
    const [file, ...args] = innerArgv;
    if (file === undefined) throw new Error('sandboxCommand: empty argv');
    return { file, args };
  }
  return { file: BWRAP, args: [...bwrapArgs(spec), '--', ...innerArgv] };
}

export interface ResourceLimits {
  /** RLIMIT_DATA per process (heap and writable private mappings, not reserved address space). */
  memoryMb: number;
  /** RLIMIT_CPU per process: SIGXCPU at the limit, SIGKILL two seconds of CPU later. */
  cpuSeconds?: number;
  /** RLIMIT_FSIZE: no single file written may exceed this (SIGXFSZ / EFBIG). */
  fileMb?: number;
}

/** Grace between the soft CPU limit (SIGXCPU, a recognisable signal) and the hard one (SIGKILL). */
export const CPU_HARD_LIMIT_GRACE_SECONDS = 2;

/** Bash lines that set the limits on the wrapper shell; every descendant inherits them. */
export function limitsPrologue(limits: ResourceLimits): string {
  const lines = [`ulimit -d ${Math.floor(limits.memoryMb * 1024)}`];
  if (limits.fileMb !== undefined) lines.push(`ulimit -f ${Math.floor(limits.fileMb * 1024)}`);
  if (limits.cpuSeconds !== undefined) {
    // Both limits first (a hard limit below the current soft one is refused), then lower the soft one.
    lines.push(`ulimit -t ${limits.cpuSeconds + CPU_HARD_LIMIT_GRACE_SECONDS}`, `ulimit -S -t ${limits.cpuSeconds}`);
  }
  return lines.join('\n');
}
