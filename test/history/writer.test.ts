// The history writer's batches (src/history/writer.ts): a job's record is serialised once a batch,
// and on PostgreSQL a job's changes always go to the same one of two lanes, in order, one lane's
// batch committing while the other's waits.
import { describe, expect, it, vi } from 'vitest';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter, type HistoryChange } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import {
  closedAfterEach,
  describeOnStores,
  historyBatchRecord,
  historyStores,
} from '../support/historyStores.ts';
import {
  batchRecord,
  environmentValues,
  SECRET_VALUE,
  withoutSecrets,
} from '../support/retainedRecords.ts';
import { batchFacts } from '../../src/datasources/batch/facts.ts';
import type { BatchJobRecord } from '../../src/datasources/batch/record.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const kinds = historyStores();
const [sqlite, postgres] = [kinds[0]!, kinds[1]!];

const job = (id: string, state: string): JobRecord =>
  historyBatchRecord(id, state, { terminal: state === 'SUCCEEDED' });

const change = (id: string, from: string | null, to: string, at: string): HistoryChange => ({
  record: job(id, to),
  from,
  to,
  providerStatus: to,
  at,
  source: 'READ',
  account: 'default',
});

describeOnStores('The history writer on a $name', kinds, (open) => {
  it("strips and serialises a job's record once a batch, however many of its changes the batch holds", async () => {
    const db = await open();
    const stripped: string[] = [];
    const writer = new HistoryWriter(db, {
      factsOf,
      withoutSecrets: (record) => (stripped.push(record.id), withoutSecrets(record)),
    });
    const [a, b] = ['batch:us-east-1:many', 'batch:us-east-1:one'];
    writer.record(change(a, null, 'SUBMITTED', '2026-01-01T00:00:01.000Z'));
    writer.record(change(b, null, 'RUNNING', '2026-01-01T00:00:01.500Z'));
    writer.record(change(a, 'SUBMITTED', 'RUNNING', '2026-01-01T00:00:02.000Z'));
    writer.record(change(a, 'RUNNING', 'SUCCEEDED', '2026-01-01T00:00:03.000Z'));
    await writer.flush();
    expect(stripped.sort()).toEqual([a, b]);
    const reader = new HistoryReader(db);
    expect((await reader.latest(a, '*'))?.state).toBe('SUCCEEDED');
    const transitions = await reader.transitionsOf([a, b], '*');
    expect(transitions.get(a)?.map((t) => [t.from, t.to])).toEqual([
      [null, 'SUBMITTED'],
      ['SUBMITTED', 'RUNNING'],
      ['RUNNING', 'SUCCEEDED'],
    ]);
    expect(transitions.get(b)?.map((t) => [t.from, t.to])).toEqual([[null, 'RUNNING']]);
    await writer.close();
  });
});

describe('The SQLite history writer', () => {
  const opened = closedAfterEach();
  it("upserts a batch's jobs in the order of their IDs, whatever order they came in, each with its transition", async () => {
    const db = await opened(sqlite.fresh());
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
    // 600 jobs (statements of 256, 256, 64, 16, 4 and 4 rows), recorded in an order unlike
    // their IDs' (7919 is prime to 600: the prefixes are a permutation).
    const ids = Array.from({ length: 600 }, (_, i) => {
      const k = (i * 7919) % 600;
      return `batch:us-east-1:${k.toString(36).padStart(2, '0')}-${i}`;
    });
    for (const id of ids) writer.record(change(id, null, 'RUNNING', '2026-01-01T00:00:01.000Z'));
    await writer.flush();
    const rows = await db.db.selectFrom('jobs').select('id').orderBy('seq').execute();
    expect(rows.map((r) => r.id)).toEqual([...ids].sort());
    const transitions = await new HistoryReader(db).transitionsOf(ids, '*');
    expect(ids.filter((id) => transitions.get(id)?.length !== 1)).toEqual([]);
    await writer.close();
  });
});

