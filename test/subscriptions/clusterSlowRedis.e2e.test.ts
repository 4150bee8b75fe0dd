import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createRedisClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import type { LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import {
  CallLog,
  kill,
  logged,
  metricsOf,
  openWatchers,
  replicaEnv,
  sample,
  startRedisServer,
  startReplicas,
  synthesizeJobs,
  watchedJobs,
  type RedisServer,
  type Watcher,
} from './clusterSupport.ts';

// Two real replicas (the compiled CLI) share one real redis-server through a slow link: every
// answer of Redis reaches a replica at LINK_BYTES_PER_SECOND a connection, so a 1-key call takes
// a moment and a call of a hundred claims, each with the last poll a new watcher asks for, takes
// longer than one op timeout (OP_TIMEOUT_MS). The leases must hold: no replica may take that
// Redis for down and poll every job it watches itself (issue 88 item 6's flapping).

/** The poll interval and its ceiling: each job is due every interval. */
const POLL_MS = 5000;
/** Watched jobs: half Import/Export (records with secrets, shared stripped), half HealthOmics. */
const JOBS = 400;
/** The most jobs a subscription asks for (JOBGRAPH_MAX_JOBS_PER_REQUEST's default). */
const PER_WATCH = 100;
const LINK_BYTES_PER_SECOND = 100_000;
/** The op timeout: long enough for a 1-key call on a busy machine, not for a hundred claims' answer. */
const OP_TIMEOUT_MS = 1000;
const LONG = 120_000;
const UNAVAILABLE_LINE = /poll leases: Redis is unavailable/;

const redisServer = realPart('redis-server');

/** A loopback TCP proxy to `port` whose answers pass at `bytesPerSecond` a connection, in order. */
async function slowLink(port: number, bytesPerSecond: number) {
  const sockets = new Set<net.Socket>();
  const link = { biggest: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.once('close', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream);
    const queue: Buffer[] = [];
    const pump = () => {
      const chunk = queue[0];
      if (!chunk) return;
      setTimeout(
        () => {
          queue.shift();
          if (!client.destroyed) client.write(chunk);
          pump();
        },
        (chunk.length / bytesPerSecond) * 1000,
      );
    };
    upstream.on('data', (chunk: Buffer) => {
      link.biggest = Math.max(link.biggest, chunk.length);
      if (queue.push(chunk) === 1) pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    link,
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The scripts redis-server has run so far (INFO commandstats). */
async function evals(url: string): Promise<number> {
  const client = createRedisClient({ url });
  await client.connect();
  try {
    return Number(/cmdstat_eval:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0);
  } finally {
    client.destroy();
  }
}

describe.skipIf(redisServer.skip)(
  'Replicas sharing a slow Redis (JOBGRAPH_CACHE_URL)',
  { timeout: 300_000 },
  () => {
    let redis: RedisServer | undefined;
    let link: Awaited<ReturnType<typeof slowLink>> | undefined;
    let emulators: EmulatorSet | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-slow-redis-'));
    const processes: LiveProcess[] = [];
    const watchers: Watcher[] = [];

    beforeAll(async () => {
      redis = await startRedisServer();
      link = await slowLink(redis.port, LINK_BYTES_PER_SECOND);
      emulators = await startEmulators();
      synthesizeJobs(emulators);
    });

    afterAll(async () => {
      for (const w of watchers) w.close();
      for (const p of processes) await kill(p.child);
      await link?.close();
      if (redis) await kill(redis.child);
      await emulators?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Watchers of every job on `url`, a subscription of PER_WATCH jobs each, once each has its first events. */
    const watchAll = async (url: string, ids: readonly string[]) => {
      for (let at = 0; at < ids.length; at += PER_WATCH)
        await openWatchers([url], ids.slice(at, at + PER_WATCH), 1, LONG, (w) => watchers.push(w));
    };

    it("keeps the leases through a burst of claims that a slow Redis answers past one op's timeout: no replica polls alone", async () => {
      const env = { ...replicaEnv(emulators!, link!.url, POLL_MS) };
      env.JOBGRAPH_CACHE_OP_TIMEOUT_MS = String(OP_TIMEOUT_MS);
      // Each replica on a history file of its own, under the test's temporary folder.
      const [a, b] = [
        ...(await startReplicas(1, { ...env, JOBGRAPH_HISTORY_URL: `sqlite:${dir}/a.sqlite` })),
        ...(await startReplicas(1, { ...env, JOBGRAPH_HISTORY_URL: `sqlite:${dir}/b.sqlite` })),
      ];
      processes.push(a!, b!);
      const jobs = watchedJobs(8, JOBS);
      const log = new CallLog(emulators!, jobs);
      try {
        // Replica a watches every job first: it takes every lease and polls.
        await watchAll(a!.url, jobs.ids);
        // Replica b's watchers come: its pollers claim together, each asking for the last poll.
        const evalsBefore = await evals(redis!.url);
        const callsBefore = log.calls.length;
        await watchAll(b!.url, jobs.ids);
        const claimCalls = (await evals(redis!.url)) - evalsBefore;
        // Two intervals more: each job is called by its holder alone.
        const windowFrom = log.calls.length;
        await log.until(windowFrom + 2 * JOBS, LONG, 'two intervals of polls');
        const perJob = [...log.between(windowFrom, log.calls.length).values()].map((t) => t.length);
        const alone = await Promise.all([a!, b!].map(async (p) => metricsOf(p.url)));
        process.stderr.write(
          `[slow redis] while b's watchers came: ${claimCalls} script calls (b's claims, a's shares); upstream calls meanwhile: ${log.calls.length - callsBefore}; at most ${Math.max(...perJob)} calls a job in two intervals; biggest chunk ${link!.link.biggest} B\n`,
        );
        expect([a!, b!].map((p) => logged(p, UNAVAILABLE_LINE))).toEqual([[], []]);
        for (const text of alone)
          expect(sample(text, 'jobgraph_watch_pollers_by_role{role="alone"}')).toBe(0);
        // b took no job's lease (a holds them all) and called upstream for none of its first events.
        expect(sample(alone[1]!, 'jobgraph_watch_pollers_by_role{role="holder"}')).toBe(0);
        expect(sample(alone[1]!, 'jobgraph_watch_polls_total{role="alone"}')).toBe(0);
        // Two intervals, one holder a job: at most 3 calls a job (a poll may fall due at each edge).
        expect(Math.max(...perJob)).toBeLessThanOrEqual(3);
      } finally {
        log.close();
      }
    });
  },
);
