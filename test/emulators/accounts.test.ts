import {
  CodePipelineClient,
  GetJobDetailsCommand,
  type JobDetails,
} from '@aws-sdk/client-codepipeline';
import {
  GetReferenceImportJobCommand,
  ListReferenceImportJobsCommand,
  ListReferenceStoresCommand,
  OmicsClient,
} from '@aws-sdk/client-omics';
import {
  DescribePackageImportJobCommand,
  ListPackageImportJobsCommand,
  PanoramaClient,
} from '@aws-sdk/client-panorama';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_EXTERNAL_ID_ROLE,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  emulatorEnvironment,
  exampleSecondAccountJobs,
  listedDemoJobs,
  SHARED_NATIVE_JOB_IDS,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { MINIMAL_JOB_ID } from '@jobgraph/emulators/codepipeline/data';
import {
  importExportCall,
  useHeldClock,
  signedAws,
  signedCos,
  type RawAnswer,
} from './listClient.ts';
import { sdkFailure } from './sdkFailure.ts';
import { useStarted } from '../support/useStarted.ts';

/** The emulators' clock: real time when the file starts (the SDK's credential cache reads real time), moved by tests and put back after each. */
const clock = useHeldClock();

const set: EmulatorSet = useStarted(
  'the emulators',
  () => startEmulators({ now: () => clock.now, epochMs: clock.start }),
  (s) => s.close(),
);

const STAGING = DEMO_SECOND_AWS_ACCOUNT;
const SHARED = SHARED_NATIVE_JOB_IDS;
const ONLY_STAGING = exampleSecondAccountJobs();
const STAGING_LISTS = listedDemoJobs(clock.start, { account: 'staging' });
type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

const destroyers: (() => void)[] = [];
afterAll(() => {
  for (const destroy of destroyers) destroy();
});

/** The options every real SDK client here gets: the emulator, one attempt, the emulators' clock. */
function sdkOptions(url: string, credentials: Credentials = { ...DEMO_AWS_CREDENTIALS }) {
  return {
    region: 'us-east-1',
    endpoint: url,
    credentials,
    maxAttempts: 1,
    systemClockOffset: clock.now - Date.now(),
  };
}

function panorama(credentials?: Credentials): PanoramaClient {
  const c = new PanoramaClient(sdkOptions(set.panorama.url, credentials));
  destroyers.push(() => c.destroy());
  return c;
}

function omics(credentials?: Credentials): OmicsClient {
  const c = new OmicsClient({ ...sdkOptions(set.omics.url, credentials), disableHostPrefix: true });
  destroyers.push(() => c.destroy());
  return c;
}

function codepipeline(credentials?: Credentials): CodePipelineClient {
  const c = new CodePipelineClient(sdkOptions(set.codepipeline.url, credentials));
  destroyers.push(() => c.destroy());
  return c;
}

/** The second account's role through `fromTemporaryCredentials`, as the gateway will assume it. */
function temporary(): AwsCredentialIdentityProvider {
  return fromTemporaryCredentials({
    params: { RoleArn: STAGING.roleArn, RoleSessionName: 'jobgraph-accounts-test' },
    masterCredentials: { ...DEMO_AWS_CREDENTIALS },
    clientConfig: { endpoint: set.sts.url, region: 'us-east-1', maxAttempts: 1 },
  });
}

/** A session of `roleArn` assumed with the real STS client; its raw keys. */
async function assume(
  roleArn: string = STAGING.roleArn,
  extra: { DurationSeconds?: number; ExternalId?: string } = {},
): Promise<
  Required<Pick<AwsCredentialIdentity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>>
> {
  const sts = new STSClient(sdkOptions(set.sts.url));
  destroyers.push(() => sts.destroy());
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'raw-keys', ...extra }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId as string,
    secretAccessKey: Credentials?.SecretAccessKey as string,
    sessionToken: Credentials?.SessionToken as string,
  };
}

const assumeCalls = () => set.sts.calls.filter((c) => c.operation === 'AssumeRole').length;
const nativeIds = (list: { globalId: string }[]) => list.map((j) => j.globalId.split(':').at(-1));
const xml = new XMLParser({
  parseTagValue: false,
  isArray: (name) => name === 'member',
});

