/**
 * `npm run bench`: start the emulators and jobgraph (live mode) as separate processes, drive
 * the gateway with autocannon over loopback, and write bench/RESULTS.md and bench/results.json.
 * Settings: bench/lib/settings.ts (BENCH_* variables). See RESULTS.md for what each figure means.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { mintToken } from '../src/auth/mintToken.ts';
import { loadConfig } from '../src/config.ts';
import type { StoredJob } from './baseline/schema.ts';
import { startBaseline } from './lib/baseline.ts';
import type { BenchContext } from './lib/context.ts';
import type { BenchData } from './lib/data.ts';
import { startEmulatorProcess, delta, type EmulatorProcess } from './lib/emulators.ts';
import { buildFigures } from './lib/figures.ts';
import { startGateway, type GatewayOptions, type GatewayProcess } from './lib/gateway.ts';
import { demoMix, mixedIds, UnknownIdGenerator, PROVIDERS, demoIds } from './lib/ids.ts';
import { runLoad } from './lib/load.ts';
import { gitState, machineInfo, packageVersions } from './lib/machine.ts';
import { measureBatching, measureDuplicates, type EntryPoint } from './lib/phases/batching.ts';
import { repeatedTerminalQuery } from './lib/phases/cache.ts';
import { cpuPerJob, type CpuRun } from './lib/phases/cpu.ts';
import { callerFairness } from './lib/phases/fairness.ts';
import { directRoundTrip, oneConnectionLatency } from './lib/phases/latency.ts';
import { rssUnderLoad, soak } from './lib/phases/memory.ts';
import { saturatedThroughput } from './lib/phases/throughput.ts';
import { waitForIdle } from './lib/proc.ts';
import { summariseProfile, type ProfileSummary } from './lib/profile.ts';
import { jobsHoldingSecrets } from './lib/secretProbe.ts';
import { renderReport } from './lib/report.ts';
import { readSettings } from './lib/settings.ts';
import { jobBody, jobsBody, post, type GraphQLResponse } from './lib/queries.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const started = performance.now();
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

const live: { stop(): Promise<unknown> }[] = [];
function track<T extends { stop(): Promise<unknown> }>(p: T): T {
  live.push(p);
  return p;
}
async function stopTracked(p: { stop(): Promise<unknown> }): Promise<void> {
  const i = live.indexOf(p);
  if (i >= 0) live.splice(i, 1);
  await p.stop();
}

/** Send a load for `seconds` so sockets, JIT and the SDK clients are warm before measuring. */
async function warmUp(ctx: BenchContext, gateway: GatewayProcess, body: string, seconds = 3): Promise<void> {
  await runLoad({ url: gateway.url, body, headers: ctx.authHeaders, connections: 4, durationS: seconds });
  await waitForIdle(gateway.pid);
}

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

type Launch = (label: string, options?: Omit<GatewayOptions, 'label' | 'upstreamEnv' | 'jwtSecret'>) => Promise<GatewayProcess>;

/**
 * Start a gateway under `--cpu-prof`, warm it up with `warmBody`, run `load`, stop it (the
 * profile is written at exit) and summarise the profile over the load's window.
 */
