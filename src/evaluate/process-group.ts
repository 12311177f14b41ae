// Reads the members of a process group from /proc (Linux): who to signal one by one, and the CPU
// time the live tree has used so far (its own plus what it already waited for).
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports /proc times in USER_HZ ticks, fixed at 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export interface GroupMember {
  pid: number;
  /** utime + stime + cutime + cstime, in seconds. */
  cpuSeconds: number;
}

/** Live processes whose process group is `pgid`; empty where /proc is unavailable. */
export function processGroupMembers(pgid: number): GroupMember[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // The command name is in parentheses and may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    members.push({ pid: Number(entry), cpuSeconds: ticks / TICKS_PER_SECOND });
  }
  return members;
}

/** Sends `signal` to every member of the group except `except` (ESRCH ignored). */
export function signalGroupMembers(members: GroupMember[], signal: NodeJS.Signals, except: number): void {
  for (const { pid } of members) {
    if (pid === except) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
