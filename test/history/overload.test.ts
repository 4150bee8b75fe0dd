// Nothing lost under overload (issue 88, item 2): with the history store stalled and more changes
// waiting than the writer's bound, what waits is coalesced per job, never dropped — once the store
// catches up, every job's latest record and every transition into a finished state is written,
// the timeline consistent; how far behind it is is a gauge and in /readyz.
import { describe, expect, it } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter, type HistoryChange, type WriteOutcome } from '../../src/history/writer.ts';
import { isTerminalState, type JobState } from '../../src/model/job.ts';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { historyBatchRecord, historyStores } from '../support/historyStores.ts';
import { metricValue } from '../support/metrics.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { vi } from 'vitest';
import { factsOf } from '../../src/datasources/registry.ts';

const kinds = historyStores();

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** The changes of one job, each `to` a second after the one before. */
function changesOf(id: string, states: readonly string[], extra: Partial<HistoryChange>[] = []) {
  return states.map((to, i): HistoryChange => ({
    record: historyBatchRecord(id, to),
    from: i === 0 ? null : states[i - 1]!,
    to,
    providerStatus: to,
    at: new Date(T0 + (i + 1) * 1000).toISOString(),
    source: 'READ',
    account: 'default',
    ...extra[i],
  }));
}

describe.each(kinds)('The history writer behind a stalled $name', ({ skip, fresh }) => {
  it.skipIf(skip)(
    "writes every job's latest record and every finishing transition once the store catches up",
    async () => {
      const db = (await openHistoryDatabase(await fresh()))!;
      const lanes = db.dialect.name === 'postgres' ? 2 : 1;
      let now = T0;
      const counted = new Map<WriteOutcome, number>();
      const told: boolean[] = [];
      // The store stalls: every batch's transaction waits in `inBatch` until released.
      let entered = 0;
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const writer = new HistoryWriter(db, {
        factsOf,
        withoutSecrets,
        maxQueue: 20,
        batchSize: 10,
        now: () => now,
        count: (outcome, n) => counted.set(outcome, (counted.get(outcome) ?? 0) + n),
        onOverBound: (over) => told.push(over),
        inBatch: async () => {
          entered++;
          await released;
        },
      });
      try {
        // Jobs whose first batch stalls each lane.
        const blockers = Array.from({ length: 8 }, (_, i) => `batch:us-east-1:blocker-${i}`);
        for (const id of blockers) writer.record(changesOf(id, ['RUNNING'])[0]!);
        const catchingUp = writer.flush();
        await vi.waitFor(() => expect(entered).toBe(lanes), EVENTUALLY);

        // Then 50 jobs' four changes each, step by step, and one job that finishes twice (an
        // event told SUCCEEDED, a read contradicted it, then it failed).
        now = T0 + 1000;
        const runs = Array.from({ length: 50 }, (_, i) =>
          changesOf(`batch:us-east-1:run-${i}`, ['SUBMITTED', 'RUNNABLE', 'RUNNING', 'SUCCEEDED']),
        );
        const stillRunning = changesOf('batch:us-east-1:still', ['SUBMITTED', 'RUNNING']);
        const twice = changesOf(
          'batch:us-east-1:twice',
          ['SUBMITTED', 'RUNNING', 'SUCCEEDED', 'RUNNING', 'FAILED'],
          [{}, {}, { source: 'EVENT', eventId: 'e-1' }, { contradicts: true }, {}],
        );
        const all = [...runs, stillRunning, twice];
        for (let step = 0; step < 5; step++)
          for (const changes of all) if (changes[step]) writer.record(changes[step]!);

        // While stalled: behind by the oldest change's age, over its bound (told once), changes
        // coalesced, none dropped.
        now = T0 + 7000;
        expect(writer.lagSeconds).toBe(7);
        expect(writer.overBound).toBe(true);
        expect(told).toEqual([true]);
        expect(counted.get('coalesced')).toBeGreaterThan(0);
        expect(counted.get('dropped') ?? 0).toBe(0);
        expect(counted.get('written') ?? 0).toBe(0);

        release();
        await catchingUp;
        await writer.flush();
        expect(writer.lagSeconds).toBe(0);
        expect(told).toEqual([true, false]);
        expect(counted.get('dropped') ?? 0).toBe(0);
        expect(counted.get('failed') ?? 0).toBe(0);
        const recorded = all.reduce((n, c) => n + c.length, blockers.length);
        expect((counted.get('written') ?? 0) + (counted.get('coalesced') ?? 0)).toBe(recorded);

        // Every job, in its latest state.
        const rows = await db.db.selectFrom('jobs').select(['id', 'state']).execute();
        expect(rows).toHaveLength(blockers.length + all.length);
        const stored = new Map(rows.map((r) => [r.id, r.state]));
        for (const changes of all)
          expect(stored.get(changes[0]!.record.id)).toBe(changes.at(-1)!.to);

        // Every finishing transition, once, and each timeline a chain from the first state.
        const ids = all.map((c) => c[0]!.record.id);
        const timelines = await new HistoryReader(db).transitionsOf(ids, '*');
        for (const changes of all) {
          const timeline = timelines.get(changes[0]!.record.id)!;
          const finishing = changes.filter((c) => isTerminalState(c.to as JobState));
          for (const f of finishing)
            expect(timeline.filter((t) => t.to === f.to && t.at === f.at)).toHaveLength(1);
          expect(timeline[0]).toMatchObject({ from: null, to: changes[0]!.to });
          for (let i = 1; i < timeline.length; i++)
            expect(timeline[i]!.from).toBe(timeline[i - 1]!.to);
          expect(timeline.at(-1)!.to).toBe(changes.at(-1)!.to);
        }
        expect(timelines.get('batch:us-east-1:twice')!.map((t) => t.to)).toEqual([
          'SUBMITTED',
          'SUCCEEDED',
          'RUNNING',
          'FAILED',
        ]);
        const transitions = await db.db.selectFrom('transitions').select('job_id').execute();
        // The blockers' one each; a run's first and its finish; the still-running job's two.
        expect(transitions).toHaveLength(blockers.length + 50 * 2 + 2 + 4);
      } finally {
        release();
        await writer.close();
        await db.close();
      }
    },
  );
});

describe('A gateway keeping history (its default SQLite file)', () => {
  const gw = useTestGateway();
  it('says how far its writer is behind on /metrics and in an operator’s /readyz', async () => {
    const id = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
    const answer = await gql(gw, `{ job(id: ${JSON.stringify(id)}) { id } }`, {
      token: gw.tokens.read,
    });
    expect(answer.body.data?.job).toMatchObject({ id });
    await gw.history!.writer.flush();
    expect(await metricValue(gw, 'jobgraph_history_lag_seconds')).toBe(0);
    const ready = await readyz(gw.server.url, await operatorToken(gw));
    expect(ready.body.history).toMatchObject({ state: 'ok', queued: 0, lagSeconds: 0 });
  });
});
