import type { BenchContext } from '../context.ts';
import { runLoad, type LoadResult } from '../load.ts';
import { cpuTimeMicros, waitForIdle } from '../proc.ts';

export interface ThroughputRun extends LoadResult {
  /** Server CPU (user + system) per 2xx answer during the run, in µs. */
  cpuMicrosPerRequest: number;
}

/** Saturated throughput: `throughputConnections` connections for `throughputSeconds`, `runs` times (or `runs` given). */
export async function saturatedThroughput(
  ctx: BenchContext,
  target: { url: string; pid: number },
  body: string,
  runs = ctx.settings.runs,
): Promise<ThroughputRun[]> {
  const out: ThroughputRun[] = [];
  for (let r = 0; r < runs; r++) {
    const before = cpuTimeMicros(target.pid);
    const load = await runLoad({
      url: target.url,
      body,
      headers: ctx.authHeaders,
      connections: ctx.settings.throughputConnections,
      durationS: ctx.settings.throughputSeconds,
    });
    // The last requests of a timed run are abandoned by the client but finished by the server.
    await waitForIdle(target.pid);
    out.push({ ...load, cpuMicrosPerRequest: load.ok ? (cpuTimeMicros(target.pid) - before) / load.ok : Number.NaN });
  }
  return out;
}
