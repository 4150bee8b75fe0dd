import { spawn } from 'node:child_process';
import { inLimit, type MemoryLimit } from './memoryLimit.ts';
import { freePort } from '../../test/support/rawHttp.ts';
import { childEnv } from '../lib/settings.ts';
import { watchChild, type ChildServer } from './childServer.ts';
import { INSPECT_LOOPBACK } from './inspector.ts';
import { REPO_ROOT, scratchDir, sleep } from './proc.ts';

export interface GatewayOptions {
  label: string;
  /** Emulator endpoints and demo credentials (emulatorEnvironment()). */
  upstreamEnv: Record<string, string>;
  jwtSecret: string;
  /** Extra jobgraph settings, e.g. JOBGRAPH_CACHE_MAX_ENTRIES. */
  extraEnv?: Record<string, string>;
  /** Node flags placed before bin/jobgraph.mjs, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Run jobgraph from this checkout instead of this one (e.g. an older commit, for a before/after figure). */
  repoRoot?: string;
  /** Start it in this memory cgroup (rig/memoryLimit.ts), as a pod's memory limit does. */
  memoryLimit?: MemoryLimit;
  /** Open its inspector on loopback, for memory read after a collection (rig/inspector.ts). */
  inspect?: boolean;
}

/** A jobgraph gateway running in LIVE mode as its own process (`stop`: it drains and exits; --cpu-prof writes its profile then). */
export interface GatewayProcess extends ChildServer {
  label: string;
  /** Wall time from spawn to the first 200 from /readyz (polled every 10 ms), ms. */
  readyMs: number;
  /** The environment given to the child, secrets excluded (for the report). */
  settings: Record<string, string>;
}

/** Start bin/jobgraph.mjs (live) on a free loopback port, until /readyz; up to 3 ports if taken. */
export async function startGateway(options: GatewayOptions, attempt = 1): Promise<GatewayProcess> {
  const port = await freePort();
  const jobgraphEnv: Record<string, string> = {
    ...options.upstreamEnv,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The benchmarks drive thousands of requests a second with a handful of tokens: they measure
    // the gateway's work, which a per-caller rate of 600 a minute would refuse most of.
    JOBGRAPH_CALLER_RATE: 'off',
    // The history store is on by default (a SQLite file in JOBGRAPH_DATA_DIR): each gateway its
    // own folder, so two gateways of one run never share a file and none writes into the checkout.
    JOBGRAPH_DATA_DIR: scratchDir('jobgraph-bench-data-'),
    ...(options.extraEnv ?? {}),
  };
  const env = { ...childEnv(), JOBGRAPH_JWT_SECRET: options.jwtSecret, ...jobgraphEnv };
  const nodeArgs = [...(options.nodeArgs ?? []), ...(options.inspect ? [INSPECT_LOOPBACK] : [])];
  const node = [process.execPath, ...nodeArgs, 'bin/jobgraph.mjs'];
  // In a cgroup, V8 sizes its heap from the limit.
  const [command, ...args] = inLimit(options.memoryLimit, node);
  const child = spawn(command!, args, {
    cwd: options.repoRoot ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const watched = watchChild(child, options.inspect);

  const base = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (output.includes('EADDRINUSE') && attempt < 3) return startGateway(options, attempt + 1);
      throw new Error(`${options.label} gateway exited (code ${child.exitCode}):\n${output}`);
    }
    const res = await fetch(`${base}/readyz`).catch(() => null); // refused: not listening yet
    if (res?.ok) break;
    if (Date.now() > deadline) {
      // Exited before the caller goes on: its memory cgroup, if any, can then be removed.
      await watched.kill();
      throw new Error(`${options.label} gateway did not become ready in 60 s:\n${output}`);
    }
    await sleep(10);
  }
  const readyMs = performance.now() - spawnedAt;
  const server = await watched.ready(`${base}/graphql`, `${options.label} gateway (${output})`);
  const settings = Object.fromEntries(
    Object.entries(jobgraphEnv).filter(([k]) => !/SECRET|KEY_ID|TOKEN/.test(k)),
  );
  return {
    ...server,
    label: options.label,
    readyMs,
    settings: {
      ...settings,
      ...(nodeArgs.length ? { 'node flags': nodeArgs.join(' ') } : {}),
      ...(options.memoryLimit ? { 'memory limit': `${options.memoryLimit.bytes} bytes` } : {}),
    },
  };
}

/** The value of `name` (with exactly these labels, if given) in Prometheus text; NaN if absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? Number.NaN : Number(line.slice(prefix.length).trim().split(' ')[0]);
}

/** Every sample of `name` with labels in Prometheus text: its labels (`a="x",b="y"`) and value. */
export function metricSeries(text: string, name: string): [labels: string, value: number][] {
  const pattern = new RegExp(`^${name}\\{(.*)\\} (\\S+)`, 'gm');
  return [...text.matchAll(pattern)].map((m) => [m[1]!, Number(m[2])]);
}

/** GET /metrics of the gateway (beside its /graphql). */
export async function scrape(gateway: { url: string }): Promise<string> {
  const res = await fetch(new URL('/metrics', gateway.url));
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** RSS, heap in use and size, external memory, new and old space committed (no collection forced). */
export async function heapOf(gateway: { url: string }) {
  const text = await scrape(gateway);
  const space = (name: string) =>
    metricValue(text, 'nodejs_heap_space_size_total_bytes', `space="${name}"`);
  return {
    rss: metricValue(text, 'process_resident_memory_bytes'),
    used: metricValue(text, 'nodejs_heap_size_used_bytes'),
    total: metricValue(text, 'nodejs_heap_size_total_bytes'),
    external: metricValue(text, 'nodejs_external_memory_bytes'),
    newSpace: space('new'),
    oldSpace: space('old'),
  };
}
