// STUCK with a fixed `stuckAfterSeconds` (src/notifications/notifier.ts `scanStuck`), over a real
// SQLite file and a real PostgreSQL server, the clock injected: a job a read showed still running
// past the rule's time is one `job.stuck` delivery however often the scan runs; a job no read has
// shown since is read by the scan itself, and delivered when the provider still shows it so (a rule
// made while a job already waited); a finished job, or one of another account, is none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { RuleStore, type RuleRow } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { createdAudit, ruleRow, onEveryProvider, queueRecord } from '../support/ruleRows.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const HOUR = 3_600_000;

const record = (id: string, state: string, queue = 'q0') => queueRecord(id, state, queue);

function rule(id: string, accounts: string[]): RuleRow {
  const at = new Date(T0).toISOString();
  return ruleRow({
    id,
    accounts: onEveryProvider(...accounts),
    triggers: 'STUCK',
    stuck_after_seconds: 3600,
    target_sealed: 'x',
    target_shown: 'x',
    created_at: at,
    updated_at: at,
  });
}

describe.each(historyStores())('STUCK rules on a $name', ({ skip, fresh }) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  const clock = { t: T0 };
  beforeAll(async () => {
    if (skip) return;
    db = (await openHistoryDatabase(await fresh()))!;
    store = new RuleStore(db);
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets: (r) => r });
    const change = (
      id: string,
      from: string | null,
      to: string,
      at: number,
      account = 'default',
      queue = 'q0',
    ) =>
      writer.record({
        record: record(id, to, queue),
        from,
        to,
        providerStatus: to,
        at: new Date(at).toISOString(),
        source: 'READ',
        account,
      });
    change('batch:stuck', null, 'IN_PROGRESS', T0);
    change('batch:done', null, 'IN_PROGRESS', T0);
    change('batch:done', 'IN_PROGRESS', 'FAILED', T0 + 1000);
    change('batch:unread', null, 'IN_PROGRESS', T0);
    change('batch:staging', null, 'IN_PROGRESS', T0, 'staging');
    // Queue q1: six jobs each QUEUED ten minutes (its p90), two queued now for 26 and 16 min.
    const MIN = 60_000;
    for (let i = 0; i < 6; i++) {
      change(`batch:past${i}`, null, 'QUEUED', T0 + i * MIN, 'default', 'q1');
      change(`batch:past${i}`, 'QUEUED', 'IN_PROGRESS', T0 + i * MIN + 10 * MIN, 'default', 'q1');
    }
    change('batch:long', null, 'QUEUED', T0 + HOUR, 'default', 'q1');
    change('batch:short', null, 'QUEUED', T0 + HOUR + 10 * MIN, 'default', 'q1');
    await writer.flush();
    for (const id of ['batch:long', 'batch:short']) writer.seen(id, T0 + HOUR + 25 * MIN);
    // Read again, unchanged, after the rule's hour: still running.
    for (const id of ['batch:stuck', 'batch:done', 'batch:staging'])
      writer.seen(id, T0 + HOUR + 60_000);
    await writer.close();
    const byFactor = {
      ...rule('nr_factor', ['default']),
      stuck_after_seconds: null,
      stuck_factor: 2,
    };
    for (const r of [rule('nr_default', ['default']), byFactor])
      await store.insert(r, createdAudit(r));
  });
  afterAll(() => db?.close());
  /** The deliveries rule `ruleId` made. */
  const deliveriesOf = (ruleId: string) =>
    db.db.selectFrom('notification_deliveries').selectAll().where('rule_id', '=', ruleId).execute();

  it.skipIf(skip)(
    'delivers a job still running past the rule’s time once, saying why',
    async () => {
      const notifier = testNotifier({
        store,
        now: () => clock.t,
      });
      clock.t = T0 + HOUR - 1000;
      expect(await notifier.scanStuck()).toBe(0);
      clock.t = T0 + HOUR + 120_000;
      await notifier.scanStuck();
      clock.t += 60_000;
      await notifier.scanStuck();
      const rows = await deliveriesOf('nr_default');
      expect(rows.map((r) => [r.job_id, r.type])).toEqual([['batch:stuck', 'job.stuck']]);
      expect(JSON.parse(rows[0]!.payload).data.stuck).toEqual({
        state: 'IN_PROGRESS',
        since: new Date(T0).toISOString(),
        basis: 'stuckAfterSeconds',
        afterSeconds: 3600,
      });
    },
  );

  it.skipIf(skip)(
    'reads a job past the rule’s time that no read has shown since, and delivers it when the provider still shows it so',
    async () => {
      const reads: string[][] = [];
      const notifier = testNotifier({
        store,
        readJobs: (ids) => {
          reads.push([...ids]);
          return Promise.resolve(ids.map((id) => record(id, 'IN_PROGRESS')));
        },
        now: () => T0 + HOUR + 180_000,
      });
      await notifier.scanStuck();
      expect(reads.flat()).toContain('batch:unread');
      const rows = await db.db
        .selectFrom('notification_deliveries')
        .select(['job_id'])
        .where('rule_id', '=', 'nr_default')
        .orderBy('job_id')
        .execute();
      expect(rows.map((r) => r.job_id)).toEqual(['batch:stuck', 'batch:unread']);
      // Again: the same delivery, not a second one.
      await notifier.scanStuck();
      const again = await db.db
        .selectFrom('notification_deliveries')
        .select(['job_id'])
        .where('rule_id', '=', 'nr_default')
        .execute();
      expect(again).toHaveLength(2);
    },
  );

  it.skipIf(skip)(
    'by factor: a job longer than k × its queue’s p90 in that state, once, saying so',
    async () => {
      const notifier = testNotifier({
        store,
        now: () => T0 + HOUR + 26 * 60_000,
      });
      await notifier.scanStuck();
      await notifier.scanStuck();
      const rows = await deliveriesOf('nr_factor');
      // 26 min queued > 2 × 10 min; 16 min is not.
      expect(rows.map((r) => r.job_id)).toEqual(['batch:long']);
      expect(JSON.parse(rows[0]!.payload).data.stuck).toEqual({
        state: 'QUEUED',
        since: new Date(T0 + HOUR).toISOString(),
        basis: 'stuckFactor',
        factor: 2,
        p90Seconds: 600,
        samples: 6,
      });
    },
  );

  it.skipIf(skip)(
    'takes a job of its own (provider, account) pair only: staging on COS Batch is not staging on AWS Batch',
    async () => {
      const onCos = ruleRow({
        ...rule('nr_cos_staging', []),
        accounts: '["TENCENT_COS_BATCH/staging"]',
      });
      const onAws = ruleRow({ ...rule('nr_aws_staging', []), accounts: '["AWS_BATCH/staging"]' });
      for (const r of [onCos, onAws]) await store.insert(r, createdAudit(r));
      const notifier = testNotifier({
        store,
        accountOf: () => 'staging',
        now: () => T0 + HOUR + 120_000,
      });
      await notifier.scanStuck();
      const rows = await db.db
        .selectFrom('notification_deliveries')
        .select(['rule_id', 'job_id'])
        .where('rule_id', 'in', [onCos.id, onAws.id])
        .execute();
      expect(rows).toEqual([{ rule_id: onAws.id, job_id: 'batch:staging' }]);
    },
  );
});
