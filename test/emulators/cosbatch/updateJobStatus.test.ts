import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DEMO_JOB_IDS, ERROR_CASE_JOB_IDS } from '@jobgraph/emulators/cosbatch/data';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import { cosListedJobs } from '@jobgraph/emulators/cosbatch/listData';
import { COS_CANCEL_SETTLE_MS } from '@jobgraph/emulators/cosbatch/updateJobStatus';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import { signedCos } from '../listClient.ts';
import { LIST_START, useListHarness } from '../listHarness.ts';

/**
 * COS Batch's UpdateJobStatus, each request signed by the official COS Node SDK's signer
 * (`COS.getAuthorization`, through `signedCos`; the SDK has no batch call of its own): what a
 * cancel answers, what DescribeJob and ListJobs show afterwards, and the documented refusals.
 */
const harness = useListHarness();
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'member' });

async function update(
  emu: RunningEmulator,
  jobId: string,
  query: Record<string, string>,
): Promise<{ status: number; doc: Record<string, Record<string, string>> }> {
  const res = await signedCos(emu, `/jobs/${jobId}/status`, query, { method: 'POST' });
  return { status: res.status, doc: xml.parse(res.body) as Record<string, Record<string, string>> };
}

async function describeJob(emu: RunningEmulator, jobId: string): Promise<Record<string, string>> {
  const res = await signedCos(emu, `/jobs/${jobId}`);
  expect(res.status).toBe(200);
  const doc = xml.parse(res.body) as { DescribeJobResult: { Job: Record<string, string> } };
  return doc.DescribeJobResult.Job;
}

async function listed(emu: RunningEmulator, jobStatuses: string): Promise<string[]> {
  const res = await signedCos(emu, '/jobs', { jobStatuses });
  const doc = xml.parse(res.body) as {
    ListJobsResult: { Jobs: { member?: { JobId: string }[] } | '' };
  };
  const jobs = doc.ListJobsResult.Jobs;
  return jobs === '' ? [] : (jobs.member ?? []).map((m) => m.JobId);
}

describe('COS Batch emulator: UpdateJobStatus', () => {
  it('cancels an Active job: Cancelling, then Cancelled with the reason; a second cancel is refused', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const reason = 'Wrong target bucket';
    const first = await update(emu, DEMO_JOB_IDS.activeRestore, {
      requestedJobStatus: 'Cancelled',
      statusUpdateReason: reason,
    });
    expect(first.status).toBe(200);
    expect(first.doc.UpdateJobStatusResult).toEqual({
      JobId: DEMO_JOB_IDS.activeRestore,
      Status: 'Cancelling',
      StatusUpdateReason: reason,
    });
    expect(await describeJob(emu, DEMO_JOB_IDS.activeRestore)).toMatchObject({
      Status: 'Cancelling',
      StatusUpdateReason: reason,
    });
    harness.now = LIST_START + COS_CANCEL_SETTLE_MS;
    const after = await describeJob(emu, DEMO_JOB_IDS.activeRestore);
    expect(after).toMatchObject({ Status: 'Cancelled', StatusUpdateReason: reason });
    expect(after.TerminationDate).toBe(new Date(harness.now).toISOString().replace('.000Z', 'Z'));

    const again = await update(emu, DEMO_JOB_IDS.activeRestore, {
      requestedJobStatus: 'Cancelled',
    });
    expect(again.status).toBe(400);
    expect(again.doc.Error).toMatchObject({
      Code: 'InvalidRequest',
      Message: 'The specified job has already been completed',
    });
    expect(emu.calls.map((c) => [c.operation, c.status]).slice(0, 1)).toEqual([
      [`UpdateJobStatus ${DEMO_JOB_IDS.activeRestore} Cancelled`, 200],
    ]);
  });

  it('refuses finished jobs, bad parameters and unknown jobs as documented', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    for (const jobId of [DEMO_JOB_IDS.completeCopy, DEMO_JOB_IDS.failed, DEMO_JOB_IDS.cancelled]) {
      const res = await update(emu, jobId, { requestedJobStatus: 'Cancelled' });
      expect([res.status, res.doc.Error?.Code]).toEqual([400, 'InvalidRequest']);
    }
    const bad = await update(emu, DEMO_JOB_IDS.paused, { requestedJobStatus: 'Paused' });
    expect(bad.status).toBe(400);
    expect(bad.doc.Error).toMatchObject({
      Code: 'InvalidArgument',
      Message: 'The value of the requestedJobStatus parameter must be Cancelled or Ready',
    });
    const long = await update(emu, DEMO_JOB_IDS.paused, {
      requestedJobStatus: 'Cancelled',
      statusUpdateReason: 'é'.repeat(129), // 258 bytes
    });
    expect([long.status, long.doc.Error?.Code]).toEqual([400, 'InvalidArgument']);
    const readyOfActive = await update(emu, DEMO_JOB_IDS.activeRestore, {
      requestedJobStatus: 'Ready',
    });
    expect(readyOfActive.doc.Error).toMatchObject({
      Code: 'InvalidRequest',
      Message: 'Error with the job status change',
    });
    const unknown = await update(emu, ERROR_CASE_JOB_IDS.notFound, {
      requestedJobStatus: 'Cancelled',
    });
    expect([unknown.status, unknown.doc.Error?.Code]).toEqual([404, 'NoSuchJob']);
    const other = await update(emu, '0badc0de-0000-4000-8000-000000000000', {
      requestedJobStatus: 'Cancelled',
    });
    expect([other.status, other.doc.Error?.Code]).toEqual([404, 'NoSuchJob']);
    // Nothing moved.
    expect((await describeJob(emu, DEMO_JOB_IDS.paused)).Status).toBe('Paused');
  });

  it('confirms a Suspended job (Ready), then cancels it at once, keeping the reason', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const ready = await update(emu, DEMO_JOB_IDS.suspended, {
      requestedJobStatus: 'Ready',
      statusUpdateReason: 'Confirmed',
    });
    expect(ready.doc.UpdateJobStatusResult?.Status).toBe('Ready');
    const cancel = await update(emu, DEMO_JOB_IDS.suspended, { requestedJobStatus: 'Cancelled' });
    expect(cancel.doc.UpdateJobStatusResult).toMatchObject({
      Status: 'Cancelled',
      StatusUpdateReason: 'Confirmed',
    });
  });

  it('ListJobs filters and shows a cancelled listed job by its new status', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const active = cosListedJobs(LIST_START).find((j) => j.Status === 'Active')!.JobId as string;
    expect(await listed(emu, 'Active')).toContain(active);
    await update(emu, active, { requestedJobStatus: 'Cancelled', statusUpdateReason: 'stop' });
    expect(await listed(emu, 'Active')).not.toContain(active);
    expect(await listed(emu, 'Cancelling')).toContain(active);
    harness.now = LIST_START + COS_CANCEL_SETTLE_MS;
    expect(await listed(emu, 'Cancelled')).toContain(active);
  });
});
