// The scheduler role: decide the next job (island, operator, parent, inspirations, job seed) and
// write it as a row, with the advanced RNG state, in one transaction. Workers only read jobs.
import { sampleInspirations, sampleParent } from '../core/sampler/sampler.ts';
import type { ArchiveEntry } from '../core/archive/archive.ts';
import type { JobRecord } from '../store/port.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import { jobId } from './ids.ts';
import type { Session } from './session.ts';

export async function scheduleJob(session: Session): Promise<JobRecord> {
  const { deps, rng, archive, state, run } = session;
  const islands = deps.config.archive.islands;
  const island = state.nextJobSeq % islands;
  const operatorName = deps.chooser.choose(deps.operators, rng);
  const entry = deps.operators.find((o) => o.name === operatorName)!;

  let parent: ArchiveEntry | null = null;
  if (entry.parentPolicy === 'best') parent = archive.best();
  else if (entry.parentPolicy === 'archive') {
    const members = archive.members(island);
    if (members.length > 0) {
      parent = sampleParent(members, rng, deps.config.sampler, session.curiosity, session.direction).entry;
    }
  }
  const parentId = parent?.id ?? session.seed.id;

  let inspirationIds: string[] = [];
  const k = deps.config.sampler.inspirations;
  if (parent && k > 0 && entry.parentPolicy === 'archive' && parent.cell !== null) {
    inspirationIds = sampleInspirations(archive, parent, k, rng).map((e) => e.id);
  }
  if (entry.operator.needsInspirations && inspirationIds.length === 0 && parent) {
    // Before the archive has cells (warm-up) there are no neighbours: any other member will do.
    const others = archive.members(island).filter((m) => m.id !== parent!.id);
    inspirationIds = rng.shuffle(others).slice(0, Math.max(1, k)).map((e) => e.id);
  }

  const seq = state.nextJobSeq;
  const job: JobRecord = {
    id: jobId(run.id, seq),
    runId: run.id,
    seq,
    status: 'pending',
    operator: operatorName,
    island,
    parentId,
    inspirationIds,
    seed: rng.nextUint32(),
    attempts: 0,
    individualId: null,
    error: null,
    costs: { wallMs: 0, cpuSeconds: 0, tokensIn: 0, tokensOut: 0, usd: 0 },
    createdAt: new Date(deps.clock.now()),
    startedAt: null,
    finishedAt: null,
  };
  state.nextJobSeq = seq + 1;
  state.rng = rng.state();
  const events: LedgerEvent[] = [
    { type: 'job_scheduled', runId: run.id, jobId: job.id, operator: operatorName, island, parentId },
  ];
  await deps.store.transaction(async (tx) => {
    await tx.jobs.insert(job);
    await tx.runs.update(run.id, { loopState: { ...state }, updatedAt: new Date(deps.clock.now()) });
    await tx.ledger.append(run.id, events);
  });
  session.inFlight++;
  deps.bus.publish(events);
  return job;
}
