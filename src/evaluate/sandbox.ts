// Builds the argv that runs an evaluator command contained: bubblewrap (read-only host, writable
// worktree, private /tmp, no network, no capabilities) when it works here, plain spawn otherwise,
// and the bash prologue that sets per-process resource limits. See docs/adr/0005-sandbox.md.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

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
    const argv = [...bwrapArgs({ bwrap: true, worktree: tmpdir(), writableDirs: [], network: false }), 'true'];
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

/** The bwrap options for a spec; the command to run follows them. */
function bwrapArgs(spec: SandboxSpec): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  // Binds come after --tmpfs /tmp so a worktree under /tmp is mounted on top of the private /tmp.
  for (const dir of [spec.worktree, ...spec.writableDirs]) args.push('--bind', dir, dir);
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
}

/** Grace between the soft CPU limit (SIGXCPU, a recognisable signal) and the hard one (SIGKILL). */
export const CPU_HARD_LIMIT_GRACE_SECONDS = 2;

/** Bash lines that set the limits on the wrapper shell; every descendant inherits them. */
export function limitsPrologue(limits: ResourceLimits): string {
  const lines = [`ulimit -d ${Math.floor(limits.memoryMb * 1024)}`];
  if (limits.cpuSeconds !== undefined) {
    // Both limits first (a hard limit below the current soft one is refused), then lower the soft one.
    lines.push(`ulimit -t ${limits.cpuSeconds + CPU_HARD_LIMIT_GRACE_SECONDS}`, `ulimit -S -t ${limits.cpuSeconds}`);
  }
  return lines.join('\n');
}
