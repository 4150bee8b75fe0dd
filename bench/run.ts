/**
 * `npm run bench`: the figures of bench/README.md, each beside its in-run baseline (the floor, the
 * SDK peer, the bare servers), for the gateway of this checkout ("after") and, with
 * BENCH_BEFORE_ROOT, of another checkout ("before"), against the same five emulators in one run.
 * Writes bench/RESULTS.md and bench/results.json.
 * Settings: bench/lib/settings.ts (BENCH_* variables; BENCH_QUICK=1 for a quick run).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { startBaseline } from './lib/baseline.ts';
import type { ChildServer } from './rig/childServer.ts';
import { benchContext, probeFixtures, type BenchContext } from './lib/context.ts';
import { floorClient } from './lib/floor.ts';
import { jobsOf } from './lib/fixtures.ts';
import type { GatewayProcess } from './rig/gateway.ts';
import { gitState, machineInfo, packageVersions } from './rig/report.ts';
import { cpuTimeMicros } from './rig/proc.ts';
import { startPeer } from './lib/peer.ts';
import { buildRows, renderReport, type FloorResult, type PeerCheck } from './lib/report.ts';
import { readSettings } from './lib/settings.ts';
import { cpuPerRequest, measureSide, type SideResult } from './lib/side.ts';
import { jobBody, jobsBody, post, type GraphQLResponse } from './lib/queries.ts';
import { logger, release, runBench, startStack, track } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const started = performance.now();
const log = logger(
  'bench',
  () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`,
);

/** The direct latency baseline: the floor client sending 1 call, then 80 concurrent calls, at the slow upstream latency. */
async function measureFloor(ctx: BenchContext): Promise<FloorResult> {
  const client = floorClient(ctx.emulators.urls);
  try {
    await client.send(ctx.unknownIds.take(500, 'finished')); // warm-up: sockets, JIT
    await ctx.emulators.setFaults({ latencyMs: ctx.settings.slowLatencyMs });
    const oneMs: number[] = [];
    const eightyMs: number[] = [];
    try {
      for (let i = 0; i < ctx.settings.latencyPairs; i++) {
        for (const [ids, out] of [
          [[ctx.unknownIds.next('panorama', 'finished')], oneMs],
          [ctx.unknownIds.mix(16, 'finished'), eightyMs],
        ] as const) {
          const t0 = performance.now();
          await client.send(ids);
          out.push(performance.now() - t0);
        }
      }
    } finally {
      await ctx.emulators.setFaults({ latencyMs: ctx.settings.latencyMs });
    }
    return { oneMs, eightyMs };
  } finally {
    client.close();
  }
}

/**
 * The peer must do the work jobgraph does: the same `jobs` query of fresh existing, unfinished and
 * unknown IDs of every provider must give the same data and the same errors (path and code; the
 * messages are each server's own). Throws, naming the first differences, when they differ.
 */
