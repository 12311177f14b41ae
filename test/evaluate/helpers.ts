// Shared by the evaluator tests: unique markers to find a test's processes in /proc, and a check
// that none of them outlived the run.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function uniqueMarker(): string {
  return `cambrian-marker-${randomUUID()}`;
}

/** Pids of live processes whose argv contains `marker` (zombies have an empty cmdline). */
export function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Waits briefly for the kernel to finish killing, then returns survivors (and kills them). */
export async function survivors(marker: string): Promise<number[]> {
  for (let i = 0; i < 20; i++) {
    if (processesWithMarker(marker).length === 0) return [];
    await sleep(50);
  }
  const left = processesWithMarker(marker);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left;
}
