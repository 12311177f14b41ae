// A throwaway local Postgres cluster for one test file: initdb into a temp dir, start on a free port
// with its socket inside that dir, hand out fresh databases, stop and delete on teardown.
// CI needs the Debian package `postgresql-15` (server binaries in /usr/lib/postgresql/15/bin).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort, serverIds } from '../../src/store/local-postgres.ts';

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 60_000;
/** The user that owns the cluster when we are root (initdb refuses to run as root). */
const SERVER_USER = 'postgres';

export interface TestPostgres {
  /** Creates an empty database and returns its connection URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export type StartResult = { cluster: TestPostgres } | { skip: string };

/** Finds initdb/pg_ctl: the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

export async function startTestPostgres(): Promise<StartResult> {
  const bin = findPostgresBin();
  if (bin === null) return { skip: 'no Postgres server binaries (initdb, pg_ctl) found; apt-get install postgresql-15' };
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cambrian-pg-'));
  const dataDir = join(dir, 'data');
  const pgCommand = (tool: string, args: string[]) => {
    const options = { cwd: dir, timeout: COMMAND_TIMEOUT_MS, signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS) };
    return asRoot ? run('runuser', ['-u', SERVER_USER, '--', join(bin, tool), ...args], options) : run(join(bin, tool), args, options);
  };
  // If the test process dies without calling stop(), do not leave a server or its files behind.
  let stopped = false;
  const cleanUp = (): void => {
    stopped = true;
    process.off('exit', cleanUp);
    killPostmaster(dataDir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  if (asRoot) chownSync(dir, ...serverIds());
  const port = await freePort();
  try {
    await pgCommand('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB`;
    await pgCommand('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start']);
  } catch (error) {
    cleanUp();
    throw error;
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  return {
    cluster: {
      async createDatabase() {
        const name = `cambrian_test_${randomUUID().replace(/-/g, '')}`;
        await admin.unsafe(`CREATE DATABASE ${name}`);
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (stopped) return;
        await admin.end({ timeout: 5 }).catch(() => undefined);
        try {
          await pgCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        } finally {
          cleanUp();
        }
      },
    },
  };
}

/** SIGQUIT (immediate shutdown) to the server we started, found by its postmaster.pid file. */
function killPostmaster(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // never started, or already stopped
  }
  try {
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // Already gone.
  }
}
