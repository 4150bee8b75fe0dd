import { describe, expect, it } from 'vitest';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import type { LeaseClaim, PollLeases, PollResult, SharedPoll } from '../../src/cache/pollLeases.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { LEASE_TTL_FACTOR } from '../../src/subscriptions/pollTiming.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import type { Scheduler } from '../../src/subscriptions/scheduler.ts';
import { queuedImportExportRecord } from '../support/records.ts';
import { ManualScheduler } from '../support/scheduler.ts';

// The pollers of several replicas over one lease store, on one clock the test moves: the store
// below keeps Redis's semantics (a lease per job with a TTL, SET NX or renew, compare-and-delete,
// pub/sub delivered after the call, the last poll kept as long as the lease) in memory, so that
// the pollers' decisions can be followed poll by poll. cluster.e2e.test.ts runs the same through a
// real redis-server and real replicas; test/cache/redisPollLeases.test.ts the Redis store itself.

const POLL_MS = 1000;
const KEY = parseGlobalId('importexport:CLUS1');
/** Import/Export's `signature` is a sensitive field: the store shares records without it. */
const SECRET = 'DEMO-SIGNATURE-CLUS1';
const record = (patch: Record<string, unknown> = {}) =>
  queuedImportExportRecord('CLUS1', { signature: SECRET, ...patch });

/** Redis as the poll leases use it, in memory, on the test's clock. */
class FakeRedis {
  readonly leases = new Map<string, { holder: string; until: number }>();
  readonly last = new Map<string, { message: string; until: number }>();
  readonly channels = new Map<
    string,
    Set<{ replica: Replica; listener: (p: SharedPoll) => void }>
  >();
  readonly published: string[] = [];
  up = true;
  readonly replicas: Replica[] = [];
  /** How long a claim takes, in clock ms (0: answered at once). */
  claimDelayMs = 0;
  /** Replicas whose subscriptions were lost without a sign: they hear nothing until they subscribe again. */
  readonly deaf = new Set<Replica>();

  constructor(readonly clock: ManualScheduler) {}

  setUp(up: boolean): void {
    this.up = up;
    for (const r of this.replicas) if (!r.dead) for (const l of [...r.availability]) l(up);
  }

  publish(id: string, message: string): void {
    this.published.push(message);
    const poll = JSON.parse(message) as SharedPoll;
    for (const { replica, listener } of [...(this.channels.get(id) ?? [])])
      queueMicrotask(() => {
        if (!replica.dead && !this.deaf.has(replica)) listener(poll);
      });
  }

  held(id: string, holder: string): boolean {
    const lease = this.leases.get(id);
    return lease !== undefined && lease.until > this.clock.now() && lease.holder === holder;
  }

  free(id: string): boolean {
    const lease = this.leases.get(id);
    return lease === undefined || lease.until <= this.clock.now();
  }
}

const NEVER = new Promise<never>(() => {});

/** One replica: its registry, its view of the store, its fetches. */
class Replica {
  dead = false;
  readonly availability = new Set<(up: boolean) => void>();
  readonly fetches: number[] = [];
  readonly registry: WatchRegistry;
  answer: JobRecord = record();

  constructor(
    readonly id: string,
    readonly redis: FakeRedis,
  ) {
    redis.replicas.push(this);
    const clock = redis.clock;
    // A dead replica's timers never fire again.
    const scheduler: Scheduler = {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(() => void (this.dead || fn()), ms),
      clearTimeout: (h) => clock.clearTimeout(h),
    };
    this.registry = new WatchRegistry({
      fetch: async () => {
        this.fetches.push(clock.now());
        await Promise.resolve();
        return this.answer;
      },
      pollMs: POLL_MS,
      maxPollMs: POLL_MS,
      breakerPauseMs: 10_000,
      scheduler,
      random: () => 0.5, // no jitter
      // Each replica's own job-state store, on the shared clock.
      states: new JobStates({ now: () => clock.now() }),
      leases: this.leases(),
    });
  }

