import { describe, expect, it } from 'vitest';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { UpstreamError } from '../../src/errors.ts';
import { formatGlobalId, type JobKey } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import {
  LIST_WATCH_PROVIDERS,
  listedSignature,
  type ListPass,
  type WatchLister,
} from '../../src/subscriptions/watchLister.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { BACKOFF_FACTOR } from '../../src/subscriptions/pollTiming.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { ManualScheduler } from '../support/scheduler.ts';

const REGION = 'ap-guangzhou';
const UIN = '100000000001';
const cosKey = (n: number): JobKey => ({
  provider: 'TENCENT_COS_BATCH',
  region: REGION,
  uin: UIN,
  jobId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
});
const cosRecord = (key: JobKey, status = 'Active', succeeded = 10): JobRecord =>
  ({
    id: formatGlobalId(key),
    provider: 'TENCENT_COS_BATCH',
    nativeId: (key as { jobId: string }).jobId,
    name: null,
    region: REGION,
    state: status === 'Complete' ? 'SUCCEEDED' : 'IN_PROGRESS',
    providerStatus: status,
    statusMessage: null,
    terminal: status === 'Complete',
    createdAt: null,
    updatedAt: null,
    completedAt: null,
    progressSummary: {
      numberOfTasksFailed: 0,
      numberOfTasksSucceeded: succeeded,
      totalNumberOfTasks: 100,
      autoManifestStatus: null,
    },
  }) as JobRecord;

/**
 * The fake list of `setup`: COS jobs' source is their region and UIN; a pass shows every job in
 * `listed` by its record's summary, or fails with `failure()` when set. Logs `list` in `calls`.
 */
function fakeLister(
  upstream: Map<string, JobRecord | Error>,
  listed: Set<string>,
  calls: string[],
  listCalls: { wanted: string[]; maxPages: number }[],
  failure: () => Error | null,
): WatchLister {
  return {
    sourceOf: (key) =>
      key.provider === 'TENCENT_COS_BATCH' ? `cos:${key.region}:${key.uin}` : null,
    list: (_key, wanted, maxPages) => {
      calls.push('list');
      listCalls.push({ wanted: [...wanted].map((id) => id.slice(-1)), maxPages });
      const failed = failure();
      if (failed) return Promise.reject(failed);
      const seen = new Map<string, string>();
      for (const id of listed) {
        const record = upstream.get(id);
        if (record && !(record instanceof Error)) seen.set(id, listedSignature(record) as string);
      }
      return Promise.resolve<ListPass>({ seen, calls: 1, complete: true });
    },
  };
}

/**
 * A registry over a fake upstream: `upstream` holds each job's record (or the Error its describe
 * answers); the list shows every job in `listed`, as its record's summary would. Every call is
 * logged in order: `describe <n>` or `list`.
 */
