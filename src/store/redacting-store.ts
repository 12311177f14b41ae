// A Store whose writes pass through a Redactor: every text that can carry candidate or model output
// (evaluation stdout/stderr and reasons, ledger events, job errors, LLM call errors, descriptions,
// stop reasons) is scrubbed of known secrets before it reaches the database.
//
// Why a wrapper at the port rather than calls in each writer: the loop, the LLM wiring and later
// workers write through many paths, and one forgotten call would leak; wrapping the port in the
// composition root covers every write, inside transactions too, and keeps the repos and the loop
// unaware of secrets. Reads are not touched: what is stored is already clean.
import type { Redactor } from '../security/redact.ts';
import type { IndividualRecord, Store, StoreTx } from './port.ts';

export function redactingStore(store: Store, redactor: Redactor): Store {
  return {
    ...redactingRepos(store, redactor),
    backend: store.backend,
    transaction: (fn) => store.transaction((tx) => fn(redactingRepos(tx, redactor))),
    close: () => store.close(),
  };
}

function redactingRepos(tx: StoreTx, redactor: Redactor): StoreTx {
  const { redact, redactDeep } = redactor;
  const text = (value: string | null | undefined): string | null | undefined => (typeof value === 'string' ? redact(value) : value);
  const individual = (record: IndividualRecord): IndividualRecord => ({
    ...record,
    description: redact(record.description),
    meta: redactDeep(record.meta),
  });
  const { runs, individuals, evaluations, jobs, ledger, llmCalls } = tx;
  return {
    runs: {
      ...bindAll(runs),
      insert: (run) => runs.insert({ ...run, goal: redact(run.goal), config: redactDeep(run.config), stopReason: text(run.stopReason) ?? null }),
      update: (id, patch) =>
        runs.update(id, {
          ...patch,
          ...(patch.goal === undefined ? {} : { goal: redact(patch.goal) }),
          ...(typeof patch.stopReason === 'string' ? { stopReason: redact(patch.stopReason) } : {}),
        }),
    },
    individuals: {
      ...bindAll(individuals),
      insert: (record) => individuals.insert(individual(record)),
      insertMany: (records) => individuals.insertMany(records.map(individual)),
      update: (id, patch) => individuals.update(id, patch.meta === undefined ? patch : { ...patch, meta: redactDeep(patch.meta) }),
    },
    evaluations: {
      ...bindAll(evaluations),
      insert: (evaluation) =>
        evaluations.insert({
          ...evaluation,
          reason: text(evaluation.reason) ?? null,
          stages: evaluation.stages.map((stage) => ({ ...stage, stdout: redact(stage.stdout), stderr: redact(stage.stderr) })),
        }),
    },
    jobs: {
      ...bindAll(jobs),
      insert: (job, options) => jobs.insert({ ...job, error: text(job.error) ?? null }, options),
      update: (id, patch) => jobs.update(id, typeof patch.error === 'string' ? { ...patch, error: redact(patch.error) } : patch),
    },
    elites: tx.elites,
    ledger: {
      ...bindAll(ledger),
      append: (runId, events) => ledger.append(runId, events.map((event) => redactDeep(event))),
    },
    llmCalls: {
      ...bindAll(llmCalls),
      insert: (call) => llmCalls.insert({ ...call, error: text(call.error) ?? null }),
    },
  };
}

/** The repo's methods (own or inherited) bound to it, so the wrapper can spread them and override a few. */
function bindAll<R extends object>(repo: R): R {
  const out: Record<string, unknown> = {};
  for (let o: object | null = repo; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || key in out) continue;
      const value = (repo as Record<string, unknown>)[key];
      out[key] = typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(repo) : value;
    }
  }
  return out as R;
}
