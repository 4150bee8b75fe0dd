// `npm run bench` and `npm run bench:cpu` (`--only cpu`): what each measures, bench/README.md.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { startChildServer, type ChildServer } from './rig/childServer.ts';
import { benchContext, probeFixtures, times, withLatency } from './lib/context.ts';
import type { BenchContext } from './lib/context.ts';
import { floorClient } from './lib/floor.ts';
import { jobsOf } from './lib/fixtures.ts';
import type { BenchProvider } from './lib/ids.ts';
import { profileIn, windowOf } from './lib/profile.ts';
import { REPO_ROOT, scratchDir, waitForIdle } from './rig/proc.ts';
import * as cpuReport from './rig/cpuReport.ts';
import * as figures from './rig/figures.ts';
import * as report from './rig/report.ts';
import { checkouts, readCpuSettings, readSettings } from './lib/settings.ts';
import type { BenchSettings } from './lib/settings.ts';
import * as side from './lib/side.ts';
import { jobBody, jobsBody, post, type GraphQLResponse } from './lib/queries.ts';
import { logger, release, runBench, startStack, track, type Stack } from './rig/stack.ts';
import type { GatewayProcess } from './rig/gateway.ts';

const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
/** `--only cpu`: the only part run alone. */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? undefined : (process.argv[onlyAt + 1] ?? '');
const started = performance.now();
const clock = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const log = logger(only ?? 'bench', clock);

/** A server of bench/ (`file` relative to this one) as its own process. */
const benchServer = async (file: string, ...args: string[]) =>
  track(await startChildServer(fileURLToPath(new URL(file, import.meta.url)), args));

/** The SDK peer calling the emulators at `urls`, or with `--floor-calls` the core floor. */
const startPeer = (urls: Record<BenchProvider, string>, ...flags: '--floor-calls'[]) =>
  benchServer('./peer/server.ts', JSON.stringify(urls), ...flags);

/** What every run starts with: a scratch folder, the emulators, the phases' context and the checkouts to measure. */
async function begin(settings: BenchSettings) {
  const tmpDir = scratchDir(`jobgraph-bench-${only ? `${only}-` : ''}`);
  log(`settings ${JSON.stringify(settings)}; scratch ${tmpDir}`);
  // The emulators keep an idle connection for the whole run (they close one after 65 s, as cloud
  // front ends do): figure 6 counts the connections the gateway opens after its warm-up, and one
  // a server closed while a phase did not need it would be counted again when a later one does.
  const stack = await startStack({ latencyMs: settings.latencyMs, keepAliveMs: 60 * 60_000 });
  const ctx = benchContext(stack, settings, tmpDir, log);
  const roots = checkouts(settings, REPO_ROOT);
  const afterRoot = roots.at(-1)![1];
  return { tmpDir, stack, ctx, roots, afterRoot };
}
type Roots = Awaited<ReturnType<typeof begin>>['roots'];

/** The direct latency baseline: the floor client sending 1 call, then 80 concurrent calls, at the slow upstream latency. */
async function measureFloor(ctx: BenchContext): Promise<figures.FloorResult> {
  const client = floorClient(ctx.emulators.urls);
  try {
    await client.send(ctx.unknownIds.take(500, 'finished')); // warm-up: sockets, JIT
    const floor: figures.FloorResult = { oneMs: [], eightyMs: [] };
    await withLatency(ctx, ctx.settings.slowLatencyMs, async () => {
      for (let i = 0; i < ctx.settings.latencyPairs; i++) {
        for (const [ids, out] of [
          [[ctx.unknownIds.next('panorama', 'finished')], floor.oneMs],
          [ctx.unknownIds.mix(16, 'finished'), floor.eightyMs],
        ] as const) {
          const t0 = performance.now();
          await client.send(ids);
          out.push(performance.now() - t0);
        }
      }
    });
    return floor;
  } finally {
    client.close();
  }
}

