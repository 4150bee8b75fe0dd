// A read transition's deliveries are written in the history batch that writes the transition
// (notifier.ts `inBatch`), and the outbox is told to deliver them only once that batch has
// committed: told sooner (it was told on the next turn, while the batch's transaction still ran its
// last statements), an outbox on PostgreSQL claimed nothing it could see yet and slept its longest
// wait (OUTBOX_MAX_WAIT_MS), so a failure was delivered 30 s late. Over a real SQLite file and a
// real PostgreSQL server, with a second connection standing in for the outbox's.
import { describe, expect, it } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { RuleStore } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchRecord, createdAudit, ruleRow } from '../support/ruleRows.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const JOB = 'batch:us-east-1:fails-after-commit';
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(historyStores())('A read transition’s deliveries on a $name', (kind) => {
  it.skipIf(kind.skip)(
    'are handed to the outbox once their batch has committed, when another connection sees them',
    async () => {
      const store = await kind.fresh();
      const db = (await openHistoryDatabase(store))!;
      const other = (await openHistoryDatabase(store))!;
      try {
        const rules = new RuleStore(db);
        const rule = ruleRow({ filter: '{"providers":["AWS_BATCH"]}', created_at: iso(T0) });
        await rules.insert({ ...rule, updated_at: iso(T0) }, createdAudit(rule));
        // What the outbox would claim when told: read on its own connection at that moment.
        const claimable: Promise<number>[] = [];
        const notifier = testNotifier({
          store: rules,
          readJobs: (ids) => Promise.resolve(ids.map((id) => batchRecord(id, 'FAILED', iso(T0)))),
          now: () => T0 + 3000,
          deliver: () => undefined,
          enqueued: () =>
            void claimable.push(
              other.db
                .selectFrom('notification_deliveries')
                .select((eb) => eb.fn.countAll().as('n'))
                .where('status', '=', 'PENDING')
                .executeTakeFirstOrThrow()
                .then((r) => Number(r.n)),
            ),
        });
        await notifier.refresh();
        const writer = new HistoryWriter(db, {
          factsOf,
          withoutSecrets: (r) => r,
          inBatch: (tx, transitions, jobs) => notifier.inBatch(tx, transitions, jobs),
        });
        const at = (ms: number) => ({ at: iso(ms), account: 'default', providerStatus: null });
        writer.record({
          record: batchRecord(JOB, 'IN_PROGRESS', iso(T0)),
          from: null,
          to: 'IN_PROGRESS',
          source: 'READ',
          ...at(T0),
        });
        await writer.flush();
        expect(claimable).toEqual([]);
        // The failure, read; the same batch also stamps a read that showed the job again, a
        // statement of its transaction after the deliveries are inserted.
        writer.record({
          record: batchRecord(JOB, 'FAILED', iso(T0)),
          from: 'IN_PROGRESS',
          to: 'FAILED',
          source: 'READ',
          ...at(T0 + 2000),
        });
        writer.seen(JOB, T0 + 2500);
        await writer.close();
        expect(claimable).toHaveLength(1);
        expect(await claimable[0]).toBe(1);
      } finally {
        await other.close();
        await db.close();
      }
    },
  );
});
