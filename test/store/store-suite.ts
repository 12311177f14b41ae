// The Store conformance suite: one set of behaviours every backend must show. pglite.test.ts and
// postgres.test.ts run it against their own database; tests isolate themselves by fresh run ids,
// so one database per test file is enough (creating a PGlite database costs seconds).
import { after, before, describe } from 'node:test';
import type { Store } from '../../src/store/port.ts';
import { elitesLedgerAndLlmTests } from './suite/elites-ledger-llm.ts';
import { evaluationAndJobTests } from './suite/evaluations-jobs.ts';
import { runAndIndividualTests } from './suite/runs-individuals.ts';
import { runOwnershipTests } from './suite/run-ownership.ts';
import { transactionTests } from './suite/transactions.ts';

export type GetStore = () => Store;

export function storeSuite(label: string, open: () => Promise<Store>): void {
  describe(`Store conformance (${label})`, () => {
    let store: Store | undefined;
    const getStore: GetStore = () => {
      if (!store) throw new Error('store not open');
      return store;
    };
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });
    runAndIndividualTests(getStore);
    runOwnershipTests(getStore);
    evaluationAndJobTests(getStore);
    elitesLedgerAndLlmTests(getStore);
    transactionTests(getStore);
  });
}
