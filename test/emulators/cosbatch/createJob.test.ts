import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseDescribeJobBody } from '../../../src/datasources/cosbatch/parse.ts';
import { DEMO_SECOND_TENCENT_ACCOUNT } from '@jobgraph/emulators/accounts';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import { DEMO_TENCENT_CREDENTIALS, type RunningEmulator } from '@jobgraph/emulators/framework';
import { signedCos } from '../listClient.ts';
import { useListHarness } from '../listHarness.ts';

/**
 * COS Batch's CreateJob (`POST /jobs`), each request signed by the official COS Node SDK's signer
 * (`COS.getAuthorization`, through `signedCos`; the SDK has no batch call of its own): the job
 * made, read back by DescribeJob (and the gateway's own parser of it) and ListJobs; its
 * ClientRequestToken answering a retried request with the same job; the documented refusals.
 */
const harness = useListHarness();
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'member' });

const REGION = DEMO_TENCENT_CREDENTIALS.region;
const ROLE = `qcs::cam::uin/${DEMO_TENCENT_CREDENTIALS.uin}:roleName/COS_Batch_QcsRole`;

function createRequest(
  token: string,
  opts: { priority?: string; confirm?: boolean; description?: string } = {},
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<CreateJobRequest>
  <ClientRequestToken>${token}</ClientRequestToken>
  <ConfirmationRequired>${opts.confirm ? 'true' : 'false'}</ConfirmationRequired>
  <Description>${opts.description ?? 'rerun of a copy'}</Description>
  <Manifest>
    <Location>
      <ETag>&quot;15150651828fa9cdcb8356b6d1c7638b&quot;</ETag>
      <ObjectArn>qcs::cos:${REGION}:uid/${DEMO_TENCENT_CREDENTIALS.appId}:sourcebucket-${DEMO_TENCENT_CREDENTIALS.appId}/manifests/batch.csv</ObjectArn>
    </Location>
    <Spec>
      <Fields><member>Bucket</member><member>Key</member></Fields>
      <Format>COSBatchOperations_CSV_V1</Format>
    </Spec>
  </Manifest>
  <Operation>
    <COSPutObjectCopy>
      <StorageClass>STANDARD</StorageClass>
      <TargetResource>qcs::cos:${REGION}:uid/${DEMO_TENCENT_CREDENTIALS.appId}:destbucket-${DEMO_TENCENT_CREDENTIALS.appId}</TargetResource>
    </COSPutObjectCopy>
  </Operation>
  <Priority>${opts.priority ?? '10'}</Priority>
  <Report>
    <Bucket>qcs::cos:${REGION}:uid/${DEMO_TENCENT_CREDENTIALS.appId}:reportbucket-${DEMO_TENCENT_CREDENTIALS.appId}</Bucket>
    <Enabled>true</Enabled>
    <Format>Report_CSV_V1</Format>
    <Prefix>job-result</Prefix>
    <ReportScope>AllTasks</ReportScope>
  </Report>
  <RoleArn>${ROLE}</RoleArn>
</CreateJobRequest>`;
}

async function create(
  emu: RunningEmulator,
  body: string,
  account: { secretId: string; secretKey: string; appId: string } = DEMO_TENCENT_CREDENTIALS,
) {
  const res = await signedCos(
    emu,
    '/jobs',
    {},
    {
      method: 'POST',
      body,
      secretId: account.secretId,
      secretKey: account.secretKey,
      appId: account.appId,
    },
  );
  return { status: res.status, doc: xml.parse(res.body) as Record<string, Record<string, string>> };
}

async function describeJob(emu: RunningEmulator, jobId: string) {
  return signedCos(emu, `/jobs/${jobId}`);
}

describe('COS Batch emulator: CreateJob', () => {
  it('makes a job DescribeJob reads back, with what the request said, New until it is moved', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const made = await create(emu, createRequest('rerun-token-1'));
    expect(made.status).toBe(200);
    const jobId = made.doc.CreateJobResult?.JobId as string;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    const described = await describeJob(emu, jobId);
    expect(described.status).toBe(200);
    const job = (
      xml.parse(described.body) as { DescribeJobResult: { Job: Record<string, unknown> } }
    ).DescribeJobResult.Job;
    expect(job).toMatchObject({
      ClientRequestToken: 'rerun-token-1',
      ConfirmationRequired: 'false',
      Description: 'rerun of a copy',
      JobId: jobId,
      Priority: '10',
      RoleArn: ROLE,
      Status: 'New',
      Manifest: { Spec: { Format: 'COSBatchOperations_CSV_V1' } },
      Operation: { COSPutObjectCopy: { StorageClass: 'STANDARD' } },
      Report: { Enabled: 'true', ReportScope: 'AllTasks' },
    });
    // The gateway's own parser reads it as a job of the provider: queued, nothing failed.
    const record = parseDescribeJobBody(
      { provider: 'TENCENT_COS_BATCH', region: REGION, uin: DEMO_TENCENT_CREDENTIALS.uin, jobId },
      described.body,
    );
    expect(record).toMatchObject({ state: 'QUEUED', priority: 10, roleArn: ROLE });

    // Listed, on the first page.
    const listed = xml.parse((await signedCos(emu, '/jobs', { jobStatuses: 'New' })).body) as {
      ListJobsResult: { Jobs: { member?: { JobId: string; Operation: string }[] } };
    };
    expect(listed.ListJobsResult.Jobs.member).toContainEqual(
      expect.objectContaining({ JobId: jobId, Operation: 'COSPutObjectCopy' }),
    );
    expect(emu.calls.map((c) => c.operation)).toContain('CreateJob rerun-token-1');
  });

  it('answers a retried request with the job its token made, and refuses the token for another request', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const first = await create(emu, createRequest('retried-token'));
    const again = await create(emu, createRequest('retried-token'));
    expect(again.status).toBe(200);
    expect(again.doc.CreateJobResult?.JobId).toBe(first.doc.CreateJobResult?.JobId);

    const other = await create(emu, createRequest('retried-token', { priority: '11' }));
    expect(other.status).toBe(409);
    expect(other.doc.Error).toMatchObject({ Code: 'IdempotencyException' });

    // One job for the token, however often it was asked.
    const listed = xml.parse((await signedCos(emu, '/jobs', { jobStatuses: 'New' })).body) as {
      ListJobsResult: { Jobs: { member?: { JobId: string }[] } };
    };
    const ids = (listed.ListJobsResult.Jobs.member ?? []).map((m) => m.JobId);
    expect(ids.filter((id) => id === first.doc.CreateJobResult?.JobId)).toHaveLength(1);
  });

  it('holds a job that needs confirmation Suspended until UpdateJobStatus makes it Ready', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const made = await create(emu, createRequest('confirm-token', { confirm: true }));
    const jobId = made.doc.CreateJobResult?.JobId as string;
    const read = async () =>
      (
        xml.parse((await describeJob(emu, jobId)).body) as {
          DescribeJobResult: { Job: Record<string, string> };
        }
      ).DescribeJobResult.Job;
    expect(await read()).toMatchObject({
      Status: 'Suspended',
      SuspendedCause: 'AwaitingConfirmation',
    });
    const ready = await signedCos(
      emu,
      `/jobs/${jobId}/status`,
      { requestedJobStatus: 'Ready' },
      { method: 'POST' },
    );
    expect(ready.status).toBe(200);
    expect((await read()).Status).toBe('Ready');
  });

  it('refuses a body that is not a whole CreateJobRequest, and values out of their range', async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const refused = async (body: string) => {
      const res = await create(emu, body);
      return [res.status, res.doc.Error?.Code];
    };
    expect(await refused('not xml <')).toEqual([400, 'MalformedXML']);
    expect(await refused('<Other/>')).toEqual([400, 'MalformedXML']);
    expect(await refused(createRequest(''))).toEqual([400, 'MalformedXML']);
    expect(await refused(createRequest('x'.repeat(65)))).toEqual([400, 'InvalidArgument']);
    expect(await refused(createRequest('t', { priority: '2147483648' }))).toEqual([
      400,
      'InvalidArgument',
    ]);
    expect(await refused(createRequest('t', { description: 'd'.repeat(257) }))).toEqual([
      400,
      'InvalidArgument',
    ]);
    expect(
      await refused(createRequest('t').replace(/<Operation>[\s\S]*<\/Operation>/, '<Operation/>')),
    ).toEqual([400, 'MalformedXML']);
    expect(await refused(createRequest('t').replace(/<RoleArn>.*<\/RoleArn>/, ''))).toEqual([
      400,
      'MalformedXML',
    ]);
  });

  it("keeps each account's jobs its own: a token and a job of one account are not the other's", async () => {
    const emu = await harness.startOn(createCosBatchEmulator);
    const mine = await create(emu, createRequest('shared-token'));
    const theirs = await create(emu, createRequest('shared-token'), DEMO_SECOND_TENCENT_ACCOUNT);
    expect(theirs.status).toBe(200);
    expect(theirs.doc.CreateJobResult?.JobId).not.toBe(mine.doc.CreateJobResult?.JobId);
    const other = await signedCos(
      emu,
      `/jobs/${mine.doc.CreateJobResult?.JobId}`,
      {},
      {
        secretId: DEMO_SECOND_TENCENT_ACCOUNT.secretId,
        secretKey: DEMO_SECOND_TENCENT_ACCOUNT.secretKey,
        appId: DEMO_SECOND_TENCENT_ACCOUNT.appId,
      },
    );
    expect(other.status).toBe(404);
  });
});
