// A Postgres cluster kept for one repository under <repo>/.cambrian/pg, for running several Cambrian
// processes on one machine: find the server binaries, create the cluster once (127.0.0.1 only,
// password auth), start it if it is not running, create the `cambrian` database, stop it.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { CambrianError } from '../errors.ts';
import { CAMBRIAN_DIR } from '../store/git-exclude.ts';

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 90_000;
const DEBIAN_ROOT = '/usr/lib/postgresql';
/** initdb refuses to run as root: as root, the cluster belongs to this unprivileged user. */
const SERVER_USER = 'postgres';
const DB_USER = 'cambrian';
const DATABASE = 'cambrian';

export interface LocalPostgresOptions {
  repoDir: string;
  /** Only this directory is searched for initdb/pg_ctl (CAMBRIAN_PG_BIN). */
  binDir?: string | undefined;
  /** PATH, searched after /usr/lib/postgresql/<v>/bin. */
  path?: string | undefined;
  /** Port for a new cluster, or a new port for a stopped one; default: a free port. */
  port?: number | undefined;
}

export interface UpResult {
  url: string;
  alreadyRunning: boolean;
  created: boolean;
}

/** What `up` remembers between calls (mode 0600: it holds the password). */
interface ClusterFile {
  port: number;
  user: string;
  password: string;
}

interface Layout {
  root: string;
  dataDir: string;
  runDir: string;
  clusterFile: string;
}

function layout(repoDir: string): Layout {
  const root = join(repoDir, CAMBRIAN_DIR, 'pg');
  return { root, dataDir: join(root, 'data'), runDir: join(root, 'run'), clusterFile: join(root, 'cluster.json') };
}

/** initdb and pg_ctl: `binDir` if given, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function findPostgresBin(options: { binDir?: string | undefined; path?: string | undefined }): string {
  const hasTools = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const candidates: string[] = [];
  if (options.binDir !== undefined) {
    candidates.push(options.binDir);
  } else {
    if (existsSync(DEBIAN_ROOT)) {
      const versions = readdirSync(DEBIAN_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((v) => join(DEBIAN_ROOT, v, 'bin')));
    }
    candidates.push(...(options.path ?? '').split(delimiter).filter((dir) => dir !== ''));
  }
  const found = candidates.find(hasTools);
  if (found !== undefined) return found;
  const where = options.binDir !== undefined ? `in ${options.binDir} (CAMBRIAN_PG_BIN)` : `in ${DEBIAN_ROOT}/<version>/bin or on PATH`;
  throw new CambrianError('CAMBRIAN_POSTGRES_UNAVAILABLE', `no PostgreSQL server binaries (initdb, pg_ctl) found ${where}`, {
    hint: 'install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`), or point CAMBRIAN_PG_BIN at the directory holding initdb and pg_ctl',
  });
}

/** Creates (first time) and starts the repository's cluster, creates the `cambrian` database. */
export async function localPostgresUp(options: LocalPostgresOptions): Promise<UpResult> {
  const paths = layout(options.repoDir);
  const bin = findPostgresBin(options);
  const tools = serverTools(bin, paths.root);
  let created = false;
  let cluster = readClusterFile(paths);
  if (cluster === null) {
    cluster = await createCluster(paths, tools, options.port ?? (await freePort()));
    created = true;
  }
  const alreadyRunning = await isRunning(tools, paths);
  if (!alreadyRunning) {
    if (options.port !== undefined && options.port !== cluster.port) {
      cluster = { ...cluster, port: options.port };
      writeClusterFile(paths, cluster);
    }
    await startCluster(paths, tools, cluster.port);
  } else if (options.port !== undefined && options.port !== cluster.port) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `the cluster is already running on port ${cluster.port}, not ${options.port}`, {
      hint: 'stop it with `cambrian up --stop`, then `cambrian up --port N` to move it',
    });
  }
  await ensureDatabase(cluster);
  return { url: databaseUrl(cluster, DATABASE), alreadyRunning, created };
}

