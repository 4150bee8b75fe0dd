/**
 * What the cluster tests (cluster*.e2e.test.ts, coverage*.e2e.test.ts) share, and the bench's Redis
 * figure: a real redis-server on a loopback port, jobgraph replicas (live mode, the compiled CLI) in
 * front of one set of emulators, watchers through the official clients, and the emulators' call log
 * per job. Their event queues and the coverage tests' jobs are in clusterEventSupport.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createClient as createRedisClient } from '@keyv/redis';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, type EmulatorSet } from '@jobgraph/emulators';
import { DEMO_JOBS as IMPORTEXPORT_JOBS } from '@jobgraph/emulators/importexport/data';
import {
  OMICS_DEMO_JOBS,
  OMICS_DEMO_JOB_IDS,
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_REGION,
} from '@jobgraph/emulators/omics/data';
import { POLL_LEASE_PREFIX } from '../../src/cache/redisPollLeases.ts';
import { leaseHolderOf, TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { freePort } from '../support/rawHttp.ts';
import { realPartStatus, requirePart } from '../support/realParts.ts';
import { WatchedUpdates, type JobUpdate } from '../support/subscriptions.ts';

/** The token key every replica shares, so a token one signs is good on the others. */
export const SHARED_SECRET = 'a-token-key-the-cluster-replicas-share-32-characters-at-least';

/** Why redis-server cannot run here (null when it can), for the bench; tests use realPart('redis-server'). */
export function redisServerMissing(): string | null {
  return realPartStatus('redis-server').missing;
}

/** A redis-server of the test's own: no persistence, loopback only. */
export interface RedisServer {
  port: number;
  url: string;
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

/**
 * Start redis-server on `port` (default a free one) and resolve once it accepts connections;
 * `config` (redis-server arguments, e.g. the kit's ACL users) goes after the test's own.
 */
export async function startRedisServer(
  port?: number,
  config: readonly string[] = [],
): Promise<RedisServer> {
  requirePart('redis-server');
  for (let tries = 0; tries < 5; tries++) {
    const p = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...config],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let out = '';
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    if (ready) return { port: p, url: `redis://127.0.0.1:${p}`, child, exited };
    // Another process took the port between freePort and the listen: try another (or again).
  }
  throw new Error('redis-server did not start');
}

/** Kill a process with SIGKILL and wait for it to be gone. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Jobs the emulators answer as copies of two unfinished demo jobs (their `synthesize` knob), and a way to move them all. */
export interface WatchedJobs {
  ids: string[];
  /** The emulator's name for a call's job (what `received` holds) → its global ID. */
  globalIdOf(emulator: 'importexport' | 'omics', job: string | null): string | undefined;
  /** Move every job to its provider's running state (no new job is terminal). */
  start(): void;
  /** Finish every job (SUCCEEDED). */
  finish(): void;
  /** Put the demo data back. */
  restore(): void;
}

const IMPORTEXPORT_TEMPLATE = 'PNDG1';
const OMICS_TEMPLATE = OMICS_DEMO_JOB_IDS.submitted;

/**
 * Point the emulators' `synthesize` knob at two unfinished demo jobs — Import/Export PNDG1
 * (Pending; its records hold secrets: signatures, a manifest) and HealthOmics' SUBMITTED job (no
 * secrets) — so that any ID with the prefixes below is a fresh job that follows its template.
 */
export function synthesizeJobs(emulators: EmulatorSet): void {
  emulators.importexport.setFaults({ synthesize: { CL: IMPORTEXPORT_TEMPLATE } });
  emulators.omics.setFaults({ synthesize: { '77': OMICS_TEMPLATE } });
}

/**
 * `count` fresh jobs (half Import/Export, half HealthOmics), named after `tag` (1-2 digits), and
 * the handles that move their templates (so every job of every tag moves together).
 */
