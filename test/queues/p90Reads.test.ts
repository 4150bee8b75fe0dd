// A queue's p90 waits are read once a request, not once a waiting job (docs/queues.md, "Why a job
// waits"), through the real gateway on the AWS Batch emulator with its SQLite history: 100 jobs
// submitted to one queue with @aws-sdk/client-batch, each one's `waiting` asked in one request (`jobs(ids:)`),
// and the history reads of the queue's transitions counted on the history reader the gateway
// was given (its Kysely `selectFrom`).
import { BatchClient, DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS, ETL_QUEUE } from '@jobgraph/emulators/batch/data';
import { demoSdkConfig } from '../support/sdkClients.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '0' });

let batch: BatchClient;
beforeAll(() => {
  batch = new BatchClient(demoSdkConfig(gw.emulators.batch.url));
});
afterAll(() => batch?.destroy());

/** The 100 jobs of one queue, submitted (waiting: SUBMITTED). */
async function submitted(n: number): Promise<string[]> {
  const template = (await batch.send(new DescribeJobsCommand({ jobs: [BATCH_JOB_IDS.failed] })))
    .jobs![0]!;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const out = await batch.send(
      new SubmitJobCommand({
        jobName: `waiting-${i}`,
        jobQueue: ETL_QUEUE.jobQueueName,
        jobDefinition: template.jobDefinition!,
      }),
    );
    ids.push(`batch:us-east-1:${out.jobId!}`);
  }
  return ids;
}

describe('Job.waiting on a page of waiting jobs', () => {
  it("reads the queue's p90 waits from the history once for 100 waiting jobs of one queue", async () => {
    const ids = await submitted(100);
    const token = await accountToken(gw, undefined);
    const reader = gw.history!.database.db;
    const selects = vi.spyOn(reader, 'selectFrom');
    try {
      const res = await gql<{ jobs: { state: string; waiting: object | null }[] }>(
        gw,
        `query($ids: [ID!]!) { jobs(ids: $ids) { id state waiting { since reasons { code } } } }`,
        { token, variables: { ids } },
      );
      expect(res.body.errors).toBeUndefined();
      const { jobs } = res.body.data!;
      expect(jobs).toHaveLength(100);
      for (const job of jobs) expect(job).toMatchObject({ state: 'QUEUED', waiting: {} });
      // The queue's stays (history/queueWaits.ts): one read for the whole page.
      const stays = selects.mock.calls.filter(([from]) => from === 'transitions as t');
      expect(stays).toHaveLength(1);
    } finally {
      selects.mockRestore();
    }
  });
});
