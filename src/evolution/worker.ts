// The worker role: claim a job, propose a child with its operator, check the scope, commit it
// (plumbing, never the user's working tree), and evaluate it (or reuse a cached evaluation).
// It returns what happened; ingest decides what that means for the archive. Whatever goes wrong in
// one proposal (an operator throwing, a path git refuses) fails that job, never the run; only
// store failures propagate.
import { Rng } from '../core/rng.ts';
import { isBetter } from '../core/fitness/compare.ts';
import { runGate, type GateVerdict, type Measure } from '../allocation/assimilation.ts';
import type { FileChange } from '../core/types.ts';
import { isCambrianError } from '../errors.ts';
import type { EvaluationResult } from '../evaluate/port.ts';
import { branchForIndividual } from '../git/branches.ts';
import type { CostSink, ProposeContext } from '../operators/port.ts';
import { checkChanges } from '../operators/scope.ts';
import type { EvaluationRecord, IndividualRecord, JobCosts, JobRecord } from '../store/port.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import { individualId } from './ids.ts';
import { viewOf, type Session } from './session.ts';
import { gitFileReader } from './file-reader.ts';
import { cachedResult } from './evaluation-cache.ts';
import { timed } from './profile.ts';
import type { CommitEmbedder } from './embeddings.ts';

export type JobOutcome =
  /** `operatorFailed`: the operator could not work at all (LLM unreachable, agent crashed). */
  | { kind: 'futile'; reason: string; costs: JobCosts; operatorFailed: boolean }
  | { kind: 'interrupted'; costs: JobCosts }
  | {
      kind: 'evaluated';
      individual: IndividualRecord;
      result: EvaluationResult;
      embedding: number[] | null;
      costs: JobCosts;
      /** The assimilation gate's verdict, when the child beat the best and a gate is on. */
      gate?: GateOutcome;
    };

export type GateOutcome = GateVerdict & { incumbentId: string };

const SUBJECT_MAX = 72;
/** Ancestors shown to operators (prompts show the lineage's trend). */
const LINEAGE_IN_PROMPT = 8;

export async function executeJob(session: Session, job: JobRecord, signal: AbortSignal): Promise<JobOutcome> {
  const outcome = await runJob(session, job, signal);
  const llm = session.deps.jobCosts?.take(job.id);
  if (llm) {
    outcome.costs.tokensIn += llm.tokensIn;
    outcome.costs.tokensOut += llm.tokensOut;
    outcome.costs.usd += llm.usd;
  }
  return outcome;
}

async function runJob(session: Session, job: JobRecord, signal: AbortSignal): Promise<JobOutcome> {
  const { deps, run } = session;
  const startedAt = deps.clock.now();
  const costs: JobCosts = { ...job.costs };
  const sink = costSink(costs);
  // A job the scheduler wrote already claimed (embedded mode) is running; a reopened one is pending.
  if (job.status === 'pending') {
    await deps.store.jobs.update(job.id, { status: 'running', attempts: job.attempts + 1, startedAt: new Date(startedAt) });
  }

  let individual = job.individualId ? await session.records.get(job.individualId) : null;
  /** How a child made by this job came about (a reopened job's individual was made before). */
  let origin: ChildOrigin | null = null;
  let cached: EvaluationRecord | null;
  if (individual) {
    cached = await deps.store.evaluations.findCached(individual.tree, deps.evaluator.configHash);
  } else {
    const made = await proposeAndCommit(session, job, signal, sink);
    if (made.kind !== 'committed') {
      costs.wallMs += deps.clock.now() - startedAt;
      return made.kind === 'interrupted' ? { kind: 'interrupted', costs } : { kind: 'futile', reason: made.reason, costs, operatorFailed: made.operatorFailed };
    }
    individual = made.individual;
    origin = made.origin;
    cached = made.cached;
  }

  const evaluated = individual;
  const result = cached
    ? cachedResult(cached)
    : await timed(deps.profiler, 'evaluate', () =>
        deps.evaluator.evaluate({ commit: evaluated.commit, tree: evaluated.tree, runId: run.id, individualId: evaluated.id, signal }),
      );
  costs.cpuSeconds += result.cached ? 0 : result.cpuSeconds;
  if (result.outcome === 'inconclusive' && signal.aborted) {
    costs.wallMs += deps.clock.now() - startedAt;
    return { kind: 'interrupted', costs };
  }
  const gate = await assimilationGate(session, evaluated, result, signal, costs);
  costs.wallMs += deps.clock.now() - startedAt;
  if (gate === 'interrupted') return { kind: 'interrupted', costs };
  const embedder = deps.embedder;
  const embedding =
    result.outcome === 'ok' && embedder ? await timed(deps.profiler, 'embed', () => embedIndividual(session, embedder, evaluated.commit, origin)) : null;
  return { kind: 'evaluated', individual, result, embedding, costs, ...(gate && { gate }) };
}

