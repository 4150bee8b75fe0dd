import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS_ONLY } from '../../src/auth/identity.ts';
import {
  SSE_OWNER_PREFIX,
  SSE_RESERVATION_PREFIX,
  redisSseReservations,
} from '../../src/cache/redisSseReservations.ts';
import {
  carried,
  narrowedIdentity,
  ownerIdOf,
  reservationIdOf,
  seal,
  unseal,
  type RelayedCall,
} from '../../src/subscriptions/sseRelay.ts';
import { kill, redisServerMissing } from '../subscriptions/clusterSupport.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { untilAvailability, useReplicaStores } from '../support/replicaStores.ts';
import { useRedis } from '../support/useRedis.ts';
import { payloadOf, testSealer } from '../support/clusterSecret.ts';

// graphql-sse single connection reservations shared through a real redis-server: the records and
// the per-caller cap across replicas, the one stream per reservation, the replicas' channels,
// what Redis holds (digests, never a token), and Redis going away and coming back. Then the
// sealing of what one replica relays to another.

const missing = redisServerMissing();

describe.skipIf(missing !== null)('Single connection reservations in Redis', () => {
  const redis = useRedis();
  const { stores, store } = useReplicaStores(redis, (options) =>
    redisSseReservations({ ...options, sealer: testSealer() }),
  );

  it('records a reservation under its token’s digest with its owner’s digest (no token, no subject), lapsing unless its stream connects', async () => {
    const a = await store('host:1:a');
    const token = 'a-reservation-token-of-256-random-bits';
    const id = reservationIdOf(token);
    const owner = ownerIdOf('sub:alice');
    expect(await a.reserve(id, owner, 2, 10_000)).toEqual({ kind: 'reserved' });
    const keys = await redis.client.keys('jobgraph:sse:v2:*');
    expect(keys.sort()).toEqual([SSE_OWNER_PREFIX + owner, SSE_RESERVATION_PREFIX + id].sort());
    const record = await redis.client.hGetAll(SSE_RESERVATION_PREFIX + id);
    expect(record).toEqual({ owner, maker: expect.any(String) });
    expect(payloadOf(record.maker as string)).toBe(`maker|${owner}|host:1:a`);
    const pttl = await redis.client.pTTL(SSE_RESERVATION_PREFIX + id);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(10_000);
    const dump =
      JSON.stringify(await redis.client.hGetAll(SSE_RESERVATION_PREFIX + id)) + keys.join(' ');
    expect(dump).not.toContain(token);
    expect(dump).not.toContain('alice');
    a.release(id, owner);
    await a.close();
    stores.splice(stores.indexOf(a), 1);
    expect(await redis.client.keys('jobgraph:sse:v2:*')).toEqual([]);
  });

  it('caps reservations per caller across the replicas, and frees a place when one is released or lapses', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const alice = ownerIdOf('sub:alice-cap');
    const bob = ownerIdOf('sub:bob-cap');
    expect(await a.reserve('cap-1', alice, 2, 10_000)).toEqual({ kind: 'reserved' });
    expect(await b.reserve('cap-2', alice, 2, 10_000)).toEqual({ kind: 'reserved' });
    expect(await a.reserve('cap-3', alice, 2, 10_000)).toEqual({ kind: 'limit', held: 2 });
    expect(await b.reserve('cap-4', bob, 2, 10_000)).toEqual({ kind: 'reserved' });
    // Released by any replica while no stream holds it.
    b.release('cap-1', alice);
    await b.close();
    stores.splice(stores.indexOf(b), 1);
    expect(await a.reserve('cap-3', alice, 2, 10_000)).toEqual({ kind: 'reserved' });
    // A place whose time has passed (its score: when it lapses) counts no more.
    await redis.client.zAdd(SSE_OWNER_PREFIX + alice, { score: 1, value: 'cap-2' });
    expect(await a.reserve('cap-5', alice, 2, 10_000)).toEqual({ kind: 'reserved' });
    expect(await a.reserve('cap-6', alice, 2, 10_000)).toEqual({ kind: 'limit', held: 2 });
  });

  it('lets one replica hold a reservation’s stream: the others are told who holds it, and another owner finds nothing', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const c = await store('host:3:c');
    const owner = ownerIdOf('sub:carol');
    const id = reservationIdOf('stream-token');
    expect(await a.reserve(id, owner, 5, 10_000)).toEqual({ kind: 'reserved' });
    expect(await c.find(id, owner)).toEqual({ kind: 'found', holder: null });
    expect(await b.connect(id, ownerIdOf('sub:mallory'), 36_000)).toEqual({ kind: 'missing' });
    expect(await b.connect(id, owner, 36_000)).toEqual({ kind: 'connected', maker: 'host:1:a' });
    expect(await c.connect(id, owner, 36_000)).toEqual({ kind: 'taken' });
    expect(await c.find(id, owner)).toEqual({ kind: 'found', holder: 'host:2:b' });
    expect(await c.find(id, ownerIdOf('sub:mallory'))).toEqual({ kind: 'missing' });
    expect(await redis.client.pTTL(SSE_RESERVATION_PREFIX + id)).toBeGreaterThan(10_000);
    // Only the holder renews it, and only it (or nobody else) may release it.
    expect(await b.renew(id, owner, 36_000)).toBe('held');
    expect(await c.renew(id, owner, 36_000)).toBe('lost');
    a.release(id, owner);
    expect(await c.find(id, owner)).toEqual({ kind: 'found', holder: 'host:2:b' });
    b.release(id, owner);
    await b.close();
    stores.splice(stores.indexOf(b), 1);
    expect(await c.find(id, owner)).toEqual({ kind: 'missing' });
    expect(await redis.client.zCard(SSE_OWNER_PREFIX + owner)).toBe(0);
    // Gone (lapsed, or released), its holder's renewal says so.
    expect(await a.renew(id, owner, 36_000)).toBe('lost');
  });

  it('carries a request to one replica and its answer back, a notice one way, and says when no replica listens', async () => {
    const a = await store('host:1:a');
    const b = await store('host:2:b');
    const notices: string[] = [];
    b.serve(async (body, isRequest) => {
      if (!isRequest) notices.push(body);
      return `answered ${body}`;
    });
    expect(await a.request('host:2:b', 'hello', 5000)).toEqual({
      kind: 'answer',
      body: 'answered hello',
    });
    const told = new Promise<void>((resolve) =>
      b.serve(async (body, isRequest) => {
        if (!isRequest) notices.push(body);
        resolve();
        return '';
      }),
    );
    a.notify('host:2:b', 'connected');
    await told;
    expect(notices).toEqual(['connected']);
    expect(await a.request('host:9:gone', 'hello', 5000)).toEqual({ kind: 'gone' });
  });

  it('says when its first connection has settled: up with Redis there, unavailable without it, and a close ends the wait', async () => {
    const log = capturedLog();
    const options = { opTimeoutMs: 2000, retryMs: 25, logger: log.logger, sealer: testSealer() };
    const up = redisSseReservations({ ...options, url: redis.url, replicaId: 'host:1:s' });
    stores.push(up);
    await up.whenStarted();
    expect(up.available()).toBe(true);
    const server = await redis.start();
    const port = server.port;
    await kill(server.child);
    const away = redisSseReservations({
      ...options,
      url: `redis://127.0.0.1:${port}`,
      replicaId: 'host:2:s',
    });
    stores.push(away);
    await away.whenStarted();
    expect(away.available()).toBe(false);
    expect(log.lines.map((l) => l.msg)).toEqual([expect.stringMatching(/Redis is unavailable/)]);
    const closed = redisSseReservations({
      ...options,
      url: `redis://127.0.0.1:${port}`,
      replicaId: 'host:3:s',
    });
    await closed.close();
    await closed.whenStarted();
    expect(closed.available()).toBe(false);
  });

  it('answers unavailable at once while Redis is away (one warn line), and is used again once it is back (one info line)', async () => {
    const server = await redis.start();
    const log = capturedLog();
    const a = await store('host:1:a', server.url, log);
    const down = untilAvailability(a, false);
    await kill(server.child);
    await down;
    expect(await a.reserve('down-1', ownerIdOf('x'), 2, 10_000)).toEqual({ kind: 'unavailable' });
    expect(await a.find('down-1', ownerIdOf('x'))).toEqual({ kind: 'unavailable' });
    expect(await a.connect('down-1', ownerIdOf('x'), 10_000)).toEqual({ kind: 'unavailable' });
    expect(await a.request('host:2:b', 'x', 5000)).toEqual({ kind: 'unavailable' });
    const up = untilAvailability(a, true);
    await redis.start(server.port);
    await up;
    expect(await a.reserve('down-1', ownerIdOf('x'), 2, 10_000)).toEqual({ kind: 'reserved' });
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        expect.stringMatching(/Redis is unavailable; .*served only by the replica that made it/),
      ],
      [30, expect.stringMatching(/Redis is back; any replica serves any reservation again/)],
    ]);
  });
});

