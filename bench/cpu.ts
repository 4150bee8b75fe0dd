/**
 * `npm run bench:cpu` (`bench/cpu.ts`): only the CPU-per-job figures of `npm run bench` (figure 1 and
 * the peer rows) and the 100-job p50 beside the peer, with more rounds and the spread shown — for
 * work on the per-job path, where the full bench's other phases only cost time. Every round runs
 * the floor, each gateway (the "before" checkout, if given, and this one) and the SDK peer back
 * to back for one kind of job, in an order that rotates each round, so a shared machine's drift
 * moves them alike; a verdict is the median of the per-round ratios, printed with its range.
 * With BENCH_PROFILE=1 the "after" gateway runs under `--cpu-prof` in a last phase of its own
 * (fresh existing jobs), never in the timed rounds; the profile's top self-time functions and a
 * summary by library are printed, and the raw profile stays in the scratch folder.
 *
 * Settings (environment, read by bench/lib/settings.ts): BENCH_BEFORE_ROOT, BENCH_AFTER_ROOT,
 * BENCH_CPU_RUNS (rounds; default 9 here), BENCH_CPU_REQUESTS, BENCH_STEADY_STATE_QUERIES,
 * BENCH_FLOOR_CALLS, BENCH_LATENCY_PAIRS, BENCH_PROFILE (off unless set), BENCH_LATENCY_MS,
 * BENCH_SLOW_LATENCY_MS. Prints a Markdown summary to stdout and every number as JSON to
 * `<scratch>/cpu.json`; writes nothing in the repository.
 */
