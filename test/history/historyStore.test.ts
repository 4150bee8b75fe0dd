import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/history/migrations.ts';
import { ActionLog, type JobActionEntry } from '../../src/history/actions.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { SECRET_VALUE, batchRecord, withoutSecrets } from '../support/retainedRecords.ts';
import { historyStores, readChange as change } from '../support/historyStores.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { historyStoreOpener, job } from '../support/historyStoreCases.ts';

const kinds = historyStores();

const identity = (r: JobRecord) => r;

describe.each(kinds)('The history store on a $name', ({ skip, fresh }) => {
  const { open, start, started, writerOf } = historyStoreOpener(fresh);

  it.skipIf(skip)(
    'applies its migrations once, and refuses a newer schema in one line',
    async () => {
      const config = await fresh();
      const db = await start(config);
      const versions = await db.db.selectFrom('jobgraph_schema').select('version').execute();
      expect(versions.map((v) => Number(v.version))).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      );
      await db.close();
      open.pop();
      const again = await start(config); // already applied: nothing to do
      await again.db
        .insertInto('jobgraph_schema')
        .values({ version: SCHEMA_VERSION + 1, applied_at: 'later' })
        .execute();
      await again.close();
      open.pop();
      const refused = openHistoryDatabase(config);
      await expect(refused).rejects.toThrow(/^JOBGRAPH_HISTORY_URL: holds history schema version/);
      await refused.catch((e: Error) => expect(e.message).not.toMatch(/\n/));
    },
  );

  it.skipIf(skip)(
    "keys a schema-2 store's transitions by their job's seq at start, every row kept and read back",
    async () => {
      const config = await fresh();
      // The store as jobgraph left it before migration 3, written with the database's own client.
      const job2 = (id: string, state: string, sortAt: string) =>
        `INSERT INTO jobs VALUES ('${id}', 'AWS_BATCH', 'default', 'us-east-1', '${state}', '${state}', NULL, '${id}-name', NULL, '${sortAt}', NULL, '${sortAt}', 0, '${sortAt}', '{"id":"${id}","provider":"AWS_BATCH","state":"${state}"}')`;
      const transition2 = (id: string, at: string, from: string | null, to: string) =>
        `INSERT INTO transitions VALUES ('${id}', '${at}', ${from === null ? 'NULL' : `'${from}'`}, '${to}', '${to}', 'READ', NULL)`;
      const statements = [
        'CREATE TABLE jobgraph_schema (version integer PRIMARY KEY, applied_at text NOT NULL)',
        ...(MIGRATIONS.slice(0, 2).flat() as string[]),
        "INSERT INTO jobgraph_schema VALUES (1, 'then'), (2, 'then')",
        job2('batch:us-east-1:v2a', 'SUCCEEDED', '2026-01-02T00:00:00.000Z'),
        job2('batch:us-east-1:v2b', 'RUNNING', '2026-01-01T00:00:00.000Z'),
        transition2('batch:us-east-1:v2a', '2026-01-01T00:00:00.000Z', null, 'RUNNING'),
        transition2('batch:us-east-1:v2a', '2026-01-02T00:00:00.000Z', 'RUNNING', 'SUCCEEDED'),
        transition2('batch:us-east-1:v2b', '2026-01-01T00:00:00.000Z', null, 'RUNNING'),
      ];
      if (config.kind === 'sqlite') {
        const { DatabaseSync } = await import('node:sqlite');
        const raw = new DatabaseSync(config.path);
        for (const statement of statements) raw.exec(statement);
        raw.close();
      } else if (config.kind === 'postgres') {
        const { default: pg } = await import('pg');
        const client = new pg.Client(config.url);
        await client.connect();
        for (const statement of statements) await client.query(statement);
        await client.end();
      }
      const db = await start(config);
      const reader = new HistoryReader(db);
      const steps = async (id: string) =>
        (await reader.transitions(`batch:us-east-1:${id}`, '*')).map((t) => [t.from, t.to]);
      expect(await steps('v2a')).toEqual([
        [null, 'RUNNING'],
        ['RUNNING', 'SUCCEEDED'],
      ]);
      expect(await steps('v2b')).toEqual([[null, 'RUNNING']]);
      expect((await reader.search({}, 10, null, '*')).edges.map((e) => e.node.id)).toEqual([
        'batch:us-east-1:v2a',
        'batch:us-east-1:v2b',
      ]);
      // Migration 5 indexed the text of the jobs stored before it.
      expect(
        (await reader.search({ text: 'V2A-NAM' }, 10, null, '*')).edges.map((e) => e.node.id),
      ).toEqual(['batch:us-east-1:v2a']);
      // Written after the migration: the old job's next change, and a new job.
      const writer = writerOf(db);
      const failed = { state: 'FAILED', providerStatus: 'FAILED', terminal: true };
      writer.record(
        change(job('batch:us-east-1:v2b', failed), {
          from: 'RUNNING',
          at: '2026-01-03T00:00:00.000Z',
        }),
      );
      writer.record(change(job('batch:us-east-1:v3c')));
      await writer.close();
      expect(await steps('v2b')).toEqual([
        [null, 'RUNNING'],
        ['RUNNING', 'FAILED'],
      ]);
      expect(await steps('v3c')).toEqual([[null, 'RUNNING']]);
      const keys = await db.db.selectFrom('jobs').select(['id', 'seq']).orderBy('seq').execute();
      expect(keys.map((k) => k.id)).toEqual([
        'batch:us-east-1:v2b', // copied oldest first
        'batch:us-east-1:v2a',
        'batch:us-east-1:v3c',
      ]);
      expect(
        await db.db
          .selectFrom('transitions')
          .select('job_id')
          .where('job_seq', 'is', null)
          .execute(),
      ).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'recalls any count of IDs in one statement of a few shapes (padded to a power of two), each job once',
    async () => {
      const db = await start();
      const writer = writerOf(db, {}, 1000);
      for (let i = 0; i < 40; i++) writer.record(change(job(`batch:us-east-1:r${i}`)));
      await writer.close();
      const reader = new HistoryReader(db);
      const sent = vi.spyOn(db.db, 'executeQuery');
      for (let n = 1; n <= 100; n++) {
        // n IDs asked: the stored r0…r(min(n,40)-1), then IDs the store never had.
        const ids = Array.from(
          { length: n },
          (_, i) => `batch:us-east-1:${i < 40 ? 'r' : 'x'}${i}`,
        );
        const found = await reader.retainedMany(ids, '*');
        expect([...found.keys()].sort()).toEqual(ids.filter((id) => id.includes(':r')).sort());
      }
      expect(sent).toHaveBeenCalledTimes(100);
      const texts = new Set(sent.mock.calls.map(([q]) => (q as { sql: string }).sql));
      // 1, 2, 4, … 128 IDs: eight statements for a hundred counts.
      expect(texts.size).toBe(8);
      sent.mockRestore();
    },
  );

  it.skipIf(skip)(
    "serves the event loop between a batch's statements, but not while a batch's worth waits behind it",
    async () => {
      const db = await start();
      // Turns of the event loop while `n` queued changes are written: node:sqlite runs each
      // statement on this thread (≈ 60 ms for 2,000 rows), so one run of a batch's statements
      // holds the loop for all of it; PostgreSQL's statements are I/O.
      const turnsWriting = async (n: number, tag: string) => {
        const writer = writerOf(db, {}, 5000);
        for (let i = 0; i < n; i++) writer.record(change(job(`batch:us-east-1:${tag}${i}`)));
        let turns = 0;
        let done = false;
        const count = () => {
          turns++;
          if (!done) setImmediate(count);
        };
        setImmediate(count);
        await writer.close();
        done = true;
        return turns;
      };
      const one = await turnsWriting(2000, 'one');
      const two = await turnsWriting(4000, 'two');
      // 2,000 rows are 2 × 7 statements on SQLite (chunks of 256, 64, 16): a turn after each.
      expect(one).toBeGreaterThanOrEqual(14);
      // 4,000: the first batch, 2,000 behind it, runs its statements through; the second yields.
      if (db.dialect.name === 'sqlite') expect(two).toBeLessThan(one + 10);
      expect(await db.db.selectFrom('jobs').select('id').execute()).toHaveLength(6000);
    },
  );

  it.skipIf(skip)(
    'writes a batch in one group commit, and keeps and counts a job past a full queue',
    async () => {
      const db = await start();
      const counts: Record<string, number> = {};
      const writer = writerOf(db, counts, 3);
      for (const id of ['a', 'b', 'c', 'd']) writer.record(change(job(`batch:us-east-1:${id}`)));
      expect(counts.dropped).toBeUndefined();
      // One lane on SQLite: its fourth job waits past the bound, counted (PostgreSQL's two lanes
      // bound two jobs each).
      if (db.dialect.name === 'sqlite') expect(counts.over_bound).toBe(1);
      expect(writer.queued).toBe(4);
      await writer.flush();
      expect(counts.written).toBe(4);
      const rows = await db.db.selectFrom('jobs').select('id').execute();
      expect(rows).toHaveLength(4);
      await writer.close();
    },
  );

  it.skipIf(skip)(
    "moves a job's lastConfirmedAt when a read shows it again unchanged, never back, and writes no change for it",
    async () => {
      const { db, counts, writer, reader } = await started();
      const id = 'batch:us-east-1:seen';
      writer.record(change(job(id)));
      await writer.flush();
      const later = Date.parse('2026-01-01T00:10:00.000Z');
      writer.seen(id, later);
      writer.seen('batch:us-east-1:never-written', later); // no row: nothing to move
      await writer.flush();
      expect((await reader.retained(id, '*'))?.lastConfirmedAt).toBe('2026-01-01T00:10:00.000Z');
      writer.seen(id, Date.parse('2026-01-01T00:05:00.000Z'));
      await writer.flush();
      expect((await reader.retained(id, '*'))?.lastConfirmedAt).toBe('2026-01-01T00:10:00.000Z');
      // One change written; the reads seen are no changes and no transitions.
      expect(counts).toEqual({ written: 1 });
      expect(await db.db.selectFrom('transitions').select('job_id').execute()).toHaveLength(1);
      await writer.close();
    },
  );

  it.skipIf(skip)(
    'writes no transition for a first sight of a job the store has in that state (a restart), and one from the stored state otherwise',
    async () => {
      const db = await start();
      const id = 'batch:us-east-1:restarted';
      const running = job(id);
      const done = job(id, { state: 'SUCCEEDED', providerStatus: 'SUCCEEDED', terminal: true });
      const first = writerOf(db);
      first.record(change(running));
      await first.close();
      // Another process (the state store empty again) reads it: first in the same state, then
      // first in another.
      for (const record of [running, done]) {
        const again = writerOf(db);
        again.record(change(record, { at: '2026-01-01T00:00:02.000Z' }));
        await again.close();
      }
      const transitions = await new HistoryReader(db).transitionsOf([id], '*');
      expect(transitions.get(id)?.map((t) => [t.from, t.to])).toEqual([
        [null, 'RUNNING'],
        ['RUNNING', 'SUCCEEDED'],
      ]);
    },
  );

  it.skipIf(skip)(
    'commits a queued change when its flush timer (at most 1 s) fires, unasked',
    async () => {
      const db = await start();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        let written!: () => void;
        const landed = new Promise<void>((resolve) => (written = resolve));
        const writer = new HistoryWriter(db, {
          factsOf,
          withoutSecrets,
          flushMs: 5000, // asked for more than a second: held to one
          count: (o) => o === 'written' && written(),
        });
        writer.record(change(job('batch:us-east-1:timed')));
        vi.advanceTimersByTime(999);
        expect(writer.queued).toBe(1);
        vi.advanceTimersByTime(1);
        await landed;
        expect(await new HistoryReader(db).latest('batch:us-east-1:timed', '*')).not.toBeNull();
        await writer.close();
      } finally {
        vi.useRealTimers();
      }
    },
  );

  it.skipIf(skip)(
    'never writes a secret value: the stripper runs before the database',
    async () => {
      const config = await fresh();
      const { db, writer } = await started({ config });
      const record = batchRecord('secret-job');
      expect(JSON.stringify(record)).toContain(SECRET_VALUE);
      writer.record(change(record));
      await writer.close();
      let text: string;
      if (config.kind === 'sqlite') {
        await db.close();
        open.pop();
        text = readdirSync(config.dataDir!)
          .map((f) => readFileSync(join(config.dataDir!, f)).toString('latin1'))
          .join('');
      } else {
        const rows = await sql<{ t: string }>`SELECT j::text AS t FROM jobs j`.execute(db.db);
        const tr = await sql<{ t: string }>`SELECT t::text AS t FROM transitions t`.execute(db.db);
        text = [...rows.rows, ...tr.rows].map((r) => r.t).join('\n');
      }
      expect(text).toContain('secret-job');
      expect(text).not.toContain(SECRET_VALUE);
    },
  );

  it.skipIf(skip)('prunes jobs older than the retention, with their transitions', async () => {
    const { db, writer, reader } = await started();
    writer.record(change(job('batch:us-east-1:old', { createdAt: '2020-01-01T00:00:00.000Z' })));
    writer.record(change(job('batch:us-east-1:new', { createdAt: '2026-01-01T00:00:00.000Z' })));
    await writer.flush();
    expect(await reader.prune(400, new Date('2026-02-01T00:00:00.000Z'), 1)).toBe(1);
    expect(await reader.latest('batch:us-east-1:old', '*')).toBeNull();
    expect(await reader.transitions('batch:us-east-1:old', '*')).toEqual([]);
    expect(await reader.latest('batch:us-east-1:new', '*')).not.toBeNull();
    // Its transitions are deleted with it, not only out of reach.
    const left = await db.db.selectFrom('transitions').select('job_id').execute();
    expect(left.map((t) => t.job_id)).toEqual(['batch:us-east-1:new']);
    // A job written after the prune has transitions of its own only.
    writer.record(change(job('batch:us-east-1:after')));
    await writer.flush();
    expect((await reader.transitions('batch:us-east-1:after', '*')).map((t) => t.to)).toEqual([
      'RUNNING',
    ]);
    await writer.close();
  });

  it.skipIf(skip)(
    'keeps the actions on jobs (job_actions), written in one batch, read back per job oldest first',
    async () => {
      const db = await start();
      const counts: Record<string, number> = {};
      const log = new ActionLog(db, (o, n) => (counts[o] = (counts[o] ?? 0) + n));
      const entry = (jobId: string, at: string, outcome: string): JobActionEntry => ({
        jobId,
        at,
        action: 'CANCEL',
        subject: 'oncall-ann',
        reason: 'Superseded by sweep 5',
        outcome,
        provider: 'AWS_BATCH',
        account: 'default',
        requestId: outcome === 'REQUESTED' ? 'req-1' : null,
      });
      log.record(entry('batch:us-east-1:a', '2026-01-01T00:00:02.000Z', 'REQUESTED'));
      log.record(entry('batch:us-east-1:a', '2026-01-01T00:00:01.000Z', 'REFUSED'));
      log.record(entry('batch:us-east-1:b', '2026-01-01T00:00:03.000Z', 'NOT_APPLIED'));
      // Read right after: what this process queued is written first.
      const a = await log.forJob('batch:us-east-1:a');
      expect(a.map((r) => [r.at, r.outcome, r.requestId])).toEqual([
        ['2026-01-01T00:00:01.000Z', 'REFUSED', null],
        ['2026-01-01T00:00:02.000Z', 'REQUESTED', 'req-1'],
      ]);
      expect(a[0]).toMatchObject({ subject: 'oncall-ann', reason: 'Superseded by sweep 5' });
      expect(await log.forJob('batch:us-east-1:none')).toEqual([]);
      expect(counts).toEqual({ written: 3 });
    },
  );
});

