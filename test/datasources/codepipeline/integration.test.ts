import {
  CodePipelineClient,
  GetJobDetailsCommand,
  JobNotFoundException,
  ListPipelinesCommand,
} from '@aws-sdk/client-codepipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import type { CodePipelineJobRecord } from '../../../src/datasources/codepipeline/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import { UpstreamError } from '../../../src/errors.ts';
import { parseGlobalId, type CodePipelineKey } from '../../../src/model/globalId.ts';
import { createCodePipelineEmulator } from '@jobgraph/emulators/codepipeline/emulator';
import {
  CODEPIPELINE_DEMO_JOBS,
  DEMO_GLOBAL_IDS,
  DEMO_SECRET_VALUES,
  ERROR_CASE_GLOBAL_IDS,
  EXAMPLE_GLOBAL_ID,
  FULL_JOB_ID,
  MINIMAL_JOB_ID,
  NOT_FOUND_JOB_ID,
} from '@jobgraph/emulators/codepipeline/data';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { demoSdkConfig } from '../../support/sdkClients.ts';
import { UNKNOWN_STATE_FIELDS } from '../../support/records.ts';
import { keyValues } from '../../support/keyValues.ts';
import { NO_ACTION_DETAILS } from './expected.ts';

let emu: RunningEmulator;
const opened: { close?(): void; destroy?(): void }[] = [];

beforeAll(async () => {
  emu = await startEmulator(createCodePipelineEmulator());
});
afterEach(() => {
  emu.resetFaults();
  emu.calls.length = 0;
});
afterAll(async () => {
  for (const o of opened) {
    if (o.close) o.close();
    else o.destroy?.();
  }
  await emu.close();
});

function source(overrides: Partial<AwsSourceOptions> = {}) {
  const s = createSource(codePipeline, {
    timeoutMs: 2000,
    maxAttempts: 1,
    maxSockets: 4,
    endpoint: emu.url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    ...overrides,
  });
  opened.push(s);
  return s;
}

function sdkClient(overrides: Partial<ConstructorParameters<typeof CodePipelineClient>[0]> = {}) {
  const c = new CodePipelineClient({ ...demoSdkConfig(emu.url), ...overrides });
  opened.push(c);
  return c;
}

const keyOf = (globalId: string) => parseGlobalId(globalId) as CodePipelineKey;

/** What an SDK call threw: its exception name and response metadata. */
async function thrown(
  call: Promise<unknown>,
): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  const err = await call.then(
    () => new Error('expected the SDK call to throw'),
    (e: unknown) => e,
  );
  return err as { name: string; $metadata: { httpStatusCode?: number } };
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    const e = err as UpstreamError;
    const visible = JSON.stringify({ message: e.message, extensions: e.extensions });
    expect(visible).not.toMatch(/https?:\/\//);
    for (const secret of DEMO_SECRET_VALUES) expect(visible).not.toContain(secret);
    return e;
  }
  throw new Error('expected a failure');
}

