// Runs one git command as a subprocess (started through the spawner helper, src/process/): no shell,
// no prompts, no user hooks, a timeout and an AbortSignal. A non-zero exit becomes CambrianError
// CAMBRIAN_GIT_FAILED naming the command.
import { CambrianError } from '../errors.ts';
import { spawnProcess, SpawnerLostError, type SpawnedProcess } from '../process/spawn.ts';

export interface RunGitOptions {
  cwd: string;
  /** Written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Added to (and overriding) the sanitised environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Exit codes besides 0 that are answers rather than failures (merge-base: 1, merge-file: 1..127). */
  allowExitCodes?: readonly number[];
}

export interface RunGitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export const DEFAULT_GIT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/**
 * `-c` options put before every command: hooks off (a user's post-checkout hook must not run for
 * us), no attributes file, no signing prompts, no fsmonitor daemon, no background auto-gc from us.
 * Git only ever runs in the user's repository (never in a directory a candidate wrote), with the
 * system and global configuration left out (gitEnv), so only the repository's own config applies.
 */
export const GIT_SAFETY_CONFIG: readonly string[] = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.attributesFile=/dev/null',
  '-c', 'commit.gpgSign=false',
  '-c', 'core.fsmonitor=false',
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
];

/** Variables git may see from the caller; API keys and other secrets are never among them. */
const GIT_ENV_NAMES: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];

/**
 * The environment for git: a short allowlist of the caller's variables (so a filter or helper git
 * might start never sees an API key), no system or global config, no terminal prompts and no
 * optional locks (so our `status` never fights the user's editor for index.lock).
 */
export function gitEnv(extra: Record<string, string> = {}, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of GIT_ENV_NAMES) if (parent[name] !== undefined) env[name] = parent[name];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GCM_INTERACTIVE: 'never',
    ...extra,
  };
}

export function runGit(args: readonly string[], options: RunGitOptions): Promise<RunGitResult> {
  const { cwd, input, env, signal, timeoutMs = DEFAULT_GIT_TIMEOUT_MS, allowExitCodes = [] } = options;
  const command = `git ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let child: SpawnedProcess | undefined;
    let failure: unknown;
    const kill = (reason: unknown): void => {
      failure ??= reason;
      killGroup(child?.pid);
    };
    // Armed before the start so a slow start still counts against the timeout and can be aborted.
    const timer = setTimeout(
      () => kill(new CambrianError('CAMBRIAN_GIT_FAILED', `${command} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = (): void => kill(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    spawnProcess('git', [...GIT_SAFETY_CONFIG, ...args], {
      cwd,
      env: gitEnv(env),
      stdin: { input: input ?? '' },
      // Its own process group, so a kill also reaches what git started (filters, helpers), which
      // would otherwise hold our pipes open long after git is gone.
      detached: process.platform !== 'win32',
      // If Cambrian dies, let git finish as it always did: killing it mid-write leaves lock files.
      killOnParentExit: false,
    }).then((started) => {
      child = started;
      // Stopped while starting: the kill above found no pid.
      if (failure !== undefined) killGroup(started.pid);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let outputBytes = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        outputBytes += chunk.length;
        if (outputBytes > MAX_OUTPUT_BYTES) {
          kill(new CambrianError('CAMBRIAN_GIT_FAILED', `${command} printed more than ${MAX_OUTPUT_BYTES} bytes`));
          return;
        }
        into.push(chunk);
      };
      started.stdout.on('data', collect(stdout));
      started.stderr.on('data', collect(stderr));
      return started.closed.then(({ code, signal: killedBy }) => {
        settle();
        const out = Buffer.concat(stdout).toString('utf8');
        const err = Buffer.concat(stderr).toString('utf8');
        if (failure !== undefined) {
          reject(failure);
        } else if (code === 0 || (code !== null && allowExitCodes.includes(code))) {
          resolve({ stdout: out, stderr: err, exitCode: code });
        } else {
          const status = code === null ? `was killed by ${killedBy}` : `exited with ${code}`;
          reject(new CambrianError('CAMBRIAN_GIT_FAILED', `${command} ${status} in ${cwd}: ${err.trim() || '(no stderr)'}`));
        }
      });
    }).catch((error: NodeJS.ErrnoException) => {
      settle();
      if (failure !== undefined) {
        reject(failure);
      } else if (error instanceof SpawnerLostError) {
        reject(new CambrianError('CAMBRIAN_GIT_FAILED', `${command} was lost in ${cwd}: ${error.message}`, { cause: error }));
      } else {
        // ENOENT here means git itself (or the cwd) is missing; both are user-fixable.
        reject(new CambrianError('CAMBRIAN_GIT_FAILED', `${command} could not start in ${cwd}: ${error.message}`, {
          hint: 'Install git and check that the directory exists.',
          cause: error,
        }));
      }
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
