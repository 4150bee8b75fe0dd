/** Every per-gateway measurement of `npm run bench`, and the CPU and latency rounds `npm run bench:cpu` shares with it. */
import type { ChildServer } from '../rig/childServer.ts';
import { times, withLatency, type BenchContext } from './context.ts';
import type { Fixtures } from './fixtures.ts';
import { delta } from '../rig/emulators.ts';
import type { GatewayOptions, GatewayProcess } from '../rig/gateway.ts';
import type { IdKind } from './ids.ts';
import type { CPU_KINDS } from './settings.ts';
import { callsOf } from './floor.ts';
import { runLoad } from '../rig/load.ts';
import { int } from './settings.ts';
import { callerFairness, FAIRNESS_LATENCY_MS } from './phases/fairness.ts';
import { idleRss, rssUnderLoad } from './phases/memory.ts';
import { sleep, waitForIdle } from '../rig/proc.ts';
import type { Log } from '../rig/stack.ts';
import { jobBody, jobsBody, post } from './queries.ts';

export type CpuRun = Awaited<ReturnType<typeof cpuPerJob>>;

/**
 * A run whose calls are not its jobs' (retried, or some not asked): not the work compared. Down to
 * one call fewer a query is the same work: one DescribeJobs may carry concurrent queries' jobs.
 */
function oddCalls(run: CpuRun): boolean {
  const fewest = run.expectedCalls < run.jobs ? run.expectedCalls - run.requests + 1 : run.jobs;
  return run.upstreamCalls > run.expectedCalls || run.upstreamCalls < fewest;
}

/** A warning naming `server`'s odd runs (calls made / expected), if any. */
export function warnOddCalls(log: Log, server: string, runs: readonly CpuRun[]): void {
  const odd = runs.filter(oddCalls).map((x) => `${x.upstreamCalls}/${x.expectedCalls}`);
  if (odd.length)
    log(`WARNING: ${server}: ${odd.length} CPU run(s) with odd upstream calls: ${odd.join(', ')}`);
}

/** One checkout's figures (what each is: bench/README.md), as results.json keeps them. */
export type SideResult = Awaited<ReturnType<typeof measureSide>>;

/** 100 IDs naming 80 distinct fresh jobs of `kind`: 16 per provider, the first 20 asked twice. */
export function eightyOfHundred(ctx: BenchContext, kind: IdKind): string[] {
  const distinct = ctx.unknownIds.mix(16, kind);
  return [...distinct, ...distinct.slice(0, 20)];
}

/** A 100-job query of fresh IDs of `kind`, the providers of the job mix in turn. */
const freshHundred = (ctx: BenchContext, kind: IdKind) =>
  jobsBody(ctx.unknownIds.take(100, kind, ctx.settings.providers));

/** `amount` such queries to `url`, over `connections` connections. */
export const loadFresh = (
  ctx: BenchContext,
  url: string,
  kind: IdKind,
  amount: number,
  timeoutS = 120,
  connections = 4,
) => {
  const nextBody = () => freshHundred(ctx, kind);
  return runLoad({ url, nextBody, headers: ctx.authHeaders, connections, amount, timeoutS });
};

/** A server the bench loads: a jobgraph gateway or the SDK peer. */
type Target = Pick<GatewayProcess, 'url' | 'pid' | 'cpuMicros'>;

/** How long a CPU window stays open after its last answer: the history's group commit (1 s) and a margin. */
const AFTER_WORK_MS = int('BENCH_AFTER_WORK_MS', 1100, 0, 60_000);

/** Server CPU per job, `cpuRequests` fresh 100-job queries; calls made and expected (`callsOf`). */
export async function cpuPerJob(ctx: BenchContext, target: Target, kind: IdKind) {
  await waitForIdle(target.pid);
  const calls = await ctx.emulators.counters();
  const before = target.cpuMicros();
  const result = await loadFresh(ctx, target.url, kind, ctx.settings.cpuRequests);
  // Work a job leaves behind is the job's: the history writer commits a batch at most a second
  // after its first change (src/history/writer.ts), so the window stays open past that, then
  // until the process is idle — for every server alike.
  await sleep(AFTER_WORK_MS);
  await waitForIdle(target.pid);
  const cpuMicros = target.cpuMicros() - before;
  const upstreamCalls = delta(calls, await ctx.emulators.counters(), 'calls');
  const jobs = result.ok * 100;
  const perQuery = callsOf(ctx.unknownIds.take(100, kind, ctx.settings.providers)).length;
  return {
    requests: result.ok,
    jobs,
    cpuMicros,
    microsPerJob: jobs ? cpuMicros / jobs : Number.NaN,
    upstreamCalls,
    expectedCalls: result.ok * perQuery,
  };
}

/** One timed query; throws unless it answered 200 with no GraphQL errors. */
export async function timedQuery(ctx: BenchContext, url: string, body: string): Promise<number> {
  const t0 = performance.now();
  await post(url, body, ctx.authHeaders, 'latency query');
  return performance.now() - t0;
}

/** What the SDK peer gets after its warm-up: enough fresh queries for its code to be optimised (it keeps no state a longer run would fill). */
export const PEER_STEADY_QUERIES = 20;

