import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type {
  AwsSourceOptions,
  TransportOptions,
} from '../../../src/datasources/shared/options.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import * as codePipelineData from '@jobgraph/emulators/codepipeline/data';
import { createCodePipelineEmulator } from '@jobgraph/emulators/codepipeline/emulator';
import * as cosBatchData from '@jobgraph/emulators/cosbatch/data';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import {
  DEMO_AWS_CREDENTIALS,
  DEMO_TENCENT_CREDENTIALS,
  type ProviderEmulator,
  type RecordedCall,
} from '@jobgraph/emulators/framework';
import * as importExportData from '@jobgraph/emulators/importexport/data';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import * as omicsData from '@jobgraph/emulators/omics/data';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import * as panoramaData from '@jobgraph/emulators/panorama/data';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import type { UpstreamError } from '../../../src/errors.ts';
import { parseGlobalId, type JobKey } from '../../../src/model/globalId.ts';
import type { JobProvider, JobRecord } from '../../../src/model/job.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { useEmulator } from '../../support/useEmulator.ts';

/**
 * Each provider's own source against its own emulator, over real HTTP: what the emulator's
 * error-case jobs, wrong or missing credentials and fault knobs become, retries as the call log
 * shows them, one keep-alive connection, an abort. What differs between the providers (their
 * upstream codes and statuses, their request IDs, their describe call) is in the table; each
 * provider's integration test keeps what only it does.
 */

/** Which credentials a source is made with. */
type Credentials = 'demo' | 'wrongSecret' | 'unknownKey' | 'none';

/** What one error answer of the emulator becomes: its upstream code and HTTP status. */
interface Answer {
  upstreamCode: string;
  httpStatus: number;
}

interface ContractSource {
  fetchJob(key: JobKey, options?: { signal?: AbortSignal }): Promise<JobRecord>;
  close?(): void;
}

interface EmulatorContract {
  name: string;
  provider: JobProvider;
  /** The provider as jobgraph's messages name it. */
  label: string;
  emulator: () => ProviderEmulator;
  source(
    options: TransportOptions & { endpoint: string },
    credentials: Credentials,
    seams: SourceSeams,
  ): ContractSource;
  /** Its emulator's demo data: the example job, every demo job, the error-case jobs. */
  data: {
    EXAMPLE_GLOBAL_ID: string;
    DEMO_GLOBAL_IDS: readonly string[];
    ERROR_CASE_GLOBAL_IDS: { notFound: string; throttled: string; serverError: string };
  };
  /** The job the emulator's role may not read, and its answer, where the emulator has one. */
  accessDenied?: { job: string } & Answer;
  /** The example job's describe call as the emulator's call log records it, but its status. */
  call: Omit<RecordedCall, 'status'>;
  requestId: RegExp;
  answers: {
    notFound: Answer;
    throttled: Answer;
    serverError: Answer;
    wrongSecret: Answer;
    unknownKey: Answer;
    /** The fault knobs' 5xx and throttle answers, where they differ from the server-error and throttled jobs'. */
    fault5xx?: Answer;
    faultThrottle?: Answer;
  };
  /** Values of its demo data that must never reach an error, beside the credentials' secrets. */
  secrets?: readonly string[];
}

const WRONG_SECRET = 'not-the-demo-secret';

/** The secrets of every source's credentials, which no error may show. */
const SECRETS = [
  DEMO_AWS_CREDENTIALS.secretAccessKey,
  DEMO_TENCENT_CREDENTIALS.secretKey,
  WRONG_SECRET,
];

const AWS_CREDENTIALS: Record<Credentials, NonNullable<AwsSourceOptions['credentials']>> = {
  // A copy: the SDK writes a $source tag into static credentials, and the demo object is frozen.
  demo: { ...DEMO_AWS_CREDENTIALS },
  wrongSecret: { accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId, secretAccessKey: WRONG_SECRET },
  // From a credential provider, as the default chain gives them.
  unknownKey: async () => ({ accessKeyId: 'ASIAJOBGRAPHDEMO9999', secretAccessKey: 'x' }),
  none: async () => {
    throw Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
  },
};

