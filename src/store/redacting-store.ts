// A Store whose writes pass through a Redactor: every text that can carry candidate or model output
// (evaluation stdout/stderr and reasons, ledger events, job errors, LLM call errors, descriptions,
// stop reasons) is scrubbed of known secrets before it reaches the database, and of NUL characters,
// which Postgres refuses in text and jsonb (one stray byte in a candidate's stderr used to fail the
// write and stop the run): they are stored as U+FFFD, in strings and in object keys.
//
// Why a wrapper at the port rather than calls in each writer: the loop, the LLM wiring and later
// workers write through many paths, and one forgotten call would leak; wrapping the port in the
// composition root covers every write, inside transactions too, and keeps the repos and the loop
// unaware of secrets. Reads are not touched: what is stored is already clean.
import { mapStrings, type Redactor } from '../security/redact.ts';
import type { IndividualRecord, Store, StoreTx } from './port.ts';

export function redactingStore(store: Store, redactor: Redactor): Store {
  return {
    ...redactingRepos(store, redactor),
    backend: store.backend,
    transaction: (fn) => store.transaction((tx) => fn(redactingRepos(tx, redactor))),
    close: () => store.close(),
  };
}

function redactingRepos(tx: StoreTx, secrets: Redactor): StoreTx {
  const redact = (text: string): string => withoutNul(secrets.redact(text));
  // One walk: secrets and NUL out of every string, NUL out of every key.
  const redactDeep = <T>(value: T): T => mapStrings(value, redact, withoutNul) as T;
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
      update: (id, patch) =>
        individuals.update(id, {
          ...patch,
          ...(patch.meta === undefined ? {} : { meta: redactDeep(patch.meta) }),
          ...(patch.metrics === undefined ? {} : { metrics: redactDeep(patch.metrics) }),
        }),
    },
    evaluations: {
      ...bindAll(evaluations),
      insert: (evaluation) =>
        evaluations.insert({
          ...evaluation,
          reason: text(evaluation.reason) ?? null,
          metrics: redactDeep(evaluation.metrics),
          stages: redactDeep(evaluation.stages),
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

const NUL = /\u0000/g;

function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replace(NUL, '\uFFFD') : text;
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