export function watchedJobs(tag: number, count: number): WatchedJobs {
  const ie = IMPORTEXPORT_JOBS.find((j) => j.JobId === IMPORTEXPORT_TEMPLATE) as unknown as {
    ProgressCode: string;
    ProgressMessage: string;
  };
  const omics = OMICS_DEMO_JOBS.find((j) => j.id === OMICS_TEMPLATE) as unknown as {
    status: string;
  };
  const original = { ie: { ...ie }, omics: { ...omics } };
  const ids: string[] = [];
  const byEmulatorJob = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, '0');
    const t = String(tag).padStart(2, '0');
    if (i % 2 === 0) {
      const native = `CL${t}${n}`;
      ids.push(`importexport:${native}`);
      byEmulatorJob.set(`importexport ${native}`, `importexport:${native}`);
    } else {
      const native = `77${t}${n}0000`;
      const id = `omics:${OMICS_DEMO_REGION}:${OMICS_DEMO_REFERENCE_STORE_ID}:${native}`;
      ids.push(id);
      byEmulatorJob.set(
        `omics ${OMICS_DEMO_REGION}/${OMICS_DEMO_REFERENCE_STORE_ID}/${native}`,
        id,
      );
    }
  }
  return {
    ids,
    globalIdOf: (emulator, job) => byEmulatorJob.get(`${emulator} ${job}`),
    start: () => {
      ie.ProgressCode = 'InProgress';
      ie.ProgressMessage = 'now InProgress';
      omics.status = 'IN_PROGRESS';
    },
    finish: () => {
      ie.ProgressCode = 'Complete';
      ie.ProgressMessage = 'now Complete';
      omics.status = 'COMPLETED';
    },
    restore: () => {
      Object.assign(ie, original.ie);
      Object.assign(omics, original.omics);
    },
  };
}

/** Every describe call the two emulators receive for `jobs`, with its time (performance.now()), as it arrives. */
export class CallLog {
  readonly calls: { id: string; at: number }[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly offs: (() => void)[] = [];

  constructor(emulators: EmulatorSet, jobs: WatchedJobs) {
    for (const name of ['importexport', 'omics'] as const) {
      const emulator = emulators[name];
      const onRequest = () => {
        const id = jobs.globalIdOf(name, emulator.received[emulator.received.length - 1] ?? null);
        if (id === undefined) return;
        this.calls.push({ id, at: performance.now() });
        for (const wake of [...this.waiters]) wake();
      };
      emulator.events.on('request', onRequest);
      this.offs.push(() => emulator.events.off('request', onRequest));
    }
  }

  /** Resolves once `count` calls are logged; rejects after `timeoutMs`. */
  until(count: number, timeoutMs: number, what = `${count} calls`): Promise<void> {
    return waitFor(() => this.calls.length >= count, timeoutMs, what, this.waiters);
  }

  /** Resolves once `condition` holds, checked at each call logged; rejects after `timeoutMs`. */
  when(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return waitFor(condition, timeoutMs, what, this.waiters);
  }

  /** Calls logged since `from` (an index into `calls`) per job. */
  since(from: number): Map<string, number[]> {
    return this.between(from, this.calls.length);
  }

  /** The times of the calls logged from index `from` to `to` (excluded), per job. */
  between(from: number, to: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const c of this.calls.slice(from, to)) {
      const times = out.get(c.id) ?? [];
      times.push(c.at);
      out.set(c.id, times);
    }
    return out;
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }
}

/** Resolves once `ready()` holds, checked each time a waker in `wakers` is called; rejects after `timeoutMs`. */
function waitFor(
  ready: () => boolean,
  timeoutMs: number,
  what: string,
  wakers: Set<() => void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      wakers.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = () => {
      if (!ready()) return;
      clearTimeout(timer);
      wakers.delete(check);
      resolve();
    };
    wakers.add(check);
    check();
  });
}

