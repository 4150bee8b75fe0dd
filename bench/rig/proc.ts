import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout the bench belongs to: what every child process runs from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Kernel clock ticks per second for /proc/<pid>/stat times (usually 100). */
const CLOCK_TICKS = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time a process (or its thread `tid`; `pid`: the main one) has used so far, in µs (from /proc, tick resolution). */
export function cpuTimeMicros(pid: number, tid?: number): number {
  const stat = readFileSync(`/proc/${pid}${tid === undefined ? '' : `/task/${tid}`}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS; // utime + stime
}

/** A memory figure of a process in bytes from /proc/<pid>/status: VmRSS (resident), VmHWM (its high-water). */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (!match) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export const rssBytes = (pid: number): number => statusBytes(pid, 'VmRSS');

/** A fresh folder under the OS temp directory, its name starting with `prefix` (never in the checkout). */
export const scratchDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until `pid` uses under 10 % of a core over 250 ms, `maxMs` at most: a load generator
 * abandons its last requests, but the gateway still finishes them.
 */
export async function waitForIdle(pid: number, maxMs = 30_000): Promise<number> {
  const [busyPercent, windowMs] = [10, 250];
  const started = Date.now();
  for (;;) {
    const before = cpuTimeMicros(pid);
    await sleep(windowMs);
    const used = cpuTimeMicros(pid) - before;
    if (used <= windowMs * 10 * busyPercent || Date.now() - started > maxMs)
      return Date.now() - started;
  }
}