/** GetStatus's result (or error) through the Import/Export query API. */
async function getStatus(jobId: string, credentials?: Credentials): Promise<Record<string, any>> {
  const keys = credentials && typeof credentials !== 'function' ? credentials : undefined;
  const res = await importExportCall(set.importexport, { Action: 'GetStatus', JobId: jobId }, keys);
  const doc = xml.parse(res.body) as Record<string, any>;
  const error = doc.ErrorResponse as Record<string, any> | undefined;
  return {
    status: res.status,
    ...(error
      ? { ...error.Error, RequestId: error.RequestId }
      : doc.GetStatusResponse.GetStatusResult),
  };
}

describe('The AWS emulators with a second account', () => {
  it('serve Panorama a fromTemporaryCredentials session of the second account: its jobs, one AssumeRole for many calls', async () => {
    const before = assumeCalls();
    const client = panorama(temporary());
    const listed = await client.send(new ListPackageImportJobsCommand({}));
    // Oldest first, as the emulator's Panorama lists.
    expect(listed.PackageImportJobs?.map((j) => j.JobId)).toEqual(
      nativeIds(STAGING_LISTS.panorama).reverse(),
    );
    expect(listed.PackageImportJobs?.map((j) => j.Status)).toEqual(
      STAGING_LISTS.panorama.map((j) => j.providerStatus).reverse(),
    );
    const only = await client.send(
      new DescribePackageImportJobCommand({ JobId: ONLY_STAGING.panorama.jobId }),
    );
    expect(only).toMatchObject({
      Status: 'SUCCEEDED',
      OutputConfig: { PackageVersionOutputConfig: { PackageName: 'staging_queue_length' } },
    });
    const shared = await client.send(
      new DescribePackageImportJobCommand({ JobId: SHARED.panorama.jobId }),
    );
    expect(shared).toMatchObject({
      Status: 'FAILED',
      OutputConfig: { PackageVersionOutputConfig: { PackageName: 'staging_people_counter' } },
    });
    expect(assumeCalls()).toBe(before + 1);
    expect(set.panorama.calls.at(-1)).toEqual({
      method: 'GET',
      path: `/packages/import-jobs/${SHARED.panorama.jobId}`,
      operation: 'DescribePackageImportJob',
      job: `us-east-1/${SHARED.panorama.jobId}`,
      status: 200,
      account: STAGING.accountId,
    });
    // The same native ID with the default keys: the default account's job, recorded without an account.
    const theirs = await panorama().send(
      new DescribePackageImportJobCommand({ JobId: SHARED.panorama.jobId }),
    );
    expect(theirs).toMatchObject({
      Status: 'SUCCEEDED',
      OutputConfig: { PackageVersionOutputConfig: { PackageName: 'people_counter' } },
    });
    expect(set.panorama.calls.at(-1)).not.toHaveProperty('account');
  });

  it('serve HealthOmics the raw keys of an AssumeRole session: the second account’s stores and jobs', async () => {
    const keys = await assume();
    const client = omics(keys);
    const stores = await client.send(new ListReferenceStoresCommand({}));
    expect(stores.referenceStores?.map((s) => [s.id, s.name])).toEqual([
      [SHARED.omics.referenceStoreId, 'staging-human-references'],
      [ONLY_STAGING.omics.referenceStoreId, 'staging-scratch-references'],
    ]);
    const listed: string[] = [];
    for (const store of stores.referenceStores ?? []) {
      const page = await client.send(
        new ListReferenceImportJobsCommand({ referenceStoreId: store.id }),
      );
      for (const job of page.importJobs ?? [])
        listed.push(`omics:us-east-1:${job.referenceStoreId}:${job.id}`);
    }
    expect(listed.sort()).toEqual(STAGING_LISTS.omics.map((j) => j.globalId).sort());
    const shared = await client.send(
      new GetReferenceImportJobCommand({
        referenceStoreId: SHARED.omics.referenceStoreId,
        id: SHARED.omics.jobId,
      }),
    );
    expect(shared).toMatchObject({
      status: 'FAILED',
      roleArn: `arn:aws:iam::${STAGING.accountId}:role/StagingOmicsReferenceImportRole`,
      sources: [{ name: 'staging-GRCh38', status: 'FAILED' }],
    });
    const theirs = await omics().send(
      new GetReferenceImportJobCommand({
        referenceStoreId: SHARED.omics.referenceStoreId,
        id: SHARED.omics.jobId,
      }),
    );
    expect(theirs.status).toBe('COMPLETED');
    expect(theirs.sources?.map((s) => s.name)).toEqual(['GRCh38', 'hs37d5']);
  });

  it('serve CodePipeline and Import/Export the second account’s jobs, the shared ID with other content', async () => {
    const keys = await assume();
    const details = async (jobId: string, credentials?: Credentials): Promise<JobDetails> =>
      (await codepipeline(credentials).send(new GetJobDetailsCommand({ jobId })))
        .jobDetails as JobDetails;
    expect(await details(SHARED.codepipeline.jobId, temporary())).toMatchObject({
      accountId: STAGING.accountId,
      data: {
        actionTypeId: { category: 'Deploy', provider: 'JobgraphStagingDeployer' },
        pipelineContext: { pipelineName: 'staging-storefront-deploy' },
      },
    });
    expect(await details(ONLY_STAGING.codepipeline.jobId, keys)).toMatchObject({
      accountId: STAGING.accountId,
      data: { actionTypeId: { category: 'Build' } },
    });
    expect(await details(SHARED.codepipeline.jobId)).toMatchObject({
      accountId: DEMO_AWS_ACCOUNT_ID,
      data: { pipelineContext: { pipelineName: 'storefront-release' } },
    });

    expect(await getStatus(SHARED.importexport.jobId, keys)).toMatchObject({
      status: 200,
      JobId: 'CMPL1',
      ProgressCode: 'InProgress',
      ProgressMessage: 'staging: data transfer is in progress.',
    });
    expect(await getStatus(SHARED.importexport.jobId)).toMatchObject({
      status: 200,
      ProgressCode: 'Complete',
    });
    const list = await importExportCall(set.importexport, { Action: 'ListJobs' }, keys);
    const members = (xml.parse(list.body) as Record<string, any>).ListJobsResponse.ListJobsResult
      .Jobs.member as { JobId: string }[];
    // Newest first, as Import/Export documents.
    expect(members.map((m) => m.JobId)).toEqual(nativeIds(STAGING_LISTS.importexport));
    expect(set.importexport.calls.at(-1)).toMatchObject({
      operation: 'ListJobs',
      status: 200,
      account: STAGING.accountId,
    });
  });

  // Each provider's not-found answer for a job of the other account.
  const notFound = {
    panorama: async (credentials: Credentials | undefined, jobId: string) =>
      sdkFailure(panorama(credentials).send(new DescribePackageImportJobCommand({ JobId: jobId }))),
    omics: async (credentials: Credentials | undefined, jobId: string, store: string) =>
      sdkFailure(
        omics(credentials).send(
          new GetReferenceImportJobCommand({ referenceStoreId: store, id: jobId }),
        ),
      ),
    codepipeline: async (credentials: Credentials | undefined, jobId: string) =>
      sdkFailure(codepipeline(credentials).send(new GetJobDetailsCommand({ jobId }))),
    importexport: async (credentials: Credentials | undefined, jobId: string) => {
      const out = await getStatus(jobId, credentials);
      return { code: out.Code as string, status: out.status as number };
    },
  };

  it('keep the accounts apart: each account’s jobs are the provider’s not-found error for the other', async () => {
    const keys = await assume();
    // Default keys, second-account jobs.
    expect(await notFound.panorama(undefined, ONLY_STAGING.panorama.jobId)).toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
    expect(
      await notFound.omics(
        undefined,
        ONLY_STAGING.omics.jobId,
        ONLY_STAGING.omics.referenceStoreId,
      ),
    ).toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    expect(await notFound.codepipeline(undefined, ONLY_STAGING.codepipeline.jobId)).toMatchObject({
      code: 'JobNotFoundException',
      status: 400,
    });
    expect(await notFound.importexport(undefined, ONLY_STAGING.importexport.jobId)).toEqual({
      code: 'InvalidJobIdException',
      status: 400,
    });
    // Second-account keys, default-account jobs (the example jobs' neighbours, and a store's).
    expect(await notFound.panorama(keys, 'pkgimport-8c2e6a0d4f1b3957')).toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await notFound.omics(keys, '8110394858', SHARED.omics.referenceStoreId)).toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await notFound.codepipeline(keys, MINIMAL_JOB_ID)).toMatchObject({
      code: 'JobNotFoundException',
      status: 400,
    });
    expect(await notFound.importexport(keys, 'PNDG1')).toEqual({
      code: 'InvalidJobIdException',
      status: 400,
    });
    // The progressing jobs are the default account's too.
    const progressing = await panorama(keys).send(new ListPackageImportJobsCommand({}));
    expect(progressing.PackageImportJobs?.map((j) => j.JobId)).not.toContain(
      'pkgimport-demo-progressing',
    );
  });

  it('serve the external-ID role’s account nothing: an account with no jobs', async () => {
    const keys = await assume(DEMO_EXTERNAL_ID_ROLE.roleArn, {
      ExternalId: DEMO_EXTERNAL_ID_ROLE.externalId,
    });
    expect(
      (await panorama(keys).send(new ListPackageImportJobsCommand({}))).PackageImportJobs,
    ).toEqual([]);
    expect((await omics(keys).send(new ListReferenceStoresCommand({}))).referenceStores).toEqual(
      [],
    );
    expect(await notFound.panorama(keys, SHARED.panorama.jobId)).toMatchObject({
      code: 'ResourceNotFoundException',
    });
    expect(set.panorama.calls.at(-1)?.account).toBe(DEMO_EXTERNAL_ID_ROLE.accountId);
  });

  it('refuse an expired session with each provider’s expired-token error', async () => {
    const keys = await assume(STAGING.roleArn, { DurationSeconds: 900 });
    clock.now = clock.start + 899_000;
    expect(
      (
        await panorama(keys).send(
          new DescribePackageImportJobCommand({ JobId: SHARED.panorama.jobId }),
        )
      ).Status,
    ).toBe('FAILED');
    clock.now = clock.start + 900_000;
    const expired = 'The security token included in the request is expired';
    expect(
      await sdkFailure(
        panorama(keys).send(new DescribePackageImportJobCommand({ JobId: SHARED.panorama.jobId })),
      ),
    ).toEqual({ code: 'ExpiredTokenException', status: 403, message: expired });
    expect(await sdkFailure(omics(keys).send(new ListReferenceStoresCommand({})))).toEqual({
      code: 'ExpiredTokenException',
      status: 403,
      message: expired,
    });
    expect(
      await sdkFailure(
        codepipeline(keys).send(new GetJobDetailsCommand({ jobId: SHARED.codepipeline.jobId })),
      ),
    ).toEqual({ code: 'ExpiredTokenException', status: 400, message: expired });
    expect(await getStatus(SHARED.importexport.jobId, keys)).toEqual({
      status: 403,
      Type: 'Sender',
      Code: 'ExpiredToken',
      Message: expired,
      RequestId: expect.any(String),
    });
    // The default keys do not expire.
    expect((await getStatus(SHARED.importexport.jobId)).ProgressCode).toBe('Complete');
  });

  it('refuse a session key without its token, with another token or signed with another secret', async () => {
    const keys = await assume();
    const describeShared = (credentials: {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
    }): Promise<RawAnswer> =>
      signedAws(set.panorama, {
        service: 'panorama',
        method: 'GET',
        path: `/packages/import-jobs/${SHARED.panorama.jobId}`,
        credentials,
      });
    const type = (a: RawAnswer) => [a.status, a.headers['x-amzn-errortype']];
    const { sessionToken: _token, ...withoutToken } = keys;
    expect(type(await describeShared(withoutToken))).toEqual([403, 'UnrecognizedClientException']);
    const other = await assume();
    expect(type(await describeShared({ ...keys, sessionToken: other.sessionToken }))).toEqual([
      403,
      'UnrecognizedClientException',
    ]);
    expect(type(await describeShared({ ...keys, secretAccessKey: other.secretAccessKey }))).toEqual(
      [403, 'InvalidSignatureException'],
    );
    expect(type(await describeShared(keys))).toEqual([200, undefined]);
    const importExport = await importExportCall(
      set.importexport,
      { Action: 'GetStatus', JobId: 'CMPL1' },
      { ...keys, secretAccessKey: other.secretAccessKey },
    );
    expect([importExport.status, /<Code>(\w+)</.exec(importExport.body)?.[1]]).toEqual([
      403,
      'SignatureDoesNotMatch',
    ]);
  });
});

