import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  clusterPeers,
  PRESENCE_INDEX_KEY,
  PRESENCE_KEY_PREFIX,
  type ClusterPeers,
} from '../../src/cache/clusterPeers.ts';
import { createSealer } from '../../src/cache/sealed.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { countingSealer, testSealer } from '../support/clusterSecret.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { closedAfterAll } from '../support/closedAfterAll.ts';

// The replicas' presence in a real redis-server: a replica under the same cluster secret is a
// peer (a stopped one's presence too, until it lapses: its values stay believed), one under
// another secret is named as such, and values jobgraph cannot have written are counted
// rejections, never "another secret". Each check is asked for, not waited for.

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)("The replicas' presence in Redis", () => {
  const redis = useRedis();
  const opened = closedAfterAll<ClusterPeers>();
  const replica = async (sealer = countingSealer(), replicaId?: string) => {
    const log = capturedLog();
    const peers = clusterPeers({
      url: redis.url,
      opTimeoutMs: 2000,
      sealer,
      logger: log.logger,
      macRejections: () => sealer.rejected.filter((r) => r.endsWith(' mac')).length,
      ...(replicaId ? { replicaId } : {}),
    });
    opened.push(peers);
    await peers.checked(60_000);
    return { peers, sealer, log };
  };
  const clear = async () => {
    for (const key of await redis.client.keys('jobgraph:replicas:*')) await redis.client.del(key);
  };
  /** A value under a replica's presence key, its ID in the index, as a replica (or anyone) writes it. */
  const plant = async (id: string, write: (key: string) => Promise<unknown>) => {
    await write(PRESENCE_KEY_PREFIX + id);
    await redis.client.sAdd(PRESENCE_INDEX_KEY, id);
  };
  const otherSealer = () =>
    Object.assign(createSealer(randomBytes(48).toString('base64')), { rejected: [] as string[] });

  it('counts replicas under the same secret as peers, a stopped one’s presence included, and one under another secret apart', async () => {
    await clear();
    const one = await replica();
    await replica();
    // A replica that stopped without a word: its presence, sealed under the same secret, lapses on its own.
    const gone = 'gone-host:99:0000beef';
    await plant(gone, (key) =>
      redis.client.set(key, testSealer().seal('presence', key, gone), { PX: 60_000 }),
    );
    const other = await replica(otherSealer(), 'other-host:7:0000abcd');
    await one.peers.check();
    expect(one.peers.state()).toMatchObject({
      checked: true,
      peers: 2,
      peersWithAnotherSecret: 1,
      peersWithAnotherSecretIds: ['other-host:7:0000abcd'],
    });
    // The stopped replica's presence is believed: no MAC failure but the other secret's.
    expect(one.sealer.rejected).toEqual(['presence mac']);
    expect(one.peers.state().macRejections).toBe(1);
    expect(other.peers.state()).toMatchObject({ peers: 0, peersWithAnotherSecret: 3 });
    // Said once in the log, by name, quoting no value.
    const warned = one.log.lines.filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      peersWithAnotherSecret: 1,
      replicas: ['other-host:7:0000abcd'],
    });
    await one.peers.check();
    expect(one.log.lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('counts values jobgraph cannot have written as rejections, never as another secret, repeats no odd name, and drops lapsed IDs from the index', async () => {
    await clear();
    await plant('junk', (key) => redis.client.set(key, 'not a sealed value'));
    await plant('a-hash', (key) => redis.client.hSet(key, 'x', '1'));
    await plant('huge', (key) => redis.client.set(key, 'x'.repeat(10_000)));
    await plant('<script>:1:00000000', (key) =>
      redis.client.set(key, otherSealer().seal('presence', key, 'x')),
    );
    // An ID whose presence lapsed, and one too long to be a replica's.
    await redis.client.sAdd(PRESENCE_INDEX_KEY, ['lapsed-host:3:00000003', 'y'.repeat(300)]);
    const { peers, sealer } = await replica();
    expect(peers.state()).toMatchObject({
      peers: 0,
      peersWithAnotherSecret: 1,
      peersWithAnotherSecretIds: [],
    });
    expect([...sealer.rejected].sort()).toEqual([
      'presence mac',
      'presence malformed',
      'presence malformed',
      'presence oversized',
    ]);
    const index = await redis.client.sMembers(PRESENCE_INDEX_KEY);
    expect(index).not.toContain('lapsed-host:3:00000003');
    expect(index).not.toContain('y'.repeat(300));
    expect(index).toContain(peers.replicaId);
  });

  it('replaces an index of another type, counting it', async () => {
    await clear();
    await redis.client.set(PRESENCE_INDEX_KEY, 'not a set');
    const { peers, sealer } = await replica();
    expect(sealer.rejected).toEqual(['presence malformed']);
    expect(await redis.client.sMembers(PRESENCE_INDEX_KEY)).toEqual([peers.replicaId]);
  });

  it('takes its own presence away when closed', async () => {
    await clear();
    const { peers } = await replica();
    expect(await redis.client.exists(PRESENCE_KEY_PREFIX + peers.replicaId)).toBe(1);
    await peers.close();
    expect(await redis.client.exists(PRESENCE_KEY_PREFIX + peers.replicaId)).toBe(0);
    expect(await redis.client.sIsMember(PRESENCE_INDEX_KEY, peers.replicaId)).toBe(0);
  });
});