describe.skipIf(kinds[1]!.skip)('The PostgreSQL history store going away', () => {
  it('counts failed writes and a degraded state, never throwing to the caller', async () => {
    const db = (await openHistoryDatabase(await kinds[1]!.fresh()))!;
    const counts: Record<string, number> = {};
    const health: (string | null)[] = [];
    const writer = new HistoryWriter(db, {
      factsOf,
      withoutSecrets: identity,
      count: (o, n) => (counts[o] = (counts[o] ?? 0) + n),
      onHealth: (_degraded, reason) => health.push(reason),
    });
    await db.close(); // the pool is gone: every write now fails
    writer.record(change(job('batch:us-east-1:lost')));
    await writer.flush();
    expect(counts.failed).toBe(1);
    expect(writer.degraded).not.toBeNull();
    expect(health).toHaveLength(1);
    await writer.close();
  });

  it('refuses an unreachable server at start in one line, without the password', async () => {
    const opened = openHistoryDatabase({
      kind: 'postgres',
      url: 'postgres://jobgraph:hunter2-secret@127.0.0.1:1/history',
    });
    await expect(opened).rejects.toThrow(
      /^JOBGRAPH_HISTORY_URL: postgres:\/\/jobgraph@127\.0\.0\.1:1\/history cannot be used/,
    );
    await opened.catch((e: Error) => expect(e.message).not.toContain('hunter2'));
  });
});
