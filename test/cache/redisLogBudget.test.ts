import { afterAll, describe, expect, it } from 'vitest';
import { LOG_BUDGET_KEY_PREFIX, redisLogBudget } from '../../src/cache/redisLogBudget.ts';
import { LogBudget } from '../../src/datasources/logs/logBudget.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { realPart } from '../support/realParts.ts';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { useRedis } from '../support/useRedis.ts';

// The log budget's turns in a real redis-server: a burst shared by two replicas, the key of an
// account and region and its callers', each caller's share and the notifications' reserve, a state
// jobgraph cannot have written, and Redis going away (each replica's own budget meanwhile). Waits
// are for events (a state change), each bounded.

const redisServer = realPart('redis-server');
const turnOf = (account: string, region: string, caller: string) => ({ account, region, caller });

describe.skipIf(redisServer.skip)('The log budget in Redis', () => {
  const redis = useRedis();
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  /** A replica's budget on `url` (1 call a second, `burst` at once), once its turns are in Redis. */
  const budget = async (options: { url?: string; burst?: number; clamped?: () => void } = {}) => {
    const log = capturedLog();
    const listeners = new Set<(shared: boolean) => void>();
    const made = redisLogBudget({
      url: options.url ?? redis.url,
      perSecond: 1,
      burst: options.burst ?? 1,
      clusterSecret: TEST_CLUSTER_SECRET,
      opTimeoutMs: 2000,
      retryMs: 25,
      fallback: new LogBudget({ perSecond: 1, burst: options.burst ?? 1 }),
      logger: log.logger,
      onChange: (shared) => {
        for (const listener of [...listeners]) listener(shared);
      },
      ...(options.clamped ? { onClamped: options.clamped } : {}),
    });
    closers.push(() => made.close());
    const turn = (want: boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('timed out waiting for Redis')),
          EVENTUALLY.timeout,
        );
        listeners.add((shared) => {
          if (shared !== want) return;
          clearTimeout(timer);
          resolve();
        });
      });
    await turn(true);
    return { budget: made, log, turn };
  };

  it('gives two replicas one burst of the account’s budget in a region, in one key naming them', async () => {
    const a = await budget({ burst: 3 });
    const b = await budget({ burst: 3 });
    // Three at once between them (a second refills one: the run takes far less on any machine
    // that answers Redis within its op timeout), then the fourth waits at most a second.
    const waits = [
      await a.budget.take(turnOf('prod', 'eu-west-1', 'ann')),
      await b.budget.take(turnOf('prod', 'eu-west-1', 'bob')),
      await a.budget.take(turnOf('prod', 'eu-west-1', 'cy')),
    ];
    const fourth = await b.budget.take(turnOf('prod', 'eu-west-1', 'dee'));
    expect(waits).toEqual([0, 0, 0]);
    expect(fourth).toBeGreaterThan(0);
    expect(fourth).toBeLessThanOrEqual(1000);
    expect(Number.isInteger(fourth)).toBe(true);
    const keys = await redis.client.keys(`${LOG_BUDGET_KEY_PREFIX}prod:*`);
    expect(keys).toContain(`${LOG_BUDGET_KEY_PREFIX}prod:eu-west-1`);
    // Each caller's key names it by a keyed digest only.
    const callers = keys
      .filter((k) => k.startsWith(`${LOG_BUDGET_KEY_PREFIX}prod:eu-west-1:`))
      .map((k) => k.slice(`${LOG_BUDGET_KEY_PREFIX}prod:eu-west-1:`.length));
    expect(callers).toHaveLength(3);
    for (const name of callers) expect(name).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Another account, or another region, has a budget of its own.
    expect(await a.budget.take(turnOf('prod', 'us-west-2', 'dee'))).toBe(0);
    expect(await b.budget.take(turnOf('staging', 'eu-west-1', 'dee'))).toBe(0);
  });

  it('gives one caller half the burst, shared by the replicas, and leaves the rest to the others', async () => {
    const a = await budget({ burst: 4 });
    const b = await budget({ burst: 4 });
    // ann's share is 2 of the 4 at once, whichever replica she asks …
    expect(await a.budget.take(turnOf('share', 'eu-west-1', 'ann'))).toBe(0);
    expect(await b.budget.take(turnOf('share', 'eu-west-1', 'ann'))).toBe(0);
    const third = await a.budget.take(turnOf('share', 'eu-west-1', 'ann'));
    expect(third).toBeGreaterThan(0);
    // … at most one of her own intervals (2 s at half of 1 a second).
    expect(third).toBeLessThanOrEqual(2000);
    // bob still has the other half.
    expect(await b.budget.take(turnOf('share', 'eu-west-1', 'bob'))).toBe(0);
    expect(await a.budget.take(turnOf('share', 'eu-west-1', 'bob'))).toBe(0);
  });

  it('keeps a reserve above the callers’ burst that only notifications’ reads take', async () => {
    const { budget: made } = await budget({ burst: 2 });
    expect(await made.take(turnOf('reserve', 'eu-west-1', 'ann'))).toBe(0);
    expect(await made.take(turnOf('reserve', 'eu-west-1', 'bob'))).toBe(0);
    expect(await made.take(turnOf('reserve', 'eu-west-1', 'cy'))).toBeGreaterThan(0);
    expect(await made.take({ ...turnOf('reserve', 'eu-west-1', 'notify'), reserve: true })).toBe(0);
    expect(await made.take(turnOf('reserve', 'eu-west-1', 'cy'))).toBeGreaterThan(0);
  });

  it('overwrites a state jobgraph cannot have written, lets the call go and counts it', async () => {
    let clamped = 0;
    const { budget: made } = await budget({ clamped: () => (clamped += 1) });
    const key = `${LOG_BUDGET_KEY_PREFIX}forged:us-east-1`;
    // A day ahead: far past the one interval jobgraph ever writes.
    await redis.client.set(key, String((Date.now() + 86_400_000) * 1000));
    expect(await made.take(turnOf('forged', 'us-east-1', 'ann'))).toBe(0);
    expect(clamped).toBe(1);
    await redis.client.set(key, 'not a time');
    expect(await made.take(turnOf('forged', 'us-east-1', 'bob'))).toBe(0);
    expect(clamped).toBe(2);
  });

  it('takes its turns in this process while Redis is away, says so once, and shares them again once it is back', async () => {
    const own = await redis.start();
    const { budget: made, log, turn } = await budget({ url: own.url });
    const down = turn(false);
    await kill(own.child);
    await down;
    // This process's own budget of the same rate: one call, then a wait.
    expect(await made.take(turnOf('prod', 'ap-south-1', 'ann'))).toBe(0);
    expect(await made.take(turnOf('prod', 'ap-south-1', 'bob'))).toBeGreaterThan(0);
    const up = turn(true);
    await redis.start(own.port);
    await up;
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        'log budget: Redis is unavailable; each replica keeps JOBGRAPH_LOG_READS_PER_SECOND on its own until it is back (N replicas may make up to N times the reads)',
      ],
      [30, 'log budget: Redis is back; the replicas share JOBGRAPH_LOG_READS_PER_SECOND again'],
    ]);
  });
});
