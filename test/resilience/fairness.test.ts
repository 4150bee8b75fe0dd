import { afterEach, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { CALLER_CONCURRENCY } from '../../src/datasources/index.ts';
import {
  FairLimiter,
  QUEUE_TAKEN_KEPT,
  type CallerState,
  type LimiterEntry,
} from '../../src/datasources/guard/fairLimit.ts';
import {
  clearCalls,
  gql,
  resetFaults,
  startTestGateway,
  type GqlResult,
  type TestGateway,
} from '../support/gateway.ts';
import { EVENTUALLY } from '../support/eventually.ts';

const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`;
const JOB = `query($id: ID!) { job(id: $id) { id } }`;
const floodIds = Array.from({ length: 100 }, (_, i) => `panorama:us-east-1:flood-${i}`);
const SINGLE = 'panorama:us-east-1:single-job';

async function tokensFor(gw: TestGateway) {
  const mint = (subject: string) =>
    mintToken({ secret: gw.config.auth.jwtSecret as string, scopes: ['jobs:read'], subject });
  return { a: await mint('caller-a'), b: await mint('caller-b') };
}

/**
 * Caller A floods Panorama with a 100-job query while the emulator holds every request; once
 * A fills what it may, caller B asks for one job. Returns both pending responses.
 */
async function floodThenSingle(gw: TestGateway, afterFlood: number) {
  const { a, b } = await tokensFor(gw);
  const panorama = gw.emulators.panorama;
  panorama.setFaults({ hold: true });
  const flood = gql(gw, JOBS, { variables: { ids: floodIds }, token: a });
  await panorama.waitForReceived(afterFlood);
  const single = gql(gw, JOB, { variables: { id: SINGLE }, token: b });
  return { flood, single, panorama };
}

async function finish(gw: TestGateway, pending: Promise<GqlResult>[]) {
  resetFaults(gw); // releases every held request and stops holding
  const results = await Promise.all(pending);
  for (const r of results) expect(r.status).toBe(200);
  return results;
}

describe('Fairness between callers at one provider', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  /**
   * A gateway that sends a provider two calls at once and one caller `perCaller` (while another
   * waits), flooded as `floodThenSingle` does once A holds `holding` calls.
   */
  async function floodAtCaps(perCaller: number, holding = perCaller) {
    const started = await startTestGateway(
      { JOBGRAPH_PROVIDER_CONCURRENCY: '2' },
      { bounds: { callerConcurrency: perCaller } },
    );
    gw = started;
    clearCalls(started);
    return { gw: started, ...(await floodThenSingle(started, holding)) };
  }

  it.each([
    ['1: a lone caller uses every free slot past its cap', 1],
    ['2', 2],
  ])(
    "sends another caller's single job with the next freed slot, ahead of the flood holding both slots, at a caller cap of %s",
    async (_name, perCaller) => {
      const { gw, flood, single, panorama } = await floodAtCaps(perCaller, 2);
      const limit = gw.sources.AWS_PANORAMA.limit;
      // Both slots are A's; A's other 98 jobs and B's one wait.
      await vi.waitFor(() => expect(limit.pendingCount).toBe(99), { timeout: 10_000, interval: 5 });
      expect(panorama.received).toEqual(['us-east-1/flood-0', 'us-east-1/flood-1']);
      expect(panorama.release(1)).toBe(1);
      await panorama.waitForReceived(3);
      expect(panorama.received[2]).toBe('us-east-1/single-job');
      const [floodRes, singleRes] = await finish(gw, [flood, single]);
      expect(singleRes?.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(floodRes?.body.errors).toHaveLength(100);
      expect(panorama.received).toHaveLength(101);
    },
  );

  it("puts a lone caller's 100-job query of one provider in flight up to the provider's default bound at once, not the per-caller share", async () => {
    const started = await startTestGateway();
    gw = started;
    const { providerConcurrency } = started.config.limits;
    expect([providerConcurrency, CALLER_CONCURRENCY]).toEqual([50, 20]);
    const { a } = await tokensFor(started);
    const panorama = started.emulators.panorama;
    clearCalls(started);
    panorama.setFaults({ hold: true });
    const flood = gql(started, JOBS, { variables: { ids: floodIds }, token: a });
    const limit = started.sources.AWS_PANORAMA.limit;
    await panorama.waitForReceived(providerConcurrency);
    await vi.waitFor(() => expect(limit.pendingCount).toBe(100 - providerConcurrency), {
      timeout: 10_000,
      interval: 5,
    });
    expect(limit.activeCount).toBe(providerConcurrency);
    expect(panorama.received).toHaveLength(providerConcurrency);
    const [res] = await finish(started, [flood]);
    expect(res?.body.errors).toHaveLength(100);
    expect(panorama.received).toHaveLength(100);
  });
});

describe('FairLimiter', () => {
  /** A task that runs until released, recording its start. */
  function gate(log: string[], name: string) {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    return { task: () => (log.push(name), done), release };
  }

  /**
   * A `FairLimiter(bound, perCaller)` whose tasks are gated: `run(caller, name)` runs a task named
   * `name` (logged in `log` when it starts); `gates` releases it by name.
   */
  function gatedRuns(bound: number, perCaller: number) {
    const limiter = new FairLimiter(bound, perCaller);
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const run = (caller: string, name: string, signal?: AbortSignal) => {
      const g = gate(log, name);
      gates.set(name, g);
      return limiter.run(caller, g.task, signal);
    };
    return { limiter, log, run, gates };
  }

  it('takes callers in turn, caps each caller, and drops a waiting task whose signal aborts', async () => {
    const { limiter, log, run, gates } = gatedRuns(2, 2);
    const a = ['a1', 'a2', 'a3', 'a4'].map((n) => run('A', n));
    const abort = new AbortController();
    const b1 = run('B', 'b1', abort.signal);
    const b2 = run('B', 'b2');
    const c1 = run('C', 'c1');
    expect(log).toEqual(['a1', 'a2']);
    expect(limiter.pendingCount).toBe(5);
    abort.abort(new Error('budget spent'));
    await expect(b1).rejects.toThrow('budget spent');
    expect(limiter.pendingCount).toBe(4);
    gates.get('a1')!.release();
    await a[0];
    await vi.waitFor(() => expect(log).toHaveLength(3), EVENTUALLY);
    // B and C have nothing running; B waited longer.
    gates.get('a2')!.release();
    await a[1];
    await vi.waitFor(() => expect(log).toHaveLength(4), EVENTUALLY);
    expect(log).toEqual(['a1', 'a2', 'b2', 'c1']);
    for (const name of ['b2', 'c1']) gates.get(name)!.release();
    await Promise.all([b2, c1]);
    await vi.waitFor(() => expect(log).toHaveLength(6), EVENTUALLY);
    expect(log.slice(4)).toEqual(['a3', 'a4']);
    for (const name of ['a3', 'a4']) gates.get(name)!.release();
    await Promise.all(a);
    expect(limiter.activeCount).toBe(0);
    expect(limiter.pendingCount).toBe(0);
  });

  it('gives a lone caller every free slot past its cap, and a waiting caller each freed slot until the two run alike', async () => {
    const { limiter, log, run, gates } = gatedRuns(4, 1);
    const a = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((n) => run('A', n));
    expect(log).toEqual(['a1', 'a2', 'a3', 'a4']);
    const b = ['b1', 'b2', 'b3'].map((n) => run('B', n));
    expect(limiter.pendingCount).toBe(5);
    for (const [i, name] of ['a1', 'a2', 'a3'].entries()) {
      gates.get(name)!.release();
      await a[i];
      await vi.waitFor(() => expect(log).toHaveLength(5 + i), EVENTUALLY);
    }
    // B got the first freed slot (A at its cap, B below it), then each caller in turn by fewest running.
    expect(log.slice(4)).toEqual(['b1', 'b2', 'a5']);
    for (const name of ['a4', 'a5', 'b1', 'b2']) gates.get(name)!.release();
    await vi.waitFor(() => expect(log).toHaveLength(9), EVENTUALLY);
    for (const name of ['a6', 'b3']) gates.get(name)!.release();
    await Promise.all([...a, ...b]);
    expect(limiter.activeCount).toBe(0);
  });

  it("gives a lone caller's 60 queued tasks the provider's whole bound of 50 at once, past its share of 20", () => {
    const { limiter, log, run } = gatedRuns(50, 20);
    for (let i = 0; i < 60; i++) void run('A', `a${i}`);
    expect(log).toHaveLength(50);
    expect(limiter.activeCount).toBe(50);
    expect(limiter.pendingCount).toBe(10);
  });

  it('applies the shares once a second caller waits: its tasks take the freed slots until both run alike', async () => {
    const { limiter, log, run, gates } = gatedRuns(50, 20);
    const a = Array.from({ length: 60 }, (_, i) => run('A', `a${i}`));
    const b = Array.from({ length: 40 }, (_, i) => run('B', `b${i}`));
    // The bound is full with A's tasks: B waits, and so do A's last 10.
    expect(log).toHaveLength(50);
    expect(limiter.pendingCount).toBe(50);
    const released = new Set<string>();
    /** Tasks of `prefix`'s caller started and not yet released. */
    const running = (prefix: string) =>
      log.filter((name) => name.startsWith(prefix) && !released.has(name)).length;
    for (let i = 0; i < 30; i++) {
      released.add(`a${i}`);
      gates.get(`a${i}`)!.release();
    }
    await Promise.all(a.slice(0, 30));
    await vi.waitFor(() => expect(limiter.activeCount).toBe(50), EVENTUALLY);
    // 30 freed: B below its share took 20, then the two in turn by fewest running.
    expect([running('a'), running('b')]).toEqual([25, 25]);
    expect(limiter.pendingCount).toBe(50 - 30);
    // The rest drains, each task released once it has started.
    while (released.size < 100) {
      await vi.waitFor(() => expect(log.length).toBeGreaterThan(released.size), EVENTUALLY);
      for (const name of log)
        if (!released.has(name)) {
          released.add(name);
          gates.get(name)!.release();
        }
    }
    await Promise.all([...a, ...b]);
    expect(log).toHaveLength(100);
  });

  it('skips an entry withdrawn while it waits, and gives the slot back at once to an entry with nothing to run', async () => {
    const limiter = new FairLimiter(1, 1);
    const log: string[] = [];
    const first = gate(log, 'first');
    const running = limiter.run('A', first.task);
    const withdrawn = { start: () => (log.push('withdrawn'), undefined) };
    const empty = { start: () => (log.push('empty'), undefined) };
    const last = gate(log, 'last');
    limiter.enqueue('A', withdrawn);
    limiter.enqueue('B', empty);
    const lastRun = limiter.run('A', last.task);
    expect(limiter.pendingCount).toBe(3);
    expect(limiter.withdraw(withdrawn)).toBe(true);
    expect(limiter.withdraw(withdrawn)).toBe(false);
    expect(limiter.pendingCount).toBe(2);
    expect(() => limiter.enqueue('B', empty)).toThrow('already waiting');
    first.release();
    await running;
    // B's entry ran nothing, so its slot went on to A's next entry in the same turn; the withdrawn one never ran.
    await vi.waitFor(() => expect(log).toEqual(['first', 'empty', 'last']), EVENTUALLY);
    expect(limiter.activeCount).toBe(1);
    last.release();
    await lastRun;
    await vi.waitFor(() => expect(limiter.activeCount).toBe(0), EVENTUALLY);
    expect(limiter.pendingCount).toBe(0);
  });

  it('gives the slots freed in one turn out together once the turn is over, a task enqueued meanwhile at once', async () => {
    const { limiter, log, run, gates } = gatedRuns(3, 3);
    const drain = async (done: Promise<unknown>[]) => {
      await Promise.all(done);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    const a = ['a1', 'a2', 'a3', 'a4', 'a5'].map((n) => run('A', n));
    expect(log).toEqual(['a1', 'a2', 'a3']);
    // Two answers read in one turn: their slots are free, and nothing waiting starts in that turn…
    gates.get('a1')!.release();
    gates.get('a2')!.release();
    await drain([a[0]!, a[1]!]);
    expect(limiter.activeCount).toBe(1);
    expect(log).toEqual(['a1', 'a2', 'a3']);
    // …but once it is over, both at once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(limiter.activeCount).toBe(3);
    // A task enqueued in the turn a slot frees takes it at once, as any enqueue does.
    gates.get('a3')!.release();
    await drain([a[2]!]);
    const b1 = run('B', 'b1');
    expect(log.at(-1)).toBe('b1');
    expect(limiter.activeCount).toBe(3);
    for (const name of ['a4', 'a5', 'b1']) gates.get(name)!.release();
    await Promise.all([...a, b1]);
    await vi.waitFor(() => expect(limiter.activeCount).toBe(0), EVENTUALLY);
  });

  it('takes a long queue from its head by index: in order, withdrawn entries skipped, the taken slots cut back (counted)', async () => {
    const limiter = new FairLimiter(1, 1);
    const first = gate([], 'first');
    const running = limiter.run('A', first.task);
    const started: number[] = [];
    /** Per start: slots the queue holds before its head (taken) and from it (still to take). */
    const seen: { taken: number; rest: number }[] = [];
    let state: CallerState | undefined;
    const entries: LimiterEntry[] = Array.from({ length: 20_000 }, (_, i) => ({
      start: () => {
        started.push(i);
        seen.push({ taken: state!.head, rest: state!.queue.length - state!.head });
        return undefined; // nothing to run: the slot goes on to the next entry in the same turn
      },
    }));
    for (const entry of entries) limiter.enqueue('A', entry);
    state = entries[0]!.waitingIn;
    const withdrawn = entries.filter((_, i) => i % 7 === 3);
    for (const entry of withdrawn) expect(limiter.withdraw(entry)).toBe(true);
    first.release();
    await running;
    await vi.waitFor(() => expect(limiter.pendingCount).toBe(0), EVENTUALLY);
    expect(started).toEqual(entries.map((_, i) => i).filter((i) => i % 7 !== 3));
    // The taken slots at the head never outgrow both the bound and what is still queued behind it.
    for (const { taken, rest } of seen)
      expect(taken).toBeLessThanOrEqual(Math.max(QUEUE_TAKEN_KEPT, rest));
    expect(Math.max(...seen.map((s) => s.taken))).toBeGreaterThan(0);
    expect(state!.queue.length).toBe(0);
  });
});
