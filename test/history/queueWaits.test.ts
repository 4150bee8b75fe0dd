// A queue's waits and counts from the history (src/history/queueWaits.ts: `JobQueue.waitSeconds`,
// `JobQueue.counts`, and the STUCK rules' p90), over a real SQLite file and a real PostgreSQL
// server: each stay in QUEUED that ended counts once, by its queue and provider only; a job still
// waiting counts in `counts`, not in the waits; a contradicted transition counts in neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsOf } from '../../src/datasources/registry.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { queueCounts, queueWaits } from '../../src/history/queueWaits.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { historyStores } from '../support/historyStores.ts';
import { queueRecord } from '../support/ruleRows.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;
const Q = 'arn:aws:batch:us-east-1:123456789012:job-queue/q1';

describe.each(historyStores())('a queue’s waits and counts on a $name', ({ skip, fresh }) => {
  let db: HistoryDatabase;
  beforeAll(async () => {
    if (skip) return;
    db = (await openHistoryDatabase(await fresh()))!;
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets: (r) => r });
    const change = (id: string, from: string | null, to: string, at: number, queue = Q) =>
      writer.record({
        record: queueRecord(id, to, queue),
        from,
        to,
        providerStatus: to,
        at: new Date(at).toISOString(),
        source: 'READ',
        account: 'default',
      });
    // Ten jobs of q1 waited 1, 2, …, 10 minutes, then ran; one finished.
    for (let i = 1; i <= 10; i++) {
      change(`batch:w${i}`, null, 'QUEUED', T0);
      change(`batch:w${i}`, 'QUEUED', 'IN_PROGRESS', T0 + i * MIN);
    }
    change('batch:w1', 'IN_PROGRESS', 'SUCCEEDED', T0 + 20 * MIN);
    // One waits still; one of another queue waited an hour.
    change('batch:still', null, 'QUEUED', T0 + 5 * MIN);
    change('batch:other', null, 'QUEUED', T0, 'arn:aws:batch:us-east-1:123456789012:job-queue/q2');
    change(
      'batch:other',
      'QUEUED',
      'IN_PROGRESS',
      T0 + 60 * MIN,
      'arn:aws:batch:us-east-1:123456789012:job-queue/q2',
    );
    await writer.close();
  });
  afterAll(() => db?.close());

  it.skipIf(skip)(
    'counts each ended wait of the queue once, nearest-rank percentiles in seconds',
    async () => {
      const waits = await queueWaits(db, 'AWS_BATCH', Q, T0 - MIN);
      expect(waits).toEqual({ samples: 10, p50: 300, p90: 540, p99: 600 });
      // Another provider's rows are not this queue's; a window after them holds none.
      expect(await queueWaits(db, 'TENCENT_COS_BATCH', Q, T0 - MIN)).toMatchObject({
        samples: 0,
        p50: null,
      });
      expect(await queueWaits(db, 'AWS_BATCH', Q, T0 + 30 * MIN)).toMatchObject({ samples: 0 });
    },
  );

  it.skipIf(skip)(
    'counts the queue’s jobs by state as the history holds them now, most first',
    async () => {
      expect(await queueCounts(db, 'AWS_BATCH', Q)).toEqual([
        { state: 'IN_PROGRESS', jobs: 9 },
        { state: 'QUEUED', jobs: 1 },
        { state: 'SUCCEEDED', jobs: 1 },
      ]);
    },
  );
});