  private leases(): PollLeases {
    const { redis } = this;
    const me = this.id;
    const now = () => redis.clock.now();
    const alive = <T>(value: () => T): Promise<T> =>
      this.dead ? NEVER : Promise.resolve().then(value);
    return {
      replicaId: me,
      available: () => redis.up && !this.dead,
      claim: async (id, ttl, wantLast) => {
        if (redis.claimDelayMs > 0)
          await new Promise<void>((resolve) =>
            redis.clock.setTimeout(() => resolve(), redis.claimDelayMs),
          );
        return alive((): LeaseClaim => {
          if (!redis.up) return { kind: 'unavailable' };
          if (redis.free(id) || redis.held(id, me)) {
            redis.leases.set(id, { holder: me, until: now() + ttl });
            return { kind: 'held' };
          }
          const kept = redis.last.get(id);
          const last =
            wantLast && kept && kept.until > now()
              ? (JSON.parse(kept.message) as SharedPoll)
              : undefined;
          return {
            kind: 'other',
            retryInMs: redis.leases.get(id)!.until - now(),
            ...(last ? { last } : {}),
          };
        });
      },
      share: (id, ttl, result: PollResult) =>
        alive(() => {
          if (!redis.up) return 'unavailable' as const;
          if (!redis.free(id) && !redis.held(id, me)) return 'lost' as const;
          redis.leases.set(id, { holder: me, until: now() + ttl });
          let message: string;
          if (result.kind === 'record') {
            const secret = (result.record as unknown as { signature?: string }).signature != null;
            const view = secret ? { ...result.record, signature: null } : result.record;
            message = JSON.stringify({ ...result, from: me, record: view, stripped: secret });
            redis.last.set(id, { message, until: now() + ttl });
          } else {
            message = JSON.stringify({ ...result, from: me });
            if (result.kind === 'fetch') redis.last.delete(id);
          }
          redis.publish(id, message);
          return 'held' as const;
        }),
      holds: (id) => redis.held(id, me),
      release: (id) =>
        void alive(() => {
          if (!redis.up || !redis.held(id, me)) return;
          redis.leases.delete(id);
          redis.publish(id, JSON.stringify({ kind: 'released', from: me }));
        }),
      follow: (id, listener) => {
        redis.deaf.delete(this); // a new subscription is heard
        const set = redis.channels.get(id) ?? new Set();
        redis.channels.set(id, set);
        const entry = { replica: this, listener };
        set.add(entry);
        return () => set.delete(entry);
      },
      onAvailability: (listener) => {
        this.availability.add(listener);
        return () => this.availability.delete(listener);
      },
      close: async () => {},
    };
  }

  /** A subscriber of the job on this replica, with what it received. */
  watch(secrets = false): { events: WatchEvent[]; stop: () => void } {
    const events: WatchEvent[] = [];
    const stop = this.registry.watch(KEY, (e) => events.push(e), secrets);
    return { events, stop };
  }
}

/** The record of a `record` event (the test knows which events are records). */
const recordOf = (event: WatchEvent | undefined): Record<string, unknown> =>
  (event as { record: JobRecord }).record as unknown as Record<string, unknown>;

/** Let the promise chains of the timers that fired run to their end. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Move the clock to `end`, timer by timer, letting each one's work finish before the next. */
async function runUntil(clock: ManualScheduler, end: number): Promise<void> {
  await settle();
  for (let guard = 0; guard < 10_000; guard++) {
    const next = clock.pending()[0];
    if (next === undefined || clock.now() + next > end) break;
    clock.fireNext();
    await settle();
  }
  clock.advance(Math.max(0, end - clock.now()));
  await settle();
}

function cluster(count: number) {
  const clock = new ManualScheduler(0);
  const redis = new FakeRedis(clock);
  const replicas = Array.from({ length: count }, (_, i) => new Replica(`replica-${i}`, redis));
  const fetchesBetween = (from: number, to: number) =>
    replicas.flatMap((r) => r.fetches.filter((t) => t > from && t <= to)).length;
  return { clock, redis, replicas, fetchesBetween };
}

const states = (events: WatchEvent[]) =>
  events.map((e) =>
    e.kind === 'record' ? e.record.state : e.kind === 'error' ? `error ${e.error.message}` : e.kind,
  );

