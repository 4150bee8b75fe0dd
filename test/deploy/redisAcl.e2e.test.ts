import { randomBytes } from 'node:crypto';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { kill, startRedisServer, type RedisServer } from '../subscriptions/clusterSupport.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { freePort } from '../support/rawHttp.ts';
import { realPart } from '../support/realParts.ts';
import { subscribe } from '../support/subscriptions.ts';

// The kit's Redis as compose runs it (deploy/compose.yaml's redis-server command: the default user
// off, jobgraph's ACL user with a password), in Debian's redis-server, and real jobgraph replicas
// reaching it with the password in JOBGRAPH_CACHE_URL (redis://USER:PASSWORD@host:port): what they
// share works through that user's rules, and no replica prints the password, right or wrong.

const redisPart = realPart('redis-server');
const PASSWORD = randomBytes(24).toString('hex');
const WRONG = randomBytes(24).toString('hex');
const SECRET = 'a-token-key-the-acl-test-replicas-share-32-characters';
const PANORAMA_JOB = 'panorama:us-east-1:pkgimport-5f3a9c1e7b2d4086';

/** The compose file's redis-server arguments, with deploy/.env's password put in as compose would. */
function composeRedisArgs(password: string): string[] {
  const compose = parse(
    readFileSync(new URL('../../deploy/compose.yaml', import.meta.url), 'utf8'),
  ) as { services: { redis: { command: string[] } } };
  const [program, ...args] = compose.services.redis.command;
  expect(program).toBe('redis-server');
  return args.map((a) => a.replace(/\$\{REDIS_PASSWORD:\?[^}]+\}/, password));
}

/** One raw command to Redis without logging in, and its reply's first line. */
async function anonymous(port: number, command: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`${command}\r\n`);
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return reply.toString().split('\r\n')[0] as string;
}

describe.skipIf(redisPart.skip)('The kit’s Redis ACL user, with real replicas', () => {
  let redis: RedisServer;
  let emulators: EmulatorSet;
  const replicas: LiveProcess[] = [];
  let token: string;
  let calls = 0;

  const replica = (url: string) =>
    startLiveProcess({
      ...emulatorEnvironment(emulators),
      HOST: '127.0.0.1',
      PORT: '0',
      JOBGRAPH_JWT_SECRET: SECRET,
      JOBGRAPH_CURSOR_SECRET: SECRET,
      JOBGRAPH_CACHE_URL: url,
      JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
      // Each replica on a history file of its own, said as an operator must say it.
      JOBGRAPH_HISTORY_PRIVATE: '1',
    }).then((p) => {
      replicas.push(p);
      return p;
    });

  const query = async (p: LiveProcess, q: string) => {
    const res = await fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  beforeAll(async () => {
    redis = await startRedisServer(undefined, composeRedisArgs(PASSWORD));
    emulators = await startEmulators();
    emulators.panorama.events.on('request', () => calls++);
    token = await mintToken({ secret: SECRET, scopes: ['jobs:read'] });
  });

  afterAll(async () => {
    for (const p of replicas) await kill(p.child);
    if (redis) await kill(redis.child);
    await emulators?.close();
  });

  it('refuses a client without the password: the default user is off', async () => {
    expect(await anonymous(redis.port, 'PING')).toMatch(/^-NOAUTH/);
    expect(await anonymous(redis.port, 'GET x')).toMatch(/^-NOAUTH/);
  });

  it('lets replicas with the password share finished jobs, list snapshots and poll leases', async () => {
    const url = `redis://jobgraph:${PASSWORD}@127.0.0.1:${redis.port}`;
    const [a, b] = await Promise.all([replica(url), replica(url)]);
    // A finished job whose record holds no secret (Import/Export's would not be cached).
    const JOB = `{ job(id: "${PANORAMA_JOB}") { id state } }`;
    const fromA = await query(a, JOB);
    expect(fromA).toEqual({ data: { job: { id: PANORAMA_JOB, state: 'SUCCEEDED' } } });
    const before = calls;
    // The other replica answers the finished job from Redis: no upstream call.
    expect(await query(b, JOB)).toEqual(fromA);
    expect(calls).toBe(before);
    const list = await query(a, '{ listJobs(first: 5) { nodes { id } } }');
    expect(list.errors).toBeUndefined();
    // A watched job's poll lease (Lua scripts) under the user's rules.
    const watch = subscribe(
      b.url,
      'sse',
      'subscription { jobUpdates(ids: ["importexport:PNDG1"]) { id state } }',
      { token },
    );
    expect(await watch.next()).toEqual({
      data: { jobUpdates: { id: 'importexport:PNDG1', state: 'QUEUED' } },
    });
    await watch.close();
    for (const p of [a, b] as LiveProcess[]) {
      const output = p.output.stdout + p.output.stderr;
      expect(output).not.toMatch(/NOPERM|NOAUTH|WRONGPASS|Redis is unavailable/);
      expect(output).not.toContain(PASSWORD);
      // The start-up summary names the Redis without its user and password.
      expect(p.output.stderr).toContain(`redis://127.0.0.1:${redis.port}`);
    }
  });

  it('never prints the password: a wrong one, or a Redis that is not there', async () => {
    const closed = await freePort();
    const wrong = await replica(`redis://jobgraph:${WRONG}@127.0.0.1:${redis.port}`);
    const away = await replica(`redis://jobgraph:${PASSWORD}@127.0.0.1:${closed}`);
    for (const p of [wrong, away]) {
      // Redis refused or away, each still answers (a miss), and says so in its log.
      expect(await query(p, '{ job(id: "importexport:CMPL1") { id state } }')).toEqual({
        data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } },
      });
      const output = p.output.stdout + p.output.stderr;
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain(WRONG);
    }
  });
});