async function checkPeer(
  ctx: BenchContext,
  jobgraphUrl: string,
  peer: ChildServer,
): Promise<PeerCheck> {
  const ids = (['finished', 'running', 'missing'] as const).flatMap((kind) =>
    ctx.unknownIds.take(18, kind),
  );
  const body = jobsBody(ids);
  const [ours, theirs] = [
    await post(jobgraphUrl, body, ctx.authHeaders),
    await post(peer.url, body, {}),
  ];
  const errors = (r: GraphQLResponse) =>
    (r.errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${e.extensions?.code ?? ''}`).sort();
  const listOf = (r: GraphQLResponse) =>
    Array.isArray(r.data?.jobs) ? (r.data.jobs as unknown[]) : [];
  const differences = ids.flatMap((id, i) =>
    isDeepStrictEqual(listOf(ours.json)[i], listOf(theirs.json)[i]) ? [] : [id],
  );
  const sameErrors = isDeepStrictEqual(errors(ours.json), errors(theirs.json));
  if (
    ours.status !== 200 ||
    theirs.status !== 200 ||
    listOf(ours.json).length !== ids.length ||
    differences.length ||
    !sameErrors
  ) {
    const at = ids.indexOf(differences[0] ?? '');
    throw new Error(
      `the peer does not answer as jobgraph does (${differences.length} jobs differ${sameErrors ? '' : ', errors differ'}):\n` +
        `  jobgraph ${ours.status} ${JSON.stringify(at >= 0 ? listOf(ours.json)[at] : errors(ours.json))}\n` +
        `  peer     ${theirs.status} ${JSON.stringify(at >= 0 ? listOf(theirs.json)[at] : errors(theirs.json))}`,
    );
  }
  return { jobs: ids.length, notFound: errors(ours.json).length };
}

async function main(): Promise<void> {
  const settings = readSettings();
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'jobgraph-bench-'));
  log(`settings ${JSON.stringify(settings)}; scratch ${tmpDir}`);

  const stack = await startStack({ latencyMs: settings.latencyMs });
  const { emulators } = stack;
  const ctx = benchContext(stack, settings, { repoRoot: REPO_ROOT, tmpDir }, log);
  const tracked = (p: GatewayProcess) => void track(p);

  // The probe gateway (this checkout's) also checks the peer's answers.
  let peer: ChildServer | undefined;
  let peerCheck: PeerCheck | undefined;
  const { templates, fixtures } = await probeFixtures(stack, {
    withProbe: async (probeUrl) => {
      if (!settings.peer) return;
      log(
        'peer: Apollo Server 5 + DataLoader + the AWS SDK v3 clients, checked against this checkout’s jobgraph',
      );
      peer = track(await startPeer(emulators.urls));
      peerCheck = await checkPeer(ctx, probeUrl, peer);
      log(
        `peer: same answers as jobgraph for ${peerCheck.jobs} jobs (${peerCheck.notFound} not found)`,
      );
    },
  });
  log(
    `templates ${JSON.stringify(templates)}; providers with a finished template: ${fixtures.finishedProviders.join(', ')}; ${fixtures.cleanFinished.length} clean and ${fixtures.secretFinished.length} secret-holding finished demo jobs`,
  );

  log(
    'floor: bare signed keep-alive client, direct latency (its CPU is measured beside each gateway CPU run)',
  );
  const floor = await measureFloor(ctx);

  const sides: SideResult[] = [];
  for (const [label, root] of [
    ...(settings.beforeRoot ? [['before', resolve(settings.beforeRoot)] as const] : []),
    ['after', resolve(settings.afterRoot ?? REPO_ROOT)] as const,
  ]) {
    log(`${label}: gateway from ${root}`);
    sides.push(await measureSide(ctx, label, root, fixtures, tracked, peer));
  }
  if (peer) await release(peer);
  const after = sides[sides.length - 1] as SideResult;

  const oneJob = JSON.parse(after.cachedAnswer) as { data?: { job?: unknown } };
  const oneBody = jobBody(fixtures.cleanFinished[0] as string);
  /** Server CPU per request of bench/baseline/server.ts answering `oneBody`, and whether it answers jobgraph's bytes. */
  const measureBaseline = async (name: string, options: { memo?: boolean; apollo?: boolean }) => {
    log(`baseline: ${name}, answering the same bytes as the cache-served 1-job query`);
    const server = track(
      await startBaseline(jobsOf(oneJob.data?.job), join(tmpDir, 'baseline-jobs.json'), options),
    );
    const answer = (await post(server.url, oneBody, {})).text;
    const sameBytes = answer.trim() === after.cachedAnswer.trim();
    if (!sameBytes)
      log(
        `WARNING: ${name} does not answer the same bytes as jobgraph:\n  ${answer}\n  ${after.cachedAnswer}`,
      );
    const micros: number[] = [];
    for (let r = 0; r < settings.runs; r++)
      micros.push(
        await cpuPerRequest(
          ctx,
          { ...server, cpuMicros: () => cpuTimeMicros(server.pid) },
          oneBody,
        ),
      );
    await release(server);
    return { micros, sameBytes };
  };
  const { micros: baselineMicros, sameBytes } = await measureBaseline(
    'the bare graphql-js server',
    {},
  );
  const { micros: httpMicros } = await measureBaseline(
    'node:http alone with no GraphQL (the floor of any server)',
    { memo: true },
  );
  const { micros: apolloMicros } = await measureBaseline(
    'a bare Apollo Server 5 over the same schema',
    { apollo: true },
  );
  await release(emulators);

  const meta = {
    date: new Date().toISOString(),
    durationS: Math.round((performance.now() - started) / 1000),
    machine: machineInfo(),
    packages: packageVersions(REPO_ROOT),
    git: Object.fromEntries(sides.map((s) => [s.label, gitState(s.root)])),
    settings,
    templates,
    ...(peerCheck ? { peerCheck } : {}),
  };
  const rows = buildRows(floor, sides, { baselineMicros, httpMicros, apolloMicros }, settings);
  // results.json is committed, the machine's paths are not: checkouts relative to this one, the scratch folder by name.
  const portable = sides.map((s) => ({
    ...s,
    root: relative(REPO_ROOT, s.root) || '.',
    gatewaySettings: JSON.parse(
      JSON.stringify(s.gatewaySettings).replaceAll(tmpDir, '<scratch>'),
    ) as SideResult['gatewaySettings'],
  }));
  const baseline = { baselineMicros, httpMicros, apolloMicros, sameBytes };
  writeFileSync(
    join(BENCH_DIR, 'results.json'),
    `${JSON.stringify({ meta, floor, sides: portable, baseline, rows }, null, 2)}\n`,
  );
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderReport(meta, floor, sides, rows, baseline));
  for (const r of rows) log(`${r.verdict.padEnd(4)} ${r.figure}: ${r.text}`);
  log(
    `wrote bench/RESULTS.md and bench/results.json in ${meta.durationS} s (median of the floor CPU paired with the after gateway: ${median(after.floorMicros.existing).toFixed(0)} µs/job)`,
  );
}

/**
 * `npm run bench -- --render`: bench/RESULTS.md again from bench/results.json, measuring nothing —
 * for a change to the report's text, so the figures stay those of the run that made them.
 */
function renderOnly(): void {
  const { meta, floor, sides, rows, baseline } = JSON.parse(
    readFileSync(join(BENCH_DIR, 'results.json'), 'utf8'),
  ) as {
    meta: Parameters<typeof renderReport>[0];
    floor: FloorResult;
    sides: SideResult[];
    rows: Parameters<typeof renderReport>[3];
    baseline: Parameters<typeof renderReport>[4];
  };
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderReport(meta, floor, sides, rows, baseline));
  log(`rendered bench/RESULTS.md from the results of ${meta.date}`);
}

if (process.argv.includes('--render')) renderOnly();
else runBench(log, main);