describe('The history writer’s job rows', () => {
  const opened = closedAfterEach();
  it("store the name, queue, message and times the job's provider reads from its record without its secrets, asked once a batch", async () => {
    const db = await opened(sqlite.fresh());
    const asked: JobRecord[] = [];
    const writer = new HistoryWriter(db, {
      factsOf: (record) => (asked.push(record), factsOf(record)),
      withoutSecrets,
    });
    const record = batchRecord('facts-1');
    const id = record.id;
    const at = (s: number) => `2026-01-01T00:00:0${s}.000Z`;
    writer.record({ ...change(id, null, 'RUNNING', at(1)), record });
    writer.record({ ...change(id, 'RUNNING', 'SUCCEEDED', at(2)), record });
    await writer.flush();
    expect(asked).toHaveLength(1);
    expect(environmentValues(asked[0]!)).not.toContain(SECRET_VALUE);
    const row = await db.db
      .selectFrom('jobs')
      .select(['name', 'queue', 'status_message', 'created_at', 'finished_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const facts = batchFacts(record as BatchJobRecord);
    expect(facts.queue).toEqual(expect.any(String));
    expect(row).toEqual({
      name: facts.name,
      queue: facts.queue,
      status_message: facts.message,
      created_at: facts.createdAt,
      finished_at: facts.stoppedAt,
    });
    await writer.close();
  });
});

describeOnStores('A read contradicting events, on a $name', kinds, (open) => {
  it("marks the job's event transitions since its last read, and no other, contradicted at the read", async () => {
    const db = await open();
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
    const [a, b] = ['batch:us-east-1:told', 'batch:us-east-1:other'];
    const event = (c: HistoryChange): HistoryChange => ({ ...c, source: 'EVENT' });
    writer.record(change(a, null, 'RUNNABLE', '2026-01-01T00:00:01.000Z'));
    // An event a read then confirmed (the read shows its state: no news, no mark).
    writer.record(event(change(a, 'RUNNABLE', 'STARTING', '2026-01-01T00:00:02.000Z')));
    writer.record(change(b, null, 'RUNNING', '2026-01-01T00:00:02.500Z'));
    writer.record(event(change(b, 'RUNNING', 'FAILED', '2026-01-01T00:00:02.600Z')));
    await writer.flush();
    writer.record(change(a, 'STARTING', 'RUNNING', '2026-01-01T00:00:03.000Z'));
    // Two events since that read, then a read that shows otherwise, in one batch.
    writer.record(event(change(a, 'RUNNING', 'FAILED', '2026-01-01T00:00:04.000Z')));
    writer.record(event(change(a, 'FAILED', 'SUCCEEDED', '2026-01-01T00:00:05.000Z')));
    writer.record({
      ...change(a, 'SUCCEEDED', 'RUNNING', '2026-01-01T00:00:06.000Z'),
      contradicts: true,
    });
    await writer.close();
    const transitions = await new HistoryReader(db).transitionsOf([a, b], '*');
    expect(transitions.get(a)?.map((t) => [t.source, t.to, t.contradictedAt])).toEqual([
      ['READ', 'RUNNABLE', null],
      ['EVENT', 'STARTING', null],
      ['READ', 'RUNNING', null],
      ['EVENT', 'FAILED', '2026-01-01T00:00:06.000Z'],
      ['EVENT', 'SUCCEEDED', '2026-01-01T00:00:06.000Z'],
      ['READ', 'RUNNING', null],
    ]);
    // Another job's event is its own.
    expect(transitions.get(b)?.map((t) => t.contradictedAt)).toEqual([null, null]);
  });
});

describe.skipIf(postgres.skip)('The PostgreSQL history writer', () => {
  const start = closedAfterEach();

  it("commits one lane's batch while the other's waits on a locked row, each job's changes in order", async () => {
    const config = await postgres.fresh();
    const db = await start(config);
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
    const held = 'batch:us-east-1:held';
    writer.record(change(held, null, 'RUNNING', '2026-01-01T00:00:01.000Z'));
    await writer.flush();

    // Another client holds the stored job's row: its lane's upsert waits for it.
    const locker = await start(config);
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = locker.db.transaction().execute(async (tx) => {
      await tx.selectFrom('jobs').select('id').where('id', '=', held).forUpdate().execute();
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;

    const fresh = Array.from({ length: 16 }, (_, i) => `batch:us-east-1:fresh-${i}`);
    writer.record(change(held, 'RUNNING', 'SUCCEEDED', '2026-01-01T00:00:02.000Z'));
    for (const id of fresh) writer.record(change(id, null, 'RUNNING', '2026-01-01T00:00:03.000Z'));
    const flushed = writer.flush();

    const stored = async () =>
      (await db.db.selectFrom('jobs').select(['id', 'state']).execute()).map((r) => [
        r.id,
        r.state,
      ]);
    try {
      // The other lane's batch commits while the row is held; the held lane's does not.
      const whileHeld = await vi.waitFor(async () => {
        const rows = await stored();
        expect(rows.length).toBeGreaterThan(1);
        return new Map(rows as [string, string][]);
      }, EVENTUALLY);
      expect(whileHeld.get(held)).toBe('RUNNING');
      const written = fresh.filter((id) => whileHeld.has(id));
      expect(written.length).toBeGreaterThan(0);
      expect(written.length).toBeLessThan(fresh.length);
      expect(writer.queued).toBe(0);
    } finally {
      release();
    }
    await holding;
    await flushed;
    const after = new Map((await stored()) as [string, string][]);
    expect(after.size).toBe(fresh.length + 1);
    expect(after.get(held)).toBe('SUCCEEDED');
    const transitions = await new HistoryReader(db).transitionsOf([held], '*');
    expect(transitions.get(held)?.map((t) => [t.from, t.to])).toEqual([
      [null, 'RUNNING'],
      ['RUNNING', 'SUCCEEDED'],
    ]);
    await writer.close();
  });
});