/**
 * A child that beats the run's best is tested at the assimilation gate (allocation/assimilation.ts)
 * before ingest may make it the best: re-measured beside the incumbent, then on the holdout stages.
 * Null when there is no gate or nothing to gate; 'interrupted' when the run is being stopped.
 */
async function assimilationGate(
  session: Session,
  challenger: IndividualRecord,
  result: EvaluationResult,
  signal: AbortSignal,
  costs: JobCosts,
): Promise<GateOutcome | null | 'interrupted'> {
  const { deps, run, allocation } = session;
  const settings = allocation.gate;
  const state = allocation.state.gate;
  if (!settings || !state || result.outcome !== 'ok' || run.bestIndividualId === null || run.bestFitness === null) return null;
  const fitness = result.metrics[deps.config.fitness];
  if (fitness === undefined || !isBetter(fitness, run.bestFitness, session.direction)) return null;
  const incumbent = await session.records.get(run.bestIndividualId);
  if (!incumbent) return null;
  const recorded = { challenger: fitness, incumbent: run.bestFitness, challengerId: challenger.id, incumbentId: incumbent.id };
  const measure: Measure = async (side, holdout) => {
    const who = side === 'challenger' ? challenger : incumbent;
    const got = await timed(deps.profiler, 'gate', () =>
      deps.evaluator.evaluate({ commit: who.commit, tree: who.tree, runId: run.id, individualId: who.id, signal, holdout }),
    );
    costs.cpuSeconds += got.cpuSeconds;
    if (got.outcome !== 'ok') return { failed: got.reason };
    const value = got.metrics[deps.config.fitness];
    return value === undefined ? { failed: `no \`${deps.config.fitness}\` reported` } : { fitness: value };
  };
  const verdict = await runGate(settings, state, session.direction, recorded, measure, deps.evaluator.hasHoldout === true);
  if (signal.aborted) return 'interrupted';
  return { ...verdict, incumbentId: incumbent.id };
}

interface ChildOrigin {
  parentCommit: string;
  changes: FileChange[];
}

/** From the parent's listing and the changes when known (no listing of the new tree), else by commit. */
async function embedIndividual(session: Session, embedder: CommitEmbedder, commit: string, origin: ChildOrigin | null): Promise<number[]> {
  if (origin) {
    const embedding = await embedder.embedChild(await session.listings.listFiles(origin.parentCommit), origin.changes);
    if (embedding) return embedding;
  }
  return embedder.embedListing(await session.listings.listFiles(commit));
}

type Made =
  | { kind: 'committed'; individual: IndividualRecord; origin: ChildOrigin; cached: EvaluationRecord | null }
  | { kind: 'futile'; reason: string; operatorFailed: boolean }
  | { kind: 'interrupted' };

function rejected(operator: string, reason: string, operatorFailed = false): Made {
  return { kind: 'futile', reason: labelled(operator, reason), operatorFailed };
}

