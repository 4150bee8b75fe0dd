// The history's size (issue 84, item 7): a budget (JOBGRAPH_HISTORY_MAX_BYTES) measured with the
// store's bytes and oldest job (gauges, /readyz), warned of at 90 %, the oldest finished jobs
// pruned at it; and a prune that gives SQLite's freed pages back (the file shrinks).
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import {
  HistoryBudget,
  compactHistory,
  measureHistory,
  reclaimSpace,
} from '../../src/history/budget.ts';
import type { HistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter, type HistoryChange } from '../../src/history/writer.ts';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import {
  closedAfterEach,
  describeOnStores,
  historyBatchRecord,
  historyStores,
} from '../support/historyStores.ts';
import { metricValue } from '../support/metrics.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const kinds = historyStores();

/** A finished (or running) Batch job of about 2 KB, created `createdAt`. */
const change = (i: number, createdAt: string, state = 'SUCCEEDED'): HistoryChange => {
  const id = `batch:us-east-1:job-${String(i).padStart(6, '0')}`;
  const finished = state === 'SUCCEEDED' ? { stoppedAt: createdAt } : {};
  return {
    record: historyBatchRecord(id, state, {
      terminal: state === 'SUCCEEDED',
      createdAt,
      ...finished,
      statusReason: `done ${i} `.repeat(200),
    }),
    from: null,
    to: state,
    providerStatus: state,
    at: createdAt,
    source: 'READ',
    account: 'default',
  };
};

/** Write `n` jobs created a day apart from 2020-01-01 (the first the oldest). */
async function writeJobs(db: HistoryDatabase, n: number, state?: string, from = 0) {
  const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
  for (let i = from; i < from + n; i++)
    writer.record(change(i, new Date(Date.UTC(2020, 0, 1 + i)).toISOString(), state));
  await writer.close();
}

const fileBytes = (path: string) => statSync(path).size;

describe('A pruned SQLite history file', () => {
  const start = closedAfterEach();

  it("gets smaller after the gateway's prune: a new file gives freed pages back (incremental auto-vacuum)", async () => {
    const store = (await kinds[0]!.fresh()) as Extract<HistoryStoreConfig, { kind: 'sqlite' }>;
    const db = await start(store);
    await writeJobs(db, 3000);
    await reclaimSpace(db); // the WAL checkpointed into the file: the size to compare with
    const before = fileBytes(store.path);
    expect(await new HistoryReader(db).prune(1, new Date('2060-01-01T00:00:00Z'))).toBe(3000);
    await reclaimSpace(db);
    const after = fileBytes(store.path);
    expect(after).toBeLessThan(before / 4);
    expect(fileBytes(`${store.path}-wal`)).toBe(0);
  });

  it('gets smaller after `jobgraph history prune` on a file an older jobgraph made (auto-vacuum off): one VACUUM switches it', async () => {
    const store = (await kinds[0]!.fresh()) as Extract<HistoryStoreConfig, { kind: 'sqlite' }>;
    // An older jobgraph's file: its tables made with auto_vacuum off.
    const { DatabaseSync } = await import('node:sqlite');
    const old = new DatabaseSync(store.path);
    old.exec('PRAGMA page_size = 32768; CREATE TABLE made_before (a); DROP TABLE made_before');
    old.close();
    const db = await start(store);
    await writeJobs(db, 3000);
    await new HistoryReader(db).prune(1, new Date('2060-01-01T00:00:00Z'));
    await reclaimSpace(db); // nothing given back: the file keeps its free pages for new rows
    const before = fileBytes(store.path);
    const compacted = (await compactHistory(db))!;
    expect(compacted.before).toBe(before);
    expect(compacted.after).toBe(fileBytes(store.path));
    expect(compacted.after).toBeLessThan(before / 4);
    // From then on it is in incremental mode: the gateway's own prunes give pages back.
    await writeJobs(db, 3000, 'SUCCEEDED', 10_000);
    await reclaimSpace(db);
    const grown = fileBytes(store.path);
    await new HistoryReader(db).prune(1, new Date('2060-01-01T00:00:00Z'));
    await reclaimSpace(db);
    expect(fileBytes(store.path)).toBeLessThan(grown / 4);
  });
});