describe('Pollers of several replicas sharing poll leases', () => {
  it('poll a job three replicas watch once per interval between them, and every subscriber gets each change once', async () => {
    const { clock, replicas, fetchesBetween } = cluster(3);
    const subs = replicas.map((r) => r.watch());
    await runUntil(clock, 100);
    // Every subscriber has the job at once (the first replica's call, the others' own first calls:
    // no poll had been shared yet).
    for (const s of subs) expect(states(s.events)).toEqual(['QUEUED']);
    await runUntil(clock, 10 * POLL_MS + 100);
    expect(fetchesBetween(100, 10 * POLL_MS + 100)).toBe(10);
    // One replica made them all: the lease holder.
    expect(replicas.map((r) => r.fetches.length - 1).filter((n) => n > 0)).toHaveLength(1);
    expect(replicas.map((r) => r.registry.roles().holder).sort()).toEqual([0, 0, 1]);
    // Each of the 11 polls (the first and 10) received by the two others.
    expect(replicas.reduce((n, r) => n + r.registry.polls.follower, 0)).toBe(22);

    for (const r of replicas)
      r.answer = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    await runUntil(clock, 11 * POLL_MS + 100);
    for (const s of subs) expect(states(s.events)).toEqual(['QUEUED', 'IN_PROGRESS']);
    for (const r of replicas)
      r.answer = record({ state: 'SUCCEEDED', providerStatus: 'Complete', terminal: true });
    await runUntil(clock, 12 * POLL_MS + 100);
    for (const s of subs) expect(states(s.events)).toEqual(['QUEUED', 'IN_PROGRESS', 'SUCCEEDED']);
    // Finished: every poller stopped, the lease given back, no timer left.
    for (const r of replicas) expect(r.registry.size()).toBe(0);
    expect(fetchesBetween(10 * POLL_MS + 100, 12 * POLL_MS + 100)).toBe(2);
    expect(clock.pending()).toEqual([]);
  });

  it("poll a dead holder's job again within two intervals (its lease lapsed), from another replica", async () => {
    const { clock, redis, replicas } = cluster(3);
    replicas.forEach((r) => r.watch());
    await runUntil(clock, 3 * POLL_MS + 100);
    const holder = replicas.find((r) => r.registry.roles().holder === 1)!;
    const lastPoll = Math.max(...holder.fetches);
    // It dies right after a poll: the worst moment, a whole lease ahead.
    holder.dead = true;
    const diedAt = clock.now();
    await runUntil(clock, diedAt + 3 * POLL_MS);
    const next = Math.min(
      ...replicas.filter((r) => r !== holder).flatMap((r) => r.fetches.filter((t) => t > diedAt)),
    );
    expect(next - lastPoll).toBeLessThanOrEqual(2 * POLL_MS);
    expect(next - lastPoll).toBeGreaterThanOrEqual(LEASE_TTL_FACTOR * POLL_MS);
    // And one replica polls it from then on.
    const from = clock.now();
    await runUntil(clock, from + 5 * POLL_MS);
    const after = replicas.flatMap((r) => r.fetches.filter((t) => t > from));
    expect(after).toHaveLength(5);
    expect(redis.leases.get('importexport:CLUS1')?.holder).not.toBe(holder.id);
  });

  it('hand the job over at once when the holder’s last subscriber leaves: the lease is given back and a follower takes it', async () => {
    const { clock, replicas } = cluster(2);
    const subs = replicas.map((r) => r.watch());
    await runUntil(clock, 2 * POLL_MS + 100);
    const h = replicas.findIndex((r) => r.registry.roles().holder === 1);
    const other = replicas[1 - h]!;
    const leftAt = clock.now();
    subs[h]!.stop();
    await settle();
    // The follower took the lease on the holder's word and polled, without waiting for a timer.
    expect(other.registry.roles().holder).toBe(1);
    expect(other.fetches.filter((t) => t >= leftAt)).toEqual([leftAt]);
  });

  it('share a record with secrets only without them: read-only subscribers get the view without a call; a replica with a secrets reader calls itself, only for a change', async () => {
    const { clock, redis, replicas } = cluster(3);
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const holderSub = a.watch(true);
    await runUntil(clock, 100);
    const reader = b.watch(false);
    const secretsReader = c.watch(true);
    await runUntil(clock, 100 + 5 * POLL_MS);
    expect(a.registry.roles().holder).toBe(1);
    // The reader's replica made no call: its subscriber got the shared view, the secret taken out.
    expect(b.fetches).toEqual([]);
    const view = recordOf(reader.events[0]);
    expect(view.signature).toBeNull();
    expect(view.state).toBe('QUEUED');
    // The secrets reader's replica called once for its first record (the view lacks what it may read), not at each poll.
    expect(c.fetches).toHaveLength(1);
    expect(recordOf(secretsReader.events[0]).signature).toBe(SECRET);
    expect(recordOf(holderSub.events[0]).signature).toBe(SECRET);
    // A change: the holder's call, and the secrets reader's replica's own call for it.
    for (const r of replicas)
      r.answer = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    await runUntil(clock, 100 + 6 * POLL_MS);
    expect(c.fetches).toHaveLength(2);
    expect(b.fetches).toEqual([]);
    expect(states(reader.events)).toEqual(['QUEUED', 'IN_PROGRESS']);
    expect(states(secretsReader.events)).toEqual(['QUEUED', 'IN_PROGRESS']);
    // No message through the store ever held the secret.
    expect(redis.published.length).toBeGreaterThan(5);
    expect(redis.published.filter((m) => m.includes(SECRET))).toEqual([]);
  });

  it('poll alone while the store is down, each replica for itself, and once per interval between them again within two intervals of its return', async () => {
    const { clock, redis, replicas, fetchesBetween } = cluster(3);
    const subs = replicas.map((r) => r.watch());
    await runUntil(clock, 2 * POLL_MS + 100);
    redis.setUp(false);
    const downAt = clock.now();
    await runUntil(clock, downAt + 5 * POLL_MS);
    // Spread over the first interval, then each replica polls every interval.
    expect(fetchesBetween(downAt + POLL_MS, downAt + 5 * POLL_MS)).toBe(12);
    for (const r of replicas)
      r.answer = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    await runUntil(clock, downAt + 6 * POLL_MS);
    for (const s of subs) expect(states(s.events)).toEqual(['QUEUED', 'IN_PROGRESS']);
    redis.setUp(true);
    const upAt = clock.now();
    // Each poller asks for its lease at a moment spread over its wait, not all at once.
    await settle();
    expect(replicas.reduce((n, r) => n + r.registry.roles().alone, 0)).toBeGreaterThan(0);
    await runUntil(clock, upAt + 2 * POLL_MS);
    expect(replicas.reduce((n, r) => n + r.registry.roles().alone, 0)).toBe(0);
    await runUntil(clock, upAt + 7 * POLL_MS);
    expect(fetchesBetween(upAt + 2 * POLL_MS, upAt + 7 * POLL_MS)).toBe(5);
  });

  it('poll when a poll falls due while the lease is being asked for after the store came back (no poller left without a timer)', async () => {
    const { clock, redis, replicas, fetchesBetween } = cluster(2);
    replicas.forEach((r) => r.watch());
    await runUntil(clock, POLL_MS + 100);
    redis.setUp(false);
    await runUntil(clock, 4 * POLL_MS);
    // Each replica polls alone now; the store comes back with slow answers, so each poller's
    // next poll falls due while its claim is in flight.
    redis.claimDelayMs = POLL_MS;
    redis.setUp(true);
    const upAt = clock.now();
    await runUntil(clock, upAt + 2 * POLL_MS);
    redis.claimDelayMs = 0;
    await runUntil(clock, upAt + 4 * POLL_MS);
    const from = clock.now();
    await runUntil(clock, from + 5 * POLL_MS);
    expect(fetchesBetween(from, from + 5 * POLL_MS)).toBe(5);
    expect(replicas.map((r) => r.registry.roles().holder).sort()).toEqual([0, 1]);
  });

  it('let a follower that hears nothing from a live holder listen again and poll itself, so its subscribers are not left behind', async () => {
    const { clock, redis, replicas } = cluster(2);
    const subs = replicas.map((r) => r.watch());
    await runUntil(clock, 2 * POLL_MS + 100);
    const follower = replicas.find((r) => r.registry.roles().follower === 1)!;
    const sub = subs[replicas.indexOf(follower)]!;
    redis.deaf.add(follower);
    for (const r of replicas)
      r.answer = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    const changedAt = clock.now();
    await runUntil(clock, changedAt + 8 * POLL_MS);
    // It heard again after subscribing again, having polled once itself.
    expect(states(sub.events)).toEqual(['QUEUED', 'IN_PROGRESS']);
    expect(redis.deaf.has(follower)).toBe(false);
    expect(follower.fetches.filter((t) => t > changedAt)).toHaveLength(1);
    expect(follower.registry.roles().follower).toBe(1);
  });
});
