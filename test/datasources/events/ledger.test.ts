import { describe, expect, it, vi } from 'vitest';
import { parseJob } from '../../../src/datasources/batch/parse.ts';
import { EventLedger, RefJoin } from '../../../src/datasources/events/ledger.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import type { JobRecord } from '../../../src/model/job.ts';
import { batchDetail } from '../../support/batchEvents.ts';

/** A Batch job `n` of the fixture's shape in `status`. */
function record(n: number, status = 'RUNNING'): JobRecord {
  const jobId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const key = parseGlobalId(`batch:us-east-1:${jobId}`);
  return parseJob(key as never, batchDetail({ jobId, status, stoppedAt: undefined }), 'detail');
}

describe('EventLedger bound', () => {
  it('forgets the least recently written job first, without walking a Map, whatever was deleted before it', () => {
    // A full ledger forgets one job on every new one; taking a Map's first key would walk every
    // entry deleted before it, so the order of writes is kept apart from the Map.
    const ledger = new EventLedger(100);
    const jobs = Array.from({ length: 1100 }, (_, n) => record(n));
    const walks = (['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const).map((name) =>
      vi.spyOn(Map.prototype, name),
    );
    const held = (from: number, to: number) =>
      jobs.slice(from, to).flatMap((job, i) => (ledger.get(job.id) ? [from + i] : []));
    const write = (from: number, to: number) => {
      for (const job of jobs.slice(from, to)) ledger.note(job, `sig-${job.id}`, 1);
    };
    try {
      write(0, 1000);
      // Job 950 written again (a newer state) becomes the newest: the next 50 push out 900–949.
      ledger.note(record(950, 'SUCCEEDED'), 'sig-950-done', 2);
      write(1000, 1050);
      expect(held(0, 950)).toEqual([]);
      expect(held(950, 1050)).toHaveLength(100);
      // The next 49 push out 951–999, written before 950 was written again.
      write(1050, 1099);
      expect(held(950, 1000)).toEqual([950]);
      expect(ledger.get(jobs[950]!.id)).toMatchObject({
        signature: 'sig-950-done',
        time: 2,
        header: { providerStatus: 'SUCCEEDED' },
      });
      // Then 950, the oldest left.
      write(1099, 1100);
      expect(held(0, 1000)).toEqual([]);
      expect(held(1000, 1100)).toHaveLength(100);
      for (const walk of walks) expect(walk).not.toHaveBeenCalled();
    } finally {
      for (const walk of walks) walk.mockRestore();
    }
  });

  it('keeps a job written with an older order where it was, unchanged', () => {
    const ledger = new EventLedger(2);
    const [a, b, c] = [record(1, 'RUNNING'), record(2), record(3)];
    ledger.note(a, 'running', 5);
    ledger.note(b, 'b', 1);
    // An older state of `a` is not written: not newer in the order either.
    ledger.note(record(1, 'SUBMITTED'), 'submitted', 6);
    expect(ledger.get(a.id)).toMatchObject({ signature: 'running', time: 5 });
    ledger.note(c, 'c', 1); // forgets a, the least recently written
    expect([a, b, c].map((r) => ledger.get(r.id) !== undefined)).toEqual([false, true, true]);
  });
});

describe('EventLedger byte bound', () => {
  it('forgets the least recently written jobs once their entries pass its bytes, whatever their count', () => {
    const maxBytes = 64 * 1024;
    const ledger = new EventLedger(1000, maxBytes);
    // Each entry holds its status reason twice (the header's message and the listed reason), at
    // two bytes a character as estimated: about 8 KB each, so about eight fit.
    const long = (n: number) =>
      ({
        ...record(n),
        statusMessage: 'm'.repeat(1000),
        statusReason: 'r'.repeat(1000),
      }) as JobRecord;
    for (let n = 0; n < 40; n++) ledger.note(long(n), `sig-${n}`, 1);
    const held = Array.from({ length: 40 }, (_, n) => n).filter((n) => ledger.get(record(n).id));
    expect(held.length).toBeGreaterThan(1);
    expect(held.length).toBeLessThan(40);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => 40 - held.length + i));
    const fill = ledger.fill();
    expect(fill).toMatchObject({
      store: 'ledger',
      entries: held.length,
      maxEntries: 1000,
      maxBytes,
    });
    expect(fill.bytes).toBeLessThanOrEqual(maxBytes);
    // Short entries are counted as what they are: many more fit.
    for (let n = 100; n < 400; n++) ledger.note(record(n), `s${n}`, 1);
    expect(ledger.fill().entries).toBeGreaterThan(held.length);
    expect(ledger.fill().bytes).toBeLessThanOrEqual(maxBytes);
  });

  it('counts a job written again at its new size, not twice', () => {
    const ledger = new EventLedger();
    ledger.note(record(1), 'sig', 1);
    const once = ledger.fill().bytes;
    for (let i = 0; i < 10; i++) ledger.note(record(1), 'sig', 1);
    expect(ledger.fill()).toMatchObject({ entries: 1, bytes: once });
  });
});

describe('RefJoin (the CodePipeline join) bound', () => {
  it('forgets the ref learned longest ago first once its refs pass its bytes or its count', () => {
    const join = new RefJoin(1000, 16 * 1024);
    const id = (n: number) => `codepipeline:us-east-1:${String(n).padStart(36, '0')}`;
    const ref = (n: number) => `${String(n).padStart(8, '0')}${'r'.repeat(1000)}`;
    for (let n = 0; n < 20; n++) join.note(ref(n), id(n));
    const held = Array.from({ length: 20 }, (_, n) => n).filter((n) => join.get(ref(n)) === id(n));
    expect(held.length).toBeGreaterThan(1);
    expect(held.length).toBeLessThan(20);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => 20 - held.length + i));
    expect(join.fill().bytes).toBeLessThanOrEqual(16 * 1024);
    // Learned again: the newest, counted once.
    join.note(ref(20 - held.length), id(1));
    expect(join.fill().entries).toBe(held.length);
    const counted = new RefJoin(3);
    for (let n = 0; n < 5; n++) counted.note(`ref-${n}`, id(n));
    expect([0, 1, 2, 3, 4].map((n) => counted.get(`ref-${n}`) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});
