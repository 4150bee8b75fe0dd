import { randomBytes } from 'node:crypto';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { movableImportExportJob, WatchedUpdates } from '../support/subscriptions.ts';
import { realPart } from '../support/realParts.ts';
import { freePort } from '../support/rawHttp.ts';
import { TestDns } from './support/dns.ts';
import { shippedReplicaNames, startNginx, type NginxProcess } from './support/nginx.ts';
import { startRedis, type RedisProcess } from './support/redis.ts';

// The kit's nginx configuration (deploy/nginx/main.conf, deploy/nginx.conf, the shipped
// replicas.conf), unchanged, in Debian's nginx, in front of three real jobgraph processes (live
// mode, the compiled CLI) that share one emulator set run by this test process, so every replica
// answers the same upstream jobs and the test moves a job by hand. The replicas share what a
// cluster must: the token key, the cursor key, and (when redis-server is installed) one Redis.
// nginx finds them by the names compose gives them, through a DNS server of the test's own that
// plays compose's: each replica on its own loopback address (127.0.0.11…), all on one port.
// The tests run in order on the one cluster; the last ones kill a replica, restart nginx without
// it, and bring it back on a new address.

const nginxPart = realPart('nginx');
// Without redis-server (and outside CI) the replicas run without a shared Redis.
const redisPart = realPart('redis-server');

const NAMES = shippedReplicaNames();
/** Each replica's loopback address, by index; a replica brought back gets a new one. */
const address = (n: number) => `127.0.0.${11 + n}`;

const JWT_SECRET = randomBytes(32).toString('base64url');
const CURSOR_SECRET = randomBytes(32).toString('base64url');
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

/** One official client's subscription, and the replica it was first served by. */
class Watcher extends WatchedUpdates {
  /** The replica its subscription was first served by (index into the replicas). */
  replica = -1;

  constructor(
    name: string,
    readonly transport: 'sse' | 'ws',
  ) {
    super(name);
  }
}

