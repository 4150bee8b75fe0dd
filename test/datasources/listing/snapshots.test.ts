import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../src/errors.ts';
import type { ListCallContext } from '../../../src/datasources/listing/guardedCall.ts';
import { compareListed } from '../../../src/datasources/listing/merge.ts';
import { Snapshot } from '../../../src/datasources/listing/snapshot.ts';
import {
  ListSnapshots,
  type SharedSnapshotStore,
  type SnapshotFill,
} from '../../../src/datasources/listing/snapshots.ts';
import { listed, type Listed } from '../../../src/datasources/listing/summaries.ts';
import { PANORAMA_KEY } from '../../../src/datasources/panorama/key.ts';
import type { JobProvider } from '../../../src/model/job.ts';
import { startListingRig, type ListingRig } from './support.ts';

/** A Panorama job of the demo region created `n` hours before `anchorMs`. */
function panoramaJob(anchorMs: number, n: number, status = 'SUCCEEDED'): Listed {
  const jobId = `pkgimport-${n.toString(16).padStart(16, '0')}`;
  const createdAt = new Date(anchorMs - n * 3_600_000);
  const state = status === 'PENDING' ? 'QUEUED' : status === 'FAILED' ? 'FAILED' : 'SUCCEEDED';
  return listed(
    PANORAMA_KEY,
    { provider: 'AWS_PANORAMA', region: 'us-east-1', jobId },
    { state, createdAt, updatedAt: createdAt, completedAt: null },
    { providerStatus: status, jobId, status } as never,
  )!;
}

/** A fill that reads `items` in pages of `pageSize` (one "call" a page), counting its reads. */
function fillOf(
  items: () => Listed[],
  options: { pageSize?: number; budgetMs?: number; provider?: JobProvider } = {},
) {
  const counted = { reads: 0, contexts: [] as ListCallContext[] };
  const fill: SnapshotFill = {
    provider: options.provider ?? 'AWS_PANORAMA',
    caller: 'test',
    budgetMs: options.budgetMs ?? 15_000,
    async read(ctx, progress) {
      counted.reads += 1;
      counted.contexts.push(ctx);
      const all = items();
      const size = options.pageSize ?? 25;
      for (let i = 0; i < Math.max(1, Math.ceil(all.length / size)); i++) {
        await Promise.resolve();
        ctx.calls += 1;
        progress.pages += 1;
      }
      return all;
    },
  };
  return { fill, counted };
}

