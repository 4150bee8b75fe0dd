import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, watch } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import type { LiveProcess } from '../support/liveProcess.ts';
import { pidFileWritten } from '../support/pidFile.ts';
import { freePort } from '../support/rawHttp.ts';
import { movableImportExportJob, WatchedUpdates } from '../support/subscriptions.ts';
import {
  kill,
  logged,
  metricsOf,
  redisServerMissing,
  replicaEnv,
  sample,
  startRedisServer,
  startReplicas,
  watcherToken,
  type RedisServer,
} from './clusterSupport.ts';

// graphql-sse's single connection mode across three real replicas (the compiled CLI, live mode
// against this process's emulators) that share one real redis-server, behind Debian's nginx with
// a plain round-robin upstream: no affinity of any kind, so the reservation, its event stream and
// each operation and stop land on different replicas. The client is the official one with
// `singleConnection: true`, on its defaults otherwise.

const NGINX_BIN = '/usr/sbin/nginx';
const noNginx = existsSync(NGINX_BIN) ? null : `${NGINX_BIN} is missing (apt-get install nginx)`;
const noRedis = redisServerMissing();
const skipped = noNginx ?? noRedis;
if (skipped)
  console.warn(
    `test/subscriptions/singleConnectionCluster.e2e.test.ts is SKIPPED: ${skipped.split(':')[0]}`,
  );

const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';

/** nginx in front of `ports`, round-robin and nothing else; its access log names each request's method, status and replica. */
interface RoundRobin {
  url: string;
  /** Resolves with the access-log lines once one matches `pattern` (nginx writes a line when its response ends). */
  untilLogged(pattern: RegExp): Promise<string[]>;
  stop(): Promise<void>;
}

