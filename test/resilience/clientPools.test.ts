import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool, type PoolTimers } from '../../src/datasources/shared/clientPool.ts';
import {
  createAgents,
  destroyAgents,
  httpOrigin,
  httpRequest,
  type HttpOrigin,
} from '../../src/datasources/shared/http.ts';
import { COS_REGIONS } from '../../src/model/globalId.ts';
import type { FdHealth } from '../../src/http/health.ts';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { TEN_AWS_REGIONS } from '../support/regions.ts';

/** A clock and one-shot timers the test moves by hand. */
function manualTimers() {
  let now = 0;
  const due: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const timers: PoolTimers = {
    now: () => now,
    schedule(fn, ms) {
      const t = { at: now + ms, fn, cancelled: false };
      due.push(t);
      return () => (t.cancelled = true);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      const next = due.filter((t) => !t.cancelled && t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!next) return;
      due.splice(due.indexOf(next), 1);
      next.fn();
    }
  };
  return { timers, advance };
}

/** A pool of clients that are only their region, on manual timers; `destroyed` lists what it destroyed. */
function regionPool(options: { max: number; idleMs?: number }) {
  const destroyed: string[] = [];
  const { timers, advance } = manualTimers();
  const pool = new ClientPool<{ region: string }>({
    create: (region) => ({ region }),
    destroy: (c) => destroyed.push(c.region),
    ...options,
    timers,
  });
  return { pool, destroyed, advance };
}

describe('ClientPool', () => {
  it('keeps at most `max` clients and destroys the least recently used one it evicts', () => {
    const { pool, destroyed } = regionPool({ max: 2 });
    const a = pool.get('us-east-1');
    pool.get('eu-west-1');
    expect(pool.get('us-east-1')).toBe(a); // us-east-1 is now the most recently used
    pool.get('ap-southeast-2');
    expect(destroyed).toEqual(['eu-west-1']);
    expect(pool.keys()).toEqual(['us-east-1', 'ap-southeast-2']);
    pool.close();
    expect(destroyed.sort()).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    expect(pool.size).toBe(0);
  });

  it('keeps recency order through repeated use of the newest client, deletes and sweeps', () => {
    const { pool, destroyed, advance } = regionPool({ max: 3, idleMs: 60_000 });
    pool.get('a');
    pool.get('b');
    pool.get('b');
    pool.get('b');
    expect(pool.keys()).toEqual(['a', 'b']);
    pool.delete('b'); // the newest goes: using `a` again must still move it last
    pool.get('c');
    pool.get('a');
    expect(pool.keys()).toEqual(['c', 'a']);
    advance(30_000);
    pool.get('a'); // the newest, used again: its idle time starts over in place
    advance(30_000);
    expect(destroyed).toEqual(['b', 'c']);
    expect(pool.keys()).toEqual(['a']);
    advance(60_000);
    expect(pool.keys()).toEqual([]); // swept, the newest among them
    const again = pool.get('a');
    pool.get('d');
    expect(pool.get('a')).toBe(again);
    expect(pool.keys()).toEqual(['d', 'a']);
    pool.close();
  });

  it('destroys a client unused for the idle time, and keeps one in use', () => {
    const { pool, destroyed, advance } = regionPool({ max: 8, idleMs: 60_000 });
    pool.get('us-east-1');
    pool.get('eu-west-1');
    advance(30_000);
    pool.get('us-east-1');
    advance(30_000);
    expect(destroyed).toEqual(['eu-west-1']);
    advance(29_999);
    expect(destroyed).toEqual(['eu-west-1']);
    advance(1);
    expect(destroyed).toEqual(['eu-west-1', 'us-east-1']);
    expect(pool.size).toBe(0);
  });
});