/** A replica's environment: live mode against `emulators`, sharing `redisUrl` (null: no Redis). */
export function replicaEnv(
  emulators: EmulatorSet,
  redisUrl: string | null,
  pollMs: number,
): Record<string, string> {
  return {
    ...emulatorEnvironment(emulators),
    // Polling across replicas is what these tests watch: no job events (the emulators publish
    // only their demo's progressing jobs, so a queue would leave the other moving jobs to the
    // reconcile reads every JOBGRAPH_EVENT_RECONCILE_SECONDS).
    JOBGRAPH_EVENT_QUEUES: '',
    HOST: '127.0.0.1',
    PORT: '0',
    JOBGRAPH_JWT_SECRET: SHARED_SECRET,
    JOBGRAPH_WATCH_POLL_MS: String(pollMs),
    JOBGRAPH_WATCH_MAX_POLL_MS: String(pollMs),
    // Redis calls get far more than the 250 ms default: on a busy machine some took longer.
    JOBGRAPH_CACHE_OP_TIMEOUT_MS: '2000',
    JOBGRAPH_SHUTDOWN_GRACE_MS: '1000',
    ...(redisUrl
      ? {
          JOBGRAPH_CACHE_URL: redisUrl,
          JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
          // Each replica on a history file of its own, said as an operator must say it.
          JOBGRAPH_HISTORY_PRIVATE: '1',
        }
      : {}),
  };
}

/** Start `count` replicas one after the other. */
export async function startReplicas(
  count: number,
  env: Record<string, string>,
): Promise<LiveProcess[]> {
  const out: LiveProcess[] = [];
  for (let i = 0; i < count; i++) out.push(await startLiveProcess(env));
  return out;
}

/** The pid in a replica ID (`<hostname>:<pid>:<random>`, src/cache/redisPollLeases.ts). */
export function pidOfReplicaId(replicaId: string): number {
  return Number(replicaId.split(':').at(-2));
}

/** A bearer token of its own subject (the per-caller caps count subjects). */
export function watcherToken(subject: string, scopes = ['jobs:read']): Promise<string> {
  return mintToken({ secret: SHARED_SECRET, scopes, subject });
}

/** A bearer token of `subject` granted every account (`accounts: ['*']`), as the action tests' callers hold. */
export function everyAccountToken(subject: string, scopes: string[]): Promise<string> {
  return mintToken({ secret: SHARED_SECRET, scopes, accounts: ['*'], subject });
}

/** The on-call writer `oncall-ann` (jobs:read, jobs:write) and a reader (jobs:read), both of every account. */
export async function writerAndReader(
  reader = 'reader-bob',
): Promise<{ writer: string; reader: string }> {
  return {
    writer: await everyAccountToken('oncall-ann', ['jobs:read', 'jobs:write']),
    reader: await everyAccountToken(reader, ['jobs:read']),
  };
}

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

/**
 * One subscriber of `jobUpdates(ids)` through an official client on its defaults (retries
 * included): graphql-sse (distinct connections) or graphql-ws. Keeps each job's last state.
 */
export class Watcher extends WatchedUpdates {
  readonly states = new Map<string, string>();
  private readonly dispose: () => void;

  constructor(
    name: string,
    transport: 'sse' | 'ws',
    url: string,
    token: string,
    readonly ids: readonly string[],
  ) {
    super(name);
    const authorization = `Bearer ${token}`;
    const payload = { query: QUERY, variables: { ids } };
    if (transport === 'sse') {
      const client: SseClient = createSseClient({ url, headers: { Authorization: authorization } });
      const stop = client.subscribe(payload, this.sink);
      this.dispose = () => {
        stop();
        client.dispose();
      };
    } else {
      const client: WsClient = createWsClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { Authorization: authorization },
      });
      const stop = client.subscribe(payload, this.sink);
      this.dispose = () => {
        stop();
        // Disposed while reconnecting (its replica is gone), it rejects with a close event.
        Promise.resolve(client.dispose()).catch(() => undefined);
      };
    }
  }

  /** Whether every watched job's last state is `state`. */
  all(state: string): boolean {
    return this.ids.every((id) => this.states.get(id) === state);
  }

  close(): void {
    this.dispose();
  }

  protected override received(update: JobUpdate): void {
    super.received(update);
    this.states.set(update.id, update.state);
  }

  protected override seen(): object {
    return { states: Object.fromEntries(this.states) };
  }
}

