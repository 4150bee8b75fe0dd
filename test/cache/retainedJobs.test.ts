import { describe, expect, it, vi } from 'vitest';
import {
  boundedRetainedStore,
  createRetainedJobs,
  RETAINED_PREFIX,
  type InProcessRetainedStore,
  type RetainedJobsOptions,
  type RetainedStore,
} from '../../src/cache/retainedJobs.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { capturedLog } from '../support/capturedLog.ts';
import {
  batchRecord,
  environmentValues,
  SECRET_VALUE,
  withoutSecrets,
} from '../support/retainedRecords.ts';
import { countingSealer, payloadOf } from '../support/clusterSecret.ts';

/** `batch:us-east-1:<id>` → `default`; `batch@staging:…` → `staging`. */
const accountOf = (globalId: string) => /^[a-z]+@([^:]+):/.exec(globalId)?.[1] ?? 'default';

/** A text store as Redis is one (what createRetainedJobs seals, bounds and checks), in a Map. */
function textStore(): {
  get(key: string): Promise<string | undefined>;
  set: RetainedStore['set'];
} {
  const values = new Map<string, string>();
  return {
    get: (key) => Promise.resolve(values.get(key)),
    set: (key, value) => Promise.resolve(void values.set(key, value)),
  };
}

function kept<S extends RetainedStore | InProcessRetainedStore = InProcessRetainedStore>(
  overrides: Omit<Partial<RetainedJobsOptions>, 'store'> & { store?: S } = {},
) {
  const log = capturedLog();
  let ms = Date.parse('2026-11-25T12:00:00.000Z');
  const clock = { now: () => ms, advance: (by: number) => (ms += by) };
  // The tests read back what the store they give holds (in process by default).
  const store = (overrides.store ?? boundedRetainedStore(3, clock.now)) as S;
  const jobs = createRetainedJobs({
    store,
    ttlSeconds: 60,
    withoutSecrets,
    accountOf,
    logger: log.logger,
    now: clock.now,
    ...overrides,
  });
  return { jobs, store, clock, log };
}