const COS_CREDENTIALS = {
  demo: {
    secretId: DEMO_TENCENT_CREDENTIALS.secretId,
    secretKey: DEMO_TENCENT_CREDENTIALS.secretKey,
  },
  wrongSecret: { secretId: DEMO_TENCENT_CREDENTIALS.secretId, secretKey: WRONG_SECRET },
  unknownKey: { secretId: 'AKIDnotTheDemoSecretId', secretKey: DEMO_TENCENT_CREDENTIALS.secretKey },
  none: null,
};

/** A SigV4 provider's source factory, given the credentials asked for. */
const aws =
  (create: (options: AwsSourceOptions, seams: SourceSeams) => ContractSource) =>
  (
    options: TransportOptions & { endpoint: string },
    credentials: Credentials,
    seams: SourceSeams,
  ): ContractSource =>
    create({ ...options, credentials: AWS_CREDENTIALS[credentials] }, seams);

/** What Panorama's and HealthOmics' emulators answer alike, as rest-json AWS services do. */
const REST_JSON_ANSWERS = {
  notFound: { upstreamCode: 'ResourceNotFoundException', httpStatus: 404 },
  serverError: { upstreamCode: 'InternalServerException', httpStatus: 500 },
  wrongSecret: { upstreamCode: 'InvalidSignatureException', httpStatus: 403 },
  unknownKey: { upstreamCode: 'UnrecognizedClientException', httpStatus: 403 },
};

