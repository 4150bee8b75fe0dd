import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJobCache, inMemoryStore, type JobCache } from '../../../src/cache/jobCache.ts';
import {
  createJobLoader,
  fetchJobShared,
  guardSource,
  inFlightCount,
  providerOnly,
  type GuardOptions,
} from '../../../src/datasources/guard/loader.ts';
import { AnswerMemo } from '../../../src/datasources/shared/answerMemo.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { InternalError, UpstreamError } from '../../../src/errors.ts';
import { formatGlobalId, type CodePipelineKey } from '../../../src/model/globalId.ts';
import type { JobRecord } from '../../../src/model/job.ts';
import { UNKNOWN_STATE_FIELDS } from '../../support/records.ts';
import { EVENTUALLY } from '../../support/eventually.ts';

const OPTIONS: GuardOptions = {
  concurrency: 4,
  callerConcurrency: 4,
  budgetMs: 5_000,
  breakerFailures: 2,
  breakerHalfOpenMs: 60_000,
};
const key = (jobId: string, region = 'us-east-1'): CodePipelineKey => ({
  provider: 'AWS_CODEPIPELINE',
  region,
  jobId,
});
const recordOf = (k: CodePipelineKey): JobRecord => ({
  id: formatGlobalId(k),
  provider: 'AWS_CODEPIPELINE',
  nativeId: k.jobId,
  name: null,
  region: k.region,
  ...UNKNOWN_STATE_FIELDS,
});

/** A source that answers from `answer` and records every job it was asked for. */
function fakeSource(answer: (k: CodePipelineKey) => Promise<JobRecord> = async (k) => recordOf(k)) {
  const calls: string[] = [];
  const source: JobSource<'AWS_CODEPIPELINE'> = {
    provider: 'AWS_CODEPIPELINE',
    fetchJob: (k) => {
      calls.push(k.jobId);
      return answer(k);
    },
  };
  return { source, calls };
}

const unavailable = () =>
  new UpstreamError({
    provider: 'AWS_CODEPIPELINE',
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'AWS CodePipeline is unavailable (HTTP 503).',
    httpStatus: 503,
  });

