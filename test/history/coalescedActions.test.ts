// An audit of what changed (issue 100, item 5): the answers to actions that made no provider call
// (a refusal, ALREADY_FINISHED, NOT_APPLIED…) are one job_actions row per subject, job, action
// and outcome in a 10-minute window, counting them, however many processes share the store; a row
// written before a provider call stays one row each. On a real SQLite file and PostgreSQL server.
import { describe, expect, it } from 'vitest';
import { ActionLog, type JobActionEntry } from '../../src/history/actions.ts';
import { closedAfterEach, historyStores } from '../support/historyStores.ts';

const kinds = historyStores();

const entry = (over: Partial<JobActionEntry>): JobActionEntry => ({
  jobId: 'batch:us-east-1:done',
  at: '2026-01-01T00:00:01.000Z',
  action: 'CANCEL',
  subject: 'oncall-ann',
  reason: 'not needed',
  outcome: 'ALREADY_FINISHED',
  provider: 'AWS_BATCH',
  account: 'default',
  requestId: null,
  ...over,
});
/** `n` seconds after 2026-01-01T00:00:00Z, ISO. */
const second = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();

describe.each(kinds)('The action audit on a $name', ({ skip, fresh }) => {
  const opened = closedAfterEach();
  const start = async () => {
    const config = await fresh();
    const one = await opened(config);
    const two = await opened(config);
    return [one, two] as const;
  };

  it.skipIf(skip)(
    'keeps 300 answers that made no call, asked of two processes, as one row per subject, job, action and outcome, counting them',
    async () => {
      const [one, two] = await start();
      const counts: Record<string, number> = {};
      const tell = (o: string, n: number) => (counts[o] = (counts[o] ?? 0) + n);
      const logs = [new ActionLog(one, tell), new ActionLog(two, tell)];
      // The first answer, written: the row keeps its time and reason.
      logs[0]!.record(entry({ at: second(1), reason: 'the first' }));
      logs[0]!.record(entry({ subject: 'reader-bob', outcome: 'REFUSED', at: second(1) }));
      await logs[0]!.flush();
      for (let i = 1; i < 300; i++) {
        const log = logs[i % 2]!;
        log.record(entry({ at: second(1 + (i % 150)), reason: `try ${i}` }));
        log.record(entry({ subject: 'reader-bob', outcome: 'REFUSED', at: second(2) }));
        // Each process writes between some of them: a later answer meets the row in the database.
        if (i % 50 === 49) await log.flush();
      }
      await Promise.all(logs.map((l) => l.flush()));
      const rows = await logs[0]!.forJob('batch:us-east-1:done');
      expect(rows.map((r) => [r.subject, r.outcome, r.count])).toEqual([
        ['oncall-ann', 'ALREADY_FINISHED', 300],
        ['reader-bob', 'REFUSED', 300],
      ]);
      // The first answer's time and reason; the last answer's time.
      expect(rows[0]).toMatchObject({ at: second(1), reason: 'the first', lastAt: second(150) });
      // Every answer is in a written row or added to one waiting; the table holds those two rows.
      expect(counts.written! + counts.coalesced!).toBe(600);
      const all = await one.db
        .selectFrom('job_actions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(all.n)).toBe(2);
    },
  );

  it.skipIf(skip)(
    'starts a new row in the next window, and for another subject, job, action or outcome',
    async () => {
      const [db] = await start();
      const log = new ActionLog(db);
      const job = 'batch:us-east-1:done';
      log.record(entry({ at: second(0) }));
      log.record(entry({ at: second(599) }));
      log.record(entry({ at: second(600) }));
      log.record(entry({ at: second(601), subject: null }));
      log.record(entry({ at: second(601), subject: null }));
      log.record(entry({ at: second(602), action: 'TERMINATE' }));
      log.record(entry({ at: second(603), outcome: 'NOT_APPLIED' }));
      log.record(entry({ at: second(604), jobId: 'batch:us-east-1:other' }));
      const rows = await log.forJob(job);
      expect(rows.map((r) => [r.at, r.subject, r.action, r.outcome, r.count])).toEqual([
        [second(0), 'oncall-ann', 'CANCEL', 'ALREADY_FINISHED', 2],
        [second(600), 'oncall-ann', 'CANCEL', 'ALREADY_FINISHED', 1],
        [second(601), null, 'CANCEL', 'ALREADY_FINISHED', 2],
        [second(602), 'oncall-ann', 'TERMINATE', 'ALREADY_FINISHED', 1],
        [second(603), 'oncall-ann', 'CANCEL', 'NOT_APPLIED', 1],
      ]);
      expect((await log.forJob('batch:us-east-1:other')).map((r) => r.count)).toEqual([1]);
    },
  );

  it.skipIf(skip)(
    'writes a row before each call, never coalesced, each settled on its own',
    async () => {
      const [db] = await start();
      const log = new ActionLog(db);
      const called = entry({ outcome: 'PENDING', jobId: 'batch:us-east-1:run' });
      await log.begin(called, 'action-1');
      await log.begin(called, 'action-2');
      await log.settle('action-1', 'REQUESTED', 'req-1');
      await log.settle('action-2', 'ALREADY_FINISHED', 'req-2');
      const rows = await log.forJob('batch:us-east-1:run');
      expect(rows.map((r) => [r.outcome, r.requestId, r.count])).toEqual([
        ['REQUESTED', 'req-1', 1],
        ['ALREADY_FINISHED', 'req-2', 1],
      ]);
    },
  );
});