async function startRoundRobin(ports: number[]): Promise<RoundRobin> {
  const dir = await mkdtemp(join(tmpdir(), 'jobgraph-rr-'));
  // Run as root, nginx's workers are `nobody`: they must reach the temp directories below.
  await chmod(dir, 0o755);
  const pidFile = join(dir, 'nginx.pid');
  const accessLog = join(dir, 'access.log');
  await writeFile(accessLog, '');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(
      join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${pidFile};
error_log stderr warn;
events { worker_connections 256; }
http {
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  log_format rr '$request_method $status upstream=$upstream_addr';
  upstream replicas {
${ports.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${port};
    access_log ${accessLog} rr;
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`,
    );
    const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit');
    const started = await pidFileWritten(pidFile, exited);
    if (started)
      return {
        url: `http://127.0.0.1:${port}/graphql`,
        untilLogged: (pattern) =>
          new Promise<string[]>((resolve) => {
            const log = watch(accessLog);
            const check = () => {
              const lines = readFileSync(accessLog, 'utf8').split('\n').filter(Boolean);
              if (!lines.some((l) => pattern.test(l))) return;
              log.close();
              resolve(lines);
            };
            log.on('change', check);
            check();
          }),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    if (!/Address already in use/.test(stderr)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('nginx did not start: no free port after 5 attempts');
}

describe.skipIf(skipped !== null)(
  'graphql-sse single connection mode across three replicas behind a plain round-robin proxy',
  () => {
    let emulators: EmulatorSet;
    let redis: RedisServer;
    let replicas: LiveProcess[] = [];
    let proxy: RoundRobin;

    beforeAll(async () => {
      emulators = await startEmulators();
      redis = await startRedisServer();
      replicas = await startReplicas(3, replicaEnv(emulators, redis.url, 50));
      proxy = await startRoundRobin(replicas.map((r) => r.port));
    });

    afterAll(async () => {
      await proxy?.stop();
      await Promise.all(replicas.map((r) => kill(r.child)));
      if (redis) await kill(redis.child);
      await emulators?.close();
    });

    it('serves a reservation, its stream, several subscriptions, a query and a stop, each on whichever replica it reaches', async () => {
      const finishing = movableImportExportJob('PNDG1');
      const stopped = movableImportExportJob('INPG1');
      const token = await watcherToken('single-connection-across-replicas');
      const client = createClient({
        url: proxy.url,
        singleConnection: true,
        headers: { Authorization: `Bearer ${token}` },
      });
      try {
        const a = new WatchedUpdates('subscription A');
        const b = new WatchedUpdates('subscription B');
        const query = new WatchedUpdates('query');
        let answer: unknown;
        client.subscribe({ query: WATCH, variables: { ids: [finishing.id] } }, a.sink);
        const stopB = client.subscribe({ query: WATCH, variables: { ids: [stopped.id] } }, b.sink);
        client.subscribe(
          { query: '{ job(id: "importexport:CMPL1") { id state } }' },
          {
            next: (value) => {
              answer = value;
              query.sink.next({});
            },
            error: query.sink.error,
            complete: query.sink.complete,
          },
        );
        await Promise.all([
          a.until('its first event', () => a.updates.length === 1, 60_000),
          b.until('its first event', () => b.updates.length === 1, 60_000),
          query.until('complete', () => query.completed, { timeoutMs: 60_000, mayEnd: true }),
        ]);
        expect(answer).toEqual({ data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } } });
        expect(a.updates).toEqual([{ id: finishing.id, state: 'QUEUED' }]);
        expect(b.updates).toEqual([{ id: stopped.id, state: 'IN_PROGRESS' }]);

        // Every subscription runs where the stream is, whichever replica it was sent to.
        const started = replicas.map((r) => logged(r, /"mode":"single".*"subscription started"/));
        const streamReplica = started.findIndex((lines) => lines.length === 2);
        expect(started.map((lines) => lines.length).sort()).toEqual([0, 0, 2]);
        const stream = replicas[streamReplica] as LiveProcess;
        // At least one was relayed there by another replica (round-robin never sends three requests in a row to one).
        const relayedTo = replicas.map((r) => logged(r, /"relayed":true.*"subscription started"/));
        expect(relayedTo[streamReplica]?.length).toBeGreaterThanOrEqual(1);
        const relays = replicas.map(
          (r) => logged(r, /"status":202.*relayed to the replica holding its stream/).length,
        );
        expect(relays[streamReplica]).toBe(0);
        expect(relays.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(1);

        // The job finishes upstream: its subscription gets the last state and completes.
        finishing.setProgress('Complete');
        await a.until('complete', () => a.completed, 60_000);
        expect(a.updates).toEqual([
          { id: finishing.id, state: 'QUEUED' },
          { id: finishing.id, state: 'SUCCEEDED' },
        ]);

        // Disposed by the client: its DELETE stops it on the stream's replica, wherever it lands.
        stopB();
        await proxy.untilLogged(/^DELETE 200 /);
        await expect
          .poll(async () => sample(await metricsOf(stream.url), 'jobgraph_subscriptions_open'), {
            timeout: 60_000,
          })
          .toBe(0);
        // (The client completes a subscription it disposed of itself.)
        expect({ updates: b.updates, errors: b.errors }).toEqual({
          updates: [{ id: stopped.id, state: 'IN_PROGRESS' }],
          errors: [],
        });
      } finally {
        client.dispose();
        finishing.restore();
        stopped.restore();
      }

      // The connection's requests as nginx sent them: one reservation, one stream, three
      // operations and a stop, spread over all three replicas, the stream away from its reservation.
      const lines = await proxy.untilLogged(/^GET 200 /);
      const replicaOf = (line: string) =>
        replicas.findIndex((r) => line.endsWith(`upstream=127.0.0.1:${r.port}`));
      const byMethod = (method: string) =>
        lines.filter((l) => l.startsWith(`${method} `)).map((l) => [l.split(' ')[1], replicaOf(l)]);
      const [reservation] = byMethod('PUT');
      const [streamRequest] = byMethod('GET');
      expect(byMethod('PUT')).toEqual([['201', expect.any(Number)]]);
      expect(byMethod('GET')).toEqual([['200', expect.any(Number)]]);
      expect(byMethod('POST')).toEqual([
        ['202', expect.any(Number)],
        ['202', expect.any(Number)],
        ['202', expect.any(Number)],
      ]);
      expect(reservation?.[1]).not.toBe(streamRequest?.[1]);
      expect(new Set(lines.map(replicaOf))).toEqual(new Set([0, 1, 2]));
    });
  },
);
