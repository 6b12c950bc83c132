/** Peak resident memory of a process and all its descendants, sampled from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === null) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by each named process tree (live processes only). */
export function treeCpuSeconds(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, descendantsOf(pid).reduce((sum, p) => sum + cpuTicks(p), 0) / CLOCK_TICKS_PER_SECOND]));
}

/** Current RSS of a process tree, in bytes. */
export function treeRss(pid: number): number {
  return descendantsOf(pid).reduce((sum, p) => sum + rssBytes(p), 0);
}

export interface RssSampler {
  /** Peak per named process tree and of their sum, in bytes, since start or the last reset. */
  peaks(): Record<string, number> & { total: number };
  reset(): void;
  stop(): void;
}

/** Samples each named process tree every `intervalMs`; the total is the peak of the simultaneous sum. */
export function sampleRss(pids: Record<string, number>, intervalMs = 250): RssSampler {
  let peaks: Record<string, number> = {};
  let total = 0;
  const sample = (): void => {
    let sum = 0;
    for (const [name, pid] of Object.entries(pids)) {
      const rss = treeRss(pid);
      sum += rss;
      peaks[name] = Math.max(peaks[name] ?? 0, rss);
    }
    total = Math.max(total, sum);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peaks: () => {
      sample();
      return { ...peaks, total };
    },
    reset: () => {
      peaks = {};
      total = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}