/**
 * A warm-up: fresh queries at the slow latency, filling each provider's socket pool to what
 * later phases use (as many in flight as the memory phase), then `steady` fresh 100-job queries
 * (the steady state of bench/DECISIONS.md, 2026-11-23); returns once the server is idle.
 */
export async function warmUp(ctx: BenchContext, target: Target, steady: number): Promise<void> {
  const inFlight = Math.max(20, ctx.settings.memoryConnections);
  await withLatency(ctx, ctx.settings.slowLatencyMs, async () => {
    for (const [kind, amount, connections] of [
      ['finished', Math.max(40, inFlight), inFlight],
      ['missing', 4, 4],
      ['running', 4, 4],
    ] as const)
      await loadFresh(ctx, target.url, kind, amount, 120, connections);
  });
  if (steady > 0) await loadFresh(ctx, target.url, 'finished', steady, 300);
  await waitForIdle(target.pid);
}

/** Server CPU per request over `cachedRequests` 1-job queries at 10 connections (after a warm-up). */
export async function cpuPerRequest(ctx: BenchContext, target: Target, body: string) {
  const [headers, amount] = [ctx.authHeaders, ctx.settings.cachedRequests];
  const load = () => runLoad({ url: target.url, body, headers, connections: 10, amount });
  await load();
  await waitForIdle(target.pid);
  const before = target.cpuMicros();
  const result = await load();
  return (target.cpuMicros() - before) / Math.max(1, result.ok);
}

/** A gateway of the checkout measured, named `name` in the report (its settings kept for it). */
type Launch = (name: string, options?: LaunchOptions) => Promise<GatewayProcess>;
type LaunchOptions = Pick<GatewayOptions, 'extraEnv' | 'nodeArgs'>;

/** A server of the CPU and latency rounds, by its label in the reports. */
export type Labelled = Target & { label: string };

/** The checkout at `root`'s figures, the SDK peer beside its CPU and latency rounds. */
export async function measureSide(
  ctx: BenchContext,
  root: string,
  fixtures: Fixtures,
  peer?: ChildServer,
) {
  const { launch, gatewaySettings } = launcherOf(ctx, root);
  const { settings } = ctx;

  const main = await launch('uncached', { extraEnv: UNCACHED });
  const idleStartMb = await idleRss(main);
  ctx.log(`warm-up${peer ? ', and the peer' : ''}`);
  await warmUp(ctx, main, settings.steadyStateQueries);
  if (peer) await warmUp(ctx, peer, PEER_STEADY_QUERIES);

  // Figure 1 and the peer's: bench:cpu's rounds, before the count of connections starts (the
  // floor's and the peer's calls reach the same emulators).
  const servers: Labelled[] = [{ ...main, label: 'after' }];
  if (peer) servers.push({ ...peer, label: 'peer' });
  ctx.log(
    `CPU per job: ${settings.cpuRuns} rounds of the floor, ${peer ? 'the peer, ' : ''}jobgraph`,
  );
  const cpu = await cpuRounds(ctx, ['finished', 'missing'], servers, true);
  const p50 = await latencyRounds(ctx, servers);
  const afterWarmup = await ctx.emulators.counters();

  const latency = await latencyOf(ctx, main);
  const { memory, memoryFew } = await memoryOf(ctx, main);

  const afterLoad = await ctx.emulators.counters();
  const newConnections = delta(afterWarmup, afterLoad, 'connections');
  const callsAfterWarmup = delta(afterWarmup, afterLoad, 'calls');

  await waitForIdle(main.pid);
  const idleAfterMb = await idleRss(main);
  await main.stop();

  const fairness = await fairnessOf(ctx, launch);
  const cached = await cachedPath(ctx, launch, fixtures);
  return {
    ...{ root, idleStartMb, idleAfterMb, cpu, p50, latency, memory, memoryFew },
    ...{ newConnections, callsAfterWarmup, ...cached, fairness, gatewaySettings },
  };
}

/** Launches the gateways of the checkout at `root`, each one's settings kept for the report by name. */
function launcherOf(ctx: BenchContext, root: string) {
  const gatewaySettings: Record<string, Record<string, string>> = {};
  const launch: Launch = async (name, options = {}) => {
    const g = await ctx.gateway({ label: name, repoRoot: root, ...options });
    gatewaySettings[name] = g.settings;
    ctx.log(`${name} gateway pid ${g.pid}`);
    return g;
  };
  return { launch, gatewaySettings };
}

/** The gateways that measure fresh work: no cross-request cache. */
const UNCACHED = { JOBGRAPH_CACHE_MAX_ENTRIES: '0' };

/** Figure 5: RSS under fresh 100-job queries, all in flight and a few at a time. */
async function memoryOf(ctx: BenchContext, main: GatewayProcess) {
  const { memoryConnections: all, memoryFewConnections: few, runs } = ctx.settings;
  ctx.log(`memory, ${all} 100-job queries in flight`);
  const inFlight = (connections?: number) =>
    times(runs, () => rssUnderLoad(ctx, main, () => freshHundred(ctx, 'finished'), connections));
  const memory = await inFlight();
  ctx.log(`memory, the same ${all} queries with ${few} in flight at a time`);
  return { memory, memoryFew: await inFlight(few) };
}

