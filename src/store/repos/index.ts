// Builds the seven repositories over one drizzle handle (the base database or a transaction).
import type { StoreTx } from '../port.ts';
import type { Db } from './db.ts';
import { eliteRepo } from './elites.ts';
import { evaluationRepo } from './evaluations.ts';
import { individualRepo } from './individuals.ts';
import { jobRepo } from './jobs.ts';
import { ledgerRepo } from './ledger.ts';
import { llmCallRepo } from './llm-calls.ts';
import { runRepo } from './runs.ts';

export function createRepos(db: Db): StoreTx {
  return {
    runs: runRepo(db),
    individuals: individualRepo(db),
    evaluations: evaluationRepo(db),
    jobs: jobRepo(db),
    elites: eliteRepo(db),
    ledger: ledgerRepo(db),
    llmCalls: llmCallRepo(db),
  };
}
