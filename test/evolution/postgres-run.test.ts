// Server mode end to end: `cambrian run --database-url postgres://…` evolves the example with the
// same loop on a real Postgres server (a throwaway local cluster), with two workers, and
// `status --json` reads the run back from the server.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const started = await startTestPostgres();
const skip = 'skip' in started ? started.skip : false;
const cluster: TestPostgres | undefined = 'cluster' in started ? started.cluster : undefined;
const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
  await cluster?.stop();
});

describe('cambrian run on a Postgres server', { skip }, () => {
  it('runs the loop against Postgres and leaves no embedded store behind', async () => {
    const databaseUrl = await cluster!.createDatabase();
    const repo = await createExampleRepo('circle-packing', smallBudget(12));
    repos.push(repo);
    const env = { CAMBRIAN_DATABASE_URL: databaseUrl };
    const run = await runCli(['run', '--repo', repo.dir, '--workers', '2'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /run r1 finished/);
    assert.equal(existsSync(join(repo.dir, '.cambrian', 'db')), false, 'the embedded store was not used');
    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'], { env })).stdout) as {
      runs: Array<{ evaluations: number; state: string; bestFitness: number; seedFitness: number }>;
    };
    assert.equal(status.runs[0]!.state, 'finished');
    assert.equal(status.runs[0]!.evaluations, 12);
    assert.ok(status.runs[0]!.bestFitness >= status.runs[0]!.seedFitness);
  });
});