describe('createJobLoader', () => {
  it('asks the source once per distinct job of one tick', async () => {
    const { source, calls } = fakeSource();
    const loader = createJobLoader(guardSource(source, OPTIONS));
    const records = await Promise.all([
      loader.load(key('a')),
      loader.load(key('b')),
      loader.load(key('a')),
    ]);
    expect(calls).toEqual(['a', 'b']);
    expect(records.map((r) => r.nativeId)).toEqual(['a', 'b', 'a']);
  });

  it('answers a failing job with an Error in its own slot, the others still answered', async () => {
    const failure = new UpstreamError({
      provider: 'AWS_CODEPIPELINE',
      code: 'NOT_FOUND',
      message: 'no such job',
    });
    const { source } = fakeSource(async (k) => {
      if (k.jobId === 'missing') throw failure;
      return recordOf(k);
    });
    const loader = createJobLoader(guardSource(source, OPTIONS));
    const results = await loader.loadMany([key('a'), key('missing'), key('b')]);
    expect(results[0]).toMatchObject({ nativeId: 'a' });
    expect(results[1]).toBe(failure);
    expect(results[2]).toMatchObject({ nativeId: 'b' });
  });

  it('tells onRecord each record it serves before its load resolves, and no failure', async () => {
    const { source } = fakeSource(async (k) => {
      if (k.jobId === 'missing') throw unavailable();
      return recordOf(k);
    });
    const seen: JobRecord[] = [];
    const loader = createJobLoader(guardSource(source, OPTIONS), 'caller', (r) => seen.push(r));
    const [a, missing, b] = await Promise.all([
      loader.load(key('a')).then((r) => ({ r, seenThen: [...seen] })),
      loader.load(key('missing')).catch((err: unknown) => err),
      loader.load(key('b')),
    ]);
    expect(missing).toBeInstanceOf(UpstreamError);
    // The very objects the loads answer, each seen before the first load resolved.
    expect(a).toMatchObject({ seenThen: [a.r, b] });
    expect(seen).toHaveLength(2);
  });

  it('reads finished jobs from the cache and offers what it fetched', async () => {
    const cached = { ...recordOf(key('hit')), terminal: true };
    const offered: string[] = [];
    const cache: JobCache = {
      get: async (id) => (id === cached.id ? cached : undefined),
      admit: async (r) => {
        offered.push(r.nativeId);
        return true;
      },
      forget: async () => {},
      close: async () => {},
    };
    const { source, calls } = fakeSource();
    const loader = createJobLoader(guardSource(source, OPTIONS, cache));
    await Promise.all([loader.load(key('hit')), loader.load(key('miss'))]);
    expect(calls).toEqual(['miss']);
    expect(offered).toEqual(['miss']);
  });

  it('answers a job the provider no longer knows with its retained record, and reads the store for nothing else', async () => {
    const recalled: string[] = [];
    const retained = {
      recall: async (id: string) => {
        recalled.push(id);
        return id === formatGlobalId(key('gone'))
          ? {
              ...recordOf(key('gone')),
              retained: true,
              lastConfirmedAt: '2026-01-01T00:00:00.000Z',
            }
          : undefined;
      },
    };
    const notFound = (k: CodePipelineKey) =>
      new UpstreamError({
        provider: 'AWS_CODEPIPELINE',
        code: 'NOT_FOUND',
        message: `No job ${k.jobId}.`,
        httpStatus: 404,
      });
    const { source } = fakeSource(async (k) => {
      if (k.jobId === 'live') return recordOf(k);
      throw notFound(k);
    });
    const loader = createJobLoader(guardSource(source, { ...OPTIONS, retained }));
    const [live, gone, never] = await Promise.allSettled([
      loader.load(key('live')),
      loader.load(key('gone')),
      loader.load(key('never')),
    ]);
    expect(live.status === 'fulfilled' && live.value.retained).toBeUndefined();
    expect(gone.status === 'fulfilled' && gone.value).toMatchObject({
      nativeId: 'gone',
      retained: true,
    });
    expect(never.status === 'rejected' && (never.reason as UpstreamError).code).toBe('NOT_FOUND');
    // Live wins: the store is read only for the jobs the provider said it does not know.
    expect(recalled.sort()).toEqual([formatGlobalId(key('gone')), formatGlobalId(key('never'))]);
  });

  it('asks the provider itself through providerOnly: no cached copy, no retained copy, no request in flight answers', async () => {
    const cached = { ...recordOf(key('finished')), terminal: true };
    const cache: JobCache = {
      get: async (id) => (id === cached.id ? cached : undefined),
      admit: async () => true,
      forget: async () => {},
      close: async () => {},
    };
    const recalled: string[] = [];
    const retained = {
      recall: async (id: string) => {
        recalled.push(id);
        return {
          ...recordOf(key('gone')),
          retained: true,
          lastConfirmedAt: '2026-01-01T00:00:00.000Z',
        };
      },
    };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { source, calls } = fakeSource(async (k) => {
      if (k.jobId === 'gone')
        throw new UpstreamError({
          provider: 'AWS_CODEPIPELINE',
          code: 'NOT_FOUND',
          message: 'No job gone.',
          httpStatus: 404,
        });
      if (k.jobId === 'slow') await held;
      return recordOf(k);
    });
    const guarded = guardSource(source, { ...OPTIONS, retained }, cache);
    // A request's read of `slow` is in flight.
    const requests = createJobLoader(guarded);
    const inFlight = requests.load(key('slow'));
    await vi.waitFor(() => expect(calls).toEqual(['slow']), EVENTUALLY);
    const own = createJobLoader(providerOnly(guarded));
    const [finished, gone] = await Promise.allSettled([
      own.load(key('finished')),
      own.load(key('gone')),
    ]);
    const slow = own.load(key('slow'));
    await vi.waitFor(() => expect(calls.filter((c) => c === 'slow')).toHaveLength(2), EVENTUALLY);
    release();
    await Promise.all([inFlight, slow]);
    // The cached job read from the provider; the forgotten one NOT_FOUND, the store never asked.
    expect(calls.sort()).toEqual(['finished', 'gone', 'slow', 'slow']);
    expect(finished.status === 'fulfilled' && finished.value.terminal).toBeFalsy();
    expect(gone.status === 'rejected' && (gone.reason as UpstreamError).code).toBe('NOT_FOUND');
    expect(recalled).toEqual([]);
  });

  it("serves each request its own writable copy of a cached record, and leaves the cache's frozen record as it is", async () => {
    // As the cache hands it out: one deeply frozen record, shared by every request that reads it.
    const tags = Object.freeze([Object.freeze({ key: 'team', value: 'build' })]);
    const cached: JobRecord = Object.freeze({ ...recordOf(key('hit')), terminal: true, tags });
    const snapshot = JSON.stringify(cached);
    const cache: JobCache = {
      get: async (id) => (id === cached.id ? cached : undefined),
      admit: async () => false,
      forget: async () => {},
      close: async () => {},
    };
    const { source, calls } = fakeSource();
    const guarded = guardSource(source, OPTIONS, cache);
    // Two requests, the first asking twice (aliases, several representations of one job).
    const [first, second] = [createJobLoader(guarded), createJobLoader(guarded)];
    const [a, again, b] = await Promise.all([
      first.load(key('hit')),
      first.load(key('hit')),
      second.load(key('hit')),
    ]);
    expect(calls).toEqual([]);
    expect(again).toBe(a);
    expect(b).not.toBe(a);
    for (const served of [a, b]) {
      expect(served).not.toBe(cached);
      expect(served).toEqual(cached);
      expect(Object.isFrozen(served)).toBe(false);
      // What @apollo/subgraph does to whatever a __resolveReference returns (it threw on the frozen record).
      Object.defineProperty(served, '__typename', { value: 'CodePipelineJob' });
    }
    expect(Object.hasOwn(cached, '__typename')).toBe(false);
    expect(JSON.stringify(cached)).toBe(snapshot);
  });

  it('serves the requests that share one call in flight each their own copy of the fetched record', async () => {
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, OPTIONS);
    const pa = createJobLoader(guarded, 'alice').load(key('x'));
    const pb = createJobLoader(guarded, 'bob').load(key('x'));
    await vi.waitFor(() => expect(calls).toHaveLength(1), EVENTUALLY);
    calls[0]!.resolve();
    const [a, b] = await Promise.all([pa, pb]);
    expect(calls).toHaveLength(1);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    Object.defineProperty(a, '__typename', { value: 'CodePipelineJob' });
    expect(Object.hasOwn(b, '__typename')).toBe(false);
  });
});