describe('What one replica relays to another about a reservation', () => {
  const token = 'the-reservation-token';
  const id = reservationIdOf(token);
  const identity = {
    authenticated: true,
    subject: 'alice',
    scopes: new Set(['jobs:read', 'jobs:secrets:read']),
    accounts: DEFAULT_ACCOUNTS_ONLY,
    expiresAt: 2_000_000,
  };
  const call: RelayedCall = {
    kind: 'op',
    owner: 'sub:alice',
    identity: carried(identity),
    requestId: 'req-1',
    operationId: 'op-1',
    params: { query: '{ __typename }' },
  };

  it('is sealed with a key only the token’s holders have: unreadable without it, and refused when altered or sent for another reservation', () => {
    const sealed = seal(token, id, call);
    expect(sealed).not.toContain('alice');
    expect(sealed).not.toContain('__typename');
    expect(sealed).not.toContain(token);
    expect(unseal(token, id, sealed)).toEqual(call);
    expect(unseal('another-token', id, sealed)).toBeUndefined();
    expect(unseal(token, reservationIdOf('another-token'), sealed)).toBeUndefined();
    const [iv, tag, body] = sealed.split('.') as [string, string, string];
    const flipped = `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`;
    expect(unseal(token, id, [iv, tag, flipped].join('.'))).toBeUndefined();
    expect(unseal(token, id, 'not.sealed')).toBeUndefined();
  });

  it('runs with no more than the stream’s own identity: the same subject, the scopes in both, the earlier expiry', () => {
    const stream = {
      authenticated: true,
      subject: 'alice',
      scopes: new Set(['jobs:read']),
      accounts: DEFAULT_ACCOUNTS_ONLY,
      expiresAt: 1_000_000,
    };
    expect(narrowedIdentity(carried(identity), stream)).toEqual({
      authenticated: true,
      subject: 'alice',
      scopes: new Set(['jobs:read']),
      accounts: DEFAULT_ACCOUNTS_ONLY,
      expiresAt: 1_000_000,
    });
    // Another set of accounts than the stream's token names: not run.
    const everyAccount = { ...DEFAULT_ACCOUNTS_ONLY, all: true, aliases: ['*'] };
    expect(narrowedIdentity(carried({ ...identity, accounts: everyAccount }), stream)).toBeNull();
    expect(narrowedIdentity(carried({ ...identity, subject: 'mallory' }), stream)).toBeNull();
    expect(
      narrowedIdentity(carried({ ...identity, scopes: new Set(), expiresAt: 500 }), stream),
    ).toEqual({
      authenticated: true,
      subject: 'alice',
      scopes: new Set(),
      accounts: DEFAULT_ACCOUNTS_ONLY,
      expiresAt: 500,
    });
  });
});