describe('CodePipeline source against the emulator', () => {
  it('reads the full demo job with every field', async () => {
    const record = await source().fetchJob(keyOf(EXAMPLE_GLOBAL_ID));
    const s3 = (objectKey: string) => ({
      type: 'S3' as const,
      s3Location: { bucketName: 'codepipeline-us-east-1-123456789012', objectKey },
    });
    expect(record).toEqual<CodePipelineJobRecord>({
      id: EXAMPLE_GLOBAL_ID,
      provider: 'AWS_CODEPIPELINE',
      nativeId: FULL_JOB_ID,
      name: 'storefront-release',
      region: 'us-east-1',
      ...UNKNOWN_STATE_FIELDS,
      accountId: '123456789012',
      actionTypeId: {
        category: 'Build',
        owner: 'Custom',
        provider: 'JobgraphDemoBuilder',
        version: '2',
      },
      actionConfiguration: keyValues({
        ProjectName: 'storefront-web',
        BuildSpec: 'buildspec.release.yml',
        ApiToken: 'DEMO-CONFIG-SECRET-0001-not-a-real-token',
      }),
      pipelineContext: {
        pipelineName: 'storefront-release',
        stage: { name: 'Build' },
        action: {
          name: 'CompileAndPackage',
          actionExecutionId: 'a1b2c3d4-e5f6-4789-8abc-def012345678',
        },
        pipelineArn: 'arn:aws:codepipeline:us-east-1:123456789012:storefront-release',
        pipelineExecutionId: '4f2c9a7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b',
      },
      inputArtifacts: [
        {
          name: 'SourceOutput',
          revision: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
          location: s3('storefront-release/SourceOutp/x7Kq2Lm'),
        },
        {
          name: 'ConfigOutput',
          revision: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
          location: s3('storefront-release/ConfigOutp/Zr81PwA'),
        },
      ],
      outputArtifacts: [
        {
          name: 'BuildOutput',
          revision: null,
          location: s3('storefront-release/BuildOutpu/Qe4sT9v'),
        },
        {
          name: 'ReportOutput',
          revision: null,
          location: s3('storefront-release/ReportOutp/Mn3bV0c'),
        },
      ],
      artifactCredentials: {
        accessKeyId: 'ASIAJOBGRAPHDEMO0001',
        secretAccessKey: 'DEMO-SECRET-ACCESS-KEY-0001-not-a-real-secret',
        sessionToken: 'DEMO-SESSION-TOKEN-0001-not-a-real-token',
      },
      continuationToken: 'DEMO-CONTINUATION-TOKEN-0001-not-a-real-token',
      encryptionKey: {
        id: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        type: 'KMS',
      },
    });
    expect(emu.calls).toEqual([
      {
        method: 'POST',
        path: '/',
        operation: `GetJobDetails ${FULL_JOB_ID}`,
        job: `us-east-1/${FULL_JOB_ID}`,
        status: 200,
      },
    ]);
  });

  it('reads the minimal demo job with only the required members', async () => {
    const record = await source().fetchJob({
      provider: 'AWS_CODEPIPELINE',
      region: 'us-east-1',
      jobId: MINIMAL_JOB_ID,
    });
    expect(record).toMatchObject({
      nativeId: MINIMAL_JOB_ID,
      accountId: '123456789012',
      actionTypeId: {
        category: 'Test',
        owner: 'Custom',
        provider: 'JobgraphDemoMinimal',
        version: '1',
      },
      ...NO_ACTION_DETAILS,
    });
  });

  it('reads every demo job as the data describes it', async () => {
    const s = source();
    const records = await Promise.all(DEMO_GLOBAL_IDS.map((id) => s.fetchJob(keyOf(id))));
    expect(records.map((r) => r.id)).toEqual(DEMO_GLOBAL_IDS);
    for (const record of records) {
      const wire = CODEPIPELINE_DEMO_JOBS.get(record.nativeId)!;
      const d = wire.data ?? {};
      expect(record.state).toBe('UNKNOWN');
      expect(record.actionTypeId).toEqual(d.actionTypeId);
      expect(record.actionConfiguration).toEqual(
        Object.entries(d.actionConfiguration?.configuration ?? {}).map(([key, value]) => ({
          key,
          value,
        })),
      );
      expect(record.artifactCredentials).toEqual(d.artifactCredentials ?? null);
      expect(record.continuationToken).toBe(d.continuationToken ?? null);
      expect(record.inputArtifacts.map((a) => a.name)).toEqual(
        (d.inputArtifacts ?? []).map((a) => a.name),
      );
      expect(record.outputArtifacts.map((a) => a.name)).toEqual(
        (d.outputArtifacts ?? []).map((a) => a.name),
      );
    }
    expect(new Set(records.map((r) => r.actionTypeId?.category))).toEqual(
      new Set(['Source', 'Build', 'Deploy', 'Test', 'Invoke', 'Approval', 'Compute']),
    );
  });

  // Its error cases, fault knobs and credentials: the contract suite (shared/emulatorContract.test.ts).
  it('names the job and its region when it answers NOT_FOUND', async () => {
    const e = await failure(source().fetchJob(keyOf(ERROR_CASE_GLOBAL_IDS.notFound)));
    expect(e.message).toBe(`CodePipeline job "${NOT_FOUND_JOB_ID}" in us-east-1 was not found.`);
  });

  it('answers UPSTREAM_ACCESS_DENIED when signed for a region the data does not live in', async () => {
    const e = await failure(
      source().fetchJob({ provider: 'AWS_CODEPIPELINE', region: 'eu-west-1', jobId: FULL_JOB_ID }),
    );
    expect(e.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(e.upstreamCode).toBe('InvalidSignatureException');
  });
});

describe('CodePipeline emulator with the real AWS SDK client', () => {
  it('answers GetJobDetails for every demo job', async () => {
    const client = sdkClient();
    for (const id of DEMO_GLOBAL_IDS) {
      const { jobId } = keyOf(id);
      const out = await client.send(new GetJobDetailsCommand({ jobId }));
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.$metadata.requestId).toMatch(/^c0de9000-/);
      expect(out.jobDetails?.id).toBe(jobId);
      expect(out.jobDetails?.accountId).toBe('123456789012');
      expect(out.jobDetails?.data?.actionTypeId).toMatchObject(
        CODEPIPELINE_DEMO_JOBS.get(jobId)!.data!.actionTypeId!,
      );
    }
  });

  it('returns the artifact credentials to an authorised caller', async () => {
    const out = await sdkClient().send(new GetJobDetailsCommand({ jobId: FULL_JOB_ID }));
    expect(out.jobDetails?.data?.artifactCredentials?.secretAccessKey).toBe(
      'DEMO-SECRET-ACCESS-KEY-0001-not-a-real-secret',
    );
  });

  it('answers JobNotFoundException at HTTP 400 for an unknown job', async () => {
    const err = await sdkClient()
      .send(new GetJobDetailsCommand({ jobId: 'c0ffee00-0000-4000-8000-000000000000' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobNotFoundException);
    expect((err as JobNotFoundException).$metadata.httpStatusCode).toBe(400);
    expect((err as JobNotFoundException).$metadata.requestId).toMatch(/^c0de9000-/);
  });

  it.each([
    ['ThrottlingException', 400, 'throttled', ERROR_CASE_GLOBAL_IDS.throttled],
    ['ServiceUnavailableException', 503, 'server-error', ERROR_CASE_GLOBAL_IDS.serverError],
  ])('answers %s at HTTP %i for the %s job', async (name, status, _case, globalId) => {
    const err = await thrown(
      sdkClient().send(new GetJobDetailsCommand({ jobId: keyOf(globalId).jobId })),
    );
    expect([err.name, err.$metadata.httpStatusCode]).toEqual([name, status]);
  });

  it('answers ValidationException for a job ID that is not a lower-case UUID', async () => {
    const err = await thrown(sdkClient().send(new GetJobDetailsCommand({ jobId: 'NOT-A-UUID' })));
    expect(err.name).toBe('ValidationException');
  });

  it('answers InvalidSignatureException for a wrong secret key', async () => {
    const client = sdkClient({
      credentials: { accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
    });
    const err = await thrown(client.send(new GetJobDetailsCommand({ jobId: FULL_JOB_ID })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidSignatureException', 403]);
  });

  it('answers InvalidSignatureException when the clock is skewed', async () => {
    const skewed = await startEmulator(
      createCodePipelineEmulator({ now: () => Date.now() + 60 * 60 * 1000 }),
    );
    try {
      const err = await thrown(
        sdkClient({ endpoint: skewed.url }).send(new GetJobDetailsCommand({ jobId: FULL_JOB_ID })),
      );
      expect(err.name).toBe('InvalidSignatureException');
    } finally {
      await skewed.close();
    }
  });

  it('answers UnknownOperationException for an operation it does not serve', async () => {
    const err = await thrown(sdkClient().send(new ListPipelinesCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['UnknownOperationException', 400]);
    expect(emu.calls.at(-1)).toMatchObject({ operation: 'ListPipelines', job: null, status: 400 });
  });
});

describe('CodePipeline emulator wire', () => {
  /** An unsigned GetJobDetails of the full job, sent with fetch, its body as `contentType`. */
  const unsignedGetJobDetails = (contentType = 'application/x-amz-json-1.1') =>
    fetch(`${emu.url}/`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-amz-target': 'CodePipeline_20150709.GetJobDetails',
      },
      body: JSON.stringify({ jobId: FULL_JOB_ID }),
    });

  it('answers MissingAuthenticationTokenException 403 to an unsigned request', async () => {
    const res = await unsignedGetJobDetails();
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^c0de9000-/);
    expect(await res.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('answers UnknownOperationException 400 without the JSON 1.1 content type', async () => {
    const res = await unsignedGetJobDetails('application/json');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'UnknownOperationException' });
  });

  it('answers 404 UnknownOperationException to a GET', async () => {
    const res = await fetch(`${emu.url}/jobs/${FULL_JOB_ID}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ __type: 'UnknownOperationException' });
  });

  it('tags nested structures with __type as the service does', async () => {
    const out = await sdkClient().send(new GetJobDetailsCommand({ jobId: FULL_JOB_ID }));
    expect((out.jobDetails?.data?.actionTypeId as unknown as Record<string, unknown>).__type).toBe(
      'ActionTypeId',
    );
    expect(
      (out.jobDetails?.data?.artifactCredentials as unknown as Record<string, unknown>).__type,
    ).toBe('AWSSessionCredentials');
  });

  it('truncates a malformed answer before any secret', async () => {
    emu.setFaults({ malformed: true });
    const res = await unsignedGetJobDetails();
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(() => JSON.parse(body) as unknown).toThrow(SyntaxError);
    expect(body.startsWith(`{"jobDetails":{"id":"${FULL_JOB_ID}"`)).toBe(true);
    for (const secret of DEMO_SECRET_VALUES) expect(body).not.toContain(secret);
  });
});
