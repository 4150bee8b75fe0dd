/** `npm run bench:cpu`'s phases: the warm-up, and the rounds of CPU per job and of the 100-job p50. */
import autocannon from 'autocannon';
import { withLatency, type BenchContext } from './context.ts';
import { delta } from '../rig/emulators.ts';
import type { GatewayProcess } from '../rig/gateway.ts';
import type { IdKind } from './ids.ts';
import type { CPU_KINDS } from './settings.ts';
import { callsOf } from './floor.ts';
import { int } from './settings.ts';
import { cpuTimeMicros, sleep, waitForIdle } from '../rig/proc.ts';
import type { Log } from '../rig/stack.ts';
import { jobsBody, post } from './queries.ts';

type CpuRun = Awaited<ReturnType<typeof cpuPerJob>>;
type Runs = Record<IdKind, Record<string, number[]>>;
const noRuns = (): Runs => ({ finished: {}, missing: {}, running: {}, known: {} });

/**
 * A warning when a run's calls are not its jobs' (retried, or some not asked): not the work
 * compared. Down to one call fewer a query is the same work (one DescribeJobs may carry concurrent
 * queries' jobs).
 */
function warnOddCalls(log: Log, server: string, run: CpuRun): void {
  const fewest = run.expectedCalls < run.jobs ? run.expectedCalls - run.requests + 1 : run.jobs;
  if (run.upstreamCalls > run.expectedCalls || run.upstreamCalls < fewest)
    log(`WARNING: ${server}: a CPU run's odd calls: ${run.upstreamCalls}/${run.expectedCalls}`);
}

/** A 100-job query of fresh IDs of `kind`, the providers of the job mix in turn; `known`: the same one each time (the warm-up asks it first). */
const freshHundred = (ctx: BenchContext, kind: IdKind): string =>
  kind === 'known'
    ? (knownQuery ??= freshHundred(ctx, 'finished'))
    : jobsBody(ctx.unknownIds.take(100, kind, ctx.settings.providers));
let knownQuery: string | undefined;

/** `amount` such queries to `url` over `connections` connections (autocannon): the 2xx answers. */
async function loadFresh(
  ctx: BenchContext,
  url: string,
  kind: IdKind,
  amount: number,
  timeoutS = 120,
  connections = kind === 'known' ? 1 : 4, // the same query on 4 at once would share its calls
) {
  const { origin, pathname: path } = new URL(url);
  const headers = { 'content-type': 'application/json', ...ctx.authHeaders };
  const setupRequest = (req: autocannon.Request) => ({ ...req, body: freshHundred(ctx, kind) });
  const request = { method: 'POST' as const, path, headers, setupRequest };
  // autocannon refuses more connections than requests (BENCH_CPU_REQUESTS may be 1–3).
  const options = { url: origin + path, connections: Math.min(connections, amount), amount };
  const result = await autocannon({ ...options, timeout: timeoutS, requests: [request] });
  return { ok: result['2xx'] };
}

/** A server the bench loads: a jobgraph gateway or the SDK peer. */
type Target = Pick<GatewayProcess, 'url' | 'pid' | 'cpuMicros'>;

/** How long a CPU window stays open after its last answer: the history's group commit (1 s) and a margin. */
const AFTER_WORK_MS = int('BENCH_AFTER_WORK_MS', 1100, 0, 60_000);

/** Server CPU per job, `cpuRequests` fresh 100-job queries; calls made and expected (`callsOf`). */
async function cpuPerJob(ctx: BenchContext, target: Target, kind: IdKind) {
  await waitForIdle(target.pid);
  const calls = await ctx.emulators.counters();
  const [before, mainBefore] = [target.cpuMicros(), cpuTimeMicros(target.pid, target.pid)];
  const result = await loadFresh(ctx, target.url, kind, ctx.settings.cpuRequests);
  // Work a job leaves behind is the job's: the history writer commits a batch at most a second
  // after its first change (src/history/writer.ts), so the window stays open past that, then
  // until the process is idle — for every server alike.
  await sleep(AFTER_WORK_MS);
  await waitForIdle(target.pid);
  const cpuMicros = target.cpuMicros() - before;
  // The main thread's part; the rest, V8's helper threads (GC, compiling) and libuv's: where a gap is.
  const mainMicros = cpuTimeMicros(target.pid, target.pid) - mainBefore;
  const upstreamCalls = delta(calls, await ctx.emulators.counters(), 'calls');
  const jobs = result.ok * 100;
  const perQuery = callsOf(ctx.unknownIds.take(100, kind, ctx.settings.providers)).length;
  return {
    requests: result.ok,
    jobs,
    cpuMicros,
    microsPerJob: jobs ? cpuMicros / jobs : Number.NaN,
    mainMicrosPerJob: jobs ? mainMicros / jobs : Number.NaN,
    upstreamCalls,
    expectedCalls: result.ok * perQuery,
  };
}

