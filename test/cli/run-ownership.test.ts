// Run ownership end to end on one Postgres database (ADR 0017): two repositories see only their own
// runs in `runs`, `status`, `best` and `ledger export`; a clone of a repository sees its runs; run
// ids never collide; a run leased by a live scheduler elsewhere is refused with its holder named,
// and taken over once that lease has expired.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { git } from '../support/temp-repo.ts';

const started = await startTestPostgres();
const skip = 'skip' in started ? started.skip : false;
const cluster: TestPostgres | undefined = 'cluster' in started ? started.cluster : undefined;

describe('run ownership on a shared Postgres database', { skip }, () => {
  const repos: ExampleRepo[] = [];
  let databaseUrl = '';
  let sql: postgres.Sql;
  let a: ExampleRepo;
  let b: ExampleRepo;
  const env = (): Record<string, string> => ({ CAMBRIAN_DATABASE_URL: databaseUrl });
  const runIds = async (repo: ExampleRepo): Promise<string[]> => {
    const result = await runCli(['runs', '--repo', repo.dir, '--json'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as Array<{ run: string }>).map((r) => r.run);
  };

  before(async () => {
    databaseUrl = await cluster!.createDatabase();
    sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    // Both start from the example's seed commit (same root commit): their origins tell them apart.
    a = await createExampleRepo('circle-packing', smallBudget(3));
    b = await createExampleRepo('circle-packing', smallBudget(3));
    repos.push(a, b);
    await git(a.dir, 'remote', 'add', 'origin', 'https://example.com/team/a.git');
    await git(b.dir, 'remote', 'add', 'origin', 'git@example.com:team/b.git');
  });
  after(async () => {
    await sql?.end({ timeout: 5 });
    for (const repo of repos) await repo.cleanup();
    await cluster?.stop();
  });

  it('gives each repository its own runs with distinct ids', async () => {
    const [runA, runB] = await Promise.all([
      runCli(['run', '--repo', a.dir, '--workers', '1'], { env: env() }),
      runCli(['run', '--repo', b.dir, '--workers', '1'], { env: env() }),
    ]);
    assert.equal(runA.code, 0, runA.stderr);
    assert.equal(runB.code, 0, runB.stderr);
    const idsA = await runIds(a);
    const idsB = await runIds(b);
    assert.equal(idsA.length, 1);
    assert.equal(idsB.length, 1);
    assert.notEqual(idsA[0], idsB[0]);
    assert.deepEqual([...idsA, ...idsB].sort(), ['r1', 'r2']);

    const status = JSON.parse((await runCli(['status', '--repo', b.dir, '--json'], { env: env() })).stdout) as { runs: Array<{ run: string }> };
    assert.deepEqual(status.runs.map((r) => r.run), idsB);
    const best = await runCli(['best', '--repo', b.dir, '--run', idsA[0]!], { env: env() });
    assert.notEqual(best.code, 0);
    assert.match(best.stderr, new RegExp(`no run \`${idsA[0]}\``));
    assert.doesNotMatch(best.stderr, /\n\s+at /, 'no stack trace');
    const ledger = await runCli(['ledger', 'export', '--repo', b.dir], { env: env() });
    assert.equal(ledger.code, 0, ledger.stderr);
    const ledgerRuns = new Set(ledger.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { runId: string }).runId));
    assert.deepEqual([...ledgerRuns], idsB);

    // A clone of A (origin spelled over ssh) is the same repository: it sees A's run.
    const clone = await createExampleRepo('circle-packing', smallBudget(3));
    repos.push(clone);
    await git(clone.dir, 'remote', 'add', 'origin', 'git@example.com:team/a.git');
    assert.deepEqual(await runIds(clone), idsA);
  });

  it('refuses to resume a run another live scheduler holds, naming it, and takes over an expired lease', async () => {
    const [runId] = await runIds(a);
    // As if a scheduler on another host were driving the stopped run right now.
    await sql`UPDATE runs SET state = 'stopped', lease_token = 'elsewhere', lease_host = 'other-host', lease_pid = 4242,
      lease_since = now(), lease_expires_at = now() + interval '1 hour' WHERE id = ${runId!}`;
    const refused = await runCli(['run', '--repo', a.dir, '--workers', '1'], { env: env() });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`run ${runId} is being driven by another scheduler \\(other-host pid 4242 since `));
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    assert.equal((await sql`SELECT state FROM runs WHERE id = ${runId!}`)[0]!.state, 'stopped', 'the run was left alone');
    const status = JSON.parse((await runCli(['status', '--repo', a.dir, '--json'], { env: env() })).stdout) as {
      runs: Array<{ lease: { host: string; pid: number; expired: boolean } | null }>;
    };
    assert.deepEqual(status.runs[0]!.lease && { host: status.runs[0]!.lease.host, pid: status.runs[0]!.lease.pid, expired: status.runs[0]!.lease.expired }, { host: 'other-host', pid: 4242, expired: false });

    // The holder was killed: its lease expired, so the next `cambrian run` resumes the run.
    await sql`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${runId!}`;
    const resumed = await runCli(['run', '--repo', a.dir, '--workers', '1'], { env: env() });
    assert.equal(resumed.code, 0, resumed.stderr);
    const [row] = await sql`SELECT state, lease_token FROM runs WHERE id = ${runId!}`;
    assert.equal(row!.state, 'finished');
    assert.equal(row!.lease_token, null, 'the lease is released when the run ends');
  });
});
