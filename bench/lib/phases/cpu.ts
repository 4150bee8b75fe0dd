import type { BenchContext } from '../context.ts';
import type { GatewayProcess } from '../gateway.ts';
import { runLoad } from '../load.ts';

export interface CpuRun {
  requests: number;
  jobs: number;
  cpuMicros: number;
  microsPerJob: number;
  /** Monotonic-clock window of the run in µs (process.hrtime), to cut a CPU profile to it. */
  window: { fromMicros: number; toMicros: number };
}

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Gateway CPU (user + system, from /proc) for a fixed number of `jobsPerQuery`-job queries
 * sent over a few connections, divided by the jobs asked.
 */
export async function cpuPerJob(ctx: BenchContext, gateway: GatewayProcess, body: string, jobsPerQuery: number, connections = 4): Promise<CpuRun> {
  const fromMicros = nowMicros();
  const before = gateway.cpuMicros();
  const result = await runLoad({ url: gateway.url, body, headers: ctx.authHeaders, connections, amount: ctx.settings.cpuRequests });
  const cpuMicros = gateway.cpuMicros() - before;
  const toMicros = nowMicros();
  const jobs = result.ok * jobsPerQuery;
  return { requests: result.ok, jobs, cpuMicros, microsPerJob: jobs ? cpuMicros / jobs : Number.NaN, window: { fromMicros, toMicros } };
}
