import { sql, type KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { HistoryReader } from '../../src/history/reader.ts';
import {
  historyStores,
  readChange as change,
  recordingSearches,
} from '../support/historyStores.ts';
import { everyPage, historyStoreOpener, job } from '../support/historyStoreCases.ts';

const kinds = historyStores();

describe.each(kinds)('The history store on a $name', ({ skip, fresh }) => {
  const { started } = historyStoreOpener(fresh);

  it.skipIf(skip)('reads back latest, transitions and filtered searches', async () => {
    const { writer, reader } = await started();
    const a = job('batch:us-east-1:a', { jobName: 'nightly-etl', jobQueue: 'q-big' });
    writer.record(change(a, { to: 'RUNNING', at: '2026-01-01T00:00:01.000Z' }));
    writer.record(
      change(
        job('batch:us-east-1:a', {
          jobName: 'nightly-etl',
          jobQueue: 'q-big',
          state: 'SUCCEEDED',
          completedAt: '2026-01-02T00:00:00.000Z',
        }),
        {
          from: 'RUNNING',
          to: 'SUCCEEDED',
          at: '2026-01-02T00:00:00.000Z',
          source: 'EVENT',
          eventId: 'e1',
        },
      ),
    );
    writer.record(change(job('batch:eu-west-1:b', { region: 'eu-west-1', jobName: 'other' })));
    await writer.flush();
    expect((await reader.latest('batch:us-east-1:a', '*'))?.state).toBe('SUCCEEDED');
    const t = await reader.transitions('batch:us-east-1:a', '*');
    expect(t.map((x) => [x.from, x.to, x.source, x.eventId])).toEqual([
      [null, 'RUNNING', 'READ', null],
      ['RUNNING', 'SUCCEEDED', 'EVENT', 'e1'],
    ]);
    const ids = async (f: object) =>
      (await reader.search(f, 10, null, '*')).edges.map((e) => e.node.id);
    expect(await ids({ text: 'ETL' })).toEqual(['batch:us-east-1:a']);
    expect(await ids({ text: '_' })).toEqual([]);
    expect(await ids({ regions: ['eu-west-1'] })).toEqual(['batch:eu-west-1:b']);
    expect(await ids({ states: ['SUCCEEDED'] })).toEqual(['batch:us-east-1:a']);
    expect(await ids({ finishedAfter: '2026-01-01T12:00:00.000Z' })).toEqual(['batch:us-east-1:a']);
    await writer.close();
  });

  it.skipIf(skip)(
    'finds text as a case-insensitive substring, its %, _, \\ and " literal, as jobs change and go',
    async () => {
      const { writer, reader } = await started();
      const texts: Record<string, Record<string, unknown>> = {
        a: { jobName: 'Nightly-ETL_2026', jobQueue: 'q-big' },
        b: { jobName: 'nightlyXetl', statusReason: '100% done' },
        c: { jobName: 'other', jobQueue: 'gpu\\queue "main"' },
        d: { jobName: 'Größe-Étude', statusReason: 'EXIT code 137' },
        e: { jobName: 'plain' },
      };
      for (const [id, over] of Object.entries(texts))
        writer.record(change(job(`batch:us-east-1:${id}`, over)));
      await writer.flush();
      const ids = async (text: string) =>
        (await reader.search({ text }, 10, null, '*')).edges.map((e) => e.node.id.slice(-1)).sort();
      expect(await ids('nightly-etl')).toEqual(['a']);
      expect(await ids('NIGHTLY')).toEqual(['a', 'b']);
      expect(await ids('ETL_')).toEqual(['a']);
      expect(await ids('etl_2026')).toEqual(['a']);
      expect(await ids('l_2')).toEqual(['a']);
      expect(await ids('0% d')).toEqual(['b']);
      expect(await ids('1%0')).toEqual([]);
      expect(await ids('u\\q')).toEqual(['c']);
      expect(await ids('"main"')).toEqual(['c']);
      expect(await ids('e "m')).toEqual(['c']);
      expect(await ids('code 137')).toEqual(['d']);
      expect(await ids('größe')).toEqual(['d']);
      expect(await ids('q-b')).toEqual(['a']);
      expect(await ids('nothing here')).toEqual([]);
      // A changed name is found by its new text only; a pruned job is found no more.
      writer.record(
        change(job('batch:us-east-1:e', { jobName: 'renamed-job' }), {
          from: 'RUNNING',
          at: '2026-01-01T00:00:02.000Z',
        }),
      );
      await writer.flush();
      expect(await ids('plain')).toEqual([]);
      expect(await ids('renamed')).toEqual(['e']);
      expect(await reader.prune(1, new Date('2026-06-01T00:00:00.000Z'))).toBe(5);
      expect(await ids('renamed')).toEqual([]);
      expect(await ids('nightly')).toEqual([]);
      await writer.close();
    },
  );

  it.skipIf(skip)(
    "searches text through the index made for it (SQLite's FTS5 table, PostgreSQL's trigram index)",
    async () => {
      const config = await fresh();
      const { db, writer } = await started({ config });
      writer.record(change(job('batch:us-east-1:a', { jobName: 'nightly-etl' })));
      for (const id of ['b', 'c'])
        writer.record(
          change(job(`batch:us-east-1:${id}`, { createdAt: '2026-01-02T00:00:00.000Z' })),
        );
      await writer.close();
      // The searches the reader runs, as it hands them to the store.
      const { store, asked } = recordingSearches(db);
      // The two newest jobs (b, c) compared as they are read, then the index for the jobs below.
      const reader = new HistoryReader(store, undefined, { walkRows: 2 });
      const found = await reader.search({ text: 'ETL' }, 10, null, '*');
      expect(found.edges.map((e) => e.node.id)).toEqual(['batch:us-east-1:a']);
      // The walk's end, the walk, the text's parts counted in it, on SQLite the rows the index
      // finds for the rarest, then the page.
      expect(asked).toHaveLength(config.kind === 'sqlite' ? 5 : 4);
      const query = asked.at(-1)!;
      let plan: string;
      if (config.kind === 'sqlite') {
        const { DatabaseSync } = await import('node:sqlite');
        const raw = new DatabaseSync(config.path, { readOnly: true });
        raw.function('jobgraph_deadline', { deterministic: false }, () => 1);
        plan = raw
          .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
          .all(...(query.parameters as string[]))
          .map((r) => String(r.detail))
          .join('\n');
        raw.close();
        expect(plan).toMatch(/SCAN jobs_text VIRTUAL TABLE INDEX/);
      } else if (config.kind === 'postgres') {
        // A table this small is read whole, or down a time index, unless those are ruled out
        // (the time indexes dropped in a transaction rolled back): the plan then says whether the
        // trigram index can serve the search at all.
        plan = '';
        const rolledBack = new Error('rolled back');
        await db.db
          .transaction()
          .execute(async (tx) => {
            await sql`SET LOCAL enable_seqscan = off`.execute(tx);
            await sql`SET LOCAL enable_indexscan = off`.execute(tx);
            await sql`DROP INDEX jobs_by_time, jobs_by_account_time`.execute(tx);
            const rows = await tx.executeQuery<{ 'QUERY PLAN': string }>({
              ...query,
              sql: `EXPLAIN ${query.sql}`,
            });
            plan = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
            throw rolledBack;
          })
          .catch((e: unknown) => {
            if (e !== rolledBack) throw e;
          });
        expect(plan).toMatch(/Bitmap Index Scan on jobs_text_trgm/);
      }
    },
  );

  it.skipIf(skip)(
    'pages by keyset: no row repeated or skipped while rows are written between pages',
    async () => {
      const { writer, reader } = await started({ maxQueue: 1000 });
      const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      for (let i = 0; i < 30; i++)
        writer.record(change(job(`batch:us-east-1:j${i}`, { createdAt: at(i) })));
      await writer.flush();
      const seen = await everyPage(reader, {}, 7, async (page) => {
        // Newer jobs land while the caller pages: they sort before the cursor, so never appear.
        writer.record(change(job(`batch:us-east-1:new${page}`, { createdAt: at(100 + page) })));
        await writer.flush();
      });
      expect(seen).toEqual([...Array(30).keys()].reverse().map((i) => `batch:us-east-1:j${i}`));
      await writer.close();
    },
  );

  it.skipIf(skip)(
    'pages jobs of one time in the order they were first stored (seq), none repeated or skipped',
    async () => {
      const { writer, reader } = await started({ maxQueue: 1000 });
      const same = '2026-01-01T00:00:00.000Z';
      // Stored in this order, IDs not in it: the tie is broken by seq, not by ID.
      const order = ['m', 'c', 'x', 'a', 'q', 'b', 'z', 'd', 'k', 'e'].map(
        (s) => `batch:us-east-1:${s}`,
      );
      for (const id of order) {
        writer.record(change(job(id, { createdAt: same })));
        await writer.flush();
      }
      expect(await everyPage(reader, { providers: ['AWS_BATCH'] }, 3)).toEqual(
        [...order].reverse(),
      );
      await writer.close();
    },
  );

  it.skipIf(skip)(
    "carries the account grant in the query: account B's token reads no row of A",
    async () => {
      const { db, writer, reader } = await started();
      writer.record(change(job('batch:us-east-1:ofA'), { account: 'a' }));
      writer.record(change(job('batch:us-east-1:ofB'), { account: 'b' }));
      await writer.flush();
      const onlyB = [{ provider: 'AWS_BATCH' as const, account: 'b' }];
      // The SQL the reader sends: the grant's pair is a parameter of its WHERE clause.
      const sent: { sql: string; parameters: readonly unknown[] }[] = [];
      const executor = db.db.getExecutor();
      const capture: KyselyPlugin = {
        transformQuery: (args) => {
          sent.push(executor.compileQuery(args.node, args.queryId));
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const watched = new HistoryReader({ ...db, db: db.db.withPlugin(capture) });
      await watched.search({}, 10, null, onlyB);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.sql).toMatch(/where .*"account" = /i);
      expect(sent[0]!.parameters).toContain('b');
      expect(sent[0]!.parameters).not.toContain('a');
      expect((await reader.search({}, 10, null, onlyB)).edges.map((e) => e.node.id)).toEqual([
        'batch:us-east-1:ofB',
      ]);
      expect(await reader.latest('batch:us-east-1:ofA', onlyB)).toBeNull();
      expect(await reader.transitions('batch:us-east-1:ofA', onlyB)).toEqual([]);
      expect((await reader.search({}, 10, null, [])).edges).toEqual([]);
      await writer.close();
    },
  );
});
