// Text that cannot break a write (issue 84, item 4): a NUL in one job's status reason failed a
// whole PostgreSQL batch — another tenant's change, the acting caller's audit row — and marked the
// store degraded. Every text value is made storable on its way in, and a batch the database
// refuses anyway is written again job by job (row by row for the audit), on both stores.
import { sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config, HistoryStoreConfig } from '../../src/config/types.ts';
import { ActionLog, type JobActionEntry } from '../../src/history/actions.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { openHistory, type History } from '../../src/history/index.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { writePartByPart } from '../../src/history/rowByRow.ts';
import {
  STATUS_TEXT_MAX_CHARS,
  storableJson,
  storableText,
} from '../../src/history/storableText.ts';
import type { WriteOutcome } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { operatorToken, readyz, writerToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { historyStores, historyUrlOf, readChange } from '../support/historyStores.ts';
import { metricValue } from '../support/metrics.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const kinds = historyStores();

const job = (id: string, over: Record<string, unknown> = {}): JobRecord =>
  ({
    id,
    provider: 'AWS_BATCH',
    nativeId: id,
    region: 'us-east-1',
    state: 'FAILED',
    providerStatus: 'FAILED',
    statusMessage: null,
    terminal: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }) as unknown as JobRecord;

const change = (record: JobRecord, account = 'default', from: string | null = null) =>
  readChange(record, { account, from });

const entry = (jobId: string, reason: string, subject = 'oncall-ann'): JobActionEntry => ({
  jobId,
  at: '2026-01-01T00:00:02.000Z',
  action: 'TERMINATE',
  subject,
  reason,
  outcome: 'REQUESTED',
  provider: 'AWS_BATCH',
  account: 'default',
  requestId: 'req-1',
});

/** A trigger on `table` refusing a row whose `column` is 'refuse-me': a row the database will not take. */
async function refuseRowsNamed(db: HistoryDatabase, table: string, column: string) {
  if (db.dialect.name === 'sqlite')
    await sql
      .raw(
        `CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} WHEN NEW.${column} = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'trigger-said-no'); END`,
      )
      .execute(db.db);
  else {
    await sql
      .raw(
        `CREATE FUNCTION refuse_${table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.${column} = 'refuse-me' THEN RAISE EXCEPTION 'trigger-said-no'; END IF; RETURN NEW; END $$`,
      )
      .execute(db.db);
    await sql
      .raw(
        `CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_${table}()`,
      )
      .execute(db.db);
  }
}

describe.each(kinds)('Text written to the history on a $name', ({ skip, fresh }) => {
  const open: History[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  /** The history as the gateway opens it, its log lines and its counts of changes. */
  const start = async (store?: HistoryStoreConfig) => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const counts: Partial<Record<WriteOutcome, number>> = {};
    const log = (fields: Record<string, unknown>, message: string) =>
      lines.push({ fields, message });
    const history = (await openHistory(
      {
        history: { store: store ?? (await fresh()), retainDays: 400, maxBytes: 10 * 1024 ** 3 },
        listing: { cursorSecret: null },
      } as Config,
      { withoutSecrets, factsOf },
      { warn: log, info: log },
      (o, n) => (counts[o] = (counts[o] ?? 0) + n),
    ))!;
    open.push(history);
    return { history, lines, counts };
  };

  it.skipIf(skip)(
    "writes a job whose status reason holds a NUL, cleaned, with every other change of its batch and the actor's audit row",
    async () => {
      const { history, lines, counts } = await start();
      const actionCounts: Record<string, number> = {};
      const actions = new ActionLog(
        history.database,
        (o, n) => (actionCounts[o] = (actionCounts[o] ?? 0) + n),
      );
      const nul = 'batch:us-east-1:nul';
      const long = 'batch:us-east-1:long';
      const others = ['batch:us-east-1:tenant-a', 'batch:us-east-1:tenant-b'];
      history.writer.record(
        change(
          job(nul, {
            statusReason: 'Essential container in task exited\u0000 (code 137)',
            jobName: 'nightly\uD800etl',
          }),
        ),
      );
      history.writer.record(change(job(long, { statusReason: 'x'.repeat(10_000) })));
      history.writer.record(change(job(others[0]!), 'tenant-a'));
      history.writer.record(change(job(others[1]!), 'tenant-b'));
      actions.record(entry(nul, 'stuck\u0000 since Friday'));
      await history.writer.flush();
      await actions.flush();

      expect(counts).toEqual({ written: 4 });
      expect(actionCounts).toEqual({ written: 1 });
      expect(history.health().state).toBe('ok');
      expect(lines).toEqual([]);
      const reader = new HistoryReader(history.database);
      for (const id of others) expect(await reader.latest(id, '*')).not.toBeNull();
      const transitions = await reader.transitionsOf([nul, long, ...others], '*');
      for (const id of [nul, long, ...others]) expect(transitions.get(id)).toHaveLength(1);

      const row = await history.database.db
        .selectFrom('jobs')
        .select(['status_message', 'name', 'record'])
        .where('id', '=', nul)
        .executeTakeFirstOrThrow();
      expect(row.status_message).toBe('Essential container in task exited\uFFFD (code 137)');
      expect(row.name).toBe('nightly\uFFFDetl');
      expect(JSON.parse(row.record)).toMatchObject({
        statusReason: 'Essential container in task exited\uFFFD (code 137)',
        jobName: 'nightly\uFFFDetl',
      });
      const longRow = await history.database.db
        .selectFrom('jobs')
        .select('status_message')
        .where('id', '=', long)
        .executeTakeFirstOrThrow();
      expect(longRow.status_message).toBe('x'.repeat(STATUS_TEXT_MAX_CHARS));

      const taken = await actions.forJob(nul);
      expect(taken.map((a) => [a.subject, a.reason, a.outcome])).toEqual([
        ['oncall-ann', 'stuck\uFFFD since Friday', 'REQUESTED'],
      ]);
    },
  );

  it.skipIf(skip)(
    'writes the other jobs of a batch when the database refuses one, counts its changes failed, says so once without its text, and stays ok',
    async () => {
      const store = await fresh();
      const { history, lines, counts } = await start(store);
      await refuseRowsNamed(history.database, 'jobs', 'name');
      const bad = 'batch:us-east-1:refused';
      const good = ['batch:us-east-1:kept-1', 'batch:us-east-1:kept-2'];
      history.writer.record(change(job(good[0]!, { jobName: 'kept' })));
      history.writer.record(change(job(bad, { jobName: 'refuse-me', state: 'RUNNING' })));
      history.writer.record(change(job(bad, { jobName: 'refuse-me' }), 'default', 'RUNNING'));
      history.writer.record(change(job(good[1]!, { jobName: 'kept' })));
      await history.writer.flush();

      expect(counts).toEqual({ written: 2, failed: 2 });
      expect(history.health().state).toBe('ok');
      const reader = new HistoryReader(history.database);
      expect(await reader.latest(bad, '*')).toBeNull();
      const transitions = await reader.transitionsOf([bad, ...good], '*');
      expect(transitions.get(bad)).toEqual([]);
      for (const id of good) expect(transitions.get(id)).toHaveLength(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.fields).toMatchObject({ jobs: 1, code: expect.any(String) });
      expect(JSON.stringify(lines)).not.toMatch(/refuse-me|trigger-said-no/);

      // A batch whose every job is refused is the database failing: degraded, once.
      history.writer.record(change(job('batch:us-east-1:refused-2', { jobName: 'refuse-me' })));
      await history.writer.flush();
      expect(history.health().state).toBe('degraded');
      history.writer.record(change(job('batch:us-east-1:kept-3', { jobName: 'kept' })));
      await history.writer.flush();
      expect(history.health().state).toBe('ok');
      expect(counts).toEqual({ written: 3, failed: 3 });
    },
  );

  it.skipIf(skip)(
    'writes the other audit rows of a batch when the database refuses one, and says so once without its text',
    async () => {
      const db = (await openHistoryDatabase(await fresh()))!;
      try {
        await refuseRowsNamed(db, 'job_actions', 'reason');
        const counts: Record<string, number> = {};
        const refusals: [number, string][] = [];
        const actions = new ActionLog(
          db,
          (o, n) => (counts[o] = (counts[o] ?? 0) + n),
          (rows, code) => refusals.push([rows, code]),
        );
        const id = 'batch:us-east-1:acted';
        // Three callers: three rows (one caller's answers that made no call would be one).
        actions.record(entry(id, 'first caller', 'ann'));
        actions.record(entry(id, 'refuse-me', 'bob'));
        actions.record(entry(id, 'third caller', 'carol'));
        const taken = await actions.forJob(id);
        expect(taken.map((a) => a.reason)).toEqual(['first caller', 'third caller']);
        expect(counts).toEqual({ written: 2, failed: 1 });
        expect(refusals).toEqual([[1, expect.any(String)]]);
        expect(refusals[0]![1]).not.toMatch(/refuse-me|trigger-said-no/);
      } finally {
        await db.close();
      }
    },
  );
});

describe.each(kinds)('A gateway keeping history on a $name', ({ skip, fresh }) => {
  // The case as a user meets it: a job's owner puts a NUL in its status reason (a caller's
  // action reason with one is refused before any call, docs/actions.md), and a jobs:write caller
  // terminates that job while other jobs are read.
  let url = '';
  beforeAll(async () => {
    if (!skip) url = historyUrlOf(await fresh());
  });
  const gw = useTestGateway(() => ({
    ...(url ? { JOBGRAPH_HISTORY_URL: url } : {}),
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  }));

  it.skipIf(skip)(
    "writes the job whose status reason holds a NUL, the other jobs read with it and the actor's actionsTaken row, and stays ready",
    async () => {
      const writer = await writerToken(gw, undefined, 'oncall-ann');
      const batch = (name: keyof typeof BATCH_JOB_IDS) => {
        const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
        return example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];
      };
      gw.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.running, 'RUNNING', {
        statusReason: 'stuck\u0000 since Friday',
      });
      const id = batch('running');
      const others = [batch('starting'), batch('pending')];
      const [first, read] = await Promise.all([
        gql(gw, `query ($id: ID!) { job(id: $id) { statusMessage } }`, {
          token: gw.tokens.read,
          variables: { id },
        }),
        gql(gw, `query ($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
          token: gw.tokens.read,
          variables: { ids: others },
        }),
      ]);
      // The provider's text as it is, to the caller; storable text to the history.
      expect(first.body.data?.job).toEqual({ statusMessage: 'stuck\u0000 since Friday' });
      expect(read.body.errors).toBeUndefined();
      await gw.history!.settled();
      expect(await gw.history!.reader.latest(id, '*')).toMatchObject({
        statusMessage: 'stuck\uFFFD since Friday',
      });
      // A search holding a NUL (in its text, a region) is answered, as the store keeps text.
      const found = await gql(
        gw,
        `query ($f: JobHistoryFilter) { jobHistory(filter: $f) { nodes { id } } }`,
        {
          token: gw.tokens.read,
          variables: { f: { text: 'stuck\u0000 since', regions: ['us-east-1', 'x\u0000'] } },
        },
      );
      expect(found.body.errors).toBeUndefined();
      expect(found.body.data?.jobHistory.nodes).toEqual([{ id }]);
      const terminated = await gql(
        gw,
        `mutation ($id: ID!, $reason: String!) { terminateJob(id: $id, reason: $reason) { outcome } }`,
        { token: writer, variables: { id, reason: 'stuck since Friday' } },
      );
      expect(terminated.body.data?.terminateJob).toEqual({ outcome: 'REQUESTED' });

      const after = await gql(
        gw,
        `query ($ids: [ID!]!) { jobs(ids: $ids) { id transitions { to } actionsTaken { subject reason outcome } } }`,
        { token: gw.tokens.read, variables: { ids: [id, ...others] } },
      );
      const [job, ...rest] = after.body.data?.jobs as {
        transitions: { to: string }[];
        actionsTaken: unknown[];
      }[];
      expect(job!.transitions.map((t) => t.to)).toEqual(['IN_PROGRESS', 'FAILED']);
      expect(job!.actionsTaken).toEqual([
        { subject: 'oncall-ann', reason: 'stuck since Friday', outcome: 'REQUESTED' },
      ]);
      for (const other of rest) expect(other.transitions.length).toBeGreaterThan(0);
      expect(await metricValue(gw, 'jobgraph_history_writes_total{outcome="failed"}')).toBe(0);
      const ready = await readyz(gw.server.url, await operatorToken(gw));
      expect(ready.body.history).toMatchObject({ state: 'ok' });
    },
  );
});

describe('storableText', () => {
  it('replaces a NUL and a lone surrogate with U+FFFD, keeps a pair, and cuts at the bound without halving a pair', () => {
    expect(storableText('plain')).toBe('plain');
    expect(storableText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableText('lone \uD800 and \uDC00')).toBe('lone \uFFFD and \uFFFD');
    expect(storableText('pair \uD83D\uDE00')).toBe('pair \uD83D\uDE00');
    expect(storableText('x'.repeat(10), 4)).toBe('xxxx');
    // A cut between a pair's halves drops the half left, never leaving a lone surrogate.
    expect(storableText('abc\uD83D\uDE00', 4)).toBe('abc');
    expect(storableJson({ a: 'x\u0000', b: ['\uD800'], c: 'a literal \\u0000' })).toBe(
      '{"a":"x\uFFFD","b":["\uFFFD"],"c":"a literal \\\\u0000"}',
    );
  });
});

describe('writePartByPart', () => {
  it('tries no part when the batch found the database busy or locked, and stops at a part that finds it so', async () => {
    const db = (await openHistoryDatabase(await kinds[0]!.fresh()))!;
    try {
      const sqliteError = (errcode: number) =>
        Object.assign(new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode });
      const busy = sqliteError(5); // SQLITE_BUSY: another process holds the file (a VACUUM)
      const refused = sqliteError(1811); // SQLITE_CONSTRAINT_TRIGGER: this row only
      const tried: number[] = [];
      expect(await writePartByPart(db, [1, 2, 3], busy, async (p) => void tried.push(p))).toEqual({
        refused: [1, 2, 3],
        code: null,
        down: 'ERR_SQLITE_ERROR 5',
      });
      expect(tried).toEqual([]);
      const parts = await writePartByPart(db, [1, 2, 3, 4], refused, async (p) => {
        tried.push(p);
        if (p === 2) throw refused;
        if (p === 3) throw busy;
      });
      expect(tried).toEqual([1, 2, 3]);
      expect(parts).toEqual({
        refused: [2, 3, 4],
        code: 'ERR_SQLITE_ERROR 1811',
        down: 'ERR_SQLITE_ERROR 5',
      });
    } finally {
      await db.close();
    }
  });
});