async function proposeAndCommit(session: Session, job: JobRecord, signal: AbortSignal, costs: CostSink): Promise<Made> {
  const { deps, run } = session;
  const entry = deps.operators.find((o) => o.name === job.operator);
  if (!entry) return { kind: 'futile', reason: `operator ${job.operator} is no longer configured`, operatorFailed: false };
  const parentRecord = await session.records.get(job.parentId);
  if (!parentRecord) throw new Error(`job ${job.id}: parent ${job.parentId} not found`);
  const inspirations = (await session.records.getMany(job.inspirationIds)).map(viewOf);
  // The lineage and past failures cost 3–4 statements: only fetched for operators that read them.
  const history = entry.operator.usesHistory === true;
  const lineage = history ? (await lineageOf(session, parentRecord, LINEAGE_IN_PROMPT)).map(viewOf) : [];
  const ctx: ProposeContext = {
    runId: run.id,
    jobId: job.id,
    goal: deps.config.goal,
    baseCommit: run.baseCommit,
    parent: viewOf(parentRecord),
    inspirations,
    lineage,
    recentFailures: history ? await session.failures.forParent(parentRecord) : [],
    scope: deps.scope,
    files: gitFileReader(deps.git, session.listings),
    fitnessDirection: session.direction,
    rng: Rng.fromSeed(job.seed),
    signal,
    costs,
    ...(job.strategy ? { llmChoice: { model: job.strategy.model, temperature: job.strategy.temperature } } : {}),
  };

  let proposal;
  try {
    proposal = await timed(deps.profiler, 'propose', () => entry.operator.propose(ctx));
  } catch (error) {
    if (signal.aborted) return { kind: 'interrupted' };
    if (isCambrianError(error) && error.code === 'CAMBRIAN_BUDGET_EXHAUSTED') {
      session.haltReason = `LLM budget spent: ${error.message}`;
      return { kind: 'interrupted' };
    }
    // Any other throw (an LLM that cannot be reached, an operator bug) fails this job only.
    return rejected(job.operator, describeError(error), true);
  }
  if (proposal.kind === 'rejected') return rejected(job.operator, proposal.reason, proposal.operatorFailed === true);

  let check;
  try {
    check = await checkChanges(deps.scope, proposal.changes, (path) => deps.git.readFile(parentRecord.commit, path));
  } catch (error) {
    return rejected(job.operator, `the scope check failed: ${describeError(error)}`);
  }
  if (!check.ok) return rejected(job.operator, check.reason);

  const changes = proposal.changes;
  const tooClose = await noveltyCheck(session, job, parentRecord, changes);
  if (tooClose) return rejected(job.operator, tooClose);
  return timed(deps.profiler, 'commit', () => commitChild(session, job, parentRecord, changes, {
    description: proposal.description,
    meta: { ...parentRecord.meta, ...(proposal.meta ?? {}) },
    alsoParentId: proposal.alsoParentId ?? null,
  }));
}

async function commitChild(
  session: Session,
  job: JobRecord,
  parent: IndividualRecord,
  changes: FileChange[],
  info: { description: string; meta: Record<string, unknown>; alsoParentId: string | null },
): Promise<Made> {
  const { deps, run } = session;
  const seq = session.nextIndividualSeq++;
  const id = individualId(run.id, seq);
  const generation = parent.generation + 1;
  const trailers: Array<[string, string]> = [
    ['Cambrian-Run', run.id],
    ['Cambrian-Individual', id],
    ['Cambrian-Parent', parent.id],
    ['Cambrian-Operator', job.operator],
  ];
  let alsoParentCommit: string | null = null;
  if (info.alsoParentId) {
    const other = await session.records.get(info.alsoParentId);
    if (other) {
      trailers.push(['Cambrian-Also-Parent', other.id]);
      alsoParentCommit = other.commit;
    }
  }
  const subject = oneLine(info.description, job.operator);
  let written;
  try {
    written = await deps.git.commitChild({
      parent: parent.commit,
      changes,
      subject,
      body: alsoParentCommit ? `Crossover with ${info.alsoParentId} (${alsoParentCommit.slice(0, 12)}).` : undefined,
      trailers,
      timestamp: session.baseTimestamp + seq,
    });
  } catch (error) {
    // The proposal passed the scope check, yet git refused it: this job fails, the run goes on.
    return rejected(job.operator, `the commit could not be written: ${describeError(error)}`);
  }
  const { commit, tree } = written;
  if (tree === parent.tree) return rejected(job.operator, 'the proposal changes nothing');
  // Is this code already in the run, and may it have been evaluated before (any run)? From memory;
  // the tree is claimed at once, so a concurrent worker making the same code sees a duplicate.
  const duplicateId = session.trees.duplicateOf(tree);
  if (duplicateId) return rejected(job.operator, `same code as ${duplicateId} (duplicate tree)`);
  session.trees.addIndividual(tree, id);
  const cached = session.trees.mayBeCached(tree) ? await deps.store.evaluations.findCached(tree, deps.evaluator.configHash) : null;

  const record: IndividualRecord = {
    id,
    runId: run.id,
    seq,
    commit,
    tree,
    parentId: parent.id,
    alsoParentId: info.alsoParentId,
    generation,
    island: job.island,
    operator: job.operator,
    jobId: job.id,
    status: 'created',
    outcome: null,
    fitness: null,
    metrics: {},
    meta: info.meta,
    embedding: null,
    descriptor: null,
    cell: null,
    description: subject,
    createdAt: new Date(deps.clock.now()),
  };
  const events: LedgerEvent[] = [
    {
      type: 'individual_created',
      runId: run.id,
      individualId: id,
      commit,
      parentId: parent.id,
      alsoParentId: info.alsoParentId,
      operator: job.operator,
      island: job.island,
      generation,
    },
  ];
  // The branch is written before the record: a crash in between leaves a branch without a record,
  // which the next start removes (see reconcile.ts); the reverse would leave a record without a commit.
  await deps.git.updateRef(`refs/heads/${branchForIndividual(run.id, generation, seq)}`, commit);
  // The run's `individuals` counter is written with the next ingest; a resume takes the newest
  // record's seq into account, so a crash in between cannot reuse a sequence number.
  await deps.store.transaction(async (tx) => {
    await tx.individuals.insert(record);
    await tx.jobs.update(job.id, { individualId: id });
    await tx.ledger.append(run.id, events);
  });
  run.individuals = Math.max(run.individuals, seq + 1);
  session.records.put(record);
  deps.bus.publish(events);
  return { kind: 'committed', individual: record, origin: { parentCommit: parent.commit, changes }, cached };
}