describe.skipIf(nginxPart.skip)(
  'deploy/nginx.conf in Debian nginx, in front of three jobgraph replicas',
  () => {
    let emulators: EmulatorSet;
    let dns: TestDns;
    let replicaPort: number;
    /** Each replica's current address: null while it is stopped and its name gone. */
    const addresses: (string | null)[] = [];
    let env: Record<string, string>;
    let redis: RedisProcess | undefined;
    const replicas: LiveProcess[] = [];
    let nginx: NginxProcess;
    /** The replica the SIGKILL test killed. */
    let stopped: number | undefined;
    let graphqlUrl: string;
    let authorization: string;
    const cleanups: (() => unknown)[] = [];

    /** Resolves with the index of the replica whose stdout shows `pattern` (already or later). */
    const servedBy = (pattern: RegExp): Promise<number> =>
      new Promise((resolve) => {
        const listeners: [LiveProcess, () => void][] = [];
        const done = (i: number) => {
          for (const [p, l] of listeners) p.child.stdout.off('data', l);
          resolve(i);
        };
        replicas.forEach((p, i) => {
          const check = () => pattern.test(p.output.stdout) && done(i);
          listeners.push([p, check]);
          p.child.stdout.on('data', check);
        });
        const found = replicas.findIndex((p) => pattern.test(p.output.stdout));
        if (found >= 0) done(found);
      });

    /** How many subscriptions each replica has logged as started. */
    const subscriptionsStarted = (): number[] =>
      replicas.map((p) => p.output.stdout.match(/"msg":"subscription started"/g)?.length ?? 0);

    /** Resolves once the replicas have logged `total` subscriptions started between them. */
    const untilSubscriptionsStarted = (total: number): Promise<number[]> =>
      new Promise((resolve) => {
        const check = () => {
          const counts = subscriptionsStarted();
          if (counts.reduce((a, b) => a + b, 0) < total) return;
          for (const p of replicas) p.child.stdout.off('data', check);
          resolve(counts);
        };
        for (const p of replicas) p.child.stdout.on('data', check);
        check();
      });

    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization, ...headers },
        body: JSON.stringify(body),
      });

    /** graphql-sse on its defaults (distinct connections, 5 retries), as an app makes it; or in single connection mode. */
    const sseClient = (singleConnection = false) => {
      const client = createSseClient({
        url: graphqlUrl,
        headers: { Authorization: authorization },
        ...(singleConnection ? { singleConnection } : {}),
      });
      cleanups.push(() => client.dispose());
      return client;
    };

    /** graphql-ws on its defaults, from a page nginx served (Origin: nginx's own address). */
    const wsClient = () => {
      const origin = `http://127.0.0.1:${nginx.port}`;
      class PageWebSocket extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { origin });
        }
      }
      const client = createWsClient({
        url: graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: PageWebSocket,
        connectionParams: { Authorization: authorization },
      });
      cleanups.push(() => client.dispose());
      return client;
    };

    /** Tell the test DNS where the replicas are: each by its own name, all by the pool's. */
    const publish = () => {
      NAMES.replicas.forEach((name, i) => dns.set(name, addresses[i] ? [addresses[i]] : []));
      dns.set(
        NAMES.pool,
        addresses.filter((a): a is string => a !== null),
      );
    };

    beforeAll(async () => {
      emulators = await startEmulators();
      dns = await TestDns.start();
      if (!redisPart.skip) redis = await startRedis();
      replicaPort = await freePort();
      env = {
        ...emulatorEnvironment(emulators),
        PORT: String(replicaPort),
        JOBGRAPH_JWT_SECRET: JWT_SECRET,
        JOBGRAPH_CURSOR_SECRET: CURSOR_SECRET,
        // Poll fast, so a job the test moves is seen at once.
        JOBGRAPH_WATCH_POLL_MS: '50',
        JOBGRAPH_WATCH_MAX_POLL_MS: '50',
        JOBGRAPH_SHUTDOWN_GRACE_MS: '3000',
        // Spans printed on stdout, so the test sees which trace a request continued.
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        ...(redis
          ? {
              JOBGRAPH_CACHE_URL: redis.url,
              JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
              JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
              // Each replica on a history file of its own, said as an operator must say it.
              JOBGRAPH_HISTORY_PRIVATE: '1',
            }
          : {}),
      };
      expect(NAMES.replicas).toHaveLength(3);
      const started = await Promise.all(
        NAMES.replicas.map((_, i) => startLiveProcess({ ...env, HOST: address(i) })),
      );
      replicas.push(...started);
      addresses.push(...NAMES.replicas.map((_, i) => address(i)));
      publish();
      nginx = await startNginx({ resolver: `127.0.0.1:${dns.port}`, replicaPort });
      graphqlUrl = `http://127.0.0.1:${nginx.port}/graphql`;
      authorization = `Bearer ${await mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'] })}`;
    });

    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await nginx?.stop();
      await Promise.all(
        replicas.map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
          await p.exited;
        }),
      );
      await redis?.stop();
      await dns?.close();
      await emulators?.close();
    });

    it('answers a query through nginx, passing the caller’s X-Request-Id and traceparent on to the replica', async () => {
      const traceId = randomBytes(16).toString('hex');
      const res = await post(
        { query: '{ job(id: "importexport:CMPL1") { id state } }' },
        { 'x-request-id': 'deploy-query-1', traceparent: `00-${traceId}-${'ab'.repeat(8)}-01` },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('deploy-query-1');
      expect(await res.json()).toEqual({
        data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } },
      });
      // The replica that served it logged the request under that ID and continued that trace.
      const replica = await servedBy(/"requestId":"deploy-query-1"/);
      await servedBy(new RegExp(traceId));
      expect(replicas[replica]?.output.stdout).toMatch(new RegExp(traceId));
    });

    it('gives a request without an X-Request-Id nginx’s own, the one jobgraph echoes and nginx logs', async () => {
      const res = await post({ query: '{ __typename }' });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id
      await servedBy(new RegExp(`"requestId":"${id}"`));
      expect(await nginx.logged(new RegExp(`request_id=${id}`))).toMatch(
        new RegExp(`upstream=127\\.0\\.0\\.1[123]:${replicaPort}`),
      );
    });

    it('leaves an over-size body to jobgraph, which answers it with its own error (nginx’s limit is above jobgraph’s 1 MiB)', async () => {
      const padding = 'x'.repeat(1024 * 1024);
      const res = await post({ query: '{ __typename }', variables: { padding } });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/json/);
      const body = (await res.json()) as { errors: { message: string }[] };
      expect(body.errors[0]?.message).toMatch(/^Request body is larger than 1048576 bytes/);
    });

    it('keeps /metrics and /readyz from the public however they are spelled (403 at nginx; scrape and probe the replicas directly)', async () => {
      // Each spelling jobgraph itself would route to the same handler.
      for (const path of [
        '/metrics',
        '/readyz',
        '/READYZ',
        '/readyz/',
        '/Metrics/',
        '/%72eadyz',
        '//readyz',
        '/readyz?x=1',
      ]) {
        const res = await fetch(`http://127.0.0.1:${nginx.port}${path}`);
        expect(res.status, path).toBe(403);
        await res.body?.cancel();
      }
      // Liveness stays reachable: it says ok or not and nothing else about the deployment.
      const alive = await fetch(`http://127.0.0.1:${nginx.port}/healthz`);
      expect(alive.status).toBe(200);
      await alive.body?.cancel();
    });

    it('streams jobUpdates event by event over SSE (graphql-sse, both modes) and WebSocket (graphql-ws), through to completion', async () => {
      const job = movableImportExportJob('PNDG1');
      try {
        const payload = { query: WATCH, variables: { ids: [job.id] } };
        const sse = new Watcher('graphql-sse', 'sse');
        const ws = new Watcher('graphql-ws', 'ws');
        // Its reservation, stream and operation may each reach another replica: they share
        // reservations through Redis (without it, single connection mode needs affinity).
        const single = redis ? new Watcher('graphql-sse in single connection mode', 'sse') : null;
        const all = single ? [sse, single, ws] : [sse, ws];
        cleanups.push(
          sseClient().subscribe(payload, sse.sink),
          wsClient().subscribe(payload, ws.sink),
          ...(single ? [sseClient(true).subscribe(payload, single.sink)] : []),
        );
        // The first event arrives while the job is still queued and the stream open: nothing
        // between the replica and the client held it back.
        await Promise.all(all.map((w) => w.until('its first event', () => w.updates.length === 1)));
        expect(all.map((w) => w.completed)).toEqual(all.map(() => false));
        job.setProgress('Complete');
        await Promise.all(all.map((w) => w.until('complete', () => w.completed)));
        for (const w of all)
          expect({ name: w.name, updates: w.updates, errors: w.errors }).toEqual({
            name: w.name,
            updates: [
              { id: job.id, state: 'QUEUED' },
              { id: job.id, state: 'SUCCEEDED' },
            ],
            errors: [],
          });
      } finally {
        job.restore();
      }
    });

    it('walks listJobs page by page across replicas: a cursor one replica made is taken by another', async () => {
      const LIST = `query($after: String) {
        listJobs(first: 10, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
      }`;
      type Page = {
        data?: {
          listJobs: {
            nodes: { id: string }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        };
        errors?: unknown[];
      };
      let requests = 0;
      /** One page, and the replica that served it (found by its request ID in that replica's log). */
      const page = async (after: string | null): Promise<{ body: Page; replica: number }> => {
        const id = `deploy-list-${++requests}`;
        const res = await post({ query: LIST, variables: { after } }, { 'x-request-id': id });
        const body = (await res.json()) as Page;
        return { body, replica: await servedBy(new RegExp(`"requestId":"${id}"`)) };
      };

      // Three pages of 10, each next page asked until a replica other than the one that made its
      // cursor serves it (nginx sends consecutive requests to different replicas; this makes sure).
      const ids: string[] = [];
      const servedPages: number[] = [];
      let after: string | null = null;
      for (let n = 0; n < 3; n++) {
        let current = await page(after);
        for (let tries = 1; n > 0 && current.replica === servedPages[n - 1] && tries < 6; tries++)
          current = await page(after);
        expect(current.body.errors).toBeUndefined();
        const list = current.body.data?.listJobs;
        if (!list) throw new Error(`no listJobs: ${JSON.stringify(current.body)}`);
        expect(list.pageInfo.hasNextPage).toBe(true);
        ids.push(...list.nodes.map((node) => node.id));
        servedPages.push(current.replica);
        after = list.pageInfo.endCursor;
      }
      expect(servedPages[1]).not.toBe(servedPages[0]);
      expect(servedPages[2]).not.toBe(servedPages[1]);

      // The same jobs in the same order as one page of 30.
      const whole = (await (
        await post({ query: 'query { listJobs(first: 30) { nodes { id } } }' })
      ).json()) as { data: { listJobs: { nodes: { id: string }[] } } };
      expect(ids).toHaveLength(30);
      expect(ids).toEqual(whole.data.listJobs.nodes.map((node) => node.id));
    });

    it('lets the watchers of a SIGKILLed replica reconnect through nginx, on their defaults, and see their job finish', async () => {
      // A job no earlier test watched (a finished job is cached), made pending.
      const job = movableImportExportJob('USPS1');
      job.setProgress('Pending');
      try {
        const payload = { query: WATCH, variables: { ids: [job.id] } };
        const watchers: Watcher[] = [];
        let started = subscriptionsStarted().reduce((a, b) => a + b, 0);
        // Open watchers one at a time, each found on the replica that logged it, until one replica
        // serves both an SSE and a WebSocket watcher.
        const victim = async (): Promise<number> => {
          for (let n = 0; n < 9; n++) {
            const transport = n % 2 === 0 ? 'sse' : 'ws';
            const w = new Watcher(`${transport} watcher ${n}`, transport);
            const before = subscriptionsStarted();
            cleanups.push(
              (transport === 'sse' ? sseClient() : wsClient()).subscribe(payload, w.sink),
            );
            await w.until('its first event', () => w.updates.length === 1);
            const after = await untilSubscriptionsStarted(++started);
            w.replica = after.findIndex((count, i) => count > (before[i] as number));
            watchers.push(w);
            const both = [0, 1, 2].find((r) =>
              ['sse', 'ws'].every((t) =>
                watchers.some((x) => x.replica === r && x.transport === t),
              ),
            );
            if (both !== undefined) return both;
          }
          throw new Error('no replica got both an SSE and a WebSocket watcher');
        };
        const killed = await victim();
        stopped = killed;
        const orphans = watchers.filter((w) => w.replica === killed);
        const others = watchers.filter((w) => w.replica !== killed);

        const replica = replicas[killed] as LiveProcess;
        const startedOnOthers = started - (subscriptionsStarted()[killed] as number);
        replica.child.kill('SIGKILL');
        expect(await replica.exited).toEqual([null, 'SIGKILL']);
        // Each watcher of the killed replica reconnects through nginx by itself (graphql-sse and
        // graphql-ws retry a dropped stream on their defaults) and gets the job's state again.
        await Promise.all(
          orphans.map((w) => w.until('the current state again', () => w.updates.length === 2)),
        );
        // The job finishes upstream: every watcher sees it, wherever it now is.
        job.setProgress('Complete');
        await Promise.all(watchers.map((w) => w.until('complete', () => w.completed)));
        const queued = { id: job.id, state: 'QUEUED' };
        const succeeded = { id: job.id, state: 'SUCCEEDED' };
        for (const w of orphans)
          expect({ name: w.name, updates: w.updates, errors: w.errors }).toEqual({
            name: w.name,
            updates: [queued, queued, succeeded],
            errors: [],
          });
        for (const w of others)
          expect({ name: w.name, updates: w.updates, errors: w.errors }).toEqual({
            name: w.name,
            updates: [queued, succeeded],
            errors: [],
          });
        // The reconnections were new subscriptions on the replicas left, one per orphan.
        const counts = subscriptionsStarted();
        expect(counts.reduce((a, b) => a + b, 0) - (counts[killed] as number)).toBe(
          startedOnOthers + orphans.length,
        );
      } finally {
        job.restore();
      }
    });

    /** Queries through nginx, one at a time, each found on the replica that logged it. */
    const servedQueries = async (count: number, tag: string): Promise<number[]> => {
      const served: number[] = [];
      for (let n = 0; n < count; n++) {
        const id = `deploy-${tag}-${n}`;
        const res = await post(
          { query: '{ job(id: "importexport:CMPL1") { id state } }' },
          { 'x-request-id': id },
        );
        expect(res.status, `${id}: ${nginx.stderr()}`).toBe(200);
        expect(await res.json()).toEqual({
          data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } },
        });
        served.push(await servedBy(new RegExp(`"requestId":"${id}"`)));
      }
      return served;
    };

    /** The replica the previous test killed, or one stopped here when it did not get so far. */
    const stoppedReplica = async (): Promise<number> => {
      if (stopped !== undefined) return stopped;
      const replica = replicas[0] as LiveProcess;
      replica.child.kill('SIGKILL');
      await replica.exited;
      return (stopped = 0);
    };

    it('starts again and serves through the other two with a replica stopped: its address refusing, then its name unresolvable (`nginx -t` passes)', async () => {
      const down = await stoppedReplica();
      // Just stopped, its name still answers its old address (a resolver's cache): nginx starts
      // and tries the pool's next address when that one refuses.
      await nginx.restart();
      const first = await servedQueries(6, 'restart-stale');
      expect(first.filter((r) => r === down)).toEqual([]);
      // Its name gone, as compose's DNS does for a stopped container: once nginx resolved each
      // name at start, and a name it could not resolve stopped it ("host not found in upstream").
      addresses[down] = null;
      publish();
      const checked = nginx.check();
      expect(checked, checked.output).toMatchObject({ status: 0 });
      await nginx.restart();
      const second = await servedQueries(6, 'restart-unresolvable');
      expect(second.filter((r) => r === down)).toEqual([]);
    });

    it('follows a replica back on a new address, within the resolver’s 5 s', async () => {
      const down = await stoppedReplica();
      const back = await startLiveProcess({ ...env, HOST: address(3) });
      replicas[down] = back;
      addresses[down] = address(3);
      publish();
      // nginx keeps an answer for 5 s (`valid=5s`) and asks again when a request needs the name
      // after that: health checks through nginx (light; bounded) until it has asked again.
      let asked = false;
      void dns.nextQuery(NAMES.pool).then(() => (asked = true));
      for (let n = 0; !asked && n < 2_000; n++) {
        const res = await fetch(`http://127.0.0.1:${nginx.port}/healthz`);
        expect(res.status).toBe(200);
        await res.body?.cancel();
        if (!asked) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(asked).toBe(true);
      // The pool's answer now has the new address: requests reach the replica there too.
      const served = await servedQueries(24, 'back');
      expect(served).toContain(down);
      // Its access line: one of those queries (not a health check, which may reach it first).
      expect(
        await nginx.logged(
          new RegExp(`upstream=127\\.0\\.0\\.14:${replicaPort} .*request_id=deploy-back-`),
        ),
      ).toMatch(/request_id=deploy-back-/);
    });
  },
);
