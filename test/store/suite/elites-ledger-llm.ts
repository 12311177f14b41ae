// Conformance tests for the elites, ledger (with its JSON Lines export) and LLM call repositories.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportLedger } from '../../../src/ledger/export.ts';
import type { LedgerEvent } from '../../../src/ledger/events.ts';
import type { GetStore } from '../store-suite.ts';
import { at, makeElite, makeLlmCall, uid } from '../records.ts';

function scheduled(runId: string, n: number): LedgerEvent {
  return { type: 'job_scheduled', runId, jobId: `job-${n}`, operator: 'llm.diff', island: n % 3, parentId: `p-${n}` };
}

export function elitesLedgerAndLlmTests(store: GetStore): void {
  describe('elites', () => {
    it('inserts elites, replaces a cell on upsert and lists them by island and cell', async () => {
      const runId = uid('run');
      const a = makeElite(runId, 0, '1,1');
      const b = makeElite(runId, 1, '0,2');
      await store().elites.upsert([b, a]);
      assert.deepEqual(await store().elites.list(runId), [a, b]);
      const better = makeElite(runId, 0, '1,1', { fitness: 9, descriptor: [0.5, 0.5], updatedAt: at('2026-05-01T00:00:00.000Z') });
      // Two rows for one cell in one call: the last one wins.
      await store().elites.upsert([makeElite(runId, 0, '1,1', { fitness: 3 }), better]);
      assert.deepEqual(await store().elites.list(runId), [better, b]);
      assert.deepEqual(await store().elites.list(uid('empty')), []);
    });

    it('replaces every elite of a run, leaving other runs alone', async () => {
      const runId = uid('run');
      const otherRun = uid('run');
      const other = makeElite(otherRun, 0, '0,0');
      await store().elites.upsert([makeElite(runId, 0, '0,0'), makeElite(runId, 0, '0,1'), other]);
      const rebinned = [makeElite(runId, 0, '5,5'), makeElite(runId, 1, '0,0')];
      await store().elites.replaceAll(runId, rebinned);
      assert.deepEqual(await store().elites.list(runId), rebinned);
      assert.deepEqual(await store().elites.list(otherRun), [other]);
      await assert.rejects(store().elites.replaceAll(runId, [makeElite(otherRun, 0, '9,9')]), /elite of run/);
      assert.deepEqual(await store().elites.list(runId), rebinned);
      await store().elites.replaceAll(runId, []);
      assert.deepEqual(await store().elites.list(runId), []);
    });
  });

  describe('ledger', () => {
    it('keeps events in append order and pages through them by id', async () => {
      const runId = uid('run');
      const events = Array.from({ length: 25 }, (_, n) => scheduled(runId, n));
      await store().ledger.append(runId, events.slice(0, 10));
      await store().ledger.append(uid('other-run'), [scheduled('other', 99)]);
      await store().ledger.append(runId, events.slice(10));
      await store().ledger.append(runId, []);
      const firstPage = await store().ledger.list({ runId, limit: 10 });
      const rest = await store().ledger.list({ runId, afterId: firstPage.at(-1)!.id });
      const rows = [...firstPage, ...rest];
      assert.deepEqual(rows.map((row) => row.data), events);
      assert.ok(rows.every((row) => row.runId === runId && row.type === 'job_scheduled' && row.at instanceof Date));
      assert.ok(rows.every((row, i) => i === 0 || row.id > rows[i - 1]!.id), 'ids increase in append order');
      assert.equal(await store().ledger.count(runId), 25);
      assert.ok((await store().ledger.count()) >= 26);
      const everything = await store().ledger.list({ afterId: rows[0]!.id - 1, limit: 100_000 });
      assert.ok(everything.some((row) => row.runId !== runId), 'without runId, every run is listed');
    });

    it('exports one JSON object per line with id, runId, type, time and the event fields', async () => {
      const runId = uid('run');
      const finished: LedgerEvent = { type: 'run_finished', runId, reason: 'budget', evaluations: 12, bestIndividualId: 'ind-3', bestFitness: 0.9 };
      const events = [...Array.from({ length: 7 }, (_, n) => scheduled(runId, n)), finished];
      await store().ledger.append(runId, events);
      const lines: string[] = [];
      const written = await exportLedger(store(), (line) => void lines.push(line), { runId, pageSize: 3 });
      assert.equal(written, 8);
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(Object.keys(parsed[0]!).slice(0, 4), ['id', 'runId', 'type', 'at']);
      assert.deepEqual(parsed.at(-1), { id: parsed.at(-1)!.id, runId, type: 'run_finished', at: parsed.at(-1)!.at, reason: 'budget', evaluations: 12, bestIndividualId: 'ind-3', bestFitness: 0.9 });
      assert.deepEqual(parsed.map((row) => row.jobId ?? null), ['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5', 'job-6', null]);
      assert.ok(parsed.every((row) => typeof row.at === 'string' && !Number.isNaN(Date.parse(row.at as string))));
    });
  });

  describe('llm calls', () => {
    it('totals a run\'s calls and lists them newest first', async () => {
      const runId = uid('run');
      const first = makeLlmCall(runId, { tokensIn: 100, tokensOut: 10, usd: 0.25, createdAt: at('2026-06-01T00:00:00.000Z') });
      const second = makeLlmCall(runId, { tokensIn: 3_000_000_000, tokensOut: 20, usd: 0.5, outcome: 'error', error: 'HTTP 500', jobId: 'job-1', createdAt: at('2026-06-01T00:00:01.000Z') });
      await store().llmCalls.insert(first);
      await store().llmCalls.insert(second);
      await store().llmCalls.insert(makeLlmCall(uid('other-run')));
      assert.deepEqual(await store().llmCalls.totals(runId), { calls: 2, tokensIn: 3_000_000_100, tokensOut: 30, usd: 0.75 });
      assert.deepEqual(await store().llmCalls.totals(uid('empty')), { calls: 0, tokensIn: 0, tokensOut: 0, usd: 0 });
      assert.deepEqual(await store().llmCalls.list(runId), [second, first]);
      assert.deepEqual(await store().llmCalls.list(runId, 1), [second]);
    });
  });
}
