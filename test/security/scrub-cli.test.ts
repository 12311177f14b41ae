// Secret scrubbing end to end: an evaluator that was explicitly given a token prints it on stdout
// and stderr and fails with it; the token then appears nowhere Cambrian keeps or shows things —
// `cambrian eval`, `run`, `status`, `ledger export`, the report files and the raw store rows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/store/open.ts';
import { rowsOf } from '../../src/store/repos/db.ts';
import { REDACTED } from '../../src/security/redact.ts';
import { runCli } from '../support/cli.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const TOKEN = 'sk-test-scrub-7f3a9c2e41b8d605';
const env = { MY_SERVICE_TOKEN: TOKEN };

/** Passes while X is 5 (the seed); any other X fails, printing the token on both streams. */
const EVALUATOR = `import { readFileSync } from 'node:fs';
const token = process.env.MY_SERVICE_TOKEN ?? 'unset';
const x = Number(/X = (-?[0-9.e+-]+)/.exec(readFileSync('params.js', 'utf8'))[1]);
console.error('connecting to the service with ' + token);
if (x !== 5) {
  console.log('debug: token=' + token + ' b64=' + Buffer.from(token).toString('base64'));
  console.error('candidate rejected (x=' + x + '), token ' + token);
  process.exit(3);
}
console.log(JSON.stringify({ score: x }));
`;

const CONFIG = `goal: keep X at five while a token leaks
evolve:
  include: ["params.js"]
evaluator:
  command: node evaluate.mjs
  timeoutMs: 20000
  env: [MY_SERVICE_TOKEN]
metrics:
  score:
    direction: max
fitness: score
budget:
  maxEvaluations: 6
archive:
  warmup: 4
  islands: 1
operators:
  numeric:
    weight: 1
`;

function assertClean(text: string, where: string): void {
  assert.ok(!text.includes(TOKEN), `${where} shows the token:\n${text}`);
  assert.ok(!text.includes(Buffer.from(TOKEN).toString('base64').replace(/=+$/, '')), `${where} shows the token in base64`);
}

describe('secrets printed by a candidate are scrubbed everywhere', () => {
  let repo: TempRepo;
  let failing: string;
  before(async () => {
    repo = await createTempRepo({ 'params.js': 'export const X = 5;\n', 'evaluate.mjs': EVALUATOR, 'cambrian.yaml': CONFIG });
    failing = await repo.commit({ 'params.js': 'export const X = 6;\n' }, 'a failing candidate');
    await repo.git('checkout', '--quiet', '-b', 'seed', repo.head);
  });
  after(async () => repo?.cleanup());

  it('cambrian eval shows *** where the candidate printed the token', async () => {
    const passing = await runCli(['eval', '--repo', repo.dir], { env });
    assert.equal(passing.code, 0, passing.stderr);
    assertClean(passing.stdout + passing.stderr, 'eval of the seed');
    assert.match(passing.stdout, /connecting to the service with \*\*\*/);

    const failed = await runCli(['eval', failing, '--repo', repo.dir], { env });
    assert.equal(failed.code, 1, failed.stderr);
    assertClean(failed.stdout + failed.stderr, 'eval of a failing candidate');
    assert.match(failed.stdout, /token \*\*\*/);

    const json = await runCli(['eval', failing, '--repo', repo.dir, '--json'], { env });
    assertClean(json.stdout + json.stderr, 'eval --json');
    assert.ok(json.stdout.includes(REDACTED));
  });

  it('a run, its status, ledger export, report and store rows never hold the token', async () => {
    const run = await runCli(['run', '--repo', repo.dir, '--workers', '1', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    assertClean(run.stdout + run.stderr, 'cambrian run --json');

    const status = await runCli(['status', '--repo', repo.dir], { env });
    assert.equal(status.code, 0, status.stderr);
    assertClean(status.stdout + status.stderr, 'cambrian status');
    assert.match(status.stdout, /token \*\*\*/, 'the failure reasons are shown, scrubbed');

    // Exported without the token in the environment: the rows themselves are clean.
    const exported = await runCli(['ledger', 'export', '--repo', repo.dir]);
    assert.equal(exported.code, 0, exported.stderr);
    assertClean(exported.stdout, 'ledger export');
    assert.ok(exported.stdout.includes(REDACTED), 'failure reasons in the ledger carry ***');

    const outDir = join(repo.dir, 'report-out');
    const report = await runCli(['report', '--repo', repo.dir, '--out', outDir]);
    assert.equal(report.code, 0, report.stderr);
    for (const name of await readdir(outDir)) assertClean(await readFile(join(outDir, name), 'utf8'), `report file ${name}`);

    const database = await openDatabase({ repoDir: repo.dir });
    try {
      let redactedRows = 0;
      for (const table of ['runs', 'individuals', 'evaluations', 'jobs', 'ledger_events', 'llm_calls']) {
        const rows = rowsOf<{ row: string }>(await database.db.execute(sql.raw(`select row_to_json(t)::text as row from ${table} t`)));
        for (const { row } of rows) {
          assertClean(row, `a row of ${table}`);
          if (row.includes(REDACTED)) redactedRows++;
        }
      }
      assert.ok(redactedRows > 0, 'the failures were stored, with *** in place of the token');
    } finally {
      await database.close();
    }
  });
});