/**
 * The parent and its ancestors, newest first, walked through the session's record cache: ancestors
 * of archive members are mostly cached, so this costs no statement where the store's recursive
 * query would cost two and parse every ancestor's embedding.
 */
async function lineageOf(session: Session, parent: IndividualRecord, limit: number): Promise<IndividualRecord[]> {
  const chain: IndividualRecord[] = [parent];
  for (let at = parent; chain.length < limit && at.parentId !== null; ) {
    const next = await session.records.get(at.parentId);
    if (next === null) break;
    chain.push(next);
    at = next;
  }
  return chain;
}

/**
 * Novelty rejection (archive.noveltyThreshold): a child whose code embedding is nearly the same as
 * an elite of its island is refused before it is committed or evaluated. Its embedding comes from
 * the parent's listing and the changes (no commit needed); a child that adds a file is let through.
 * Returns the reason to reject, or null.
 */
async function noveltyCheck(session: Session, job: JobRecord, parent: IndividualRecord, changes: FileChange[]): Promise<string | null> {
  const threshold = session.deps.config.archive.noveltyThreshold;
  const embedder = session.deps.embedder;
  if (threshold === undefined || !embedder) return null;
  const embedding = await embedder.embedChild(await session.listings.listFiles(parent.commit), changes);
  if (!embedding) return null;
  let closest: { id: string; cosine: number } | null = null;
  // Members: the island's elites, or its warm-up pool before the first descriptor fit.
  for (const elite of session.archive.members(job.island)) {
    if (!elite.embedding || elite.embedding.length !== embedding.length) continue;
    const similarity = cosine(embedding, elite.embedding);
    if (closest === null || similarity > closest.cosine) closest = { id: elite.id, cosine: similarity };
  }
  if (closest === null || closest.cosine < threshold) return null;
  return `not novel: its code is nearly identical to elite ${closest.id} (cosine ${closest.cosine.toFixed(6)} ≥ archive.noveltyThreshold ${threshold})`;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Reasons are shown as `operator: reason` (operators may already say their name). */
function labelled(operator: string, reason: string): string {
  return reason.startsWith(`${operator}:`) ? reason : `${operator}: ${reason}`;
}

/** One line for a job's reason: a CambrianError's message, else the error's name and message. */
function describeError(error: unknown): string {
  if (isCambrianError(error)) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function oneLine(description: string, operator: string): string {
  const line = description.split('\n')[0]!.trim() || operator;
  return line.length <= SUBJECT_MAX ? line : line.slice(0, SUBJECT_MAX - 1) + '…';
}

function costSink(costs: JobCosts): CostSink {
  return {
    addLlmCall(call) {
      costs.tokensIn += call.tokensIn;
      costs.tokensOut += call.tokensOut;
      costs.usd += call.usd;
    },
  };
}
