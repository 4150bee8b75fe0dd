// jobHistory's `text` answers what it answered, faster on a big store (issue 88 item 1): the newest
// jobs compared as they are read first, an index only for the jobs below them, asked for the
// text's rarest word start or trigrams. Every page and cursor equals the answer of the text's
// definition (one query comparing every row: name, queue or status message holding the text,
// ignoring ASCII case), on a real SQLite file and a real PostgreSQL server, whichever way each
// page was found.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { HistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import {
  closedAfterEach,
  historyBatchRecord,
  historyStores,
  readChange,
  recordingSearches,
} from '../support/historyStores.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

/**
 * 120 jobs: names `nightly-etl-<i % 40>` (so `etl-1` is in 11 of 40 names, `etl-39` in one),
 * queues `queue-<i % 4>`, every seventh with a status message `Exit code 137 (OOM_killed)`, three
 * jobs a minute (ties of time broken by seq).
 */
const JOBS = Array.from({ length: 120 }, (_, i) =>
  historyBatchRecord(`batch:us-east-1:j${i}`, 'RUNNING', {
    nativeId: `j${i}`,
    statusMessage: i % 7 === 0 ? 'Exit code 137 (OOM_killed)' : null,
    jobName: i % 9 === 0 ? `Nightly-ETL-${i % 40}` : `nightly-etl-${i % 40}`,
    jobQueue: `queue-${i % 4}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 3))).toISOString(),
  }),
);

/**
 * Texts common and rare, with ASCII case, `_`, `%`, spaces, and shorter than three characters;
 * rare as a whole but made of common trigrams and word starts (`queue-33`: queue `queue-3` and
 * name `…-etl-33` of three jobs, in two texts); starting with a separator, in a word (`l-39`), or
 * at a word's start; a word start that is a longer word's start (`13…` of `137`).
 */
const TEXTS = [
  'etl-1',
  'ETL-39',
  'etl-399',
  'queue-33',
  'QUEUE-3',
  '-etl-2',
  '7 (oom_K',
  'l-39',
  'code 13',
  '(OOM_killed)',
  'y-ETL-3',
  'nightly',
  'queue-3',
  'oom_killed',
  'code 137',
  '_k',
  'e-',
  '%',
  'zzqx',
];

const cursorOf = (sortAt: string, seq: number) =>
  Buffer.from(JSON.stringify([sortAt, seq])).toString('base64url');

describe.each(historyStores())('A text search on a $name', ({ skip, fresh }) => {
  const opened = closedAfterEach();

  /** A store of JOBS, and every search statement a reader hands it. */
  async function stored() {
    const db = await opened(fresh());
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets, maxQueue: 1000 });
    for (const record of JOBS) writer.record(readChange(record));
    await writer.close();
    return { db, ...recordingSearches(db) };
  }

  /** The text's definition: every row compared, newest first, as [id, cursor]. */
  async function defined(db: HistoryDatabase, text: string): Promise<[string, string][]> {
    const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await sql<{ id: string; sort_at: string; seq: number }>`
      SELECT id, sort_at, seq FROM jobs
      WHERE lower(name) LIKE ${like} ESCAPE '\\' OR lower(queue) LIKE ${like} ESCAPE '\\'
        OR lower(status_message) LIKE ${like} ESCAPE '\\'
      ORDER BY sort_at DESC, seq DESC`.execute(db.db);
    return rows.rows.map((r) => [r.id, cursorOf(r.sort_at, Number(r.seq))]);
  }

  /** Every page of `text`, `size` a page, as [id, cursor]. */
  async function pages(reader: HistoryReader, text: string, size: number) {
    const seen: [string, string][] = [];
    let after: string | null = null;
    for (;;) {
      const page = await reader.search({ text }, size, after, '*');
      seen.push(...page.edges.map((e): [string, string] => [e.node.id, e.cursor]));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) return seen;
      after = page.pageInfo.endCursor;
    }
  }

  it.skipIf(skip)(
    'answers every page and cursor of the definition, the walk and the index alike',
    async () => {
      const { db, store } = await stored();
      // Walks of one job to all of them; the index's rows each looked up (1000) or the time index
      // read down (0) on SQLite; on PostgreSQL the index asked within a window of the time order
      // first, one too short for most pages (0.2), the default (3), or none (0).
      for (const walkRows of [1, 7, 5000])
        for (const [lookedUp, windowSpare] of [
          [0, 0.2],
          [1000, 3],
          [1000, 0],
        ] as const)
          for (const size of [2, 25])
            for (const text of TEXTS) {
              const reader = new HistoryReader(store, undefined, {
                walkRows,
                lookedUp,
                windowSpare,
              });
              expect([
                walkRows,
                lookedUp,
                windowSpare,
                size,
                text,
                await pages(reader, text, size),
              ]).toEqual([walkRows, lookedUp, windowSpare, size, text, await defined(db, text)]);
            }
    },
  );

  it.skipIf(skip)(
    "fills a common text's page from the newest jobs, without asking the trigram index",
    async () => {
      const { store, asked } = await stored();
      const page = await new HistoryReader(store, undefined, { walkRows: 30 }).search(
        { text: 'etl-1' },
        5,
        null,
        '*',
      );
      expect(page.edges).toHaveLength(5);
      // The walk's end, then the walk, which stops at the page's sixth job: none reads an index,
      // none counts the text's parts among the walk's 30 jobs.
      expect(asked).toHaveLength(2);
      expect(asked[1]!.parameters.at(-1)).toBe(6);
      const all = asked.map((q) => q.sql).join('\n');
      expect(all).not.toMatch(/jobs_text|jobs_words|@@/);
      expect(all).not.toMatch(/(instr|strpos)\(t,/);
    },
  );

  /**
   * The first page of `text` (`size` jobs) with a walk of 30 jobs and a window of `windowSpare`
   * (none unless given), the statements it asked.
   */
  /**
   * The statements asked: five on SQLite (its index's rows counted), four on PostgreSQL, the last
   * one's SQL matching the dialect's pattern and its parameters holding the dialect's value.
   */
  function expectLast(
    dialect: string,
    asked: { sql: string; parameters: readonly unknown[] }[],
    sqlite: [RegExp, string],
    postgres: [RegExp, string?],
  ) {
    const [sql, parameter] = dialect === 'sqlite' ? sqlite : postgres;
    expect(asked).toHaveLength(dialect === 'sqlite' ? 5 : 4);
    expect(asked.at(-1)!.sql).toMatch(sql);
    if (parameter !== undefined) expect(asked.at(-1)!.parameters).toContain(parameter);
  }

  async function firstPage(text: string, size: number, windowSpare = 0) {
    const { db, store, asked } = await stored();
    const page = await new HistoryReader(store, undefined, { walkRows: 30, windowSpare }).search(
      { text },
      size,
      null,
      '*',
    );
    expect(page.edges.map((e) => e.node.id)).toEqual(
      (await defined(db, text)).slice(0, size).map(([id]) => id),
    );
    return { dialect: db.dialect.name, asked };
  }

  it.skipIf(skip)(
    'asks the index for the rows below the walk only, by the rarest trigrams on SQLite',
    async () => {
      const { dialect, asked } = await firstPage('killed', 25);
      // The walk's end, the walk, the text's parts counted in it, (SQLite) the index's rows
      // counted, the page.
      expect(asked[2]!.sql).toMatch(/(instr|strpos)\(t,/);
      // Each trigram is in the same jobs' texts: the first two are asked.
      expectLast(dialect, asked, [/jobs_text MATCH/, '"kil" AND "ill"'], [/LIKE/]);
    },
  );

  it.skipIf(skip)(
    'asks the word index for a word start of the text when no trigram is rarer in the walk',
    async () => {
      // Every trigram of `queue-33` is in three jobs' texts that do not hold it; `33…` starts a
      // word in those three alone.
      const { dialect, asked } = await firstPage('queue-33', 5);
      const last = asked.at(-1)!;
      expect(last.sql).not.toMatch(/jobs_text|LIKE/);
      expectLast(dialect, asked, [/jobs_words MATCH/, '"33" *'], [/@@/, "'33':*"]);
    },
  );

  it.skipIf(skip)(
    'asks the index within a window of the time order below the walk first, then below the window (PostgreSQL)',
    async () => {
      // `killed`: every seventh job, 5 of the walk's 30 (ten minutes). A window of 3 times the 6
      // jobs a page of 10 still needs at that share (35 minutes) holds them.
      const wide = await firstPage('killed', 10, 3);
      // A window of a fifth of them (2 minutes) is too short: the jobs below it are asked for too.
      const short = await firstPage('killed', 10, 0.2);
      const windowed = (q: { sql: string }) =>
        /"sort_at" >= \$\d+/.test(q.sql) && /LIKE/.test(q.sql);
      if (wide.dialect === 'sqlite') {
        expect([wide.asked, short.asked].map((a) => a.length)).toEqual([5, 5]);
        expect([...wide.asked, ...short.asked].some(windowed)).toBe(false);
        return;
      }
      // The walk's end, the walk, the parts counted, the newest job's time, the window (, below).
      expect(wide.asked).toHaveLength(5);
      expect(windowed(wide.asked[4]!)).toBe(true);
      // In a subquery the planner keeps whole, the order's bounds outside it.
      expect(wide.asked[4]!.sql).toMatch(
        /^select .* from \(select .* offset \$\d+\) as "jobs" where/,
      );
      expect(short.asked).toHaveLength(6);
      expect(windowed(short.asked[4]!)).toBe(true);
      expect(windowed(short.asked[5]!)).toBe(false);
      expect(short.asked[5]!.sql).toMatch(/LIKE/);
    },
  );

  it.skipIf(skip)(
    'reads the time index down past the walk when the index finds many rows holding the text (SQLite)',
    async () => {
      const { db, store, asked } = await stored();
      const reader = new HistoryReader(store, undefined, { walkRows: 4, lookedUp: 2 });
      const page = await reader.search({ text: 'queue-3' }, 5, null, '*');
      expect(page.edges.map((e) => e.node.id)).toEqual(
        (await defined(db, 'queue-3')).slice(0, 5).map(([id]) => id),
      );
      // Found by seq among the index's rows (`+seq IN`), not looked up by it, on SQLite.
      expect(asked.at(-1)!.sql.includes('+"seq" IN') || asked.at(-1)!.sql.includes('+seq IN')).toBe(
        db.dialect.name === 'sqlite',
      );
    },
  );

  it.skipIf(skip)(
    'falls back to comparing every row for a text of fewer than three characters',
    async () => {
      const { db, store, asked } = await stored();
      const reader = new HistoryReader(store, undefined, { walkRows: 30 });
      expect(await pages(reader, 'e-', 10)).toEqual(await defined(db, 'e-'));
      expect(asked.map((q) => q.sql).join('\n')).not.toMatch(/jobs_text/);
    },
  );
});