describe('fetchJobShared without a cache', () => {
  it('opens the circuit of a region after consecutive unavailable answers and then fails at once', async () => {
    const { source, calls } = fakeSource(async () => {
      throw unavailable();
    });
    const guarded = guardSource(source, OPTIONS);
    for (let i = 0; i < 2; i += 1)
      await expect(fetchJobShared(guarded, key(`j${i}`))).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        httpStatus: 503,
      });
    await expect(fetchJobShared(guarded, key('j2'))).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message:
        'AWS CodePipeline is failing in us-east-1; jobgraph stopped calling it there for a while.',
    });
    expect(calls).toEqual(['j0', 'j1']);
    expect(guarded.breakers.openRegions()).toEqual(['us-east-1']);
    // Another region of the same provider is still asked.
    await expect(fetchJobShared(guarded, key('j3', 'eu-west-1'))).rejects.toMatchObject({
      httpStatus: 503,
    });
    expect(calls).toEqual(['j0', 'j1', 'j3']);
  });

  it('answers a job that outlasts the budget as the budget, and passes the abort to the source', async () => {
    let signal: AbortSignal | undefined;
    const source: JobSource<'AWS_CODEPIPELINE'> = {
      provider: 'AWS_CODEPIPELINE',
      fetchJob: (_k, opts) =>
        new Promise((_resolve, reject) => {
          signal = opts?.signal;
          opts?.signal?.addEventListener('abort', () => reject(opts.signal?.reason));
        }),
    };
    const guarded = guardSource(source, { ...OPTIONS, budgetMs: 20 });
    await expect(fetchJobShared(guarded, key('slow'))).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'AWS CodePipeline did not answer within 20 ms.',
    });
    expect(signal?.aborted).toBe(true);
  });

  it("keeps jobgraph's own failures InternalError and does not count them", async () => {
    const { source } = fakeSource(async () => {
      throw new TypeError('bug');
    });
    const guarded = guardSource(source, OPTIONS);
    for (let i = 0; i < 3; i += 1)
      await expect(fetchJobShared(guarded, key(`j${i}`))).rejects.toBeInstanceOf(InternalError);
    expect(guarded.breakers.openRegions()).toEqual([]);
  });
});