/** Throws unless the peer gives fresh, unfinished, unknown IDs jobgraph's data and error codes. */
async function checkPeer(ctx: BenchContext, jobgraphUrl: string, peer: ChildServer) {
  const ids = (['finished', 'running', 'missing'] as const).flatMap((kind) =>
    ctx.unknownIds.take(18, kind),
  );
  const body = jobsBody(ids);
  const ours = await post(jobgraphUrl, body, ctx.authHeaders);
  const theirs = await post(peer.url, body, {});
  const errors = (r: GraphQLResponse) =>
    (r.errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${e.extensions?.code ?? ''}`).sort();
  const listOf = (r: GraphQLResponse) =>
    Array.isArray(r.data?.jobs) ? (r.data.jobs as unknown[]) : [];
  const differences = ids.flatMap((id, i) =>
    isDeepStrictEqual(listOf(ours.json)[i], listOf(theirs.json)[i]) ? [] : [id],
  );
  const sameErrors = isDeepStrictEqual(errors(ours.json), errors(theirs.json));
  const answered = ours.status === 200 && theirs.status === 200;
  if (!answered || listOf(ours.json).length !== ids.length || differences.length || !sameErrors) {
    const at = ids.indexOf(differences[0] ?? '');
    throw new Error(
      `the peer does not answer as jobgraph does (${differences.length} jobs differ${sameErrors ? '' : ', errors differ'}):\n` +
        `  jobgraph ${ours.status} ${JSON.stringify(at >= 0 ? listOf(ours.json)[at] : errors(ours.json))}\n` +
        `  peer     ${theirs.status} ${JSON.stringify(at >= 0 ? listOf(theirs.json)[at] : errors(theirs.json))}`,
    );
  }
  return { jobs: ids.length, notFound: errors(ours.json).length };
}

/** Server CPU per request of bench/baseline/server.ts (bare, `--memo`: node:http alone, `--apollo`) answering the cache-served 1-job query's bytes. */
async function measureBaselines(
  ctx: BenchContext,
  tmpDir: string,
  after: side.SideResult,
  fixtures: { cleanFinished: readonly string[] },
) {
  const oneJob = JSON.parse(after.cachedAnswer) as { data?: { job?: unknown } };
  const oneBody = jobBody(fixtures.cleanFinished[0] as string);
  const dataFile = join(tmpDir, 'baseline-jobs.json');
  writeFileSync(dataFile, JSON.stringify(jobsOf(oneJob.data?.job)));
  const measure = async (name: string, ...flags: ('--memo' | '--apollo')[]) => {
    log(`baseline: ${name}, answering the same bytes as the cache-served 1-job query`);
    const server = await benchServer('./baseline/server.ts', dataFile, ...flags);
    const answer = (await post(server.url, oneBody, {})).text;
    const sameBytes = answer.trim() === after.cachedAnswer.trim();
    if (!sameBytes)
      log(
        `WARNING: ${name} does not answer the same bytes as jobgraph:\n  ${answer}\n  ${after.cachedAnswer}`,
      );
    const micros = await times(ctx.settings.runs, () => side.cpuPerRequest(ctx, server, oneBody));
    await release(server);
    return { micros, sameBytes };
  };
  const bare = await measure('the bare graphql-js server');
  const http = await measure('node:http alone (the floor of any server)', '--memo');
  const apollo = await measure('a bare Apollo Server 5 over the same schema', '--apollo');
  const [baselineMicros, httpMicros, apolloMicros] = [bare.micros, http.micros, apollo.micros];
  return { runs: { baselineMicros, httpMicros, apolloMicros }, sameBytes: bare.sameBytes };
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.beforeRoot)
    throw new Error(
      'BENCH_BEFORE_ROOT: npm run bench measures one checkout; npm run bench:cpu compares two',
    );
  const { tmpDir, stack, ctx, afterRoot } = await begin(settings);
  const { emulators } = stack;

  // The probe gateway (this checkout's) also checks the peer's answers.
  let peer: ChildServer | undefined;
  let peerCheck: figures.PeerCheck | undefined;
  const { templates, fixtures } = await probeFixtures(stack, {
    withProbe: async (probeUrl) => {
      if (!settings.peer) return;
      log('peer: the SDK peer (bench/README.md), checked against this checkout’s jobgraph');
      peer = await startPeer(emulators.urls);
      peerCheck = await checkPeer(ctx, probeUrl, peer);
      log(
        `peer: same answers as jobgraph for ${peerCheck.jobs} jobs (${peerCheck.notFound} not found)`,
      );
    },
  });
  log(
    `templates ${JSON.stringify(templates)}; providers with a finished template: ${fixtures.finishedProviders.join(', ')}; ${fixtures.cleanFinished.length} clean and ${fixtures.secretFinished.length} secret-holding finished demo jobs`,
  );

  log('floor: direct latency (its CPU is measured in each round of CPU per job)');
  const floor = await measureFloor(ctx);
  log(`gateway from ${afterRoot}`);
  const after = await side.measureSide(ctx, afterRoot, fixtures, peer);
  if (peer) await release(peer);
  const { runs, sameBytes } = await measureBaselines(ctx, tmpDir, after, fixtures);
  await release(emulators);

  const meta = {
    date: new Date().toISOString(),
    durationS: Math.round((performance.now() - started) / 1000),
    machine: report.machineInfo(),
    load: report.loadAverage(),
    git: report.gitState(afterRoot),
    settings,
    templates,
    ...(peerCheck ? { peerCheck } : {}),
  };
  const rows = figures.buildRows(floor, after, runs, settings);
  // results.json is committed, the machine's paths are not: the checkout relative to this one, the scratch folder by name.
  const portable = {
    ...after,
    root: relative(REPO_ROOT, after.root) || '.',
    gatewaySettings: JSON.parse(
      JSON.stringify(after.gatewaySettings).replaceAll(tmpDir, '<scratch>'),
    ) as side.SideResult['gatewaySettings'],
  };
  const results = { meta, floor, after: portable, baseline: { ...runs, sameBytes }, rows };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), figures.renderReport(results));
  for (const r of rows) log(`${r.verdict.padEnd(4)} ${r.figure}: ${r.text}`);
  log(`wrote bench/RESULTS.md and bench/results.json in ${meta.durationS} s`);
}

type Launch = (
  label: string,
  root: string,
  nodeArgs?: string[],
  env?: Record<string, string>,
) => Promise<GatewayProcess>;
type CpuSettings = ReturnType<typeof readCpuSettings>;

/** BENCH_CPU_SERVERS' servers (all by default): the checkouts, the after one with its history off, the peer and the core floor. */
async function cpuServers(settings: CpuSettings, stack: Stack, roots: Roots, launch: Launch) {
  const measured = (label: string) => (settings.servers as readonly string[]).includes(label);
  const afterRoot = roots.at(-1)![1];
  const gateways: (GatewayProcess & { label: string })[] = [];
  for (const [label, root] of roots)
    if (measured(label)) gateways.push({ ...(await launch(label, root)), label });
  // The after checkout again with its history store off: the after gateway writes every job it
  // reads to its SQLite file (the default), this one writes none; same rounds, rotated like the rest.
  if (settings.historyOff && measured(cpuReport.HISTORY_OFF)) {
    const off = await launch(cpuReport.HISTORY_OFF, afterRoot, [], { JOBGRAPH_HISTORY_URL: 'off' });
    gateways.push({ ...off, label: cpuReport.HISTORY_OFF });
  }
  const peers: side.Labelled[] = [];
  if (measured('peer')) peers.push({ ...(await startPeer(stack.emulators.urls)), label: 'peer' });
  if (measured('core floor')) {
    const core = await startPeer(stack.emulators.urls, '--floor-calls');
    peers.push({ ...core, label: 'core floor' });
  }
  return { gateways, peers, servers: [...gateways, ...peers], measured };
}

/** The after gateway under --cpu-prof, then the floor (this process, through the inspector). */
async function cpuProfiles(
  ctx: BenchContext,
  settings: CpuSettings,
  launch: Launch,
  afterRoot: string,
) {
  const dir = join(ctx.tmpDir, 'profile');
  const profiled = await launch('profiled', afterRoot, ['--cpu-prof', '--cpu-prof-dir', dir]);
  // The same steady state as the timed gateways: code optimised, the secret registry full.
  await side.loadFresh(ctx, profiled.url, 'missing', 20);
  const steady = Math.max(60, settings.steadyStateQueries);
  await side.loadFresh(ctx, profiled.url, 'finished', steady, 300);
  const windows: cpuReport.KindWindows = {};
  for (const kind of settings.kinds) {
    await waitForIdle(profiled.pid);
    const amount = Math.max(40, settings.cpuRequests * 2);
    windows[kind] = await windowOf(() => side.loadFresh(ctx, profiled.url, kind, amount));
  }
  await profiled.stop();
  log('profile: the floor');
  const floorFile = join(dir, 'floor.cpuprofile');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const floorWindows: cpuReport.KindWindows = {};
  for (const kind of settings.kinds)
    floorWindows[kind] = await windowOf(() => times(3, () => ctx.floorCpu(kind)));
  const { profile: floorProfile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(floorFile, JSON.stringify(floorProfile));
  return { file: profileIn(dir), windows, floorFile, floorWindows };
}

/** `npm run bench:cpu` (bench/README.md): rotated rounds, then a profile if asked; every number to `<scratch>/cpu.json`. */
async function cpuOnly(): Promise<void> {
  const settings = readCpuSettings();
  const { tmpDir, stack, ctx, roots, afterRoot } = await begin(settings);
  const launch: Launch = (label, repoRoot, nodeArgs = [], env = {}) => {
    const extraEnv = { JOBGRAPH_CACHE_MAX_ENTRIES: '0', ...env };
    return stack.gateway({ label, repoRoot, nodeArgs, extraEnv });
  };
  await probeFixtures(stack, { repoRoot: afterRoot });
  const { gateways, peers, servers, measured } = await cpuServers(settings, stack, roots, launch);
  const labels = [...(measured('floor') ? ['floor'] : []), ...servers.map((s) => s.label)];
  log('warm-up');
  const steadyOf = (s: side.Labelled) =>
    peers.includes(s) ? side.PEER_STEADY_QUERIES : settings.steadyStateQueries;
  for (const s of servers) await side.warmUp(ctx, s, steadyOf(s));
  log(`CPU per job: ${settings.cpuRuns} rounds of ${labels.join(', ')}`);
  const cpu = await side.cpuRounds(ctx, settings.kinds, servers, measured('floor'));
  const latency = await side.latencyRounds(ctx, servers);
  let profile: string[] = [];
  const profileWindows: Record<string, cpuReport.KindWindows> = {};
  if (settings.profile) {
    log('profile: the after gateway under --cpu-prof');
    for (const g of gateways) await g.stop();
    const p = await cpuProfiles(ctx, settings, launch, afterRoot);
    Object.assign(profileWindows, { gateway: p.windows, floor: p.floorWindows });
    if (p.file)
      profile = cpuReport.cpuProfileSection(
        cpu,
        { file: p.file, windows: p.windows, root: afterRoot },
        { file: p.floorFile, windows: p.floorWindows, root: REPO_ROOT },
      );
  }
  const { kinds } = settings;
  process.stdout.write(
    cpuReport.renderCpuOnly({ settings, roots, labels, kinds, cpu, latency }, profile),
  );
  const json = { settings, roots, cpu, latency, profileWindows };
  writeFileSync(join(tmpDir, 'cpu.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`every number in ${join(tmpDir, 'cpu.json')}`);
}

if (only === 'cpu') runBench(log, cpuOnly);
else if (only === undefined) runBench(log, main);
else throw new Error(`--only ${only || '(nothing)'}: the only part run alone is cpu`);
