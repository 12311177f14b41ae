// The failed attempts an operator's prompt shows for a parent (its own failure, then its newest
// failed children), kept in memory: ingest adds each candidate_failed evaluation as it commits, and
// the store is read only the first time a parent is asked about in this session (it used to cost
// one to four statements per job). Bounded, least recently used first out.
import type { FailureNote } from '../operators/port.ts';
import type { EvaluationRecord, IndividualRecord, Store } from '../store/port.ts';

/** Failed evaluations shown to operators (the parent's own, then its failed children). */
export const FAILURES_IN_PROMPT = 3;
/** Parents (and failed individuals) remembered. */
const CAPACITY = 4_096;

export class FailureNotes {
  /** Newest first, at most FAILURES_IN_PROMPT, for parents loaded from the store or seen since. */
  private readonly children = new Map<string, FailureNote[]>();
  private readonly own = new Map<string, FailureNote>();
  /** Failures recorded while their parent's list was being read from the store (merged after). */
  private readonly arrivedDuringLoad = new Map<string, FailureNote[]>();

  constructor(private readonly store: Store) {}

  /** What to show for `parent`: its own failure first (what llm-repair repairs), then its children's. */
  async forParent(parent: IndividualRecord): Promise<FailureNote[]> {
    const notes: FailureNote[] = [];
    if (parent.outcome === 'candidate_failed') {
      const own = this.own.get(parent.id) ?? (await this.loadOwn(parent));
      if (own) notes.push(own);
    }
    let children = this.children.get(parent.id);
    if (children === undefined) children = await this.loadChildren(parent.id);
    else touch(this.children, parent.id, children);
    return [...notes, ...children].slice(0, FAILURES_IN_PROMPT);
  }

  /** Ingest calls this once the evaluation is committed. */
  record(individual: IndividualRecord, evaluation: EvaluationRecord): void {
    if (evaluation.outcome !== 'candidate_failed') return;
    const note = noteOf(individual, evaluation);
    remember(this.own, individual.id, note);
    if (individual.parentId === null) return;
    this.arrivedDuringLoad.get(individual.parentId)?.push(note);
    const siblings = this.children.get(individual.parentId);
    // A parent not yet loaded reads this failure from the store when first asked about.
    if (siblings !== undefined) siblings.splice(0, siblings.length, ...merged([note], siblings));
  }

  private async loadOwn(individual: IndividualRecord): Promise<FailureNote | null> {
    const evaluation = (await this.store.evaluations.listByIndividual(individual.id)).at(-1);
    if (!evaluation || evaluation.outcome !== 'candidate_failed') return null;
    const note = noteOf(individual, evaluation);
    remember(this.own, individual.id, note);
    return note;
  }

  private async loadChildren(parentId: string): Promise<FailureNote[]> {
    // A failure ingested while this read is under way may or may not be in what it returns: it is
    // collected meanwhile and merged in, so the cached list never misses one.
    const arrived: FailureNote[] = [];
    this.arrivedDuringLoad.set(parentId, arrived);
    let notes: FailureNote[] = [];
    try {
      for (const child of await this.store.individuals.failedChildren(parentId, FAILURES_IN_PROMPT)) {
        const note = this.own.get(child.id) ?? (await this.loadOwn(child));
        if (note) notes.push(note);
      }
    } finally {
      this.arrivedDuringLoad.delete(parentId);
    }
    notes = merged(arrived.reverse(), notes);
    remember(this.children, parentId, notes);
    return notes;
  }
}

/** `newer` (newest first) ahead of `older`, without repeats, at most FAILURES_IN_PROMPT. */
function merged(newer: readonly FailureNote[], older: readonly FailureNote[]): FailureNote[] {
  const seen = new Set<string>();
  const out: FailureNote[] = [];
  for (const note of [...newer, ...older]) {
    if (seen.has(note.individualId)) continue;
    seen.add(note.individualId);
    out.push(note);
  }
  return out.slice(0, FAILURES_IN_PROMPT);
}

function noteOf(individual: IndividualRecord, evaluation: EvaluationRecord): FailureNote {
  const stage = evaluation.stages.at(-1);
  return {
    individualId: individual.id,
    operator: individual.operator,
    reason: evaluation.reason ?? 'failed',
    stderrTail: (stage?.stderr || stage?.stdout || '').slice(-2000),
  };
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CAPACITY) map.delete(map.keys().next().value as string);
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}
