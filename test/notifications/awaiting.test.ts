// An event's deliveries awaiting its confirming read (src/notifications/awaiting.ts) over a real
// SQLite file and a real PostgreSQL server: written by the history writer in the batch that writes
// the event's transition, never shown nor sent as they are, due to any outbox once their grace
// passed, then made the delivery (same ID) by a read showing the event's state, or dropped by a
// read showing otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { AWAIT_GRACE_MS } from '../../src/notifications/awaiting.ts';
import type { Notifier } from '../../src/notifications/notifier.ts';
import { LEASE_MS } from '../../src/notifications/outbox.ts';
import { RuleStore, type DeliveryRow } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchRecord, createdAudit, ruleRow } from '../support/ruleRows.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const FORGED = 'batch:us-east-1:forged';
const FAILED = 'batch:us-east-1:failed';
const iso = (ms: number) => new Date(ms).toISOString();

const record = (id: string, state: string) => batchRecord(id, state, iso(T0 + 2000));

describe.each(historyStores())('An event’s deliveries awaiting confirmation on a $name', (kind) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  let notifier: Notifier;
  const reads: string[][] = [];
  const delivered: DeliveryRow[][] = [];
  beforeAll(async () => {
    if (kind.skip) return;
    db = (await openHistoryDatabase(await kind.fresh()))!;
    store = new RuleStore(db);
    const rule = ruleRow({ filter: '{"providers":["AWS_BATCH"]}', created_at: iso(T0) });
    await store.insert({ ...rule, updated_at: iso(T0) }, createdAudit(rule));
    notifier = testNotifier({
      store,
      // The provider: the forged job runs still, the other failed.
      readJobs: (ids) => {
        reads.push([...ids]);
        return Promise.resolve(
          ids.map((id) => record(id, id === FORGED ? 'IN_PROGRESS' : 'FAILED')),
        );
      },
      now: () => T0 + 3000,
      // What this confirmation wrote, leased to it: attempted at once by its outbox (no claim).
      deliver: (rows) => delivered.push([...rows]),
    });
    await notifier.refresh();
    const writer = new HistoryWriter(db, {
      factsOf,
      withoutSecrets: (r) => r,
      inBatch: (tx, transitions, jobs) => notifier.inBatch(tx, transitions, jobs),
    });
    for (const id of [FORGED, FAILED]) {
      const at = (ms: number) => ({ at: iso(ms), account: 'default', providerStatus: null });
      writer.record({
        record: record(id, 'IN_PROGRESS'),
        from: null,
        to: 'IN_PROGRESS',
        source: 'READ',
        ...at(T0),
      });
      writer.record({
        record: record(id, 'FAILED'),
        from: 'IN_PROGRESS',
        to: 'FAILED',
        source: 'EVENT',
        ...at(T0 + 2000),
      });
    }
    await writer.close();
  });
  afterAll(() => db?.close());

  it.skipIf(kind.skip)(
    'are written with the event’s transition, and confirmed or dropped by a read',
    async () => {
      const rows = () =>
        db.db.selectFrom('notification_deliveries').selectAll().orderBy('job_id').execute();
      const written = await rows();
      expect(written.map((r) => [r.job_id, r.status, r.next_attempt_at])).toEqual([
        [FAILED, 'AWAITING', iso(T0 + 3000 + AWAIT_GRACE_MS)],
        [FORGED, 'AWAITING', iso(T0 + 3000 + AWAIT_GRACE_MS)],
      ]);
      // Never shown nor counted as deliveries; due to an outbox once the grace passed, not before.
      expect((await store.deliveries('nr_1', 25, null)).deliveries).toEqual([]);
      expect(await store.backlog()).toEqual({
        depth: 0,
        oldest: null,
        nextDue: iso(T0 + 3000 + AWAIT_GRACE_MS),
      });
      const claimed = iso(T0 + 200_000);
      expect(await store.claim(iso(T0 + 3000), claimed, 50)).toEqual([]);
      const due = await store.claim(iso(T0 + 3000 + AWAIT_GRACE_MS), claimed, 50);
      expect(due.map((r) => r.job_id).sort()).toEqual([FAILED, FORGED]);
      await notifier.confirmAwaiting(due);
      // One read of both jobs; the forged one's row dropped, the other made its delivery, same ID.
      expect(reads.map((ids) => [...ids].sort())).toEqual([[FAILED, FORGED]]);
      const after = await rows();
      const lease = iso(T0 + 3000 + LEASE_MS);
      expect(after.map((r) => [r.id, r.job_id, r.status, r.next_attempt_at])).toEqual([
        [written[0]!.id, FAILED, 'PENDING', lease],
      ]);
      expect(delivered.map((d) => d.map((r) => [r.id, r.next_attempt_at]))).toEqual([
        [[written[0]!.id, lease]],
      ]);
      // The same rows confirmed again (another replica's claim before this one's lease was
      // written): nothing awaits any more, so that confirmation holds no delivery to attempt.
      await notifier.confirmAwaiting(due);
      expect(delivered.at(-1)).toEqual([]);
      expect((await rows()).map((r) => r.status)).toEqual(['PENDING']);
      expect(JSON.parse(after[0]!.payload)).toMatchObject({
        type: 'job.failed',
        data: { job: { id: FAILED, state: 'FAILED' } },
      });
    },
  );
});