describe('Kept finished jobs (createRetainedJobs)', () => {
  it('keeps a terminal record without its secret values, marked retained and dated when it was seen', async () => {
    const { jobs, store } = kept();
    const record = batchRecord('job-1');
    expect(environmentValues(record).length).toBeGreaterThan(0);
    expect(await jobs.retainFinished(record)).toBe(true);
    const back = await jobs.recall(record.id);
    expect(back).toMatchObject({
      id: record.id,
      state: record.state,
      retained: true,
      lastConfirmedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(environmentValues(record)).toContain(SECRET_VALUE);
    expect(environmentValues(back!)).toEqual([]);
    expect(JSON.stringify(back)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(await store.get(RETAINED_PREFIX + record.id))).not.toContain(
      SECRET_VALUE,
    );
    expect(record.retained).toBeUndefined(); // the record handed over is not changed
  });

  it('binds a record to the account it is handed without parsing its ID, and parses the ID only without one', async () => {
    const parse = vi.fn(accountOf);
    const store = textStore();
    const { jobs } = kept({ store, accountOf: parse });
    const stored = async (id: string) =>
      JSON.parse((await store.get(RETAINED_PREFIX + id)) as string) as {
        account: string;
        record: JobRecord;
      };
    const [a, b, c] = ['job-a', 'job-b', 'job-c'].map((n) => batchRecord(n));
    expect(await jobs.retainFinished(a!, 'staging')).toBe(true);
    expect(await jobs.retainFinished(b!, 'default')).toBe(true);
    expect(parse).not.toHaveBeenCalled();
    expect((await stored(a!.id)).account).toBe('staging');
    expect(await jobs.retainFinished(c!)).toBe(true);
    expect(parse).toHaveBeenCalledTimes(1);
    expect((await stored(c!.id)).account).toBe('default');
  });

  it('dates each kept record to its millisecond, making the date text once a second', async () => {
    const { jobs, clock } = kept();
    const record = batchRecord('job-1');
    const toISOString = vi.spyOn(Date.prototype, 'toISOString');
    try {
      // 2026-11-25T12:00:00.000Z, then across the next second, then into another year.
      for (const by of [0, 1, 998, 1, 1, 5, 365 * 86_400_000 + 123]) {
        clock.advance(by);
        expect(await jobs.retainFinished(record)).toBe(true);
        const kept = await jobs.recall(record.id);
        expect(kept?.lastConfirmedAt).toBe(new Date(clock.now()).toISOString());
      }
      // Made for 12:00:00, 12:00:01 and 2027's second; the rest are this test's own.
      expect(toISOString.mock.calls.length).toBe(3 + 7);
    } finally {
      toISOString.mockRestore();
    }
  });

  it('holds the kept record itself in process: nothing encoded on the way in nor decoded on the way back', async () => {
    const { jobs, store } = kept();
    const record = batchRecord('job-object');
    const stringify = vi.spyOn(JSON, 'stringify');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(await jobs.retainFinished(record)).toBe(true);
      const back = await jobs.recall(record.id);
      expect(stringify).not.toHaveBeenCalled();
      expect(parse).not.toHaveBeenCalled();
      expect(back).toBe((await store.get(RETAINED_PREFIX + record.id))!.record);
    } finally {
      stringify.mockRestore();
      parse.mockRestore();
    }
  });

  it('keeps neither a job that is not finished nor a kept record handed back', async () => {
    const { jobs, store } = kept();
    const running = { ...batchRecord('job-2'), state: 'IN_PROGRESS' as const, terminal: false };
    expect(await jobs.retainFinished(running)).toBe(false);
    expect(await jobs.recall(running.id)).toBeUndefined();
    const retainedOne = { ...batchRecord('job-3'), retained: true };
    expect(await jobs.retainFinished(retainedOne)).toBe(false);
    expect(await store.get(RETAINED_PREFIX + retainedOne.id)).toBeUndefined();
  });

  it('evicts the job kept longest ago first when the in-process bound is reached; a job kept again moves to the end', async () => {
    const { jobs } = kept(); // at most 3
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => batchRecord(`job-${id}`)) as [
      JobRecord,
      JobRecord,
      JobRecord,
      JobRecord,
      JobRecord,
    ];
    for (const r of [a, b, c]) await jobs.retainFinished(r);
    await jobs.retainFinished(a); // seen again: now the newest
    await jobs.retainFinished(d); // evicts b
    const present = async () =>
      (await Promise.all([a, b, c, d, e].map((r) => jobs.recall(r.id)))).map(
        (r) => r !== undefined,
      );
    expect(await present()).toEqual([true, false, true, true, false]);
    await jobs.retainFinished(e); // evicts c
    expect(await present()).toEqual([true, false, false, true, true]);
  });

  it('evicts from a full in-process store without walking a Map: the oldest is at hand, whatever was deleted before it', async () => {
    // Taking a Map's first entry walks over every entry deleted before it; a full store deletes
    // one on every record it keeps, so its order is kept apart from the Map.
    let ms = 0;
    const store = boundedRetainedStore(100, () => ms);
    const value = (n: number) => ({ account: 'default', record: batchRecord(`job-${n}`) });
    const walks = (['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const).map((name) =>
      vi.spyOn(Map.prototype, name),
    );
    try {
      for (let n = 0; n < 1000; n++) await store.set(`k${n}`, value(n), 60_000);
      // A record kept again moves to the end; records taken out when they expire leave the order whole.
      ms = 10;
      await store.set('k950', value(950), 60_000);
      for (let n = 1000; n < 1050; n++) await store.set(`k${n}`, value(n), 60_000);
      for (const walk of walks) expect(walk).not.toHaveBeenCalled();
    } finally {
      for (const walk of walks) walk.mockRestore();
    }
    const held = async (from: number, to: number) => {
      const out: number[] = [];
      for (let n = from; n < to; n++) if (await store.get(`k${n}`)) out.push(n);
      return out;
    };
    // The 100 newest: 951–999, 950 (kept again), 1000–1049; 900–949 went first, oldest first.
    expect(await held(0, 950)).toEqual([]);
    expect(await held(950, 1050)).toHaveLength(100);
    ms = 60_005; // 951–999 expire (and are taken out as they are read); 950, kept again, does not
    expect(await held(950, 1000)).toEqual([950]);
    // 51 held: 49 more fill the store, and the next evicts the oldest left, 950.
    for (let n = 2000; n < 2050; n++) await store.set(`k${n}`, value(n), 60_000);
    expect(await held(950, 1001)).toEqual([1000]);
    expect(await held(2000, 2050)).toHaveLength(50);
  });

  it('evicts by bytes as well as by count in process: large records push out the oldest, one larger than the budget is not kept', async () => {
    const budget = 1024 * 1024;
    const store = boundedRetainedStore(100, Date.now, budget);
    const { jobs } = kept({ store });
    // Each about 200 KB as estimated (two bytes a character): five fit the budget, not six.
    const large = (n: number) => ({
      ...batchRecord(`job-large-${n}`),
      statusReason: String(n).repeat(100_000 / String(n).length),
    });
    for (let n = 1; n <= 8; n++) expect(await jobs.retainFinished(large(n))).toBe(true);
    const held = [];
    for (let n = 1; n <= 8; n++) if (await jobs.recall(large(n).id)) held.push(n);
    expect(held.length).toBeLessThan(8);
    // The newest are the ones kept, oldest out first.
    expect(held).toEqual(range(9 - held.length, 8));
    const fill = jobs.fill!();
    expect(fill).toMatchObject({ store: 'retained', entries: held.length, maxBytes: budget });
    expect(fill.bytes).toBeLessThanOrEqual(budget);
    expect(fill.bytes).toBeGreaterThan(budget / 2);
    // A record larger than the whole budget is not kept, and pushes nothing out.
    const huge = { ...batchRecord('job-huge'), statusReason: 'h'.repeat(budget) };
    expect(await jobs.retainFinished(huge)).toBe(false);
    expect(await jobs.recall(huge.id)).toBeUndefined();
    expect(jobs.fill!().entries).toBe(held.length);
  });

  it('keeps a job for the retention time after it was last seen, renewed when it is seen again', async () => {
    const { jobs, clock } = kept(); // 60 s
    const record = batchRecord('job-ttl');
    await jobs.retainFinished(record);
    clock.advance(50_000);
    await jobs.retainFinished(record);
    clock.advance(50_000);
    expect(await jobs.recall(record.id)).toMatchObject({
      lastConfirmedAt: '2026-11-25T12:00:50.000Z',
    });
    clock.advance(10_000);
    expect(await jobs.recall(record.id)).toBeUndefined();
  });

  it('serves no stored value of another job or another account, nor one that is not a kept record, and says each', async () => {
    const { jobs, store, log } = kept({ store: textStore() });
    const record = batchRecord('job-x');
    await jobs.retainFinished(record);
    const text = (await store.get(RETAINED_PREFIX + record.id))!;
    // Another job's value under this key; this job's value under another account's ID.
    await store.set(RETAINED_PREFIX + 'batch:us-east-1:job-y', text, 60_000);
    const staging = 'batch@staging:us-east-1:job-x';
    await store.set(RETAINED_PREFIX + staging, text.replace(record.id, staging), 60_000);
    await store.set(RETAINED_PREFIX + 'batch:us-east-1:job-z', '{not json', 60_000);
    const live = JSON.stringify({
      account: 'default',
      record: { ...record, id: 'batch:us-east-1:job-w' },
    });
    await store.set(RETAINED_PREFIX + 'batch:us-east-1:job-w', live, 60_000);
    for (const id of [
      'batch:us-east-1:job-y',
      staging,
      'batch:us-east-1:job-z',
      'batch:us-east-1:job-w',
    ])
      expect(await jobs.recall(id)).toBeUndefined();
    expect(log.lines.filter((l) => l.level === 40)).toHaveLength(4);
    expect(JSON.stringify(log.lines)).not.toContain('not json');
  });

  it('neither keeps nor decodes a value beyond its size bound', async () => {
    const { jobs, store, log } = kept({ maxBytes: 2048, store: textStore() });
    const record = batchRecord('job-big');
    expect(await jobs.retainFinished(record)).toBe(false); // the fixture's record is over 2 KiB
    await store.set(RETAINED_PREFIX + record.id, 'x'.repeat(4096), 60_000);
    expect(await jobs.recall(record.id)).toBeUndefined();
    expect(log.lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('seals what it keeps when given a sealer, and serves no value that is unsealed, forged, or moved from another job or account', async () => {
    const sealer = countingSealer();
    const { jobs, store } = kept({ store: textStore(), sealer });
    const record = batchRecord('job-s');
    await jobs.retainFinished(record);
    const sealed = (await store.get(RETAINED_PREFIX + record.id))!;
    const text = payloadOf(sealed);
    expect(text).toContain('"state":"SUCCEEDED"');
    expect(await jobs.recall(record.id)).toMatchObject({ id: record.id, retained: true });
    const other = 'batch:us-east-1:job-t';
    const staging = 'batch@staging:us-east-1:job-s';
    const planted: [string, string][] = [
      [record.id, text], // unsealed
      [other, sealed], // moved to another job's key
      [staging, sealed.replace(record.id, staging)], // to another account's, the MAC not redone
      [record.id, sealed.replace('"state":"SUCCEEDED"', '"state":"FAILED"')], // changed after sealing
    ];
    for (const [id, value] of planted) {
      await store.set(RETAINED_PREFIX + id, value, 60_000);
      expect(await jobs.recall(id)).toBeUndefined();
    }
    expect(sealer.rejected).toEqual([
      'retained malformed',
      'retained mac',
      'retained mac',
      'retained mac',
    ]);
  });

  it('treats a failing store as a miss, said once until it answers again', async () => {
    let up = false;
    const inner = textStore();
    const flaky: RetainedStore = {
      get: (key) => (up ? inner.get(key) : Promise.reject(new Error('down'))),
      set: (key, value, ttl) =>
        up ? inner.set(key, value, ttl) : Promise.reject(new Error('down')),
    };
    const { jobs, log } = kept({ store: flaky });
    const record = batchRecord('job-f');
    expect(await jobs.retainFinished(record)).toBe(false);
    expect(await jobs.recall(record.id)).toBeUndefined();
    expect(log.lines.map((l) => l.level)).toEqual([40]);
    up = true;
    expect(await jobs.retainFinished(record)).toBe(true);
    expect(log.lines.map((l) => l.level)).toEqual([40, 30]);
    expect(await jobs.recall(record.id)).toMatchObject({ retained: true });
  });
});

/** The whole numbers from `from` to `to`, both included. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
