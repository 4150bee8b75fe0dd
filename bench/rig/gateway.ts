import { spawn, type ChildProcess } from 'node:child_process';
import type { MemoryLimit } from './memoryLimit.ts';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/rawHttp.ts';
import { INSPECT_LOOPBACK, inspectorUrl } from './inspector.ts';
import { cpuTimeMicros, rssBytes, sleep } from './proc.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayOptions {
  /** Name used in messages. */
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

/** A jobgraph gateway running in LIVE mode as its own process. */
export interface GatewayProcess {
  label: string;
  pid: number;
  url: string;
  /** Wall time from spawn to the first 200 from /readyz (polled every 10 ms), ms. */
  readyMs: number;
  /** The environment given to the child, secrets excluded (for the report). */
  settings: Record<string, string>;
  /** Its inspector's `ws://` URL on loopback (`inspect`), else null. */
  inspector: string | null;
  rss(): number;
  cpuMicros(): number;
  /** SIGTERM and wait for exit (the gateway drains and exits; --cpu-prof writes its profile then). */
  stop(): Promise<number | null>;
}

/**
 * Start `node bin/jobgraph.mjs` (live mode) on a free loopback port and wait for /readyz; again
 * on another port, up to 3 times, when another process took the port between the two.
 */
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
    ...(options.extraEnv ?? {}),
  };
  const env: Record<string, string> = {
    // A clean environment: nothing from the caller's shell (AWS_PROFILE, proxies, NODE_OPTIONS) leaks in.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    JOBGRAPH_JWT_SECRET: options.jwtSecret,
    ...jobgraphEnv,
  };
  const nodeArgs = [...(options.nodeArgs ?? []), ...(options.inspect ? [INSPECT_LOOPBACK] : [])];
  const node = [process.execPath, ...nodeArgs, 'bin/jobgraph.mjs'];
  // In a cgroup: a shell joins it, then becomes Node (same PID), so V8 sizes its heap from the limit.
  const [command, ...args] = options.memoryLimit
    ? ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', options.memoryLimit.procs, ...node]
    : node;
  const child: ChildProcess = spawn(command!, args, {
    cwd: options.repoRoot ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const inspector = options.inspect && child.stderr ? inspectorUrl(child.stderr) : null;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const base = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (output.includes('EADDRINUSE') && attempt < 3) return startGateway(options, attempt + 1);
      throw new Error(`${options.label} gateway exited (code ${child.exitCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      // Exited before the caller goes on: its memory cgroup, if any, can then be removed.
      await exited;
      throw new Error(`${options.label} gateway did not become ready in 60 s:\n${output}`);
    }
    await sleep(10);
  }
  const readyMs = performance.now() - spawnedAt;
  const pid = child.pid ?? -1;
  const inspectorAt = inspector ? await inspector : null;
  if (options.inspect && !inspectorAt) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${options.label} gateway: no inspector on loopback:\n${output}`);
  }
  const settings = Object.fromEntries(
    Object.entries(jobgraphEnv).filter(([k]) => !/SECRET|KEY_ID|TOKEN/.test(k)),
  );
  return {
    label: options.label,
    pid,
    url: `${base}/graphql`,
    readyMs,
    settings: {
      ...settings,
      ...(nodeArgs.length ? { 'node flags': nodeArgs.join(' ') } : {}),
      ...(options.memoryLimit ? { 'memory limit': `${options.memoryLimit.bytes} bytes` } : {}),
    },
    inspector: inspectorAt,
    rss: () => rssBytes(pid),
    cpuMicros: () => cpuTimeMicros(pid),
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The value of `name` (with exactly these labels, if given) in Prometheus text; NaN if absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? Number.NaN : Number(line.slice(prefix.length).trim().split(' ')[0]);
}

/** GET /metrics of the gateway (beside its /graphql). */
export async function scrape(gateway: { url: string }): Promise<string> {
  const res = await fetch(new URL('/metrics', gateway.url));
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/**
 * The gateway's V8 heap in use and its size, memory outside the heap (Buffers), and what V8 has
 * committed to its new and old spaces: no collection forced.
 */
export async function heapOf(gateway: { url: string }) {
  const text = await scrape(gateway);
  const space = (name: string) =>
    metricValue(text, 'nodejs_heap_space_size_total_bytes', `space="${name}"`);
  return {
    used: metricValue(text, 'nodejs_heap_size_used_bytes'),
    total: metricValue(text, 'nodejs_heap_size_total_bytes'),
    external: metricValue(text, 'nodejs_external_memory_bytes'),
    newSpace: space('new'),
    oldSpace: space('old'),
  };
}
