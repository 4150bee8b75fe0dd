// The history writer's bound as the producers see it (src/history/writerBound.ts), on both stores:
// over once more jobs wait than its bound (MAX_QUEUE), said in /readyz's history; a producer
// waiting for it to fit is let go only once the store has caught up; a background read asked
// meanwhile is deferred and counted. The store is held by the writer's own `inBatch` option (the
// notifications' outbox hook): each batch's transaction waits there until released.
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { openHistory } from '../../src/history/index.ts';
import type { HistoryChange } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const kinds = historyStores();
const quiet = { warn: () => undefined, info: () => undefined };

/** A Batch job's first sight, RUNNING. */
const change = (id: string): HistoryChange => ({
  record: {
    id,
    provider: 'AWS_BATCH',
    nativeId: id,
    region: 'us-east-1',
    state: 'IN_PROGRESS',
    providerStatus: 'RUNNING',
    terminal: false,
  } as unknown as JobRecord,
  from: null,
  to: 'IN_PROGRESS',
  providerStatus: 'RUNNING',
  at: '2026-01-01T00:00:01.000Z',
  source: 'READ',
  account: 'default',
});

describe.each(kinds)('The history writer’s bound on a $name', ({ skip, fresh }) => {
  it.skipIf(skip)(
    'holds the producers back while more jobs wait than it, and lets them go once the store caught up',
    async () => {
      const url = historyUrlOf(await fresh());
      const config = loadConfig({ mode: 'live' }, { JOBGRAPH_HISTORY_URL: url });
      let entered = 0;
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const history = (await openHistory(config, { withoutSecrets, factsOf }, quiet, undefined, {
        maxQueue: 2,
        inBatch: async () => {
          entered++;
          await released;
        },
      }))!;
      try {
        const { writer, bound } = history;
        writer.record(change('batch:us-east-1:blocker'));
        const catchingUp = writer.flush();
        await vi.waitFor(() => expect(entered).toBe(1), EVENTUALLY);
        expect(bound.over()).toBe(false);
        expect(bound.deferred()).toBe(false);

        const ids = Array.from({ length: 6 }, (_, i) => `batch:us-east-1:job-${i}`);
        for (const id of ids) writer.record(change(id));
        expect(bound.over()).toBe(true);
        expect(history.health()).toMatchObject({ overBound: true });
        let fitted = false;
        const fits = bound.fits().then(() => (fitted = true));
        // A background read asked now is deferred, and counted.
        expect(bound.deferred()).toBe(true);
        expect(history.health().deferredReads).toBe(1);
        expect(history.size().deferredReads).toBe(1);
        await new Promise((r) => setImmediate(r));
        expect(fitted).toBe(false);

        release();
        await catchingUp;
        await writer.flush();
        await fits;
        expect(bound.over()).toBe(false);
        expect(history.health().overBound).toBeUndefined();
        const rows = await history.database.db.selectFrom('jobs').select('id').execute();
        expect(rows).toHaveLength(1 + ids.length);
      } finally {
        release();
        await history.close();
      }
    },
  );
});
