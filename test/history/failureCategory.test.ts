import { describe, expect, it } from 'vitest';
import { parse } from '../../src/datasources/batch/parse.ts';
import { factsOf, failureOf } from '../../src/datasources/registry.ts';
import { BATCH_JOB_IDS, batchDemoJobs } from '@jobgraph/emulators/batch/data';
import { HistoryReader } from '../../src/history/reader.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { closedAfterEach, historyStores, readChange } from '../support/historyStores.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';

// A job's failure category in the history store (issue 101, item 1): the writer stores each job's
// `Job.failure.category` from its provider's rules, and `failureCategories` filters on it, on
// both stores.

const { listed } = batchDemoJobs(Date.parse('2026-11-27T12:00:00Z'));
const recordOf = (jobId: string) =>
  parse(
    { provider: 'AWS_BATCH', region: 'us-east-1', jobId },
    { jobs: [listed.find((j) => j.jobId === jobId)] },
  );
const FAILED = [
  BATCH_JOB_IDS.failed,
  BATCH_JOB_IDS.outOfMemory,
  BATCH_JOB_IDS.spotReclaimed,
  BATCH_JOB_IDS.imagePull,
  BATCH_JOB_IDS.cancelled,
];

describe.each(historyStores())(
  'Failure categories in the history on a $name',
  ({ skip, fresh }) => {
    const opened = closedAfterEach();

    it.skipIf(skip)('are stored as each job is written, and filter the search', async () => {
      const db = await opened(fresh());
      const writer = new HistoryWriter(db, {
        factsOf,
        withoutSecrets,
        failureCategoryOf: (record) => failureOf(record)?.category ?? null,
      });
      for (const jobId of [...FAILED, BATCH_JOB_IDS.succeeded])
        writer.record(readChange(recordOf(jobId)));
      await writer.close();
      const stored = await db.db
        .selectFrom('jobs')
        .select(['id', 'failure_category'])
        .orderBy('id')
        .execute();
      const byNative = Object.fromEntries(
        stored.map((r) => [r.id.split(':').at(-1), r.failure_category]),
      );
      expect(byNative).toEqual({
        [BATCH_JOB_IDS.failed]: 'USER_CODE',
        [BATCH_JOB_IDS.outOfMemory]: 'OUT_OF_MEMORY',
        [BATCH_JOB_IDS.spotReclaimed]: 'SPOT_RECLAIMED',
        [BATCH_JOB_IDS.imagePull]: 'IMAGE_PULL',
        [BATCH_JOB_IDS.cancelled]: 'CANCELLED',
        [BATCH_JOB_IDS.succeeded]: null,
      });
      const reader = new HistoryReader(db);
      const found = async (categories: string[]) =>
        (await reader.search({ failureCategories: categories }, 10, null, '*')).edges
          .map((e) => e.node.id.split(':').at(-1))
          .sort();
      expect(await found(['OUT_OF_MEMORY', 'SPOT_RECLAIMED'])).toEqual(
        [BATCH_JOB_IDS.outOfMemory, BATCH_JOB_IDS.spotReclaimed].sort(),
      );
      expect(await found(['TIMEOUT'])).toEqual([]);
      expect(await found([])).toHaveLength(FAILED.length + 1);

      // The summary counts the same rows by state and category, under the grant in its SQL.
      expect(await reader.summary({}, '*')).toEqual({
        jobs: FAILED.length + 1,
        // AWS Batch says FAILED of a cancelled job too: its category tells it apart.
        byState: [
          { state: 'FAILED', jobs: FAILED.length },
          { state: 'SUCCEEDED', jobs: 1 },
        ],
        byFailureCategory: [
          { category: 'CANCELLED', jobs: 1 },
          { category: 'IMAGE_PULL', jobs: 1 },
          { category: 'OUT_OF_MEMORY', jobs: 1 },
          { category: 'SPOT_RECLAIMED', jobs: 1 },
          { category: 'USER_CODE', jobs: 1 },
        ],
      });
      expect(
        await reader.summary({ failureCategories: ['OUT_OF_MEMORY', 'USER_CODE'] }, '*'),
      ).toMatchObject({ jobs: 2, byState: [{ state: 'FAILED', jobs: 2 }] });
      expect(await reader.summary({ text: 'zzz-no-such-job' }, '*')).toEqual({
        jobs: 0,
        byState: [],
        byFailureCategory: [],
      });
      expect(
        await reader.summary({}, [{ provider: 'AWS_BATCH', account: 'staging' }]),
      ).toMatchObject({ jobs: 0 });
    });
  },
);