describe('A list snapshot', () => {
  let rig: ListingRig;
  beforeAll(async () => {
    rig = await startListingRig();
  });
  afterAll(async () => rig?.close());

  it('gives back every listed job of every provider as it was read, in the merged order, each job a new object', async () => {
    const jobs = (await rig.walk(100)).pages.flatMap((p) => p.edges.map((e) => e.job));
    const byProvider = new Map<string, Listed[]>();
    for (const job of jobs) {
      const item: Listed = { createdMs: Date.parse(job.createdAt), id: job.id, job };
      byProvider.set(job.provider, [...(byProvider.get(job.provider) ?? []), item]);
    }
    expect([...byProvider.keys()].sort()).toEqual([
      'AWS_BATCH',
      'AWS_IMPORT_EXPORT',
      'AWS_OMICS',
      'AWS_PANORAMA',
      'TENCENT_COS_BATCH',
    ]);
    for (const [provider, items] of byProvider) {
      // Shuffled, with a repeat: the snapshot sorts and drops the repeat.
      const shuffled = [...items].reverse().concat([items[0]!]);
      const snapshot = Snapshot.of(shuffled, 1, 3);
      expect(snapshot.size, provider).toBe(items.length);
      const sorted = [...items].sort(compareListed);
      const back = Array.from({ length: snapshot.size }, (_, i) => snapshot.item(i));
      expect(back, provider).toEqual(sorted);
      expect(snapshot.item(0)).not.toBe(snapshot.item(0));
      // The text a replica reads gives the same jobs.
      const again = Snapshot.fromWire(snapshot.toWire())!;
      expect(
        Array.from({ length: again.size }, (_, i) => again.item(i)),
        provider,
      ).toEqual(sorted);
      expect([again.takenAt, again.pages]).toEqual([1, 3]);
    }
  });

  it('keeps a job that does not have the shape of the others whole, and Import/Export’s isCanceled', () => {
    const anchor = Date.UTC(2026, 10, 1);
    const odd = panoramaJob(anchor, 2);
    (odd.job.summary as Record<string, unknown>).extra = { nested: [1, 2] };
    const items = [panoramaJob(anchor, 1), odd, panoramaJob(anchor, 3, 'FAILED')].map((i) => ({
      ...i,
      isCanceled: i === odd ? null : false,
    }));
    const snapshot = Snapshot.of(items, 0, 1);
    expect(Array.from({ length: 3 }, (_, i) => snapshot.item(i))).toEqual(items);
    expect(Snapshot.fromWire('{"v":2}')).toBeNull();
    expect(Snapshot.fromWire('not json')).toBeNull();
  });

  it('checks each job against key sets made once a snapshot: no list of keys per job (issue 60)', () => {
    const anchor = Date.UTC(2026, 10, 1);
    const items = Array.from({ length: 50 }, (_, n) => panoramaJob(anchor, n + 1));
    // A job whose state is not known has no state nor terminal in its summary, and still fits.
    const unknown = panoramaJob(anchor, 60);
    const summary: Record<string, unknown> = { ...unknown.job.summary };
    delete summary.state;
    delete summary.terminal;
    items.push({ ...unknown, job: { ...unknown.job, state: null, summary } });
    const keys = vi.spyOn(Object, 'keys');
    try {
      const snapshot = Snapshot.of(items, 0, 1);
      // The first job's key and summary name the shape's columns; no other job's keys are listed.
      expect(keys).toHaveBeenCalledTimes(2);
      const back = Array.from({ length: snapshot.size }, (_, i) => snapshot.item(i));
      expect(back).toEqual([...items].sort(compareListed));
      expect(snapshot.toWire()).not.toContain('{"createdMs"'); // every job fitted: none kept whole
    } finally {
      keys.mockRestore();
    }
  });

  it('of one upstream page keeps the token of the page after it, through another replica too', () => {
    const anchor = Date.UTC(2026, 10, 1);
    const items = [panoramaJob(anchor, 2), panoramaJob(anchor, 1)];
    const page = Snapshot.of(items, anchor, 1, 'opaque-token/2');
    expect(page.next).toBe('opaque-token/2');
    const again = Snapshot.fromWire(page.toWire())!;
    expect(again.next).toBe('opaque-token/2');
    expect([again.item(0), again.item(1)]).toEqual([items[1], items[0]]);
    // A source read whole has none, and its text names none.
    const whole = Snapshot.of(items, anchor, 1);
    expect(whole.next).toBeNull();
    expect(whole.toWire().split('\n')[0]).not.toContain('"next"');
    expect(Snapshot.fromWire(whole.toWire())!.next).toBeNull();
    const [header, ...rows] = page.toWire().split('\n');
    const bad = JSON.stringify({ ...(JSON.parse(header!) as object), next: 7 });
    expect(Snapshot.fromWire([bad, ...rows].join('\n'))).toBeNull();
  });

  it('finds the first job after a keyset, ties by global ID, whether or not that job is still there', () => {
    const anchor = Date.UTC(2026, 10, 1);
    const items = [1, 2, 3, 4].map((n) => panoramaJob(anchor, n));
    const tie = { ...panoramaJob(anchor, 5), createdMs: items[1]!.createdMs };
    tie.job = { ...tie.job, createdAt: items[1]!.job.createdAt };
    (tie.job.summary as Record<string, unknown>).createdAt = items[1]!.job.createdAt;
    const snapshot = Snapshot.of([...items, tie], 0, 1);
    const ids = Array.from({ length: snapshot.size }, (_, i) => snapshot.item(i).id);
    expect(snapshot.indexAfter(null)).toBe(0);
    for (let i = 0; i < ids.length; i++) {
      const at = snapshot.item(i);
      expect(snapshot.indexAfter(at)).toBe(i + 1);
    }
    // A keyset between two jobs (its job gone from this snapshot): the next one.
    const gone = { createdMs: items[2]!.createdMs + 1, id: 'panorama:us-east-1:gone' };
    expect(ids[snapshot.indexAfter(gone)]).toBe(items[2]!.id);
    expect(snapshot.indexOf(items[3]!.id)).toBe(ids.indexOf(items[3]!.id));
  });

  it('counts fewer than 200 bytes a Panorama job (its ID and row in one string each, its time, offsets)', () => {
    const anchor = Date.UTC(2026, 10, 1);
    const items = Array.from({ length: 3000 }, (_, n) =>
      panoramaJob(anchor, n + 1, n % 10 === 0 ? 'FAILED' : 'SUCCEEDED'),
    );
    const snapshot = Snapshot.of(items, 0, 120);
    expect(snapshot.bytes / 3000).toBeLessThan(200);
  });
});