/** What the SDK peer gets after its warm-up: enough fresh queries for its code to be optimised (it keeps no state a longer run would fill). */
export const PEER_STEADY_QUERIES = 20;

/**
 * A warm-up: fresh queries at the slow latency, filling each provider's socket pool
 * (`warmUpInFlight` in flight), then `steady` fresh 100-job queries
 * (the steady state of bench/DECISIONS.md, 2026-11-23); returns once the server is idle.
 */
export async function warmUp(ctx: BenchContext, target: Target, steady: number): Promise<void> {
  const inFlight = ctx.settings.warmUpInFlight;
  await withLatency(ctx, ctx.settings.slowLatencyMs, async () => {
    for (const [kind, amount, connections] of [
      ['finished', Math.max(40, inFlight), inFlight],
      ['missing', 4, 4],
      ['running', 4, 4],
      ['known', 1, 1],
    ] as const)
      await loadFresh(ctx, target.url, kind, amount, 120, connections);
  });
  if (steady > 0) await loadFresh(ctx, target.url, 'finished', steady, 300);
  await waitForIdle(target.pid);
}

/** A server of the CPU and latency rounds, by its label in the reports. */
export type Labelled = Target & { label: string };

/**
 * CPU per job and (`main`) the servers' main threads' alone, `cpuRuns` rounds: the floor first (its
 * runs under `floor`), then the servers in an order rotated by one, so a drifting machine moves them alike.
 */
export async function cpuRounds(
  ctx: BenchContext,
  kinds: readonly (typeof CPU_KINDS)[number][],
  servers: readonly Labelled[],
  floor: boolean,
) {
  const [cpu, main] = [noRuns(), noRuns()];
  for (let r = 0; r < ctx.settings.cpuRuns; r++) {
    for (const kind of kinds) {
      const runs = cpu[kind];
      if (floor) (runs.floor ??= []).push(await ctx.floorCpu(kind));
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(i + r) % servers.length] as Labelled;
        const run = await cpuPerJob(ctx, s, kind);
        warnOddCalls(ctx.log, `${s.label} ${kind}`, run);
        (runs[s.label] ??= []).push(run.microsPerJob);
        (main[kind][s.label] ??= []).push(run.mainMicrosPerJob);
      }
    }
    const last = ([label, xs]: [string, number[]]) => `${label} ${(xs.at(-1) ?? 0).toFixed(0)}`;
    const lasts = kinds.map((k) => `${k} ${Object.entries(cpu[k]).map(last).join(' ')}`);
    ctx.log(`round ${r + 1}: ${lasts.join(' | ')}`);
  }
  return { cpu, main };
}

/** The 100-job (80 distinct) query's wall ms on each server at the slow upstream latency, in rotated turns. */
export async function latencyRounds(ctx: BenchContext, servers: readonly Labelled[]) {
  const { slowLatencyMs, latencyPairs } = ctx.settings;
  ctx.log(`100-job (80 distinct) p50 at ${slowLatencyMs} ms upstream`);
  const latency: Record<string, number[]> = {};
  await withLatency(ctx, slowLatencyMs, async () => {
    for (let i = 0; i < latencyPairs * 2; i++)
      for (let j = 0; j < servers.length; j++) {
        const s = servers[(i + j) % servers.length] as Labelled;
        // The peer has no auth (bench/README.md): it ignores the bearer token. Throws unless the
        // query answered 200 with no GraphQL errors.
        // 100 IDs naming 80 distinct fresh jobs: 16 per provider, the first 20 asked twice.
        const distinct = ctx.unknownIds.mix(16, 'finished');
        const [body, t0] = [jobsBody([...distinct, ...distinct.slice(0, 20)]), performance.now()];
        await post(s.url, body, ctx.authHeaders, 'latency query');
        (latency[s.label] ??= []).push(performance.now() - t0);
      }
  });
  return latency;
}
