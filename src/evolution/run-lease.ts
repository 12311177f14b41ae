// The lease of the scheduler driving a run (ADR 0017): taken when a session starts, renewed by a
// heartbeat, released when it ends. A second scheduler is refused while the lease is live and takes
// it over once it has expired (its holder was killed). On the embedded store, which one process
// holds at a time, the lease is always free: it costs one statement per heartbeat.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CambrianError } from '../errors.ts';
import type { LeaseClaim, RunLeaseHolder, RunRepo } from '../store/port.ts';

/** How long a lease lives without a heartbeat: a killed scheduler's run is free again after this. */
export const RUN_LEASE_TTL_MS = 60_000;

export function leaseClaim(ttlMs: number = RUN_LEASE_TTL_MS): LeaseClaim {
  return { token: randomUUID(), host: hostname(), pid: process.pid, ttlMs };
}

/** Same host and no such process: the holder was killed without releasing its lease. */
function isDeadHere(holder: RunLeaseHolder): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function describeHolder(holder: RunLeaseHolder): string {
  return `${holder.host} pid ${holder.pid} since ${holder.since.toISOString()}`;
}

/**
 * Takes the lease or throws CAMBRIAN_RUN_LEASED naming its holder. A holder that provably cannot be
 * driving the run is replaced at once instead of after its lease expires: on the embedded store
 * (`exclusiveStore`: the folder lock already makes this process the only one) any holder, and on a
 * server a holder on this host whose pid is gone (killed).
 */
export async function acquireRunLease(
  runs: Pick<RunRepo, 'acquireLease'>,
  runId: string,
  claim: LeaseClaim,
  options: { exclusiveStore?: boolean } = {},
): Promise<void> {
  let result = await runs.acquireLease(runId, claim);
  if (!result.acquired && (options.exclusiveStore === true || isDeadHere(result.holder))) {
    // Names the dead holder's token: if someone else took the lease meanwhile, this is refused.
    result = await runs.acquireLease(runId, claim, { replacing: result.holder.token });
  }
  if (result.acquired) return;
  const { holder } = result;
  throw new CambrianError('CAMBRIAN_RUN_LEASED', `run ${runId} is being driven by another scheduler (${describeHolder(holder)}; its lease runs until ${holder.expiresAt.toISOString()})`, {
    hint: `wait for it to finish or stop it (Ctrl-C on ${holder.host}), or start a separate run with \`cambrian run --new\`; if that process was killed, its lease expires within ${Math.ceil(RUN_LEASE_TTL_MS / 1000)} s and the run can be resumed then`,
  });
}

/** Renews a held lease every ttlMs / 3 until stopped; `lost` turns true once another may hold it. */
export class RunLeaseHeartbeat {
  lost = false;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();
  private lastRenewedAt = Date.now();

  constructor(
    private readonly runs: Pick<RunRepo, 'renewLease' | 'releaseLease'>,
    private readonly runId: string,
    private readonly claim: LeaseClaim,
    private readonly onLost: (reason: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, Math.max(1, Math.floor(this.claim.ttlMs / 3)));
    // A process that forgets to stop the heartbeat still exits.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    try {
      if (await this.runs.renewLease(this.runId, this.claim)) {
        this.lastRenewedAt = Date.now();
        return;
      }
      this.markLost(`the lease on run ${this.runId} was taken over by another scheduler`);
    } catch (error) {
      // A database hiccup is retried at the next beat, until the lease may have expired.
      if (Date.now() - this.lastRenewedAt >= this.claim.ttlMs) {
        this.markLost(`the lease on run ${this.runId} could not be renewed for ${this.claim.ttlMs} ms: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private markLost(reason: string): void {
    this.lost = true;
    this.onLost(reason);
  }

  /** Stops renewing and gives the lease up (unless it was lost). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
    if (!this.lost) await this.runs.releaseLease(this.runId, this.claim.token);
  }
}
