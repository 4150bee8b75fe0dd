// The text index fed by the writer (issue 88 item 1, schema versions 11 and 12): on SQLite a
// batch's new jobs go into each FTS5 table (trigrams, words) in one statement, so a batch makes one
// segment of each where the insert trigger made one per upsert statement (256 rows at most: 600
// jobs were 6 segments); on both
// stores every job written is found by its text through the index, and a renamed job by its new
// text only.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import {
  closedAfterEach,
  historyBatchRecord,
  historyStores,
  readChange,
} from '../support/historyStores.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const job = (i: number, jobName = `nightly-etl-${i}`) =>
  historyBatchRecord(`batch:us-east-1:t${i}`, 'RUNNING', {
    nativeId: `t${i}`,
    jobName,
    jobQueue: `queue-${i % 4}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  });

describe.each(historyStores())(
  'The text index of a $name, fed by the writer',
  ({ skip, fresh }) => {
    const opened = closedAfterEach();

    it.skipIf(skip)(
      'indexes a batch of fresh jobs in one segment, each found by its text, a renamed one by its new text',
      async () => {
        const db = await opened(fresh());
        const segments = async (index: string) =>
          Number(
            (
              await sql<{
                n: number;
              }>`SELECT count(DISTINCT segid) AS n FROM ${sql.table(index)}`.execute(db.db)
            ).rows[0]!.n,
          );
        const writer = new HistoryWriter(db, { factsOf, withoutSecrets, maxQueue: 1000 });
        for (let i = 0; i < 600; i++) writer.record(readChange(job(i)));
        await writer.flush();
        // Its trigrams and (schema version 12) its words, one segment each.
        if (db.dialect.name === 'sqlite') {
          expect(await segments('jobs_text_idx')).toBe(1);
          expect(await segments('jobs_words_idx')).toBe(1);
        }

        // The index read for every job (walkRows 1: the newest job alone compared by the reader):
        // the word index, asked for `299…` (no part of the text is rarer in the walk).
        const reader = new HistoryReader(db, undefined, { walkRows: 1, lookedUp: 1000 });
        const found = async (text: string) =>
          (await reader.search({ text }, 25, null, '*')).edges.map((e) => e.node.id);
        for (const i of [0, 299, 598])
          expect(await found(`nightly-etl-${i}`)).toEqual([`batch:us-east-1:t${i}`]);

        writer.record(readChange(job(17, 'renamed-seventeen'), { at: '2026-01-01T00:00:02.000Z' }));
        writer.record(readChange(job(600)));
        await writer.close();
        expect(await found('nightly-etl-17')).not.toContain('batch:us-east-1:t17');
        expect(await found('nightly-etl-17')).toHaveLength(10); // 170…179
        expect(await found('renamed-sev')).toEqual(['batch:us-east-1:t17']);
        expect(await found('nightly-etl-600')).toEqual(['batch:us-east-1:t600']);
      },
    );
  },
);
