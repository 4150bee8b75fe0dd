import { beforeEach, describe, expect, it } from 'vitest';
import { CANCEL_JOB, TERMINATE_JOB } from '../../../src/datasources/batch/actions.ts';
import { updateJobStatusOperation } from '../../../src/datasources/cosbatch/actions.ts';
import { CANCEL_JOB as IE_CANCEL_JOB } from '../../../src/datasources/importexport/actions.ts';
import { isProviderSource } from '../../../src/datasources/listing/guardedCall.ts';
import type { ProviderSource } from '../../../src/datasources/shared/source.ts';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { DEMO_JOB_IDS } from '@jobgraph/emulators/cosbatch/data';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { UpstreamError } from '../../../src/errors.ts';
import type { JobProvider, JobRecord } from '../../../src/model/job.ts';
import type { BatchKey, CosBatchKey, ImportExportKey } from '../../../src/model/keys.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import { gql } from '../../support/gateway.ts';
import { useTestGateway } from '../../support/useTestGateway.ts';

/**
 * The operations that act on a job, on the real wire with the real signing, through each
 * provider's one pipeline (the gateway's own sources) against its emulator: what each call sends
 * (counted by the emulator), what the job becomes (read back through the gateway), and a refusal
 * read as the provider's UpstreamError with its code and request ID. No mutation yet: the
 * operations alone (issue #73).
 */
const gw = useTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '0' });
beforeEach(() => {
  for (const e of Object.values(gw.emulators)) if ('calls' in e) e.calls.length = 0;
});

function sourceOf(provider: JobProvider): Pick<ProviderSource<JobProvider, JobRecord>, 'call'> {
  const { source } = gw.sources[provider];
  if (!isProviderSource(source)) throw new Error(`${provider} has no call()`);
  return source;
}

const STATE = `query($id: ID!) { job(id: $id) { id state statusMessage } }`;
const jobOf = async (id: string) =>
  (await gql(gw, STATE, { variables: { id }, token: gw.tokens.read })).body.data?.job as {
    state: string;
    statusMessage: string | null;
  };

describe('AWS Batch CancelJob and TerminateJob', () => {
  it('CancelJob of a RUNNABLE job: one call, the job FAILED with the reason, a request ID', async () => {
    const id = batchGlobalId(BATCH_JOB_IDS.runnable);
    const key = parseGlobalId(id) as BatchKey;
    const answer = await sourceOf('AWS_BATCH').call(CANCEL_JOB, { key, reason: 'not needed' });
    expect(answer.requestId).toEqual(expect.any(String));
    expect(gw.emulators.batch.calls.map((c) => c.operation)).toEqual([`CancelJob ${key.jobId}`]);
    expect(await jobOf(id)).toMatchObject({ state: 'FAILED', statusMessage: 'not needed' });
  });

  it('TerminateJob of a RUNNING job ends it FAILED', async () => {
    const id = batchGlobalId(BATCH_JOB_IDS.running);
    const key = parseGlobalId(id) as BatchKey;
    await sourceOf('AWS_BATCH').call(TERMINATE_JOB, { key, reason: 'stop it' });
    expect(gw.emulators.batch.calls.map((c) => c.operation)).toEqual([`TerminateJob ${key.jobId}`]);
    expect((await jobOf(id)).state).toBe('FAILED');
  });

  it('a reason over 1,024 characters is refused by the service as ClientException', async () => {
    const key = parseGlobalId(batchGlobalId(BATCH_JOB_IDS.pending)) as BatchKey;
    const err = await sourceOf('AWS_BATCH')
      .call(CANCEL_JOB, { key, reason: 'x'.repeat(1025) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ upstreamCode: 'ClientException' });
  });
});

describe('COS Batch UpdateJobStatus', () => {
  const appId = DEMO_TENCENT_CREDENTIALS.appId;
  const keyOf = (jobId: string): CosBatchKey => ({
    provider: 'TENCENT_COS_BATCH',
    region: DEMO_TENCENT_CREDENTIALS.region,
    uin: DEMO_TENCENT_CREDENTIALS.uin,
    jobId,
  });

  it('cancels a job not finished, signed, with x-cos-appid and the reason', async () => {
    const key = keyOf(DEMO_JOB_IDS.ready);
    const answer = await sourceOf('TENCENT_COS_BATCH').call(
      updateJobStatusOperation(appId),
      { key, reason: 'no longer wanted' },
      { account: key.uin },
    );
    expect(answer.requestId).toEqual(expect.any(String));
    const id = `cos:${key.region}:${key.uin}:${key.jobId}`;
    expect((await jobOf(id)).state).toBe('CANCELLED');
  });

  it('a finished job is refused with the provider’s code', async () => {
    const key = keyOf(DEMO_JOB_IDS.completeCopy);
    const err = await sourceOf('TENCENT_COS_BATCH')
      .call(updateJobStatusOperation(appId), { key, reason: 'late' }, { account: key.uin })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstreamCode).toEqual(expect.any(String));
  });
});

describe('Import/Export CancelJob', () => {
  const key: ImportExportKey = { provider: 'AWS_IMPORT_EXPORT', jobId: 'PNDG1' };

  it('cancels a pending job: the query protocol’s Action=CancelJob, then CANCELLED', async () => {
    const answer = await sourceOf('AWS_IMPORT_EXPORT').call(IE_CANCEL_JOB, key);
    expect(answer.requestId).toEqual(expect.any(String));
    expect((await jobOf('importexport:PNDG1')).state).toBe('CANCELLED');
  });

  it('a job already cancelled is refused with the provider’s code', async () => {
    const err = await sourceOf('AWS_IMPORT_EXPORT')
      .call(IE_CANCEL_JOB, key)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstreamCode).toBe('CanceledJobIdException');
  });
});