import { Session } from 'node:inspector/promises';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchContext, probeFixtures } from './lib/context.ts';
import type { IdKind } from './lib/ids.ts';
import { gitState } from './rig/report.ts';
import { startPeer } from './lib/peer.ts';
import { waitForIdle } from './rig/proc.ts';
import { profileParts, profileSummary, topFunctions, type ProfilePart } from './lib/profile.ts';
import { jobsBody } from './lib/queries.ts';
import { readCpuSettings } from './lib/settings.ts';
import {
  cpuPerJob,
  eightyOfHundred,
  oddCalls,
  loadFresh,
  PEER_STEADY_QUERIES,
  timedQuery,
  warmUp,
  withLatency,
} from './lib/side.ts';
import { logger, runBench, startStack, track } from './rig/stack.ts';
import { median, percentile } from './rig/stats.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const started = performance.now();
const log = logger(
  'cpu',
  () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`,
);

interface Server {
  label: string;
  url: string;
  pid: number;
  cpuMicros(): number;
  stop(): Promise<unknown>;
}

const KINDS = ['finished', 'missing'] as const satisfies readonly IdKind[];

/** Where a file is: a package's (its path under node_modules), the checkout's `dist/`, the bench's, or Node's own. */
const within = (re: RegExp) => (url: string) => re.test(url);

/**
 * The parts a job's CPU is split into, for the gateway and the floor alike (bench/lib/profile.ts
 * `profileParts`: a sample is the part of its innermost claimed frame). The floor's code is
 * bench/lib/floor.ts: its `sigv4` and `cosSign` are signing, its `parseBody` the parse, the rest
 * its HTTP client.
 */
const JOB_PARTS: readonly ProfilePart[] = [
  { name: 'garbage collector', test: (_url, fn) => fn === '(garbage collector)' },
  {
    name: 'parse: XML and JSON bodies into records',
    test: (url, fn) =>
      /node_modules\/(fast-xml-parser|path-expression-matcher|strnum|@nodable)\//.test(url) ||
      /\/dist\/datasources\/(shared\/(xml|json|time|jobHeader)|\w+\/parse)\.js$/.test(url) ||
      (/\/dist\/datasources\/shared\/awsCall\.js$/.test(url) &&
        /^(awsJsonOutput|parse)$/.test(fn)) ||
      (/\/bench\/lib\/floor\.ts$/.test(url) && fn === 'parseBody'),
  },
  {
    name: 'signing (SigV4, COS q-sign)',
    test: (url, fn) =>
      /\/dist\/datasources\/(shared\/sigv4|cosbatch\/signer)\.js$/.test(url) ||
      (/\/bench\/lib\/floor\.ts$/.test(url) && /^(sigv4|cosSign)$/.test(fn)),
  },
  {
    name: "secret registry (learning each record's secrets)",
    test: within(/\/dist\/auth\/secret(Value)?s\.js$/),
  },
  {
    name: 'metrics (prom-client)',
    test: within(/node_modules\/prom-client\/|\/dist\/observability\//),
  },
  {
    name: 'upstream call: retries, attempts, errors',
    test: within(
      /\/dist\/(errors|datasources\/(shared\/(source|retry|attempts|classify|awsErrors|awsCall|rateGate|clientPool)|\w+\/(errors|client)))\.js$/,
    ),
  },
  {
    name: 'guard: shared calls, fair limiter, breakers, deadlines',
    test: within(/\/dist\/datasources\/guard\/(?!loader)|node_modules\/cockatiel\//),
  },
  {
    name: 'DataLoader, request context',
    test: within(/node_modules\/dataloader\/|\/dist\/(context|datasources\/guard\/loader)\.js$/),
  },
  {
    name: 'resolvers, auth directive, global IDs',
    test: within(/\/dist\/(resolvers|model)\/|\/dist\/auth\/directives\.js$/),
  },
  {
    name: 'GraphQL execution (graphql-js)',
    test: within(/node_modules\/graphql\/(execution|type|jsutils|error)\//),
  },
  {
    name: 'GraphQL parse, validation, query limits',
    test: within(/node_modules\/graphql\/|\/dist\/limits\//),
  },
  {
    name: 'server: Apollo Server, express, node:http server',
    test: within(
      /node_modules\/(@apollo|express|router|body-parser|raw-body|@as-integrations|cors)\/|^node:_http_server$|\/dist\/http\//,
    ),
  },
  { name: 'logging (pino)', test: within(/node_modules\/pino|\/dist\/logger\.js$/) },
  {
    name: 'upstream HTTP (node:http client)',
    test: within(
      /^node:_http_(client|agent)$|\/dist\/datasources\/shared\/(http|bodyCap)\.js$|\/bench\/lib\/floor\.ts$/,
    ),
  },
];

/** `min–max` of a list, rounded. */
const range = (xs: readonly number[], digits: number) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  const settings = readCpuSettings();
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'jobgraph-bench-cpu-'));
  log(`settings ${JSON.stringify(settings)}; scratch ${tmpDir}`);

  const stack = await startStack({ latencyMs: settings.latencyMs });
  const ctx = benchContext(stack, settings, { repoRoot: REPO_ROOT, tmpDir }, log);
  const launch = (label: string, root: string, nodeArgs: string[] = []) =>
    stack.gateway({
      label,
      repoRoot: root,
      nodeArgs,
      extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0' },
    });
  await probeFixtures(stack, { repoRoot: resolve(settings.afterRoot ?? REPO_ROOT) });

  const roots = [
    ...(settings.beforeRoot ? [['before', resolve(settings.beforeRoot)] as const] : []),
    ['after', resolve(settings.afterRoot ?? REPO_ROOT)] as const,
  ];
  const gateways: Server[] = [];
  for (const [label, root] of roots) {
    const g = await launch(label, root);
    gateways.push({ ...g, label });
  }
  const peerProcess = track(await startPeer(stack.emulators.urls));
  const peer: Server = { ...peerProcess, label: 'peer' };
  const servers = [...gateways, peer];

  log('warm-up');
  for (const s of servers)
    await warmUp(ctx, s, s === peer ? PEER_STEADY_QUERIES : settings.steadyStateQueries);

  log(
    `CPU per job: ${settings.cpuRuns} rounds of floor, ${servers.map((s) => s.label).join(', ')}`,
  );
  const cpu: Record<IdKind, Record<string, number[]>> = {
    finished: {},
    missing: {},
    running: {},
  };
  for (let r = 0; r < settings.cpuRuns; r++) {
    for (const kind of KINDS) {
      const runs = cpu[kind];
      // The floor first, then the servers in an order rotated by one each round.
      (runs.floor ??= []).push(await ctx.floorCpu(kind));
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(i + r) % servers.length] as Server;
        const run = await cpuPerJob(ctx, s, kind);
        if (oddCalls(run))
          log(
            `WARNING: ${s.label} ${kind}: ${run.upstreamCalls} upstream calls for ${run.jobs} jobs (${run.expectedCalls} expected)`,
          );
        (runs[s.label] ??= []).push(run.microsPerJob);
      }
    }
    log(
      `round ${r + 1}: ${KINDS.map(
        (k) =>
          `${k} ${Object.entries(cpu[k])
            .map(([l, xs]) => `${l} ${(xs.at(-1) ?? 0).toFixed(0)}`)
            .join(' ')}`,
      ).join(' | ')}`,
    );
  }

  log(`100-job (80 distinct) p50 at ${settings.slowLatencyMs} ms upstream`);
  const latency: Record<string, number[]> = {};
  await withLatency(ctx, settings.slowLatencyMs, async () => {
    for (let i = 0; i < settings.latencyPairs * 2; i++)
      for (let j = 0; j < servers.length; j++) {
        const s = servers[(i + j) % servers.length] as Server;
        const headers = s === peer ? {} : ctx.authHeaders;
        (latency[s.label] ??= []).push(
          await timedQuery(
            { ...ctx, authHeaders: headers },
            s.url,
            jobsBody(eightyOfHundred(ctx, 'finished')),
          ),
        );
      }
  });

  const profile: string[] = [];
  const profileWindows: Record<string, unknown> = {};
  if (settings.profile) {
    log('profile: the after gateway under --cpu-prof');
    for (const g of gateways) await g.stop();
    const dir = join(tmpDir, 'profile');
    const [, afterRoot] = roots[roots.length - 1] as readonly [string, string];
    const profiled = await launch('profiled', afterRoot, ['--cpu-prof', '--cpu-prof-dir', dir]);
    // The same steady state as the timed gateways: code optimised, the secret registry full.
    await loadFresh(ctx, profiled.url, 'missing', 20);
    await loadFresh(ctx, profiled.url, 'finished', Math.max(60, settings.steadyStateQueries), 300);
    const windows: Partial<Record<IdKind, { fromMicros: number; toMicros: number }>> = {};
    for (const kind of KINDS) {
      await waitForIdle(profiled.pid);
      const fromMicros = Number(process.hrtime.bigint() / 1000n);
      await loadFresh(ctx, profiled.url, kind, Math.max(40, settings.cpuRequests * 2));
      windows[kind] = { fromMicros, toMicros: Number(process.hrtime.bigint() / 1000n) };
    }
    await profiled.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    // The floor's own profile, for what a job costs beyond it: this process, through the inspector.
    log('profile: the floor');
    const floorFile = join(dir, 'floor.cpuprofile');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const floorWindows: Partial<Record<IdKind, { fromMicros: number; toMicros: number }>> = {};
    for (const kind of KINDS) {
      const fromMicros = Number(process.hrtime.bigint() / 1000n);
      for (let i = 0; i < 3; i++) await ctx.floorCpu(kind);
      floorWindows[kind] = { fromMicros, toMicros: Number(process.hrtime.bigint() / 1000n) };
    }
    const { profile: floorProfile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(floorFile, JSON.stringify(floorProfile));
    Object.assign(profileWindows, { gateway: windows, floor: floorWindows });
    if (file) {
      const gatewayFile = join(dir, file);
      profile.push(`Raw profiles: ${gatewayFile} (gateway), ${floorFile} (floor).`);
      for (const kind of KINDS) {
        const window = windows[kind] as { fromMicros: number; toMicros: number };
        const floorWindow = floorWindows[kind] as { fromMicros: number; toMicros: number };
        const title = kind === 'finished' ? 'fresh existing jobs' : 'not-found IDs';
        // Each side's median CPU per job of the timed rounds, split by its profile's shares.
        const gatewayMicros = median(cpu[kind].after ?? []);
        const floorMicros = median(cpu[kind].floor ?? []);
        const gatewayParts = new Map(
          profileParts(gatewayFile, window, JOB_PARTS).map((p) => [p.name, p.share]),
        );
        const floorParts = new Map(
          profileParts(floorFile, floorWindow, JOB_PARTS).map((p) => [p.name, p.share]),
        );
        const partRows = [...new Set([...gatewayParts.keys(), ...floorParts.keys()])]
          .map((name) => {
            const g = (gatewayParts.get(name) ?? 0) * gatewayMicros;
            const f = (floorParts.get(name) ?? 0) * floorMicros;
            return { name, g, f };
          })
          .sort((a, b) => b.g - b.f - (a.g - a.f));
        profile.push(
          '',
          `### Profile, ${title}`,
          '',
          `| part of a job (gateway ${gatewayMicros.toFixed(0)} µs, floor ${floorMicros.toFixed(0)} µs: the rounds' medians, split by each profile's shares) | gateway µs | floor µs | beyond the floor |`,
          '| --- | --- | --- | --- |',
          ...partRows.map(
            (r) =>
              `| ${r.name} | ${r.g.toFixed(0)} | ${r.f.toFixed(0)} | ${(r.g - r.f).toFixed(0)} |`,
          ),
          '',
          '| gateway: self time by where the code is | % |',
          '| --- | --- |',
          ...profileSummary(gatewayFile, window, afterRoot, 'samples')
            .slice(0, 30)
            .map((g) => `| ${g.name} | ${g.percent} |`),
          '',
          '| gateway: top functions by self time | ms | % |',
          '| --- | --- | --- |',
          ...topFunctions(gatewayFile, window, 30, afterRoot, 'samples').map(
            (f) => `| ${f.name} | ${f.selfMs} | ${f.percent} |`,
          ),
          '',
          '| floor: self time by where the code is | % |',
          '| --- | --- |',
          ...profileSummary(floorFile, floorWindow, REPO_ROOT, 'samples')
            .slice(0, 15)
            .map((g) => `| ${g.name} | ${g.percent} |`),
        );
      }
    }
  }

  const ratio = (kind: IdKind, a: string, b: string) =>
    (cpu[kind][a] ?? []).map((x, i) => x / ((cpu[kind][b] ?? [])[i] ?? Number.NaN));
  const lines = [
    `## CPU per job, ${settings.cpuRuns} rounds of ${settings.cpuRequests} 100-job queries (${new Date().toISOString()})`,
    '',
    `Checkouts: ${roots
      .map(([l, root]) => {
        const git = gitState(root);
        return `${l} \`${git.commit}\`${git.dirtyFiles.length ? ` with uncommitted changes to ${git.dirtyFiles.join(', ')}` : ''}`;
      })
      .join('; ')}; Node ${process.version} (the gateways run on the same Node).`,
    '',
    '| kind | server | µs/job, median (range) | ÷ floor, median of rounds (range) | ÷ peer, median of rounds (range) | ÷ before, median of rounds (range) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const ratioCell = (kind: IdKind, label: string, other: string, shown: boolean) => {
    if (!shown || !cpu[kind][other]) return '—';
    const xs = ratio(kind, label, other);
    return `${median(xs).toFixed(2)}× (${range(xs, 2)})`;
  };
  for (const kind of KINDS)
    for (const label of ['floor', ...servers.map((s) => s.label)]) {
      const xs = cpu[kind][label] ?? [];
      const gateway = label !== 'floor' && label !== 'peer';
      lines.push(
        `| ${kind === 'finished' ? 'fresh existing' : 'not found'} | ${label} | ${median(xs).toFixed(0)} (${range(xs, 0)}) | ${ratioCell(kind, label, 'floor', label !== 'floor')} | ${ratioCell(kind, label, 'peer', gateway)} | ${ratioCell(kind, label, 'before', label === 'after')} |`,
      );
    }
  lines.push(
    '',
    `| 100-job query (80 distinct), ${settings.slowLatencyMs} ms upstream | p50 ms | p90 ms | queries |`,
    '| --- | --- | --- | --- |',
    ...servers.map((s) => {
      const xs = latency[s.label] ?? [];
      return `| ${s.label} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 90).toFixed(1)} | ${xs.length} |`;
    }),
  );
  if (profile.length) lines.push('', ...profile);
  process.stdout.write(`${lines.join('\n')}\n`);
  writeFileSync(
    join(tmpDir, 'cpu.json'),
    `${JSON.stringify({ settings, roots, cpu, latency, profileWindows }, null, 2)}\n`,
  );
  log(`every number in ${join(tmpDir, 'cpu.json')}`);
}

runBench(log, main);