async function profiledLoad<T extends { window: { fromMicros: number; toMicros: number } }>(
  ctx: BenchContext,
  launch: Launch,
  label: string,
  extraEnv: Record<string, string>,
  warmBody: string,
  load: (gateway: GatewayProcess) => Promise<T>,
): Promise<{ run: T; summary?: ProfileSummary }> {
  const dir = join(ctx.tmpDir, label);
  const gateway = await launch(label, { extraEnv, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  await warmUp(ctx, gateway, warmBody, 2);
  const run = await load(gateway);
  await stopTracked(gateway);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    ctx.log(`WARNING: ${label} wrote no .cpuprofile`);
    return { run };
  }
  return { run, summary: summariseProfile(join(dir, file), ctx.repoRoot, run.window) };
}

function jobsOf(response: GraphQLResponse, field: 'job' | 'jobs'): StoredJob[] {
  const value = response.data?.[field];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((j): j is StoredJob => typeof j === 'object' && j !== null && typeof (j as StoredJob).id === 'string');
}

async function main(): Promise<void> {
  const settings = readSettings();
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'jobgraph-bench-'));
  log(`settings ${JSON.stringify(settings)}; scratch ${tmpDir}`);

  const emulators: EmulatorProcess = await startEmulatorProcess(settings.latencyMs);
  const emulatorHandle = track({ stop: () => emulators.close() });
  const jwtSecret = randomBytes(32).toString('base64url');
  const token = await mintToken({ secret: jwtSecret, scopes: ['jobs:read'], subject: 'bench' });
  const secretsToken = await mintToken({ secret: jwtSecret, scopes: ['jobs:read', 'jobs:secrets:read'], subject: 'bench-secrets' });
  const ctx: BenchContext = {
    settings,
    repoRoot: REPO_ROOT,
    tmpDir,
    emulators,
    jwtSecret,
    authHeaders: { authorization: `Bearer ${token}` },
    unknownIds: new UnknownIdGenerator(),
    log,
  };
  const gatewaySettings: Record<string, Record<string, string>> = {};
  const launch: Launch = async (label, options = {}) => {
    const gateway = track(await startGateway({ label, upstreamEnv: emulators.env, jwtSecret, ...options }));
    gatewaySettings[label] = gateway.settings;
    log(`${label} gateway pid ${gateway.pid} at ${gateway.url}`);
    return gateway;
  };
  const uncached = { JOBGRAPH_CACHE_MAX_ENTRIES: '0' };

  // The queries. The 100-job mix is fixed for b, d and e (the main gateway has no cross-request cache).
  const mix100 = jobsBody(mixedIds(20, ctx.unknownIds));
  const oneJobBody = jobBody(demoIds('panorama')[0] as string);
  const twentyJobBody = jobsBody(demoMix(4));

  const main = await launch('main', { extraEnv: uncached });

  // Smoke: answers jobgraph gives, kept for the bare baseline and the cache check.
  const oneJob = await post(main.url, oneJobBody, ctx.authHeaders);
  const twentyJobs = await post(main.url, twentyJobBody, ctx.authHeaders);
  const allDemo = await post(main.url, jobsBody(PROVIDERS.flatMap((p) => demoIds(p))), ctx.authHeaders);
  for (const [name, r] of [
    ['1-job', oneJob],
    ['20-job', twentyJobs],
  ] as const) {
    if (r.status !== 200 || r.json.errors?.length) throw new Error(`${name} query failed: ${r.status} ${r.text.slice(0, 500)}`);
  }
  const demoJobs = jobsOf(allDemo.json, 'jobs');
  const terminalIds = demoJobs.filter((j) => j.terminal === true).map((j) => j.id);
  const withSecrets = await jobsHoldingSecrets(main.url, terminalIds, secretsToken);

  // Baselines first, while the main gateway idles (its upstream sockets may time out; warm-up follows).
  log('b baseline: direct round trip to the Panorama emulator');
  const direct = await directRoundTrip(ctx);
  log('c baseline: bare graphql-js server');
  const baseline = await startBaseline([...jobsOf(oneJob.json, 'job'), ...jobsOf(twentyJobs.json, 'jobs')], join(tmpDir, 'baseline-jobs.json'));
  track(baseline);
  const sameJson =
    isDeepStrictEqual((await post(baseline.url, oneJobBody, {})).json, oneJob.json) &&
    isDeepStrictEqual((await post(baseline.url, twentyJobBody, {})).json, twentyJobs.json);
  if (!sameJson) log('WARNING: the bare baseline does not answer the same JSON as jobgraph');
  const baselineOne = await saturatedThroughput(ctx, baseline, oneJobBody);
  const baselineTwenty = await saturatedThroughput(ctx, baseline, twentyJobBody);
  await stopTracked(baseline);

  log('warm-up');
  await warmUp(ctx, main, mix100);
  await warmUp(ctx, main, twentyJobBody, 1);
  const afterWarmup = await emulators.counters();

  log('a: batching');
  const batching: BenchData['batching'] = [];
  for (const entry of ['jobs', '_entities'] as EntryPoint[]) {
    for (const distinct of [10, 100, 1000]) {
      const runs = [];
      for (let r = 0; r < settings.runs; r++) runs.push(await measureBatching(ctx, main, entry, distinct));
      batching.push({ entry, distinct, runs });
    }
  }
  const duplicates = [];
  for (let r = 0; r < settings.runs; r++) duplicates.push(await measureDuplicates(ctx, main));

  log('b: latency at one connection');
  const gatewayLatency = await oneConnectionLatency(ctx, main.url, mix100);

  log('d: CPU per job');
  const cpuRuns: CpuRun[] = [];
  for (let r = 0; r < settings.runs; r++) cpuRuns.push(await cpuPerJob(ctx, main, mix100, 100));

  log('e: memory with 200 queries in flight');
  const inFlight = [];
  for (let r = 0; r < settings.runs; r++) inFlight.push(await rssUnderLoad(ctx, main, mix100));
  log(`e: soak ${settings.soakSeconds} s`);
  const soakResult = await soak(ctx, main, () => jobsBody(mixedIds(20, ctx.unknownIds)));

  log('c: throughput, 20-job query');
  const gatewayTwenty = await saturatedThroughput(ctx, main, twentyJobBody);
  const afterRuns = await emulators.counters();
  log('c: throughput, 1-job query');
  const gatewayOne = await saturatedThroughput(ctx, main, oneJobBody);
  const afterOneJobRuns = await emulators.counters();
  await stopTracked(main);

  log('d: profiled gateway, 100-job queries');
  const bulkProfile = await profiledLoad(ctx, launch, 'profiled', uncached, mix100, (gateway) => cpuPerJob(ctx, gateway, mix100, 100));
  log('c: profiled gateway, cache-served 1-job queries');
  const requestProfile = await profiledLoad(ctx, launch, 'profiled-cache', {}, oneJobBody, async (gateway) => {
    const fromMicros = nowMicros();
    await runLoad({
      url: gateway.url,
      body: oneJobBody,
      headers: ctx.authHeaders,
      connections: settings.throughputConnections,
      durationS: settings.throughputSeconds,
    });
    return { window: { fromMicros, toMicros: nowMicros() } };
  });

  log('g: finished jobs asked twice (default config)');
  const cached = await launch('default-config');
  const clean = await repeatedTerminalQuery(
    ctx,
    cached,
    terminalIds.filter((id) => !withSecrets.has(id)),
  );
  const secretHolding = await repeatedTerminalQuery(
    ctx,
    cached,
    terminalIds.filter((id) => withSecrets.has(id)),
  );
  log('c: throughput with the default config (job cache on)');
  await warmUp(ctx, cached, oneJobBody, 1);
  const cachedOne = await saturatedThroughput(ctx, cached, oneJobBody);
  await stopTracked(cached);

  log("h: fairness between callers (1-job query alone and under another caller's flood)");
  const fair = await launch('fairness', { extraEnv: uncached });
  const fairness = await callerFairness(ctx, fair);
  await stopTracked(fair);

  let whatIf: BenchData['latency']['whatIf'];
  if (settings.whatIf) {
    log(`b what-if: provider concurrency ${settings.whatIfConcurrency}`);
    const wide = await launch('what-if', { extraEnv: { ...uncached, JOBGRAPH_PROVIDER_CONCURRENCY: String(settings.whatIfConcurrency) } });
    await warmUp(ctx, wide, mix100, 2);
    whatIf = { concurrency: settings.whatIfConcurrency, runs: await oneConnectionLatency(ctx, wide.url, mix100) };
    await stopTracked(wide);
  }

  const data: BenchData = {
    meta: {
      date: new Date().toISOString(),
      durationS: (performance.now() - started) / 1000,
      machine: machineInfo(),
      packages: packageVersions(REPO_ROOT),
      git: gitState(REPO_ROOT),
      settings,
      gateways: gatewaySettings,
      providerConcurrency: loadConfig({ mode: 'live' }, {}).limits.providerConcurrency,
      tmpDir,
    },
    queries: {
      oneJobBytes: Buffer.byteLength(oneJob.text),
      twentyJobBytes: Buffer.byteLength(twentyJobs.text),
      baselineSameJson: sameJson,
      demoJobs: demoJobs.length,
      terminalDemoJobs: terminalIds.length,
      terminalWithSecrets: withSecrets.size,
    },
    batching,
    duplicates,
    latency: { direct, gateway: gatewayLatency, ...(whatIf ? { whatIf } : {}) },
    throughput: { baselineOne, baselineTwenty, gatewayOne, gatewayTwenty, cachedOne },
    cpu: {
      runs: cpuRuns,
      profiled: bulkProfile.run,
      ...(bulkProfile.summary ? { profile: bulkProfile.summary } : {}),
      ...(requestProfile.summary ? { requestProfile: requestProfile.summary } : {}),
    },
    memory: { inFlight, soak: soakResult },
    connections: { afterWarmup, afterRuns, afterOneJobRuns, callsInWindow: delta(afterWarmup, afterRuns, 'calls') },
    cache: { clean, secretHolding },
    fairness,
  };
  await stopTracked(emulatorHandle);

  const figures = buildFigures(data);
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify({ ...data, figures }, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderReport(data, figures));
  for (const f of figures)
    log(`${f.pass === undefined ? 'info' : f.pass ? 'PASS' : 'MISS'}  ${f.id}: ${f.value} ${f.unit}${f.ratio !== undefined ? ` (${f.ratio}×)` : ''}`);
  log(`wrote bench/RESULTS.md and bench/results.json in ${Math.round(data.meta.durationS)} s`);
}

main().catch(async (err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  for (const p of live.reverse()) await p.stop().catch(() => undefined);
  process.exit(1);
});