describe('The COS Batch emulator with a second account', () => {
  const staging = DEMO_SECOND_TENCENT_ACCOUNT;
  const home = DEMO_TENCENT_CREDENTIALS;
  const host = (uin: string) => `${uin}.cos-control.ap-guangzhou.myqcloud.com`;
  const asStaging = {
    secretId: staging.secretId,
    secretKey: staging.secretKey,
    appId: staging.appId,
  };
  const cosXml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'member' });
  const describeJob = async (jobId: string, opts: Parameters<typeof signedCos>[3] = {}) => {
    const res = await signedCos(set.cosbatch, `/jobs/${jobId}`, {}, opts);
    const doc = cosXml.parse(res.body) as Record<string, any>;
    return { status: res.status, ...(doc.DescribeJobResult?.Job ?? doc.Error) };
  };

  it('serves the second account’s keys on its control host its own jobs, the shared ID with other content', async () => {
    const list = await signedCos(
      set.cosbatch,
      '/jobs',
      {},
      { ...asStaging, host: host(staging.uin) },
    );
    expect(list.status).toBe(200);
    const members = (cosXml.parse(list.body) as Record<string, any>).ListJobsResult.Jobs.member as {
      JobId: string;
    }[];
    // Oldest first, as the emulator's COS lists.
    expect(members.map((m) => m.JobId)).toEqual(nativeIds(STAGING_LISTS.cosbatch).reverse());
    expect(
      await describeJob(SHARED.cosbatch.jobId, { ...asStaging, host: host(staging.uin) }),
    ).toMatchObject({
      status: 200,
      Status: 'Failed',
      Description: 'staging: nightly copy (failed)',
    });
    expect(set.cosbatch.calls.at(-1)).toMatchObject({ status: 200, account: staging.uin });
    expect(await describeJob(SHARED.cosbatch.jobId, { host: host(home.uin) })).toMatchObject({
      status: 200,
      Status: 'Complete',
      Description: 'Nightly copy of raw uploads to the archive bucket',
    });
    expect(set.cosbatch.calls.at(-1)).not.toHaveProperty('account');
    // Behind an endpoint override (a loopback Host) the key says whose jobs.
    expect(await describeJob(ONLY_STAGING.cosbatch.jobId, asStaging)).toMatchObject({
      status: 200,
      Status: 'Active',
    });
  });

  it('answers AccessDenied for one account’s keys on the other’s host or with its APPID, NoSuchJob across accounts', async () => {
    const shared = SHARED.cosbatch.jobId;
    const [homeHost, stagingHost] = [host(home.uin), host(staging.uin)];
    const answers: [string, Parameters<typeof signedCos>[3], number, string][] = [
      [shared, { host: stagingHost }, 403, 'AccessDenied'],
      [shared, { ...asStaging, host: homeHost }, 403, 'AccessDenied'],
      [shared, { ...asStaging, appId: home.appId, host: stagingHost }, 403, 'AccessDenied'],
      [
        shared,
        { ...asStaging, secretKey: home.secretKey, host: stagingHost },
        403,
        'SignatureDoesNotMatch',
      ],
      [ONLY_STAGING.cosbatch.jobId, { host: homeHost }, 404, 'NoSuchJob'],
      [
        '6a1f0c3e-2b7d-4e59-9c84-0d3f5b7a1c02',
        { ...asStaging, host: stagingHost },
        404,
        'NoSuchJob',
      ],
    ];
    for (const [i, [jobId, opts, status, code]] of answers.entries()) {
      const answer = await describeJob(jobId, opts);
      expect([answer.status, answer.Code], `answer ${i}`).toEqual([status, code]);
    }
  });
});

describe('emulatorEnvironment', () => {
  it('points clients at STS and names the second accounts, as JOBGRAPH_AWS_ACCOUNTS and JOBGRAPH_TENCENT_ACCOUNTS read them', () => {
    expect(emulatorEnvironment(set)).toMatchObject({
      AWS_ENDPOINT_URL_STS: set.sts.url,
      AWS_ACCOUNT_ID: DEMO_AWS_ACCOUNT_ID,
      JOBGRAPH_AWS_ACCOUNTS: 'staging=arn:aws:iam::210987654321:role/jobgraph-read',
      JOBGRAPH_TENCENT_ACCOUNTS: 'staging=JOBGRAPH_DEMO_COS_STAGING',
      JOBGRAPH_DEMO_COS_STAGING_SECRET_ID: 'AKIDjobgraphStagingSecretId',
      JOBGRAPH_DEMO_COS_STAGING_SECRET_KEY: 'jobgraph-staging-cos-secret-key',
      JOBGRAPH_DEMO_COS_STAGING_UIN: '100000000002',
      JOBGRAPH_DEMO_COS_STAGING_APPID: '1250000002',
    });
    expect(set.sts.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