/** Fairness (h) on a fresh gateway: after the overload before it a provider's breaker may stay open a while. */
async function fairnessOf(ctx: BenchContext, launch: Launch) {
  ctx.log('fairness (h)');
  const fair = await launch('fairness', { extraEnv: UNCACHED });
  const fairness = await callerFairness(ctx, fair);
  await fair.stop();
  if (fairness.alone.latencyMs.p50 < FAIRNESS_LATENCY_MS)
    ctx.log('WARNING: caller B answered faster than the upstream latency (errors?)');
  return fairness;
}

/**
 * CPU per job, `cpuRuns` rounds: each round the floor first (its runs under `floor`), then the
 * servers in an order rotated by one, so a machine whose speed drifts moves them alike.
 */
export async function cpuRounds(
  ctx: BenchContext,
  kinds: readonly (typeof CPU_KINDS)[number][],
  servers: readonly Labelled[],
  floor: boolean,
) {
  const cpu: Record<IdKind, Record<string, number[]>> = { finished: {}, missing: {}, running: {} };
  for (let r = 0; r < ctx.settings.cpuRuns; r++) {
    for (const kind of kinds) {
      const runs = cpu[kind];
      if (floor) (runs.floor ??= []).push(await ctx.floorCpu(kind));
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(i + r) % servers.length] as Labelled;
        const run = await cpuPerJob(ctx, s, kind);
        warnOddCalls(ctx.log, `${s.label} ${kind}`, [run]);
        (runs[s.label] ??= []).push(run.microsPerJob);
      }
    }
    const last = ([label, xs]: [string, number[]]) => `${label} ${(xs.at(-1) ?? 0).toFixed(0)}`;
    const lasts = kinds.map((k) => `${k} ${Object.entries(cpu[k]).map(last).join(' ')}`);
    ctx.log(`round ${r + 1}: ${lasts.join(' | ')}`);
  }
  return cpu;
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
        // The peer has no auth (bench/README.md): it ignores the bearer token.
        const ms = await timedQuery(ctx, s.url, jobsBody(eightyOfHundred(ctx, 'finished')));
        (latency[s.label] ??= []).push(ms);
      }
  });
  return latency;
}

/** Figure 2 at the slow upstream latency: a 1-job and a 100-job (80 distinct) query in pairs. */
async function latencyOf(ctx: BenchContext, main: GatewayProcess) {
  const { settings } = ctx;
  ctx.log(`100 jobs vs 1 job at ${settings.slowLatencyMs} ms upstream`);
  return withLatency(ctx, settings.slowLatencyMs, async () => {
    const latency = { oneMs: [] as number[], hundredMs: [] as number[] };
    const timed = (body: string) => timedQuery(ctx, main.url, body);
    for (let i = 0; i < settings.latencyPairs; i++) {
      latency.oneMs.push(await timed(jobBody(ctx.unknownIds.next('panorama', 'finished'))));
      latency.hundredMs.push(await timed(jobsBody(eightyOfHundred(ctx, 'finished'))));
    }
    return latency;
  });
}

/** The same query of finished jobs twice: upstream calls of the second, and the jobs it asked again. */
async function repeatedTerminalQuery(ctx: BenchContext, gateway: Target, ids: readonly string[]) {
  const body = jobsBody(ids);
  await post(gateway.url, body, ctx.authHeaders);
  const second = await ctx.emulators.counters();
  await post(gateway.url, body, ctx.authHeaders);
  const calls = await ctx.emulators.callsSince(second);
  return {
    jobs: ids.length,
    secondRunCalls: calls.length,
    refetched: calls.map((c) => `${c.emulator}:${c.job}`),
  };
}

/** Figure 4 and the repeats: a gateway on the default configuration, finished jobs asked twice, the cached path's CPU (also at LOG_LEVEL=info). */
async function cachedPath(ctx: BenchContext, launch: Launch, fixtures: Fixtures) {
  const { settings } = ctx;
  ctx.log('default config — finished jobs asked twice, cached path');
  const cached = await launch('default-config');
  const repeatClean = await repeatedTerminalQuery(ctx, cached, fixtures.cleanFinished);
  const repeatSecret = await repeatedTerminalQuery(ctx, cached, fixtures.secretFinished);
  const oneBody = jobBody(fixtures.cleanFinished[0] as string);
  const cachedAnswer = (await post(cached.url, oneBody, ctx.authHeaders)).text;
  const cachedMicros = await times(settings.runs, () => cpuPerRequest(ctx, cached, oneBody));
  await cached.stop();
  // The same at the default log level: one JSON line per operation, written to a pipe (the bench reads it).
  const logged = await launch('default-config-info-log', { extraEnv: { LOG_LEVEL: 'info' } });
  const cachedLoggedMicros = await times(settings.runs, () => cpuPerRequest(ctx, logged, oneBody));
  await logged.stop();
  return { repeatClean, repeatSecret, cachedAnswer, cachedMicros, cachedLoggedMicros };
}