/** Stops the cluster; false when it was not running (or never created). */
export async function localPostgresStop(options: LocalPostgresOptions): Promise<boolean> {
  const paths = layout(options.repoDir);
  if (readClusterFile(paths) === null) return false;
  const tools = serverTools(findPostgresBin(options), paths.root);
  if (!(await isRunning(tools, paths))) return false;
  await tools.pgCtl(['-D', paths.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], 'stop the PostgreSQL server');
  return true;
}

function databaseUrl(cluster: ClusterFile, database: string): string {
  return `postgres://${cluster.user}:${encodeURIComponent(cluster.password)}@127.0.0.1:${cluster.port}/${database}`;
}

interface ServerTools {
  asRoot: boolean;
  initdb(args: string[], what: string): Promise<void>;
  pgCtl(args: string[], what: string): Promise<void>;
  status(dataDir: string): Promise<number>;
}

function serverTools(bin: string, cwd: string): ServerTools {
  const asRoot = userInfo().uid === 0;
  const exec = (tool: string, args: string[]) => {
    const options = { cwd, timeout: COMMAND_TIMEOUT_MS, signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS), encoding: 'utf8' as const };
    return asRoot ? run('runuser', ['-u', SERVER_USER, '--', join(bin, tool), ...args], options) : run(join(bin, tool), args, options);
  };
  const checked = async (tool: string, args: string[], what: string): Promise<void> => {
    try {
      await exec(tool, args);
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' / ') || (error as Error).message;
      throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `could not ${what}: ${detail}`, {
        hint: `see ${join(cwd, 'run', 'server.log')}; the cluster lives in ${cwd}`,
        cause: error,
      });
    }
  };
  return {
    asRoot,
    initdb: (args, what) => checked('initdb', args, what),
    pgCtl: (args, what) => checked('pg_ctl', args, what),
    async status(dataDir) {
      try {
        await exec('pg_ctl', ['-D', dataDir, 'status']);
        return 0;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return typeof code === 'number' ? code : 1;
      }
    },
  };
}

async function isRunning(tools: ServerTools, paths: Layout): Promise<boolean> {
  // pg_ctl status: 0 running, 3 not running, 4 no usable data directory.
  return (await tools.status(paths.dataDir)) === 0;
}