/** A source whose calls wait until the test settles them, recording each job and its abort signal. */
function gatedSource() {
  const calls: { jobId: string; signal: AbortSignal | undefined; resolve: () => void }[] = [];
  const source: JobSource<'AWS_CODEPIPELINE'> = {
    provider: 'AWS_CODEPIPELINE',
    fetchJob: (k, opts) =>
      new Promise((resolve, reject) => {
        calls.push({ jobId: k.jobId, signal: opts?.signal, resolve: () => resolve(recordOf(k)) });
        opts?.signal?.addEventListener('abort', () => reject(unavailable()));
      }),
  };
  return { source, calls };
}

describe('fetchJobShared', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives callers asking for a job in flight the same call and the same record', async () => {
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, OPTIONS);
    const a = fetchJobShared(guarded, key('x'), 'alice');
    const b = fetchJobShared(guarded, key('x'), 'bob');
    await vi.waitFor(() => expect(calls).toHaveLength(1), EVENTUALLY);
    expect(inFlightCount(guarded)).toBe(1);
    calls[0]!.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(calls).toHaveLength(1);
    expect(inFlightCount(guarded)).toBe(0);
  });

  it('fails only the waiter whose budget ran out; the call goes on for the others', async () => {
    vi.useFakeTimers();
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, { ...OPTIONS, budgetMs: 1_000 });
    const first = fetchJobShared(guarded, key('x'), 'alice');
    const firstFailed = expect(first).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'AWS CodePipeline did not answer within 1000 ms.',
    });
    await vi.advanceTimersByTimeAsync(600);
    const second = fetchJobShared(guarded, key('x'), 'bob');
    await vi.advanceTimersByTimeAsync(500);
    await firstFailed;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.signal?.aborted).toBe(false);
    calls[0]!.resolve();
    await expect(second).resolves.toMatchObject({ nativeId: 'x' });
    expect(calls).toHaveLength(1);
  });

  it('abandons the call when its last waiter gives up: the attempt is aborted and the next request asks again', async () => {
    vi.useFakeTimers();
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, { ...OPTIONS, budgetMs: 1_000 });
    const first = fetchJobShared(guarded, key('x'), 'alice');
    const failed = expect(first).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await vi.advanceTimersByTimeAsync(1_000);
    await failed;
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(inFlightCount(guarded)).toBe(0);
    const again = fetchJobShared(guarded, key('x'), 'alice');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await expect(again).resolves.toMatchObject({ nativeId: 'x' });
  });

  it('takes a call abandoned while it still waits for a slot out of every queue it waits in, without ever asking the source', async () => {
    vi.useFakeTimers();
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, {
      ...OPTIONS,
      concurrency: 1,
      callerConcurrency: 1,
      budgetMs: 1_000,
    });
    const running = fetchJobShared(guarded, key('a1'), 'alice');
    const queued = fetchJobShared(guarded, key('x'), 'alice');
    const joined = fetchJobShared(guarded, key('x'), 'bob'); // bob's own place in the queue
    const bothFailed = Promise.all([
      expect(queued).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' }),
      expect(joined).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' }),
      expect(running).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(guarded.limit.pendingCount).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    await bothFailed;
    expect(guarded.limit.pendingCount).toBe(0);
    expect(calls.map((c) => c.jobId)).toEqual(['a1']);
    expect(inFlightCount(guarded)).toBe(0);
    // The slot a1 held comes back once its aborted attempt settles; the limiter is empty again.
    await vi.advanceTimersByTimeAsync(0);
    expect(guarded.limit.activeCount).toBe(0);
  });

  it("lets a caller who joins a call still queued behind another caller's flood run it in its own slot", async () => {
    const { source, calls } = gatedSource();
    const guarded = guardSource(source, { ...OPTIONS, concurrency: 2, callerConcurrency: 1 });
    const flood = ['a1', 'a2', 'a3', 'x'].map((id) => fetchJobShared(guarded, key(id), 'alice'));
    // Alone, alice uses both slots; a3 and x wait, a3 first.
    await vi.waitFor(() => expect(calls.map((c) => c.jobId)).toEqual(['a1', 'a2']), EVENTUALLY);
    // bob asks for x too: x now also waits in bob's share, and bob is below his cap.
    const single = fetchJobShared(guarded, key('x'), 'bob');
    calls[0]!.resolve();
    await vi.waitFor(
      () => expect(calls.map((c) => c.jobId)).toEqual(['a1', 'a2', 'x']),
      EVENTUALLY,
    );
    calls[2]!.resolve();
    await expect(single).resolves.toMatchObject({ nativeId: 'x' });
    await expect(flood[3]).resolves.toMatchObject({ nativeId: 'x' });
    calls[1]!.resolve();
    await vi.waitFor(
      () => expect(calls.map((c) => c.jobId)).toEqual(['a1', 'a2', 'x', 'a3']),
      EVENTUALLY,
    );
    calls[3]!.resolve();
    await Promise.all(flood);
    expect(calls).toHaveLength(4);
    expect(guarded.limit.activeCount).toBe(0);
    expect(guarded.limit.pendingCount).toBe(0);
  });
});

