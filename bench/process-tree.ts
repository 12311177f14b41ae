// Watches every descendant of one process through /proc while it runs: the largest resident set
// each process reached (VmHWM), the peak of the whole tree's summed RSS, and after it exits which of
// the processes it started are still alive. Linux only; public /proc files, nothing else.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { relative } from 'node:path';

export interface TreeProcess {
  pid: number;
  /** The parent it had when first seen. */
  parentPid: number;
  /** The kernel's name for it (`/proc/<pid>/comm`, 15 characters at most). */
  comm: string;
  /** Its command line, shortened by the monitor's `shorten` (and to at most 120 chars). */
  command: string;
  /** Field 22 of /proc/<pid>/stat: with the pid, identifies the process (pids are reused). */
  startTime: string;
  /** Largest VmHWM (or VmRSS) read while it lived, in KiB. */
  peakKb: number;
}

export interface TreeReport {
  processes: TreeProcess[];
  /** Largest sum of VmRSS over the tree at one poll, in KiB. */
  treePeakKb: number;
  polls: number;
}

interface Status {
  comm: string;
  state: string;
  hwmKb: number;
  rssKb: number;
}

const buffer = Buffer.alloc(1 << 16);

/** One small /proc file, read with one open/read/close (readFileSync costs more: polls are frequent). */
function readText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null; // the process (or thread) has just gone
  }
  try {
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const STATUS_FIELDS = /^(Name|State|VmHWM|VmRSS):\s*(\S*)/gm;

function readStatus(pid: number): Status | null {
  const text = readText(`/proc/${pid}/status`);
  if (text === null) return null;
  const status: Status = { comm: '', state: '', hwmKb: 0, rssKb: 0 };
  for (const [, name, value = ''] of text.matchAll(STATUS_FIELDS)) {
    if (name === 'Name') status.comm = value;
    else if (name === 'State') status.state = value;
    else if (name === 'VmHWM') status.hwmKb = Number(value);
    else status.rssKb = Number(value);
  }
  return status;
}

/** starttime (field 22) of /proc/<pid>/stat; the fields after the parenthesised comm are space-separated. */
export function startTimeOf(pid: number): string | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function stateOf(pid: number): string | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : (text.slice(text.lastIndexOf(')') + 2).split(' ')[0] ?? null);
}

/**
 * Direct children of `pid`. A child belongs to the thread that forked it; Node forks from its main
 * thread (libuv spawns on the loop's thread), so `allThreads` — ten files for a Node process
 * instead of one — is only needed now and then, to be sure nothing escapes.
 */
function childrenOf(pid: number, allThreads: boolean): number[] {
  let tasks: string[] = [String(pid)];
  if (allThreads) {
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  }
  const children: number[] = [];
  for (const tid of tasks) {
    const text = readText(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const child of text.trim().split(/\s+/)) if (child) children.push(Number(child));
  }
  return children;
}

function commandOf(pid: number, shorten: (arg: string) => string): string {
  const raw = readText(`/proc/${pid}/cmdline`) ?? '';
  const args = raw.split('\0').filter(Boolean);
  if (args.length > 0 && args[0] === process.execPath) args[0] = 'node';
  const shortened = args.map(shorten).join(' ');
  return shortened.length > 120 ? `${shortened.slice(0, 117)}...` : shortened;
}

/** Makes paths under `root` relative and replaces `placeholder`'s path (e.g. a temp repo) by its name. */
export function pathShortener(root: string, placeholders: Record<string, string> = {}): (arg: string) => string {
  return (arg) => {
    let out = arg;
    for (const [path, name] of Object.entries(placeholders)) out = out.split(path).join(name);
    return out.startsWith(root) ? relative(root, out) || '.' : out;
  };
}

/** Every this many polls, the children of every thread are read, not only the main thread's. */
const THREAD_SCAN_EVERY = 25;

/**
 * Polls the tree under `rootPid` (the root itself excluded: it is the measuring shell) every
 * `intervalMs` with synchronous reads: two small files per process (~30 µs), so a poll of a
 * run's half-dozen processes costs ~0.2 ms, ~1% of a core at 20 ms.
 */
export class ProcessTreeMonitor {
  private readonly seen = new Map<number, TreeProcess>();
  /** Pids whose command line may still change (read between fork and exec, or while exiting). */
  private readonly unsettled = new Set<number>();
  private treePeakKb = 0;
  private polls = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rootPid: number,
    private readonly shorten: (arg: string) => string,
  ) {}

  start(intervalMs: number): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  /** Every process seen so far. */
  seenProcesses(): TreeProcess[] {
    return [...this.seen.values()];
  }

  /** Stops polling (after one last poll) and returns what was seen. */
  stop(): TreeReport {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll(true);
    return { processes: [...this.seen.values()], treePeakKb: this.treePeakKb, polls: this.polls };
  }

  poll(allThreads = this.polls % THREAD_SCAN_EVERY === 0): void {
    this.polls++;
    let treeKb = 0;
    const pending = childrenOf(this.rootPid, allThreads).map((pid) => [pid, this.rootPid] as const);
    const visited = new Set<number>();
    while (pending.length > 0) {
      const [pid, parentPid] = pending.pop()!;
      if (visited.has(pid)) continue;
      visited.add(pid);
      const status = readStatus(pid);
      if (status === null) continue;
      let known = this.seen.get(pid);
      if (known === undefined) {
        const startTime = startTimeOf(pid);
        if (startTime === null) continue;
        known = { pid, parentPid, comm: status.comm, command: commandOf(pid, this.shorten), startTime, peakKb: 0 };
        this.seen.set(pid, known);
        this.unsettled.add(pid);
      } else if (this.unsettled.has(pid) || known.comm !== status.comm) {
        // A child read between fork and exec shows its parent's command line (and node → node
        // keeps its comm): read it again until two polls agree.
        const command = commandOf(pid, this.shorten);
        if (command !== '' && command === known.command) this.unsettled.delete(pid);
        known.comm = status.comm;
        if (command !== '') known.command = command;
      }
      known.peakKb = Math.max(known.peakKb, status.hwmKb, status.rssKb);
      treeKb += status.rssKb;
      for (const child of childrenOf(pid, allThreads)) pending.push([child, pid]);
    }
    this.treePeakKb = Math.max(this.treePeakKb, treeKb);
  }
}

/** The processes of `report` that still exist (same pid and start time) and are not zombies. */
export function stillAlive(processes: readonly TreeProcess[]): TreeProcess[] {
  return processes.filter((p) => {
    const state = stateOf(p.pid);
    return state !== null && state !== 'Z' && state !== 'X' && startTimeOf(p.pid) === p.startTime;
  });
}

/**
 * Pids of live processes whose environment holds `marker` (NAME=value), for processes that left
 * the tree between two polls (a double fork). Processes started with a scrubbed environment (the
 * sandboxed evaluator) do not carry it; the pid list covers those.
 */
export function pidsWithEnvMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = readText(`/proc/${entry}/environ`);
    if (environ !== null && environ.split('\0').includes(marker)) {
      const state = stateOf(Number(entry));
      if (state !== null && state !== 'Z' && state !== 'X') pids.push(Number(entry));
    }
  }
  return pids;
}