async function createCluster(paths: Layout, tools: ServerTools, port: number): Promise<ClusterFile> {
  if (existsSync(paths.dataDir)) {
    throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `${paths.dataDir} exists but ${paths.clusterFile} does not`, {
      hint: `a cluster creation was interrupted or the folder was edited: remove ${paths.root} to start over`,
    });
  }
  // Leftovers of an interrupted creation (no data folder yet) are removed and created anew.
  rmSync(paths.root, { recursive: true, force: true });
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  mkdirSync(paths.dataDir, { mode: 0o700 });
  mkdirSync(paths.runDir, { mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  const pwFile = join(paths.runDir, 'initdb-password');
  try {
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (tools.asRoot) handOverToServerUser(paths, pwFile);
    await tools.initdb(
      ['-D', paths.dataDir, '-U', DB_USER, '--pwfile', pwFile, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions'],
      'create the PostgreSQL cluster',
    );
  } catch (error) {
    rmSync(paths.root, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(pwFile, { force: true });
  }
  // Local only: TCP on loopback, the socket in our own folder (never /var/run/postgresql).
  const conf = `\n# written by cambrian up\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${paths.runDir.replace(/'/g, "''")}'\n`;
  writeFileSync(join(paths.dataDir, 'postgresql.conf'), readFileSync(join(paths.dataDir, 'postgresql.conf'), 'utf8') + conf);
  const cluster: ClusterFile = { port, user: DB_USER, password };
  writeClusterFile(paths, cluster);
  return cluster;
}

async function startCluster(paths: Layout, tools: ServerTools, port: number): Promise<void> {
  const logFile = join(paths.runDir, 'server.log');
  const logSizeBefore = existsSync(logFile) ? statSync(logFile).size : 0;
  try {
    await tools.pgCtl(['-D', paths.dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start'], `start the PostgreSQL server on port ${port}`);
  } catch (error) {
    // pg_ctl only says "examine the log output": quote the server's own reason from this attempt.
    const reason = serverFailure(logFile, logSizeBefore);
    if (reason === null || !(error instanceof CambrianError)) throw error;
    const hint = /address already in use/i.test(reason) ? `another program uses port ${port}: \`cambrian up --port N\` moves the cluster to another port` : error.hint;
    throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `could not start the PostgreSQL server on port ${port}: ${reason}`, { hint, cause: error });
  }
}

/** The server's error lines written since `fromByte`, or null when there are none. */
function serverFailure(logFile: string, fromByte: number): string | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8').slice(fromByte);
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((line) => /\b(FATAL|ERROR|PANIC):|could not bind/.test(line));
  if (lines.length === 0) return null;
  return lines.map((line) => line.replace(/^.*?\b(LOG|FATAL|ERROR|PANIC):\s*/, '')).slice(0, 2).join(' / ');
}

async function ensureDatabase(cluster: ClusterFile): Promise<void> {
  const sql = postgres(databaseUrl(cluster, 'postgres'), { max: 1, onnotice: () => undefined, connect_timeout: 30 });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
    if (rows.length === 0) await sql.unsafe(`CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `could not create the \`${DATABASE}\` database: ${(error as Error).message}`, { cause: error });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function readClusterFile(paths: Layout): ClusterFile | null {
  if (!existsSync(paths.clusterFile)) return null;
  const parsed = JSON.parse(readFileSync(paths.clusterFile, 'utf8')) as Partial<ClusterFile>;
  if (typeof parsed.port !== 'number' || typeof parsed.user !== 'string' || typeof parsed.password !== 'string') {
    throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `${paths.clusterFile} is damaged`, { hint: `remove ${paths.root} to start a new cluster (its data is lost)` });
  }
  return { port: parsed.port, user: parsed.user, password: parsed.password };
}

function writeClusterFile(paths: Layout, cluster: ClusterFile): void {
  writeFileSync(paths.clusterFile, JSON.stringify(cluster, null, 2) + '\n', { mode: 0o600 });
}

/**
 * As root the server runs as SERVER_USER: it must own the data and socket folders and be able to
 * reach them. Cambrian's own folders are opened for traversal (not listing); the repository and its
 * parents are the user's, so an unreachable one is reported rather than changed.
 */
function handOverToServerUser(paths: Layout, pwFile: string): void {
  const [uid, gid] = serverIds();
  const cambrianDir = dirname(paths.root);
  chmodSync(cambrianDir, statSync(cambrianDir).mode | 0o001);
  chmodSync(paths.root, 0o711);
  for (const path of [paths.dataDir, paths.runDir, pwFile]) chownSync(path, uid, gid);
  for (let dir = dirname(cambrianDir); ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const searchBit = stat.uid === uid ? 0o100 : stat.gid === gid ? 0o010 : 0o001;
    if ((stat.mode & searchBit) === 0) {
      throw new CambrianError('CAMBRIAN_POSTGRES_FAILED', `the '${SERVER_USER}' user cannot reach ${dir}, so it cannot run the cluster there`, {
        hint: `PostgreSQL refuses to run as root, so the cluster runs as '${SERVER_USER}': let it traverse the folder (\`chmod o+x ${dir}\`) or run \`cambrian up\` as an ordinary user`,
      });
    }
    if (dir === dirname(dir)) break;
  }
}

/** The uid and gid of the unprivileged user that owns clusters when we are root (from /etc/passwd). */
export function serverIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${SERVER_USER}:`));
  if (!line) {
    throw new CambrianError('CAMBRIAN_POSTGRES_UNAVAILABLE', `running as root, but there is no '${SERVER_USER}' user to own the cluster`, {
      hint: `PostgreSQL refuses to run as root: run \`cambrian up\` as an ordinary user, or create the '${SERVER_USER}' user (the postgresql package does)`,
    });
  }
  const fields = line.split(':');
  return [Number(fields[2]), Number(fields[3])];
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