const AMZN_REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CONTRACTS: EmulatorContract[] = [
  {
    name: 'Panorama',
    provider: 'AWS_PANORAMA',
    label: 'AWS Panorama',
    emulator: () => createPanoramaEmulator(),
    source: aws((options, seams) => createSource(panorama, options, seams)),
    data: panoramaData,
    accessDenied: {
      job: panoramaData.ACCESS_DENIED_GLOBAL_ID,
      upstreamCode: 'AccessDeniedException',
      httpStatus: 403,
    },
    call: {
      method: 'GET',
      path: '/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086',
      operation: 'DescribePackageImportJob',
      job: 'us-east-1/pkgimport-5f3a9c1e7b2d4086',
    },
    requestId: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    answers: {
      ...REST_JSON_ANSWERS,
      throttled: { upstreamCode: 'TooManyRequestsException', httpStatus: 429 },
    },
  },
  {
    name: 'HealthOmics',
    provider: 'AWS_OMICS',
    label: 'AWS HealthOmics',
    emulator: () => createOmicsEmulator(),
    source: aws((options, seams) => createSource(omics, options, seams)),
    data: omicsData,
    accessDenied: {
      job: omicsData.ERROR_CASE_GLOBAL_IDS.accessDenied,
      upstreamCode: 'AccessDeniedException',
      httpStatus: 403,
    },
    call: {
      method: 'GET',
      path: '/referencestore/5038720581/importjob/8110394857',
      operation: 'GetReferenceImportJob 5038720581/8110394857',
      job: 'us-east-1/5038720581/8110394857',
    },
    requestId: AMZN_REQUEST_ID,
    answers: {
      ...REST_JSON_ANSWERS,
      throttled: { upstreamCode: 'ThrottlingException', httpStatus: 429 },
    },
  },
  {
    name: 'COS Batch',
    provider: 'TENCENT_COS_BATCH',
    label: 'Tencent COS Batch',
    emulator: () => createCosBatchEmulator(),
    source: (options, credentials, seams) =>
      createSource(
        cosBatch,
        {
          ...options,
          credentials: COS_CREDENTIALS[credentials],
          appId: DEMO_TENCENT_CREDENTIALS.appId,
        },
        seams,
      ),
    data: cosBatchData,
    accessDenied: {
      job: cosBatchData.ACCESS_DENIED_GLOBAL_ID,
      upstreamCode: 'AccessDenied',
      httpStatus: 403,
    },
    call: {
      method: 'GET',
      path: `/jobs/${cosBatchData.DEMO_JOB_IDS.completeCopy}`,
      operation: `DescribeJob ${cosBatchData.DEMO_JOB_IDS.completeCopy}`,
      job: `ap-guangzhou/${cosBatchData.DEMO_JOB_IDS.completeCopy}`,
    },
    requestId: /^[A-Za-z0-9+/=]{16,}$/,
    answers: {
      notFound: { upstreamCode: 'NoSuchJob', httpStatus: 404 },
      throttled: { upstreamCode: 'SlowDown', httpStatus: 503 },
      serverError: { upstreamCode: 'InternalError', httpStatus: 500 },
      wrongSecret: { upstreamCode: 'SignatureDoesNotMatch', httpStatus: 403 },
      unknownKey: { upstreamCode: 'InvalidAccessKeyId', httpStatus: 403 },
    },
  },
  {
    name: 'Import/Export',
    provider: 'AWS_IMPORT_EXPORT',
    label: 'AWS Import/Export',
    emulator: () => createImportExportEmulator(),
    source: aws((options, seams) => createSource(importExport, options, seams)),
    data: importExportData,
    call: { method: 'POST', path: '/', operation: 'GetStatus CMPL1', job: 'CMPL1' },
    requestId: AMZN_REQUEST_ID,
    answers: {
      notFound: { upstreamCode: 'InvalidJobIdException', httpStatus: 400 },
      throttled: { upstreamCode: 'Throttling', httpStatus: 400 },
      serverError: { upstreamCode: 'ServiceUnavailable', httpStatus: 503 },
      wrongSecret: { upstreamCode: 'SignatureDoesNotMatch', httpStatus: 403 },
      unknownKey: { upstreamCode: 'InvalidClientTokenIdException', httpStatus: 403 },
    },
  },
  {
    name: 'CodePipeline',
    provider: 'AWS_CODEPIPELINE',
    label: 'AWS CodePipeline',
    emulator: () => createCodePipelineEmulator(),
    source: aws((options, seams) => createSource(codePipeline, options, seams)),
    data: codePipelineData,
    call: {
      method: 'POST',
      path: '/',
      operation: `GetJobDetails ${codePipelineData.FULL_JOB_ID}`,
      job: `us-east-1/${codePipelineData.FULL_JOB_ID}`,
    },
    requestId: /^c0de9000-0000-4000-8000-[0-9a-f]{12}$/,
    answers: {
      notFound: { upstreamCode: 'JobNotFoundException', httpStatus: 400 },
      throttled: { upstreamCode: 'ThrottlingException', httpStatus: 400 },
      serverError: { upstreamCode: 'ServiceUnavailableException', httpStatus: 503 },
      wrongSecret: { upstreamCode: 'InvalidSignatureException', httpStatus: 403 },
      unknownKey: { upstreamCode: 'UnrecognizedClientException', httpStatus: 400 },
      fault5xx: { upstreamCode: 'InternalFailure', httpStatus: 500 },
    },
    // The artifact credentials and configuration secrets its demo jobs carry.
    secrets: codePipelineData.DEMO_SECRET_VALUES,
  },
];

/** No real waiting between attempts, no jitter. */
const NO_WAIT: SourceSeams = { sleep: async () => {}, random: () => 0 };

const keyOf = (globalId: string) => parseGlobalId(globalId);