describe('List snapshots', () => {
  const anchor = Date.UTC(2026, 10, 1);
  const three = () => [1, 2, 3].map((n) => panoramaJob(anchor, n));

  it('read a source once for concurrent first readers, and serve it while it is at most the TTL old (the clock injected)', async () => {
    let now = 1_000;
    const snapshots = new ListSnapshots({ ttlMs: 30_000, now: () => now });
    const { fill, counted } = fillOf(three);
    const [a, b, c] = await Promise.all([
      snapshots.take('panorama:us-east-1', 30_000, fill),
      snapshots.take('panorama:us-east-1', 30_000, fill),
      snapshots.take('panorama:us-east-1', 30_000, fill),
    ]);
    expect(counted.reads).toBe(1);
    // The read's calls are counted once, for the reader that started it.
    expect([a.calls, b.calls, c.calls].sort()).toEqual([0, 0, 1]);
    expect(b.snapshot).toBe(a.snapshot);
    now += 30_000;
    expect((await snapshots.take('panorama:us-east-1', 30_000, fill)).calls).toBe(0);
    // Younger than a watcher asks for: read again.
    expect((await snapshots.take('panorama:us-east-1', 1_000, fill)).calls).toBe(1);
    now += 30_001;
    expect(snapshots.held('panorama:us-east-1', 30_000)).toBeUndefined();
    expect((await snapshots.take('panorama:us-east-1', 30_000, fill)).calls).toBe(1);
    expect(counted.reads).toBe(3);
  });

  it('keep none with a TTL of 0, and still share one read between concurrent readers', async () => {
    const snapshots = new ListSnapshots({ ttlMs: 0 });
    const { fill, counted } = fillOf(three);
    await Promise.all([snapshots.take('k', 0, fill), snapshots.take('k', 0, fill)]);
    expect(counted.reads).toBe(1);
    await snapshots.take('k', 0, fill);
    expect(counted.reads).toBe(2);
    expect(snapshots.bytes).toBe(0);
  });

  it('serve a filtered read from the unfiltered snapshot at hand, else read it as its own', async () => {
    const snapshots = new ListSnapshots({ ttlMs: 30_000 });
    const unfiltered = fillOf(three);
    const filtered = fillOf(() => three().slice(0, 1));
    expect(
      (await snapshots.take('cos:r?jobStatuses=Failed', 30_000, filtered.fill, undefined, 'cos:r'))
        .calls,
    ).toBe(1);
    await snapshots.take('cos:r', 30_000, unfiltered.fill);
    const served = await snapshots.take(
      'cos:r?jobStatuses=Failed',
      30_000,
      filtered.fill,
      undefined,
      'cos:r',
    );
    expect(served.snapshot.size).toBe(3);
    expect(filtered.counted.reads).toBe(1);
  });

  it('hold at most their byte bound, the least recently read dropped first', async () => {
    const one = Snapshot.of(three(), 0, 1);
    const snapshots = new ListSnapshots({
      ttlMs: 30_000,
      maxBytes: one.bytes * 2 + 1,
      now: () => 0,
    });
    snapshots.keep('a', one);
    snapshots.keep('b', Snapshot.of(three(), 0, 1));
    expect(snapshots.held('a', 30_000)).toBe(one);
    snapshots.keep('c', Snapshot.of(three(), 0, 1));
    expect(snapshots.held('b', 30_000)).toBeUndefined();
    expect(snapshots.held('a', 30_000)).toBe(one);
    expect(snapshots.bytes).toBeLessThanOrEqual(one.bytes * 2 + 1);
    // One bigger than the bound is served, never kept.
    const small = new ListSnapshots({ ttlMs: 30_000, maxBytes: 10 });
    small.keep('a', one);
    expect(small.bytes).toBe(0);
  });

  it('go on reading while anyone waits, and stop when the last reader leaves', async () => {
    const snapshots = new ListSnapshots({ ttlMs: 30_000 });
    let signal: AbortSignal | undefined;
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const fill: SnapshotFill = {
      provider: 'AWS_PANORAMA',
      caller: 'test',
      budgetMs: 15_000,
      read: (ctx) =>
        new Promise((_, reject) => {
          signal = ctx.signal;
          ready();
          ctx.signal!.addEventListener('abort', () => reject(ctx.signal!.reason));
        }),
    };
    const first = new AbortController();
    const second = new AbortController();
    const a = snapshots.take('k', 30_000, fill, first.signal);
    const b = snapshots.take('k', 30_000, fill, second.signal);
    await started;
    first.abort(new Error('first left'));
    await expect(a).rejects.toThrow('first left');
    expect(signal!.aborted).toBe(false);
    second.abort(new Error('second left'));
    await expect(b).rejects.toThrow('second left');
    expect(signal!.aborted).toBe(true);
  });

  it('report a source not read whole within its budget as UPSTREAM_UNAVAILABLE, saying how far it got, and tell of it', async () => {
    const slow: { source: string; pages: number; budgetMs: number }[] = [];
    const snapshots = new ListSnapshots({ ttlMs: 30_000, onSlowRead: (f) => slow.push(f) });
    const fill: SnapshotFill = {
      provider: 'AWS_PANORAMA',
      caller: 'test',
      budgetMs: 5,
      async read(ctx, progress) {
        progress.pages = 7;
        await new Promise((resolve) => ctx.deadline!.addEventListener('abort', resolve));
        throw new Error('cut short');
      },
    };
    const err = await snapshots.take('panorama:us-east-1', 30_000, fill).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((err as UpstreamError).message).toBe(
      'AWS Panorama did not list panorama:us-east-1 whole within 5 ms (JOBGRAPH_UPSTREAM_BUDGET_MS): 7 pages read, more to come.',
    );
    expect(slow).toEqual([{ source: 'panorama:us-east-1', pages: 7, budgetMs: 5 }]);
    // A failed read is not kept: the next reader reads again.
    const { fill: ok, counted } = fillOf(three);
    await snapshots.take('panorama:us-east-1', 30_000, ok);
    expect(counted.reads).toBe(1);
  });

  it('share snapshots through a store: another replica’s serves, a failing store is a miss', async () => {
    const stored = new Map<string, { text: string; ttlMs: number }>();
    let failing = false;
    const shared: SharedSnapshotStore = {
      get: (keys) =>
        failing
          ? Promise.reject(new Error('down'))
          : Promise.resolve(keys.map((k) => stored.get(k)?.text)),
      set: (key, text, ttlMs) => void stored.set(key, { text, ttlMs }),
      close: () => Promise.resolve(),
    };
    let now = 0;
    const a = new ListSnapshots({ ttlMs: 30_000, shared, now: () => now });
    const b = new ListSnapshots({ ttlMs: 30_000, shared, now: () => now });
    const { fill, counted } = fillOf(three);
    await a.take('panorama:us-east-1', 30_000, fill);
    expect(stored.get('panorama:us-east-1')?.ttlMs).toBe(30_000);
    now = 10_000;
    const fromA = await b.take('panorama:us-east-1', 30_000, fill);
    expect([fromA.calls, fromA.snapshot.size, counted.reads]).toEqual([0, 3, 1]);
    // Too old for a watcher's half interval: read anew.
    expect((await b.take('panorama:us-east-1', 1_000, fill)).calls).toBe(1);
    failing = true;
    const c = new ListSnapshots({ ttlMs: 30_000, shared, now: () => now });
    expect((await c.take('panorama:us-east-1', 30_000, fill)).calls).toBe(1);
  });

  it('remember a small value for the TTL, one read for concurrent readers, a failure not kept', async () => {
    let now = 0;
    const snapshots = new ListSnapshots({ ttlMs: 30_000, now: () => now });
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    expect(
      await Promise.all([snapshots.remember('s', read), snapshots.remember('s', read)]),
    ).toEqual([1, 1]);
    now = 30_001;
    expect(await snapshots.remember('s', read)).toBe(2);
    await expect(snapshots.remember('f', () => Promise.reject(new Error('no')))).rejects.toThrow(
      'no',
    );
    expect(await snapshots.remember('f', read)).toBe(3);
  });
});
