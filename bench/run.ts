// `npm run bench:cpu` (and `npm run bench`, the same rounds): what it measures, bench/README.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { startChildServer } from './rig/childServer.ts';
import { benchContext, probeFixtures, type BenchContext } from './lib/context.ts';
import type { BenchProvider } from './lib/ids.ts';
import { REPO_ROOT, scratchDir } from './rig/proc.ts';
import * as cpuReport from './rig/cpuReport.ts';
import { checkouts, readSettings } from './lib/settings.ts';
import * as side from './lib/side.ts';
import { jobsBody, post, type GraphQLResponse } from './lib/queries.ts';
import { logger, runBench, startStack, track, type Stack } from './rig/stack.ts';
import type { GatewayProcess } from './rig/gateway.ts';

const log = logger('cpu');

/** The SDK peer calling the emulators at `urls`, or with `--floor-calls` the core floor, as its own process. */
const startPeer = async (urls: Record<BenchProvider, string>, ...flags: '--floor-calls'[]) => {
  const file = fileURLToPath(new URL('./peer/server.ts', import.meta.url));
  return track(await startChildServer(file, [JSON.stringify(urls), ...flags]));
};

type Settings = ReturnType<typeof readSettings>;
type Checkouts = ReturnType<typeof checkouts>;

/** Throws unless the peer gives fresh, unfinished, unknown IDs jobgraph's data and error codes. */
async function checkPeer(ctx: BenchContext, jobgraphUrl: string, peer: { url: string }) {
  const kinds = ['finished', 'running', 'missing'] as const;
  const ids = kinds.flatMap((kind) => ctx.unknownIds.take(18, kind));
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
  const notFound = errors(ours.json).length;
  log(`peer: same answers as jobgraph for ${ids.length} jobs (${notFound} not found)`);
  return { jobs: ids.length, notFound };
}

type Launch = (
  label: string,
  root: string,
  env?: Record<string, string>,
) => Promise<GatewayProcess>;

/** BENCH_CPU_SERVERS' servers (all by default): the checkouts, the after one with its history off, the peer and the core floor. */
async function cpuServers(settings: Settings, stack: Stack, roots: Checkouts, launch: Launch) {
  const measured = (label: string) => (settings.servers as readonly string[]).includes(label);
  const afterRoot = roots.at(-1)![1];
  const gateways: (GatewayProcess & { label: string })[] = [];
  for (const [label, root] of roots)
    if (measured(label)) gateways.push({ ...(await launch(label, root)), label });
  // The after checkout again with its history store off: the after gateway writes every job it
  // reads to its SQLite file (the default), this one writes none; same rounds, rotated like the rest.
  if (settings.historyOff && measured(cpuReport.HISTORY_OFF)) {
    const off = await launch(cpuReport.HISTORY_OFF, afterRoot, { JOBGRAPH_HISTORY_URL: 'off' });
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

/** `npm run bench:cpu` (bench/README.md): rotated rounds; every number to `<scratch>/cpu.json`. */
async function cpuOnly(): Promise<void> {
  const settings = readSettings();
  const tmpDir = scratchDir('jobgraph-bench-cpu-');
  log(`settings ${JSON.stringify(settings)}; scratch ${tmpDir}`);
  // The emulators keep an idle connection for the whole run (they close one after 65 s, as cloud
  // front ends do), so no round pays for a connection a server closed while another round ran.
  const stack = await startStack({ latencyMs: settings.latencyMs, keepAliveMs: 60 * 60_000 });
  const ctx = benchContext(stack, settings, tmpDir, log);
  const roots = checkouts(settings, REPO_ROOT);
  const afterRoot = roots.at(-1)![1];
  const launch: Launch = (label, repoRoot, env = {}) => {
    const extraEnv = { JOBGRAPH_CACHE_MAX_ENTRIES: '0', ...env };
    return stack.gateway({ label, repoRoot, extraEnv });
  };
  await probeFixtures(stack, { repoRoot: afterRoot });
  const { gateways, peers, servers, measured } = await cpuServers(settings, stack, roots, launch);
  const labels = [...(measured('floor') ? ['floor'] : []), ...servers.map((s) => s.label)];
  // Before any figure: the peer must answer as this checkout's jobgraph does (bench/README.md).
  const peer = peers.find((p) => p.label === 'peer');
  const after = gateways.find((g) => g.label === 'after');
  const peerCheck = peer && after ? await checkPeer(ctx, after.url, peer) : undefined;
  log('warm-up');
  const steadyOf = (s: side.Labelled) =>
    peers.includes(s) ? side.PEER_STEADY_QUERIES : settings.steadyStateQueries;
  for (const s of servers) await side.warmUp(ctx, s, steadyOf(s));
  log(`CPU per job: ${settings.cpuRuns} rounds of ${labels.join(', ')}`);
  const { cpu, main } = await side.cpuRounds(ctx, settings.kinds, servers, measured('floor'));
  const latency = await side.latencyRounds(ctx, servers);
  const report = { settings, roots, labels, kinds: settings.kinds, cpu, main, latency };
  process.stdout.write(cpuReport.renderCpuOnly(report));
  const json = { settings, roots, peerCheck, cpu, main, latency };
  writeFileSync(join(tmpDir, 'cpu.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`every number in ${join(tmpDir, 'cpu.json')}`);
}

runBench(log, cpuOnly);
