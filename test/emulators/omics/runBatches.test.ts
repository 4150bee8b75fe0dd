import {
  CancelRunBatchCommand,
  GetBatchCommand,
  GetRunCommand,
  ListBatchCommand,
  ListRunsInBatchCommand,
  paginateListRunsInBatch,
} from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import {
  OMICS_DEMO_BATCH_ID,
  OMICS_DEMO_BATCH_RUNS,
  OMICS_DEMO_BATCH_RUN_GROUP_ID,
  OMICS_FAILED_BATCH_ID,
  omicsDemoBatchesAt,
} from '@jobgraph/emulators/omics/runBatchData';
import { useOmicsHarness } from './omicsHarness.ts';
import { LIST_START } from '../listHarness.ts';

const { harness, sdk, withEvents, cli } = useOmicsHarness();

// The demo batches as an emulator started at the harness's clock serves them (moved to its start).
const served = omicsDemoBatchesAt(LIST_START);
const cohort = served.find((b) => b.id === OMICS_DEMO_BATCH_ID)!;
const failedBatch = served.find((b) => b.id === OMICS_FAILED_BATCH_ID)!;
const count = (status: string) => OMICS_DEMO_BATCH_RUNS.filter((r) => r.status === status).length;

describe('The HealthOmics emulator’s run batches, read by @aws-sdk/client-omics', () => {
  it('answers GetBatch with every field, its run summary counted from its runs', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const out = await sdk(emu).send(new GetBatchCommand({ batchId: cohort.id }));
    for (const field of ['id', 'arn', 'uuid', 'name', 'status', 'totalRuns'] as const)
      expect(out[field], field).toBe(cohort[field]);
    expect(out.status).toBe('INPROGRESS');
    expect(out.tags).toEqual(cohort.tags);
    expect(out.defaultRunSetting).toEqual(cohort.defaultRunSetting);
    expect(Object.keys(out.defaultRunSetting!).sort()).toHaveLength(20);
    expect(out.submissionSummary).toEqual({
      successfulStartSubmissionCount: 5,
      failedStartSubmissionCount: 1,
      pendingStartSubmissionCount: 0,
      successfulCancelSubmissionCount: 0,
      failedCancelSubmissionCount: 0,
      successfulDeleteSubmissionCount: 0,
      failedDeleteSubmissionCount: 0,
    });
    expect(out.runSummary).toEqual({
      pendingRunCount: 0,
      startingRunCount: 0,
      runningRunCount: 1,
      stoppingRunCount: 0,
      completedRunCount: 3,
      deletedRunCount: 0,
      failedRunCount: 1,
      cancelledRunCount: 0,
    });
    expect(out.creationTime?.toISOString()).toBe(cohort.creationTime);
    expect(out.submittedTime?.toISOString()).toBe(cohort.submittedTime);
    expect(out.processedTime).toBeUndefined();
    expect(out.failedTime).toBeUndefined();
    expect(out.failureReason).toBeUndefined();
    const failed = await sdk(emu).send(new GetBatchCommand({ batchId: failedBatch.id }));
    expect(failed.status).toBe('FAILED');
    expect(failed.failedTime?.toISOString()).toBe(failedBatch.failedTime);
    expect(failed.failureReason).toBe(failedBatch.failureReason);
    expect(failed.totalRuns).toBe(0);
    await expect(sdk(emu).send(new GetBatchCommand({ batchId: '9999999' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    }); // The demo batches are the default account's in us-east-1 only.
    const west = sdk(emu, 'us-west-2');
    await expect(west.send(new GetBatchCommand({ batchId: cohort.id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await west.send(new ListBatchCommand({}))).items).toEqual([]);
  });

  it('lists a batch’s runs page by page, each run setting to its run, filtered as modelled', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const client = sdk(emu);
    const pages = [];
    for await (const page of paginateListRunsInBatch(
      { client, pageSize: 2 },
      { batchId: cohort.id },
    ))
      pages.push(page.runs ?? []);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const runs = pages.flat();
    expect(runs.map((r) => r.runSettingId)).toEqual(cohort.runSettings.map((s) => s.runSettingId));
    for (const [i, run] of OMICS_DEMO_BATCH_RUNS.entries()) {
      expect(runs[i]).toEqual({
        runSettingId: `sample-10${i + 1}`,
        runId: run.id,
        runInternalUuid: run.uuid,
        runArn: run.arn,
        submissionStatus: 'SUCCESS',
      });
      const got = await client.send(new GetRunCommand({ id: run.id }));
      expect([got.batchId, got.status, got.runGroupId]).toEqual([
        cohort.id,
        run.status,
        OMICS_DEMO_BATCH_RUN_GROUP_ID,
      ]);
    }
    const failedRun = await client.send(
      new GetRunCommand({ id: OMICS_DEMO_BATCH_RUNS.find((r) => r.status === 'FAILED')!.id }),
    );
    expect(failedRun.failureReason).toBe('CANNOT_START_CONTAINER_ERROR');
    const rejected = await client.send(
      new ListRunsInBatchCommand({ batchId: cohort.id, submissionStatus: 'FAILED' }),
    );
    expect(rejected.runs).toEqual([
      {
        runSettingId: 'sample-106',
        submissionStatus: 'FAILED',
        submissionFailureReason: 'ValidationException',
        submissionFailureMessage: cohort.runSettings[5]!.submissionFailureMessage,
      },
    ]);
    const bySetting = await client.send(
      new ListRunsInBatchCommand({ batchId: cohort.id, runSettingId: 'sample-103' }),
    );
    expect(bySetting.runs?.map((r) => r.runId)).toEqual([OMICS_DEMO_BATCH_RUNS[2]!.id]);
    const byRun = await client.send(
      new ListRunsInBatchCommand({ batchId: cohort.id, runId: OMICS_DEMO_BATCH_RUNS[4]!.id }),
    );
    expect(byRun.runs?.map((r) => r.runSettingId)).toEqual(['sample-105']);
    await expect(
      client.send(new ListRunsInBatchCommand({ batchId: cohort.id, maxItems: 101 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('lists batches newest first, page by page, by status, name and run group', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const client = sdk(emu);
    const first = await client.send(new ListBatchCommand({ maxItems: 1 }));
    expect(first.items).toEqual([
      {
        id: failedBatch.id,
        name: failedBatch.name,
        status: 'FAILED',
        createdAt: new Date(failedBatch.creationTime),
        totalRuns: 0,
        workflowId: failedBatch.defaultRunSetting.workflowId,
      },
    ]);
    expect(first.nextToken).toBeTruthy();
    const second = await client.send(
      new ListBatchCommand({ maxItems: 1, startingToken: first.nextToken! }),
    );
    expect(second.items?.map((b) => [b.id, b.status, b.totalRuns])).toEqual([
      [cohort.id, 'INPROGRESS', 6],
    ]);
    expect(second.nextToken).toBeUndefined();
    const byStatus = await client.send(new ListBatchCommand({ status: 'INPROGRESS' }));
    expect(byStatus.items?.map((b) => b.id)).toEqual([cohort.id]);
    const byName = await client.send(new ListBatchCommand({ name: failedBatch.name }));
    expect(byName.items?.map((b) => b.id)).toEqual([failedBatch.id]);
    const byGroup = await client.send(
      new ListBatchCommand({ runGroupId: OMICS_DEMO_BATCH_RUN_GROUP_ID }),
    );
    expect(byGroup.items).toHaveLength(2);
    const none = await client.send(new ListBatchCommand({ runGroupId: '1' }));
    expect(none.items).toEqual([]);
  });

  it('cancels a batch in progress: its running run and task cancelled with their events, the finished ones kept; a finished batch is a conflict', async () => {
    const { emu, events } = await withEvents();
    const client = sdk(emu);
    await client.send(new CancelRunBatchCommand({ batchId: cohort.id }));
    const running = OMICS_DEMO_BATCH_RUNS.find((r) => r.status === 'RUNNING')!;
    const runningTasks = running.tasks.filter((t) => t.status === 'RUNNING');
    expect(events.map((e) => [e['detail-type'], e.detail.arn, e.detail.status])).toEqual([
      ...runningTasks.map((t) => [
        'Task Status Change',
        `arn:aws:omics:us-east-1:123456789012:task/${t.taskId}`,
        'CANCELLED',
      ]),
      ['Run Status Change', running.arn, 'CANCELLED'],
    ]);
    const after = await client.send(new GetBatchCommand({ batchId: cohort.id }));
    expect(after.status).toBe('CANCELLED');
    expect(after.runSummary).toMatchObject({
      runningRunCount: 0,
      cancelledRunCount: 1,
      completedRunCount: count('COMPLETED'),
      failedRunCount: count('FAILED'),
    });
    expect(after.submissionSummary?.successfulCancelSubmissionCount).toBe(1);
    const run = await client.send(new GetRunCommand({ id: running.id }));
    expect(run.status).toBe('CANCELLED');
    expect(run.stopTime?.getTime()).toBe(harness.now);
    const cancelled = await client.send(
      new ListRunsInBatchCommand({ batchId: cohort.id, submissionStatus: 'CANCEL_SUCCESS' }),
    );
    expect(cancelled.runs?.map((r) => r.runId)).toEqual([running.id]);
    for (const batchId of [cohort.id, failedBatch.id])
      await expect(client.send(new CancelRunBatchCommand({ batchId }))).rejects.toMatchObject({
        name: 'ConflictException',
        message: expect.stringContaining(
          'Cancel is only allowed on batches in PENDING, SUBMITTING, or INPROGRESS state.',
        ),
      });
    expect(events).toHaveLength(runningTasks.length + 1);
    await expect(
      client.send(new CancelRunBatchCommand({ batchId: '9999999' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers the AWS CLI’s get-batch, list-runs-in-batch, list-batch and cancel-run-batch as the SDK does', async () => {
    const omics = await cli();
    const got = await omics(['get-batch', '--batch-id', cohort.id]);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toMatchObject({
      id: cohort.id,
      uuid: cohort.uuid,
      status: 'INPROGRESS',
      totalRuns: 6,
      defaultRunSetting: cohort.defaultRunSetting,
      submissionSummary: cohort.submissionSummary,
      runSummary: { completedRunCount: 3, failedRunCount: 1, runningRunCount: 1 },
    });
    const listed = await omics(['list-runs-in-batch', '--batch-id', cohort.id]);
    const runs = (JSON.parse(listed.stdout) as { runs: { runSettingId: string }[] }).runs;
    expect(runs.map((r) => r.runSettingId)).toEqual(cohort.runSettings.map((s) => s.runSettingId));
    const batches = await omics(['list-batch']);
    const items = (JSON.parse(batches.stdout) as { items: { id: string }[] }).items;
    expect(items.map((b) => b.id)).toEqual([failedBatch.id, cohort.id]);
    const cancel = await omics(['cancel-run-batch', '--batch-id', cohort.id]);
    expect([cancel.code, cancel.stderr]).toEqual([0, '']);
    const after = await omics(['get-batch', '--batch-id', cohort.id]);
    expect(JSON.parse(after.stdout)).toMatchObject({
      status: 'CANCELLED',
      runSummary: { runningRunCount: 0, cancelledRunCount: 1 },
    });
    const again = await omics(['cancel-run-batch', '--batch-id', cohort.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('ConflictException');
  });
});