describe("A provider's shared agents", () => {
  // One loopback server per port: each port is an origin of its own to the agents, as each
  // {uin}.cos-control.{region}.myqcloud.com host is. They keep idle connections open for 65 s.
  const servers: http.Server[] = [];
  const origins: HttpOrigin[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 15; i++) {
      const server = http.createServer((_req, res) => res.end('ok'));
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      origins.push(
        httpOrigin(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("hold at most maxSockets sockets over many hosts, and a new host never waits for another host's idle socket", async () => {
    const agents = createAgents(2);
    const agent = agents.http;
    // Sockets open, from the agent's documented, read-only lists (a destroyed one is closing).
    const live = () =>
      [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)]
        .flat()
        .filter((socket) => socket && !socket.destroyed).length;
    let peak = 0;
    const get = async (origin: HttpOrigin) => {
      const res = await httpRequest(
        { method: 'GET', origin, path: '/', headers: {}, timeoutMs: 30_000, maxBodyBytes: 100 },
        agents,
      );
      peak = Math.max(peak, live());
      expect(res.body).toBe('ok');
    };
    const [warmUp, ...hosts] = origins.slice(0, 13) as [HttpOrigin, ...HttpOrigin[]];
    await get(warmUp);
    for (let round = 0; round < 3; round++) {
      // Twelve hosts at once through a pool of two: all answered (none parked behind another
      // host's idle socket, which would hold it until that socket's 65 s idle timeout: past the
      // test's own timeout)…
      await Promise.all(hosts.map(get));
      // …and the pool is back within its bound.
      expect(live()).toBeLessThanOrEqual(2);
    }
    expect(peak).toBeLessThanOrEqual(2);
    destroyAgents(agents);
  });

  it('give a new host the place of an idle socket at once, and keep the idle sockets of a host asked again', async () => {
    const agents = createAgents(1);
    const [a, b] = origins.slice(13) as [HttpOrigin, HttpOrigin];
    const get = (origin: HttpOrigin) =>
      httpRequest(
        { method: 'GET', origin, path: '/', headers: {}, timeoutMs: 30_000, maxBodyBytes: 100 },
        agents,
      );
    const connections = () =>
      servers.slice(13).map((s) => new Promise<number>((r) => s.getConnections((_e, n) => r(n))));
    await get(a);
    await get(a); // a's idle socket is reused: one connection
    expect(await Promise.all(connections())).toEqual([1, 0]);
    await get(b); // a's idle socket gives b its place, not after its 65 s idle timeout
    // a's socket closed by the pool, b's open: the mechanism, seen from the servers' side.
    await expect.poll(() => Promise.all(connections())).toEqual([0, 1]);
    destroyAgents(agents);
  });
});

describe('Regional clients through HTTP', () => {
  const gw = useTestGateway({}, { bounds: { maxClientsPerProvider: 3 } });

  it('stay bounded per provider however many regions are asked for', async () => {
    const aws = [...TEN_AWS_REGIONS, 'sa-east-1', 'ca-central-1'];
    const cos = [...COS_REGIONS];
    for (const region of aws) {
      const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
        variables: {
          ids: [
            `panorama:${region}:pkgimport-x`,
            `omics:${region}:5038720581:8110394857`,
            `codepipeline:${region}:11111111-2222-4333-8444-555555555555`,
          ],
        },
        token: gw.tokens.read,
      });
      expect(res.status).toBe(200);
      for (const name of ['AWS_PANORAMA', 'AWS_OMICS', 'AWS_CODEPIPELINE'] as const)
        expect(gw.sources[name].source.clientCount?.()).toBeLessThanOrEqual(3);
    }
    for (const region of cos) {
      const res = await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
        variables: {
          id: `cos:${region}:${DEMO_TENCENT_CREDENTIALS.uin}:abcdef12-0000-4000-8000-000000000001`,
        },
        token: gw.tokens.read,
      });
      expect(res.status).toBe(200);
      expect(gw.sources.TENCENT_COS_BATCH.source.clientCount?.()).toBeLessThanOrEqual(3);
    }
    for (const name of [
      'AWS_PANORAMA',
      'AWS_OMICS',
      'AWS_CODEPIPELINE',
      'TENCENT_COS_BATCH',
    ] as const)
      expect(gw.sources[name].source.clientCount?.()).toBe(3);
    // Evicted regions still work: a new client is made when one is asked for again.
    const again = await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
      variables: { id: `panorama:us-east-1:pkgimport-5f3a9c1e7b2d4086` },
      token: gw.tokens.read,
    });
    expect(again.body.errors).toBeUndefined();
  });
});

describe('/healthz', () => {
  const gw = useTestGateway();
  const healthz = async () => {
    const res = await fetch(new URL('/healthz', gw.server.url));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers 503 with the reason when open file descriptors pass 90 % of the soft limit, and ok below', async () => {
    gw.health.readFds = () => ({ open: 100, softLimit: 1024 });
    expect(await healthz()).toEqual({ status: 200, body: { status: 'ok' } });
    gw.health.readFds = () => ({ open: 950, softLimit: 1024 });
    expect(await healthz()).toEqual({
      status: 503,
      body: {
        status: 'unhealthy',
        reason: '950 file descriptors open of a soft limit of 1024 (over 90 %)',
      },
    });
    gw.health.readFds = () => null; // not Linux: the check is skipped
    expect((await healthz()).status).toBe(200);
  });

  it('answers 503 for a minute after an upstream call failed with EMFILE', async () => {
    let now = 1_000_000;
    gw.health.now = () => now;
    gw.health.readFds = () => ({ open: 100, softLimit: 1024 });
    gw.health.noteError(
      Object.assign(new Error('wrapped'), {
        cause: Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }),
      }),
    );
    const sick = await healthz();
    expect(sick.status).toBe(503);
    expect(sick.body.reason).toMatch(/^EMFILE \(out of file descriptors\) seen 0 s ago/);
    now += 60_000;
    expect((await healthz()).status).toBe(200);
  });

  it('reads the real descriptor count on Linux', () => {
    const real = new (gw.health.constructor as typeof FdHealth)();
    const fds = real.readFds();
    if (process.platform === 'linux') {
      expect(fds?.open).toBeGreaterThan(0);
      expect(fds?.softLimit).toBeGreaterThan(0);
    } else {
      expect(fds).toBeNull();
    }
  });
});
