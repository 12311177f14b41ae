// `cambrian up`: start (creating it the first time) a local Postgres server for this repository under
// .cambrian/pg and print the database URL that several Cambrian processes can share; --stop stops it.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { CambrianError } from '../errors.ts';

interface UpFlags {
  repo: string;
  port?: string;
  stop?: boolean;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start a local Postgres server for this repository (.cambrian/pg) and print its database URL')
    .option('--repo <dir>', 'the git repository the server belongs to', '.')
    .option('--port <n>', 'TCP port on 127.0.0.1 (default: a free port, chosen once and kept)')
    .option('--stop', 'stop the server (its data is kept; `cambrian up` starts it again)')
    .addHelpText('after', '\nServer binaries: the newest /usr/lib/postgresql/<version>/bin, else PATH, or only CAMBRIAN_PG_BIN when set.')
    .action(async (flags: UpFlags) => {
      const { gitTopLevel } = await import('../config/init-files.ts');
      const { excludeCambrianDir } = await import('../store/git-exclude.ts');
      const { localPostgresStop, localPostgresUp } = await import('../store/local-postgres.ts');
      const repoDir = await gitTopLevel(resolve(flags.repo));
      const options = { repoDir, binDir: process.env['CAMBRIAN_PG_BIN'] || undefined, path: process.env['PATH'], port: parsePort(flags.port) };
      if (flags.stop) {
        const stopped = await localPostgresStop(options);
        process.stdout.write(stopped ? 'stopped the Postgres server in .cambrian/pg (data kept)\n' : 'the Postgres server in .cambrian/pg is not running\n');
        return;
      }
      // The cluster lives inside the work tree: keep it out of git before creating it.
      excludeCambrianDir(repoDir);
      const up = await localPostgresUp(options);
      const state = up.alreadyRunning ? 'already running' : up.created ? 'created and started' : 'started';
      process.stdout.write(`Postgres server in .cambrian/pg: ${state}\n${up.url}\n`);
      process.stdout.write(`use it from every process: cambrian run --database-url '${up.url}' (or export CAMBRIAN_DATABASE_URL)\n`);
    });
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `--port must be a whole number from 1 to 65535, got ${raw}`);
  }
  return port;
}