describe.each(CONTRACTS)('$name source against its emulator', (p) => {
  const emu = useEmulator(p.emulator);
  const opened: ContractSource[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close?.();
    emu.resetFaults();
    emu.calls.length = 0;
  });

  function source(
    options: Partial<TransportOptions> = {},
    credentials: Credentials = 'demo',
  ): ContractSource {
    const s = p.source(
      { timeoutMs: 2000, maxAttempts: 1, maxSockets: 4, endpoint: emu.url, ...options },
      credentials,
      NO_WAIT,
    );
    opened.push(s);
    return s;
  }

  /** The failure of `promise`, checked to carry no URL, host, markup, signature or secret. */
  async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
    const err = await upstreamFailure(promise);
    expect(err.provider).toBe(p.provider);
    expect(err.message).not.toMatch(/[<>]|arn:aws/);
    for (const visible of [err.message, JSON.stringify(err), JSON.stringify(err.extensions)]) {
      expect(visible).not.toMatch(/https?:\/\/|127\.0\.0\.1|myqcloud|Signature=|q-signature/);
      for (const secret of [...SECRETS, ...(p.secrets ?? [])])
        expect(visible).not.toContain(secret);
    }
    return err;
  }

  /** The emulator's call log: the example job's describe call, once per status. */
  const calls = (...statuses: number[]) => statuses.map((status) => ({ ...p.call, status }));
  const statuses = () => emu.calls.map((c) => c.status);
  const fault5xx = p.answers.fault5xx ?? p.answers.serverError;
  const faultThrottle = p.answers.faultThrottle ?? p.answers.throttled;

  it('reads the example job in one describe call', async () => {
    const record = await source().fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID));
    expect([record.provider, record.id]).toEqual([p.provider, p.data.EXAMPLE_GLOBAL_ID]);
    expect(emu.calls).toEqual(calls(200));
  });

  it('answers NOT_FOUND for the not-found job, with its request ID, and does not retry it', async () => {
    const err = await failure(
      source({ maxAttempts: 3 }).fetchJob(keyOf(p.data.ERROR_CASE_GLOBAL_IDS.notFound)),
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, ...p.answers.notFound });
    expect(err.upstreamRequestId).toMatch(p.requestId);
    expect(err.extensions).toEqual({
      code: 'NOT_FOUND',
      provider: p.provider,
      upstreamCode: p.answers.notFound.upstreamCode,
      upstreamRequestId: err.upstreamRequestId,
    });
    expect(statuses()).toEqual([p.answers.notFound.httpStatus]);
  });

  it('answers UPSTREAM_THROTTLED for the throttled job, with its request ID', async () => {
    const err = await failure(source().fetchJob(keyOf(p.data.ERROR_CASE_GLOBAL_IDS.throttled)));
    expect(err).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      retryable: true,
      ...p.answers.throttled,
    });
    expect(err.upstreamRequestId).toMatch(p.requestId);
    expect(statuses()).toEqual([p.answers.throttled.httpStatus]);
  });

  it('answers UPSTREAM_UNAVAILABLE for the server-error job, with its request ID', async () => {
    const err = await failure(source().fetchJob(keyOf(p.data.ERROR_CASE_GLOBAL_IDS.serverError)));
    expect(err).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      ...p.answers.serverError,
    });
    expect(err.upstreamRequestId).toMatch(p.requestId);
  });

  const { accessDenied } = p;
  if (accessDenied)
    it('answers UPSTREAM_ACCESS_DENIED for the job its role may not read', async () => {
      const err = await failure(source().fetchJob(keyOf(accessDenied.job)));
      const { job: _job, ...answer } = accessDenied;
      expect(err).toMatchObject({ code: 'UPSTREAM_ACCESS_DENIED', retryable: false, ...answer });
    });

  it('retries the server-error job up to maxAttempts', async () => {
    const err = await failure(
      source({ maxAttempts: 3 }).fetchJob(keyOf(p.data.ERROR_CASE_GLOBAL_IDS.serverError)),
    );
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(statuses()).toEqual(Array(3).fill(p.answers.serverError.httpStatus));
  });

  it('answers UPSTREAM_ACCESS_DENIED, not retried, when the secret key is wrong', async () => {
    const err = await failure(
      source({ maxAttempts: 3 }, 'wrongSecret').fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)),
    );
    expect(err).toMatchObject({
      code: 'UPSTREAM_ACCESS_DENIED',
      retryable: false,
      ...p.answers.wrongSecret,
    });
    expect(err.upstreamRequestId).toMatch(p.requestId);
    expect(emu.calls).toEqual(calls(p.answers.wrongSecret.httpStatus));
  });

  it('answers UPSTREAM_ACCESS_DENIED for an unknown access key', async () => {
    const err = await failure(source({}, 'unknownKey').fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({ code: 'UPSTREAM_ACCESS_DENIED', ...p.answers.unknownKey });
  });

  it('answers PROVIDER_NOT_CONFIGURED when no credentials can be had, without calling upstream', async () => {
    const err = await failure(
      source({ maxAttempts: 3 }, 'none').fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)),
    );
    expect(err).toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      upstreamCode: null,
      retryable: false,
    });
    // The AWS ones say "no credentials"; COS Batch names Tencent Cloud's.
    expect(err.message).toMatch(new RegExp(`^${p.label} has no .*credentials configured`));
    expect(emu.calls).toEqual([]);
  });

  it('answers the 5xx fault knob with UPSTREAM_UNAVAILABLE', async () => {
    emu.setFaults({ errorRate: 1 });
    const err = await failure(source().fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', ...fault5xx });
  });

  it('answers the throttle fault knob with UPSTREAM_THROTTLED', async () => {
    emu.setFaults({ throttleRate: 1 });
    const err = await failure(source().fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({ code: 'UPSTREAM_THROTTLED', ...faultThrottle });
  });

  it('answers the malformed fault knob with UPSTREAM_BAD_RESPONSE, with the request ID, not retried', async () => {
    emu.setFaults({ malformed: true });
    const err = await failure(source({ maxAttempts: 3 }).fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      upstreamCode: null,
      retryable: false,
    });
    expect(err.upstreamRequestId).toMatch(p.requestId);
    expect(statuses()).toEqual([200]);
  });

  it('answers the reset fault knob with UPSTREAM_UNAVAILABLE', async () => {
    emu.setFaults({ reset: true });
    const err = await failure(source().fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('times out a hanging attempt after timeoutMs with UPSTREAM_UNAVAILABLE', async () => {
    emu.setFaults({ hang: true });
    const err = await failure(source({ timeoutMs: 150 }).fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      message: `${p.label} timed out.`,
    });
  });

  it('retries a scripted throttle and 5xx within maxAttempts and then succeeds, as the call log shows', async () => {
    emu.setFaults({ script: ['throttle', '5xx'] });
    const record = await source({ maxAttempts: 3 }).fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID));
    expect(record.id).toBe(p.data.EXAMPLE_GLOBAL_ID);
    expect(emu.calls).toEqual(calls(faultThrottle.httpStatus, fault5xx.httpStatus, 200));
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const s = source();
    const before = emu.connections();
    for (const id of [...p.data.DEMO_GLOBAL_IDS.slice(0, 4), p.data.ERROR_CASE_GLOBAL_IDS.notFound])
      await s.fetchJob(keyOf(id)).catch(() => undefined);
    expect(emu.connections() - before).toBe(1);
  });

  it('stops when the caller aborts', async () => {
    emu.setFaults({ hang: true });
    const controller = new AbortController();
    // A per-attempt timeout of a minute: the abort, not the timeout, must end it.
    const arrived = once(emu.events, 'request');
    const fetched = source({ timeoutMs: 60_000 }).fetchJob(keyOf(p.data.EXAMPLE_GLOBAL_ID), {
      signal: controller.signal,
    });
    await arrived;
    controller.abort();
    const err = await failure(fetched);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).not.toContain('timed out');
  });
});