describeOnStores('The size budget of a history store on a $name', kinds, (open) => {
  it('measures the bytes and the oldest job, and warns once at 90 % of the budget', async () => {
    const db = await open();
    await writeJobs(db, 50);
    const size = await measureHistory(db);
    expect(size.bytes).toBeGreaterThan(50 * 2000);
    expect(size.oldestAt).toBe('2020-01-01T00:00:00.000Z');

    const lines: string[] = [];
    const logger = { warn: (_f: object, m: string) => lines.push(m), info: () => undefined };
    const near = new HistoryBudget(db, Math.ceil(size.bytes / 0.95), logger);
    await near.check();
    await near.check();
    expect(near.view()).toMatchObject({ budget: 'near', bytes: size.bytes });
    expect(lines).toEqual([expect.stringMatching(/at 90 % of JOBGRAPH_HISTORY_MAX_BYTES/)]);
    const roomy = new HistoryBudget(db, size.bytes * 2, logger);
    await roomy.check();
    expect(roomy.view()).toMatchObject({ budget: 'ok' });
    expect(lines).toHaveLength(1);
  });

  it('at the budget, prunes the oldest finished jobs down under 90 % on SQLite (never an unfinished one), and only warns on PostgreSQL', async () => {
    const db = await open();
    await writeJobs(db, 10, 'RUNNING'); // the oldest ten, unfinished
    await writeJobs(db, 1000, 'SUCCEEDED', 10);
    const { bytes } = await measureHistory(db);
    const fields: Record<string, unknown>[] = [];
    const logger = {
      warn: (f: Record<string, unknown>) => fields.push(f),
      info: () => undefined,
    };
    const budget = new HistoryBudget(db, Math.floor(bytes / 2), logger);
    await budget.check();
    const left = await db.db.selectFrom('jobs').select(['id', 'terminal']).execute();
    if (db.dialect.name === 'postgres') {
      expect(left).toHaveLength(1010);
      expect(budget.view()).toMatchObject({ budget: 'over' });
      return;
    }
    expect(fields[0]).toMatchObject({ pruned: expect.any(Number), maxBytes: bytes >> 1 });
    const pruned = fields[0]!.pruned as number;
    expect(pruned).toBeGreaterThan(500);
    expect(left).toHaveLength(1010 - pruned);
    // The unfinished ones stay, and what was pruned is the oldest finished.
    expect(left.filter((j) => j.terminal === 0)).toHaveLength(10);
    const ids = left.map((j) => j.id).sort();
    expect(ids.at(10)).toBe(`batch:us-east-1:job-${String(10 + pruned).padStart(6, '0')}`);
    expect(budget.view()!.bytes).toBeLessThan(Math.floor(bytes / 2) * 0.9);
    expect(await db.db.selectFrom('transitions').select('job_id').execute()).toHaveLength(
      1010 - pruned,
    );
  });
});

describe('The size gauges of a gateway keeping history (its default SQLite file)', () => {
  const gw = useTestGateway();
  it('are on /metrics: the bytes, the budget and the oldest job', async () => {
    const answer = await gql(
      gw,
      '{ job(id: $id) { id } }'.replace('$id', JSON.stringify(DEMO_DATA.batch.EXAMPLE_GLOBAL_ID)),
      {
        token: gw.tokens.read,
      },
    );
    expect(answer.body.data?.job).toMatchObject({ id: DEMO_DATA.batch.EXAMPLE_GLOBAL_ID });
    await gw.history!.writer.flush();
    await gw.history!.measure();
    expect(await metricValue(gw, 'jobgraph_history_bytes')).toBeGreaterThan(0);
    expect(await metricValue(gw, 'jobgraph_history_max_bytes')).toBe(10 * 1024 ** 3);
    expect(await metricValue(gw, 'jobgraph_history_oldest_seconds')).toBeGreaterThan(0);
    // And an operator's /readyz says where the store stands against its budget.
    const ready = await readyz(gw.server.url, await operatorToken(gw));
    expect(ready.body.history).toMatchObject({
      state: 'ok',
      budget: 'ok',
      bytes: expect.any(Number),
      maxBytes: 10 * 1024 ** 3,
    });
  });
});