function setup(count: number) {
  const clock = new ManualScheduler(0);
  const keys = Array.from({ length: count }, (_, i) => cosKey(i + 1));
  const name = (key: JobKey) =>
    key.provider === 'TENCENT_COS_BATCH'
      ? String(Number(key.jobId.slice(-12)))
      : `${key.provider} ${formatGlobalId(key)}`;
  const upstream = new Map<string, JobRecord | Error>(
    keys.map((k) => [formatGlobalId(k), cosRecord(k)]),
  );
  const listed = new Set(keys.map(formatGlobalId));
  const calls: string[] = [];
  const listCalls: { wanted: string[]; maxPages: number }[] = [];
  let listFailure: Error | null = null;
  const lister = fakeLister(upstream, listed, calls, listCalls, () => listFailure);
  const registry = new WatchRegistry({
    fetch: (key) => {
      calls.push(`describe ${name(key)}`);
      const answer = upstream.get(formatGlobalId(key));
      if (!answer) throw new Error(`no job ${formatGlobalId(key)}`);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    pollMs: 1000,
    maxPollMs: 4000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    random: () => 0.5, // no jitter
    lister,
    states: new JobStates({ now: () => clock.now() }),
  });
  const events = new Map<number, WatchEvent[]>();
  const leave = new Map<number, () => void>();
  const watch = (n: number, key: JobKey = keys[n - 1] as JobKey) => {
    events.set(n, []);
    leave.set(
      n,
      registry.watch(key, (e) => events.get(n)!.push(e)),
    );
  };
  /** Let every fake answer and what follows it run (the fakes answer at once). */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  /** Fire the next timer(s) and settle; returns the calls they made. */
  const tick = async () => {
    const before = calls.length;
    clock.fireNext();
    await settle();
    return calls.slice(before);
  };
  const setKey = (key: JobKey, answer: JobRecord | Error) =>
    upstream.set(formatGlobalId(key), answer);
  const set = (n: number, answer: JobRecord | Error) =>
    upstream.set(formatGlobalId(keys[n - 1] as JobKey), answer);
  return {
    clock,
    keys,
    registry,
    calls,
    listCalls,
    events,
    leave,
    watch,
    settle,
    tick,
    set,
    setKey,
    unlist: (n: number) => listed.delete(formatGlobalId(keys[n - 1] as JobKey)),
    failList: (err: Error | null) => (listFailure = err),
  };
}

const states = (events: WatchEvent[] | undefined) =>
  (events ?? []).map((e) =>
    e.kind === 'record'
      ? `${e.record.providerStatus} ${(e.record as { progressSummary?: { numberOfTasksSucceeded: number } }).progressSummary?.numberOfTasksSucceeded}`
      : e.kind === 'error'
        ? `error ${(e.error as UpstreamError).code}`
        : e.kind,
  );

describe('Watching many jobs of one source', () => {
  it('describes each job once, then polls still jobs with one list call, backing off as each job would', async () => {
    const t = setup(5);
    for (let n = 1; n <= 5; n++) t.watch(n);
    await t.settle();
    expect(t.calls).toEqual([1, 2, 3, 4, 5].map((n) => `describe ${n}`));
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(t.clock.pending()[0] as number);
      expect(await t.tick()).toEqual(['list']);
    }
    expect(waits).toEqual([1000, 1000 * BACKOFF_FACTOR, 1000 * BACKOFF_FACTOR ** 2, 4000 - 625]);
    // Every job is due again at the same time: one timer each, none left behind.
    expect(t.clock.pending()).toEqual([4000, 4000, 4000, 4000, 4000]);
    for (let n = 1; n <= 5; n++) expect(states(t.events.get(n))).toEqual(['Active 10']);
  });

  it('describes the jobs whose summary shows a change, and sends their records as events', async () => {
    const t = setup(5);
    for (let n = 1; n <= 5; n++) t.watch(n);
    await t.settle();
    await t.tick();
    t.set(2, cosRecord(t.keys[1] as JobKey, 'Active', 40));
    t.set(4, cosRecord(t.keys[3] as JobKey, 'Complete', 100));
    expect(await t.tick()).toEqual(['list', 'describe 2', 'describe 4']);
    expect(states(t.events.get(2))).toEqual(['Active 10', 'Active 40']);
    expect(states(t.events.get(4))).toEqual(['Active 10', 'Complete 100']);
    // Job 4 is terminal: its poller stopped and left the group; job 2 waits pollMs again.
    expect(t.registry.size()).toBe(4);
    expect(t.clock.pending()).toEqual([1000, 2250, 2250, 2250]);
  });

  it('describes a job that changed before its own poll is due as soon as a list pass shows it', async () => {
    const t = setup(4);
    for (let n = 1; n <= 4; n++) t.watch(n);
    await t.settle();
    await t.tick(); // a pass; all four wait 1500 ms
    t.set(1, cosRecord(t.keys[0] as JobKey, 'Active', 20));
    await t.tick(); // job 1 changed: it waits 1000 ms, the others 2250 ms
    t.set(2, cosRecord(t.keys[1] as JobKey, 'Active', 30));
    // Job 1 is due alone (it changed last time: likely to change again), so it is described...
    expect(await t.tick()).toEqual(['describe 1']);
    // ...and job 2, not yet due, is described by the next pass of the others.
    expect(await t.tick()).toEqual(['list', 'describe 2']);
    expect(states(t.events.get(2))).toEqual(['Active 10', 'Active 30']);
  });

  it('describes a job the list does not show at each of its polls', async () => {
    const t = setup(3);
    for (let n = 1; n <= 3; n++) t.watch(n);
    await t.settle();
    t.unlist(3);
    expect(await t.tick()).toEqual(['list', 'describe 3']);
    expect(await t.tick()).toEqual(['list', 'describe 3']);
    expect(states(t.events.get(3))).toEqual(['Active 10']);
  });

  it('keeps a job alone in its source (account and region), and jobs of a provider not listed, on their describe path', async () => {
    const t = setup(1);
    const otherRegion = { ...(t.keys[0] as JobKey), region: 'ap-beijing' } as JobKey;
    const importExport: JobKey = { provider: 'AWS_IMPORT_EXPORT', jobId: 'PNDG1' };
    const importExport2: JobKey = { provider: 'AWS_IMPORT_EXPORT', jobId: 'PNDG2' };
    for (const key of [otherRegion, importExport, importExport2])
      t.setKey(key, { ...cosRecord(key), provider: key.provider });
    t.watch(1);
    t.watch(2, otherRegion);
    t.watch(3, importExport);
    t.watch(4, importExport2);
    await t.settle();
    expect(t.calls).toHaveLength(4);
    expect(await t.tick()).toHaveLength(4);
    expect(t.calls.every((c) => c.startsWith('describe'))).toBe(true);
    expect(t.listCalls).toEqual([]);
  });

  it('falls back to the describes when the list call fails, and stops listing after a failure other than throttling', async () => {
    const t = setup(3);
    for (let n = 1; n <= 3; n++) t.watch(n);
    await t.settle();
    const describes = ['describe 1', 'describe 2', 'describe 3'];
    t.failList(
      new UpstreamError({
        provider: 'TENCENT_COS_BATCH',
        code: 'UPSTREAM_THROTTLED',
        message: 'slow down',
      }),
    );
    expect(await t.tick()).toEqual(['list', ...describes]);
    t.failList(null);
    expect(await t.tick()).toEqual(['list']);
    t.failList(
      new UpstreamError({
        provider: 'TENCENT_COS_BATCH',
        code: 'UPSTREAM_ACCESS_DENIED',
        message: 'no cam:ListJobs',
      }),
    );
    expect(await t.tick()).toEqual(['list', ...describes]);
    t.failList(null);
    expect(await t.tick()).toEqual(describes);
    for (let n = 1; n <= 3; n++) expect(states(t.events.get(n))).toEqual(['Active 10']);
  });

  it('keeps each describe’s failure handling: a throttled job waits longer, a missing one is told once', async () => {
    const t = setup(3);
    for (let n = 1; n <= 3; n++) t.watch(n);
    await t.settle();
    t.set(
      2,
      new UpstreamError({
        provider: 'TENCENT_COS_BATCH',
        code: 'UPSTREAM_THROTTLED',
        message: 'slow down',
        retryAfterSeconds: 7,
      }),
    );
    t.set(
      3,
      new UpstreamError({ provider: 'TENCENT_COS_BATCH', code: 'NOT_FOUND', message: 'gone' }),
    );
    t.unlist(2);
    t.unlist(3);
    expect(await t.tick()).toEqual(['list', 'describe 2', 'describe 3']);
    expect(states(t.events.get(3))).toEqual(['Active 10', 'error NOT_FOUND']);
    expect(t.registry.size()).toBe(2);
    expect(t.clock.pending()).toEqual([1500, 7000]);
  });

  it('reads no more pages than the describes a pass spares, and lists again only when it is cheaper', async () => {
    const t = setup(3);
    for (let n = 1; n <= 3; n++) t.watch(n);
    await t.settle();
    await t.tick();
    // Three still jobs spare three describes: a pass may read two pages.
    expect(t.listCalls).toEqual([{ wanted: ['1', '2', '3'], maxPages: 2 }]);
    t.leave.get(3)!();
    await t.tick();
    // Two spare two: one page, as long as one was enough.
    expect(t.listCalls.at(-1)).toEqual({ wanted: ['1', '2'], maxPages: 1 });
  });

  it('lets a job that changes at every poll go by its describe while the still ones ride the list', async () => {
    const t = setup(6);
    for (let n = 1; n <= 6; n++) t.watch(n);
    await t.settle();
    let succeeded = 10;
    const seen: string[][] = [];
    for (let i = 0; i < 12; i++) {
      succeeded += 5;
      t.set(1, cosRecord(t.keys[0] as JobKey, 'Active', succeeded));
      seen.push(await t.tick());
    }
    const all = seen.flat();
    // Job 1's every change is an event; the still jobs are never described again.
    expect(states(t.events.get(1))).toHaveLength(13);
    expect(all.filter((c) => c === 'describe 1')).toHaveLength(12);
    expect(all.filter((c) => /describe [2-6]/.test(c))).toEqual([]);
    // Each tick describes at most job 1: fewer describes than jobs watched.
    for (const calls of seen)
      expect(calls.filter((c) => c.startsWith('describe')).length).toBeLessThanOrEqual(1);
    expect(all.filter((c) => c === 'list').length).toBeLessThan(12);
  });

  it('goes back to describes when one job of the source is left', async () => {
    const t = setup(2);
    t.watch(1);
    t.watch(2);
    await t.settle();
    expect(await t.tick()).toEqual(['list']);
    t.leave.get(2)!();
    expect(await t.tick()).toEqual(['describe 1']);
    t.leave.get(1)!();
    expect(t.registry.size()).toBe(0);
    expect(t.clock.pending()).toEqual([]);
  });
});

describe('listedSignature', () => {
  it('compares what COS Batch and Panorama list summaries carry, and nothing for the other providers', () => {
    const key = cosKey(1);
    const base = cosRecord(key);
    expect(listedSignature({ ...base, statusMessage: 'other', updatedAt: 'x' })).toBe(
      listedSignature(base),
    );
    expect(listedSignature(cosRecord(key, 'Active', 11))).not.toBe(listedSignature(base));
    expect(listedSignature({ ...base, providerStatus: 'Pausing' })).not.toBe(listedSignature(base));
    const panorama = {
      provider: 'AWS_PANORAMA',
      state: 'QUEUED',
      providerStatus: 'PENDING',
    } as const;
    expect(listedSignature({ ...panorama, statusMessage: 'a' })).not.toBe(
      listedSignature({ ...panorama, statusMessage: 'b' }),
    );
    for (const provider of ['AWS_OMICS', 'AWS_IMPORT_EXPORT', 'AWS_CODEPIPELINE'] as const) {
      expect(listedSignature({ provider, state: 'IN_PROGRESS' })).toBeNull();
      expect(LIST_WATCH_PROVIDERS.has(provider)).toBe(false);
    }
  });
});