/** A source that answers as the pipeline does with a watch's memo: an unchanged answer is the memo's record, the very object. */
function memoSource() {
  let parsed = 0;
  const source: JobSource<'AWS_CODEPIPELINE'> = {
    provider: 'AWS_CODEPIPELINE',
    fetchJob: (k, opts) => {
      const memo = opts?.answer;
      if (memo?.value) return Promise.resolve(memo.value as JobRecord);
      parsed += 1;
      const record = recordOf(k);
      if (memo) memo.value = record;
      return Promise.resolve(record);
    },
  };
  return { source, parsed: () => parsed };
}

describe("A watch's poll through a cache in this process (no leases)", () => {
  it('makes no lookup after the first poll, offers a record its memo did not hold once, and never waits for the offer', async () => {
    const gets: string[] = [];
    const offered: JobRecord[] = [];
    const cache: JobCache = {
      get: async (id) => {
        gets.push(id);
        return undefined;
      },
      // An offer that never settles: the call is answered all the same.
      admit: (record) => {
        offered.push(record);
        return new Promise<boolean>(() => {});
      },
      forget: async () => {},
      close: async () => {},
    };
    const { source, parsed } = memoSource();
    const guarded = guardSource(source, OPTIONS, cache);
    const memo = new AnswerMemo();
    const first = await fetchJobShared(guarded, key('a'), 'watch', memo);
    for (let i = 0; i < 3; i++)
      expect(await fetchJobShared(guarded, key('a'), 'watch', memo)).toBe(first);
    // Only the first poll, whose memo held nothing yet, looked the job up.
    expect([gets, offered, parsed()]).toEqual([[formatGlobalId(key('a'))], [first], 1]);
    // A request's fetch (no memo) looks the job up first, and offers what it fetched.
    const other = await fetchJobShared(guarded, key('b'));
    expect(gets).toEqual([formatGlobalId(key('a')), formatGlobalId(key('b'))]);
    expect(offered).toEqual([first, other]);
  });

  it('makes no promise more than the same poll without a cache', async () => {
    const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
    const promisesPerPoll = async (cache: JobCache | undefined) => {
      const guarded = guardSource(memoSource().source, OPTIONS, cache);
      const memo = new AnswerMemo();
      await fetchJobShared(guarded, key('a'), 'watch', memo); // the memo's first record
      let promises = 0;
      const hook = createHook({
        init: (_id, type) => {
          if (type === 'PROMISE') promises += 1;
        },
      }).enable();
      try {
        for (let i = 0; i < 20; i++) await fetchJobShared(guarded, key('a'), 'watch', memo);
      } finally {
        hook.disable();
      }
      return promises / 20;
    };
    const inProcess = createJobCache({
      store: inMemoryStore(100),
      ttlSeconds: 60,
      holdsSecret: () => false,
      logger: logger as never,
      opTimeoutMs: 0,
    });
    const without = await promisesPerPoll(undefined);
    expect(without).toBeGreaterThan(0);
    expect(await promisesPerPoll(inProcess)).toBe(without);
  });
});