/**
 * `count` watchers of `ids`, the i-th on `urls[i % urls.length]`, alternating graphql-sse and
 * graphql-ws, each its own caller and handed to `opened` as it opens (to close it whatever comes
 * next); resolves once each has every job's first event, within `timeoutMs`.
 */
export async function openWatchers(
  urls: readonly string[],
  ids: readonly string[],
  count: number,
  timeoutMs: number,
  opened: (w: Watcher) => void = () => undefined,
): Promise<Watcher[]> {
  const watchers: Watcher[] = [];
  for (let i = 0; i < count; i++) {
    const transport = i % 2 === 0 ? 'sse' : 'ws';
    const url = urls[i % urls.length] as string;
    const client = transport === 'sse' ? 'graphql-sse' : 'graphql-ws';
    const token = await watcherToken(`watcher-${i}`);
    const w = new Watcher(`watcher ${i} (${client} on ${url})`, transport, url, token, ids);
    watchers.push(w);
    opened(w);
  }
  await Promise.all(
    watchers.map((w) =>
      w.until('a first event per job', () => w.states.size === ids.length, timeoutMs),
    ),
  );
  return watchers;
}

/** Each job's poll lease holder (replica ID), read from the Redis at `url`. */
export async function leaseHolders(
  url: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const client = createRedisClient({ url });
  await client.connect();
  try {
    const out = new Map<string, string>();
    for (const id of ids) {
      const holder = leaseHolderOf(await client.get(`${POLL_LEASE_PREFIX}${id}`));
      if (holder) out.set(id, holder);
    }
    return out;
  } finally {
    client.destroy();
  }
}

/**
 * The poll period the pollers achieve on this machine now, in ms: the median gap between two calls
 * of one job among `calls` (the wait, ±10 %, plus the call and the timers' lateness). On a busy
 * machine it is longer than the configured interval; bounds in intervals are checked against it.
 */
export function achievedInterval(calls: Map<string, number[]>, pollMs: number): number {
  const gaps: number[] = [];
  for (const times of calls.values())
    for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
  gaps.sort((a, b) => a - b);
  return Math.max(pollMs, gaps[gaps.length >> 1] ?? pollMs);
}

/** Upstream calls per job per poll interval over a window of `calls` calls, waited for (never slept). */
export async function callsPerJobPerInterval(
  log: CallLog,
  jobs: number,
  pollMs: number,
  calls: number,
  timeoutMs: number,
): Promise<number> {
  const from = log.calls.length;
  const t0 = performance.now();
  await log.until(from + calls, timeoutMs);
  const elapsed = performance.now() - t0;
  return calls / jobs / (elapsed / pollMs);
}

/** One replica's Prometheus text. */
export async function metricsOf(url: string): Promise<string> {
  const res = await fetch(url.replace(/\/graphql$/, '/metrics'));
  return res.text();
}

/** The value of one sample in Prometheus text (`name` or `name{labels}`), or 0. */
export function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** Resolves once `proc` has printed `count` lines matching `pattern` on stdout; rejects after `timeoutMs`. */
export function untilLogged(
  proc: LiveProcess,
  pattern: RegExp,
  timeoutMs: number,
  count = 1,
): Promise<void> {
  const matches = () => proc.output.stdout.split('\n').filter((l) => pattern.test(l)).length;
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (matches() < count) return;
      clearTimeout(timer);
      proc.child.stdout.off('data', check);
      resolve();
    };
    const timer = setTimeout(() => {
      proc.child.stdout.off('data', check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in the log`));
    }, timeoutMs);
    // Registered after liveProcess's own listener, so `output.stdout` already holds the chunk.
    proc.child.stdout.on('data', check);
    check();
  });
}

/** Lines of `proc`'s log that match `pattern`. */
export function logged(proc: LiveProcess, pattern: RegExp): string[] {
  return proc.output.stdout.split('\n').filter((l) => pattern.test(l));
}
