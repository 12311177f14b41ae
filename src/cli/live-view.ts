// What `cambrian run` shows while it works: on a TTY a redrawn progress line (evaluations / budget,
// best and its gain over the seed, evaluations per second, failures, elites per island); elsewhere
// a plain line every few seconds and on each improvement; with --json every ledger event as a line.
import type { LedgerEvent } from '../ledger/events.ts';
import type { EventBus } from '../evolution/event-bus.ts';
import { formatFitness } from './common.ts';

export type ViewMode = 'tty' | 'plain' | 'json';

export interface LiveView {
  stop(): void;
}

interface Tally {
  evaluations: number;
  failures: number;
  rejected: number;
  best: number | null;
  seed: number | null;
  elitesByIsland: Map<number, number>;
  startedAt: number;
  startEvaluations: number | null;
}

export function startLiveView(bus: EventBus, mode: ViewMode, budget: number | null, out: NodeJS.WriteStream = process.stderr): LiveView {
  const tally: Tally = {
    evaluations: 0,
    failures: 0,
    rejected: 0,
    best: null,
    seed: null,
    elitesByIsland: new Map(),
    startedAt: Date.now(),
    startEvaluations: null,
  };
  let lastPlain = 0;
  const unsubscribe = bus.subscribe((event) => {
    if (mode === 'json') {
      process.stdout.write(JSON.stringify(event) + '\n');
      return;
    }
    const improved = update(tally, event);
    if (mode === 'plain' && (improved || Date.now() - lastPlain > 5000 || event.type === 'run_finished')) {
      lastPlain = Date.now();
      out.write(summaryLine(tally, budget) + '\n');
    }
  });
  const timer = mode === 'tty' ? setInterval(() => out.write(`\r\u001b[2K${progressBar(tally, budget)} ${summaryLine(tally, budget)}`), 200) : null;
  return {
    stop() {
      unsubscribe();
      if (timer) {
        clearInterval(timer);
        out.write(`\r\u001b[2K${progressBar(tally, budget)} ${summaryLine(tally, budget)}\n`);
      }
    },
  };
}

function update(tally: Tally, event: LedgerEvent): boolean {
  switch (event.type) {
    case 'run_resumed':
      tally.evaluations = event.evaluations;
      return false;
    case 'evaluation_finished':
      if (event.outcome === 'ok' || event.outcome === 'candidate_failed') tally.evaluations++;
      if (tally.startEvaluations === null) tally.startEvaluations = tally.evaluations - 1;
      if (event.outcome !== 'ok') tally.failures++;
      if (tally.seed === null && event.fitness !== null && event.individualId.endsWith('-i0')) tally.seed = event.fitness;
      return false;
    case 'job_failed':
      tally.rejected++;
      return false;
    case 'best_improved':
      tally.best = event.fitness;
      if (tally.seed === null && event.previousFitness === null) tally.seed = event.fitness;
      return true;
    case 'elite_replaced':
      // A new cell when nobody held it; a replacement keeps the count.
      if (event.previousId === null) tally.elitesByIsland.set(event.island, (tally.elitesByIsland.get(event.island) ?? 0) + 1);
      return false;
    case 'archive_refit':
      tally.elitesByIsland = new Map(event.elitesPerIsland.map((n, island) => [island, n]));
      return false;
    default:
      return false;
  }
}

function progressBar(tally: Tally, budget: number | null): string {
  const width = 24;
  const filled = budget ? Math.min(width, Math.round((tally.evaluations / budget) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function summaryLine(tally: Tally, budget: number | null): string {
  const seconds = (Date.now() - tally.startedAt) / 1000;
  const done = tally.evaluations - (tally.startEvaluations ?? 0);
  const rate = seconds > 0 ? done / seconds : 0;
  const gain =
    tally.best !== null && tally.seed !== null && tally.seed !== 0
      ? ` (${tally.best >= tally.seed ? '+' : ''}${(((tally.best - tally.seed) / Math.abs(tally.seed)) * 100).toFixed(1)}% vs seed ${formatFitness(tally.seed)})`
      : '';
  const islands = [...tally.elitesByIsland.entries()].sort(([a], [b]) => a - b).map(([, cells]) => cells);
  return [
    `${tally.evaluations}${budget ? `/${budget}` : ''} evals`,
    `best ${formatFitness(tally.best)}${gain}`,
    `${rate.toFixed(1)} evals/s`,
    `failures ${tally.failures}`,
    `rejected ${tally.rejected}`,
    islands.length > 0 ? `elites/island ${islands.join('/')}` : 'archive warming up',
  ].join(' | ');
}
