// The notifier's parts in one order (docs/architecture.md, "The notifier's feeds"): the rules'
// store and their batch firing are made from the history database alone, the history writer is
// given their `inBatch` at construction, and the notifier, made after both, is given the same
// firing — no hook set later. The notifier starts and stops its own timers: the outbox's and the
// STUCK scan's.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { BatchFiring } from '../../src/notifications/batchFiring.ts';
import { RuleStore } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchRecord, createdAudit, ruleRow } from '../support/ruleRows.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const JOB = 'batch:us-east-1:fires-through-the-writers-hook';
const iso = (ms: number) => new Date(ms).toISOString();
const at = (ms: number) => ({ at: iso(ms), account: 'default', providerStatus: null });

describe.each(historyStores())('The writer made with the rules’ batch hook on a $name', (kind) => {
  it.skipIf(kind.skip)(
    'fires a read transition’s delivery, and tells the notifier made after it once committed',
    async () => {
      const db = (await openHistoryDatabase(await kind.fresh()))!;
      try {
        const store = new RuleStore(db);
        const rule = ruleRow({ filter: '{"providers":["AWS_BATCH"]}', created_at: iso(T0) });
        await store.insert({ ...rule, updated_at: iso(T0) }, createdAudit(rule));
        // The firing from the database alone; the writer takes its hook as it is made.
        const firing = new BatchFiring({ store, now: () => T0 + 3000 });
        const writer = new HistoryWriter(db, {
          factsOf,
          withoutSecrets: (r) => r,
          inBatch: firing.inBatch,
        });
        // The notifier, made after the writer (its reads need what the writer feeds), on the same firing.
        let told = 0;
        const notifier = testNotifier({
          firing,
          store,
          enqueued: () => void told++,
        });
        writer.record({
          record: batchRecord(JOB, 'IN_PROGRESS', iso(T0)),
          ...{ from: null, to: 'IN_PROGRESS', source: 'READ' },
          ...at(T0),
        });
        await writer.flush();
        writer.record({
          record: batchRecord(JOB, 'FAILED', iso(T0)),
          ...{ from: 'IN_PROGRESS', to: 'FAILED', source: 'READ' },
          ...at(T0 + 2000),
        });
        await writer.close();
        expect(told).toBe(1);
        expect(notifier.rules.map((r) => r.id)).toEqual([rule.id]);
        const rows = await db.db
          .selectFrom('notification_deliveries')
          .select(['rule_id', 'job_id', 'status'])
          .execute();
        expect(rows).toEqual([{ rule_id: rule.id, job_id: JOB, status: 'PENDING' }]);
      } finally {
        await db.close();
      }
    },
  );
});

describe('The notifier’s own timers', () => {
  afterEach(() => vi.useRealTimers());

  it('starts the outbox and the STUCK scan itself, and stops both', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const outbox = { start: vi.fn(() => Promise.resolve()), close: vi.fn(() => Promise.resolve()) };
    const notifier = testNotifier({
      store: {} as never,
      outbox,
    });
    const scan = vi.spyOn(notifier, 'scanStuck').mockResolvedValue(0);
    notifier.start();
    expect(outbox.start).toHaveBeenCalledTimes(1);
    expect(scan).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(scan).toHaveBeenCalledTimes(1);
    await notifier.stop();
    expect(outbox.close).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5 * 60_000);
    expect(scan).toHaveBeenCalledTimes(1);
  });
});
