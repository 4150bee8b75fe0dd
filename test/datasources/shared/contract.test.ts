import { createRequire } from 'node:module';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { batch } from '../../../src/datasources/batch/index.ts';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type {
  AttemptObserver,
  UpstreamAttemptInfo,
} from '../../../src/datasources/shared/attempts.ts';
import type {
  AwsSourceOptions,
  TransportOptions,
} from '../../../src/datasources/shared/options.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import type { UpstreamError } from '../../../src/errors.ts';
import type { JobKey } from '../../../src/model/globalId.ts';
import type { JobProvider, JobRecord } from '../../../src/model/job.ts';
import {
  loadFixture,
  startFixtureServer,
  upstreamFailure,
  type WireFixture,
} from '../../support/fixtures.ts';
import { useFixtureServer } from '../../support/useFixtureServer.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { TEST_AWS_CREDENTIALS, TEST_COS_CREDENTIALS } from '../../support/credentials.ts';

/**
 * The contract of the one pipeline (`createSource`) that every provider's source goes through,
 * run over the five providers: what a success, a not-found, a throttled and a clock-skewed
 * answer become, the body cap, an endpoint override's path, transport failures, the attempt
 * observer and missing credentials. What legitimately differs between providers (their
 * signature, their error envelopes, Import/Export's one signing region) is in the table.
 */

const USER_AGENT = `jobgraph/${(createRequire(import.meta.url)('../../../package.json') as { version: string }).version}`;
const NOW = 1_773_136_800_000; // 2026-03-10T10:00:00Z
const SKEW_MS = 600_000;

const AWS_CREDENTIALS = TEST_AWS_CREDENTIALS;
const COS_CREDENTIALS = TEST_COS_CREDENTIALS;

/** What every test passes to a factory: transport settings and the fixture server as endpoint override. */
type ContractOptions = TransportOptions & { endpoint: string };

/** A source as the table calls it, with its row's key (each factory's own key type; a method's parameter is bivariant). */
interface ContractSource {
  fetchJob(key: JobKey): Promise<JobRecord>;
  close?(): void;
}

interface Contract {
  name: string;
  provider: JobProvider;
  key: JobKey;
  /** The record's `id` (the global ID) and `nativeId` for `success`. */
  id: string;
  nativeId: string;
  /** The operation and region the observer is told of. */
  operation: string;
  region: string;
  /** The describe request's path under the endpoint's own path. */
  path: string;
  success: WireFixture;
  notFound: WireFixture;
  throttled: WireFixture;
  /** The provider's own error answer saying the request's time is off. */
  clockSkew: WireFixture;
  /** The secret that must never reach an error. */
  secret: string;
  /** The whole Authorization header of a request signed for `region`. */
  signature: RegExp;
  /** When a request was signed, in ms, read from its headers. */
  signedAt(headers: IncomingHttpHeaders): number;
  /** The source with static test credentials. */
  source(options: ContractOptions, seams: SourceSeams): ContractSource;
  /** The source as configured when no credentials can be had. */
  unconfigured(options: ContractOptions, seams: SourceSeams): ContractSource;
}

/** `20260310T100000Z` (SigV4 `x-amz-date`) in ms. */
function amzDate(headers: IncomingHttpHeaders): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(headers['x-amz-date']));
  if (!m) throw new Error(`no x-amz-date in ${JSON.stringify(headers)}`);
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
}

/** The start of a COS q-sign-time (one second before the signing time, cosKeyTime) in ms. */
function cosSignTime(headers: IncomingHttpHeaders): number {
  const m = /(?:^|&)q-sign-time=(\d+);(\d+)(?:&|$)/.exec(String(headers.authorization));
  if (!m) throw new Error(`no q-sign-time in ${String(headers.authorization)}`);
  return (Number(m[1]) + 1) * 1000;
}

/** A SigV4 Authorization header for the test key, scoped to `region` and `service`. */
const sigV4 = (region: string, service: string) =>
  new RegExp(
    `^AWS4-HMAC-SHA256 Credential=${AWS_CREDENTIALS.accessKeyId}/\\d{8}/${region}/${service}/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`,
  );

const NO_AWS_CREDENTIALS: NonNullable<AwsSourceOptions['credentials']> = async () => {
  throw Object.assign(new Error('x'), { name: 'CredentialsProviderError' });
};

/** The factories of an AWS provider: static credentials, or a chain that finds none. */
function aws(
  create: (options: AwsSourceOptions, seams: SourceSeams) => ContractSource,
): Pick<Contract, 'source' | 'unconfigured' | 'secret' | 'signedAt'> {
  return {
    source: (options, seams) => create({ ...options, credentials: AWS_CREDENTIALS }, seams),
    unconfigured: (options, seams) =>
      create({ ...options, credentials: NO_AWS_CREDENTIALS }, seams),
    secret: AWS_CREDENTIALS.secretAccessKey,
    signedAt: amzDate,
  };
}

const CONTRACTS: Contract[] = [
  {
    name: 'AWS Batch',
    provider: 'AWS_BATCH',
    key: {
      provider: 'AWS_BATCH',
      region: 'eu-central-1',
      jobId: '13811212-a506-4866-8965-eafb175c2133',
    },
    id: 'batch:eu-central-1:13811212-a506-4866-8965-eafb175c2133',
    nativeId: '13811212-a506-4866-8965-eafb175c2133',
    operation: 'DescribeJobs',
    region: 'eu-central-1',
    path: '/v1/describejobs',
    success: loadFixture('batch', 'success-minimal'),
    // DescribeJobs leaves an unknown job out of `jobs`: a 200.
    notFound: loadFixture('batch', 'not-found'),
    throttled: loadFixture('batch', 'throttled'),
    // rest-json: the code in x-amzn-ErrorType.
    clockSkew: {
      status: 403,
      headers: {
        'Content-Type': 'application/json',
        'x-amzn-RequestId': 'contract-batch-skew',
        'x-amzn-ErrorType': 'InvalidSignatureException',
      },
      body: '{"message":"Signature expired: 20260310T100000Z is now earlier than 20260310T100500Z (20260310T101000Z - 5 min.)"}',
    },
    signature: sigV4('eu-central-1', 'batch'),
    ...aws((options, seams) => createSource(batch, options, seams)),
  },
  {
    name: 'Panorama',
    provider: 'AWS_PANORAMA',
    key: { provider: 'AWS_PANORAMA', region: 'us-west-2', jobId: 'pkgimport-2a4c6e8f0b1d3579' },
    id: 'panorama:us-west-2:pkgimport-2a4c6e8f0b1d3579',
    nativeId: 'pkgimport-2a4c6e8f0b1d3579',
    operation: 'DescribePackageImportJob',
    region: 'us-west-2',
    path: '/packages/import-jobs/pkgimport-2a4c6e8f0b1d3579',
    success: loadFixture('panorama', 'success-minimal'),
    notFound: loadFixture('panorama', 'not-found'),
    throttled: loadFixture('panorama', 'throttled'),
    clockSkew: loadFixture('panorama', 'invalid-signature'),
    signature: sigV4('us-west-2', 'panorama'),
    ...aws((options, seams) => createSource(panorama, options, seams)),
  },
  {
    name: 'HealthOmics',
    provider: 'AWS_OMICS',
    key: {
      provider: 'AWS_OMICS',
      region: 'eu-west-2',
      referenceStoreId: '5038720581',
      id: '8110394864',
    },
    id: 'omics:eu-west-2:5038720581:8110394864',
    nativeId: '8110394864',
    operation: 'GetReferenceImportJob',
    region: 'eu-west-2',
    path: '/referencestore/5038720581/importjob/8110394864',
    success: loadFixture('omics', 'success-minimal'),
    notFound: loadFixture('omics', 'not-found'),
    throttled: loadFixture('omics', 'throttled'),
    // rest-json: the code in x-amzn-ErrorType.
    clockSkew: {
      status: 403,
      headers: {
        'Content-Type': 'application/json',
        'x-amzn-RequestId': 'contract-omics-skew',
        'x-amzn-ErrorType': 'InvalidSignatureException',
      },
      body: '{"message":"Signature expired: 20260310T100000Z is now earlier than 20260310T100500Z (20260310T101000Z - 5 min.)"}',
    },
    signature: sigV4('eu-west-2', 'omics'),
    ...aws((options, seams) => createSource(omics, options, seams)),
  },
  {
    name: 'CodePipeline',
    provider: 'AWS_CODEPIPELINE',
    key: {
      provider: 'AWS_CODEPIPELINE',
      region: 'ap-southeast-1',
      jobId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    },
    id: 'codepipeline:ap-southeast-1:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    nativeId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    operation: 'GetJobDetails',
    region: 'ap-southeast-1',
    path: '/',
    success: loadFixture('codepipeline', 'success-minimal'),
    notFound: loadFixture('codepipeline', 'not-found'),
    throttled: loadFixture('codepipeline', 'throttled'),
    // awsJson1_1: the code in the body's __type, as CodePipeline's other error fixtures carry it.
    clockSkew: {
      status: 403,
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'x-amzn-RequestId': 'contract-codepipeline-skew',
      },
      body: '{"__type":"InvalidSignatureException","message":"Signature expired: 20260310T100000Z is now earlier than 20260310T100500Z (20260310T101000Z - 5 min.)"}',
    },
    signature: sigV4('ap-southeast-1', 'codepipeline'),
    ...aws((options, seams) => createSource(codePipeline, options, seams)),
  },
  {
    name: 'Import/Export',
    provider: 'AWS_IMPORT_EXPORT',
    key: { provider: 'AWS_IMPORT_EXPORT', jobId: 'MINI1' },
    id: 'importexport:MINI1',
    nativeId: 'MINI1',
    operation: 'GetStatus',
    // A global service, signed for us-east-1 whatever the caller's region.
    region: 'us-east-1',
    path: '/',
    success: loadFixture('importexport', 'success-minimal'),
    notFound: loadFixture('importexport', 'not-found'),
    throttled: loadFixture('importexport', 'throttled'),
    clockSkew: loadFixture('importexport', 'signature-does-not-match'),
    signature: sigV4('us-east-1', 'IngestionService'),
    ...aws((options, seams) => createSource(importExport, options, seams)),
  },
  {
    name: 'COS Batch',
    provider: 'TENCENT_COS_BATCH',
    key: {
      provider: 'TENCENT_COS_BATCH',
      region: 'ap-guangzhou',
      uin: '100000000001',
      jobId: '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
    },
    id: 'cos:ap-guangzhou:100000000001:7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
    nativeId: '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
    operation: 'DescribeJob',
    region: 'ap-guangzhou',
    path: '/jobs/7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
    success: loadFixture('cosbatch', 'success-minimal'),
    notFound: loadFixture('cosbatch', 'not-found'),
    throttled: loadFixture('cosbatch', 'throttled'),
    clockSkew: {
      status: 403,
      headers: {
        'Content-Type': 'application/xml',
        Server: 'tencent-cos',
        'x-cos-request-id': 'Y29udHJhY3Qtc2tldw==',
      },
      body:
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n    <Code>RequestTimeTooSkewed</Code>\n    <Message>The difference between the request time and the server's time is too large.</Message>\n" +
        '    <Resource>100000000001.cos-control.ap-guangzhou.myqcloud.com/jobs/7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03</Resource>\n    <RequestId>Y29udHJhY3Qtc2tldw==</RequestId>\n</Error>',
    },
    secret: COS_CREDENTIALS.secretKey,
    signature: new RegExp(
      `^q-sign-algorithm=sha1&q-ak=${COS_CREDENTIALS.secretId}&q-sign-time=\\d+;\\d+&q-key-time=\\d+;\\d+&q-header-list=[a-z0-9;-]+&q-url-param-list=&q-signature=[0-9a-f]{40}$`,
    ),
    signedAt: cosSignTime,
    source: (options, seams) =>
      createSource(
        cosBatch,
        { ...options, credentials: COS_CREDENTIALS, appId: '1250000000' },
        seams,
      ),
    unconfigured: (options, seams) =>
      createSource(cosBatch, { ...options, credentials: null, appId: '1250000000' }, seams),
  },
];

/** `fixture` as answered at `ms`: its Date header replaced, so no skew correction happens unless a test dates an answer off the injected clock. */
function dated(fixture: WireFixture, ms: number): WireFixture {
  const headers = Object.fromEntries(
    Object.entries(fixture.headers).filter(([name]) => name.toLowerCase() !== 'date'),
  );
  return { ...fixture, headers: { ...headers, Date: new Date(ms).toUTCString() } };
}

/** No real waiting between attempts, no jitter. */
const NO_WAIT: SourceSeams = { sleep: async () => {}, random: () => 0 };

/** An observer that keeps each attempt's info and, once it ends, its outcome. */
function recordingObserver(): {
  observer: AttemptObserver;
  attempts: { info: UpstreamAttemptInfo; outcome?: string }[];
} {
  const attempts: { info: UpstreamAttemptInfo; outcome?: string }[] = [];
  return {
    attempts,
    observer: {
      start(info) {
        const entry: { info: UpstreamAttemptInfo; outcome?: string } = { info };
        attempts.push(entry);
        return (result) => {
          entry.outcome = result.outcome;
        };
      },
    },
  };
}

/** A loopback URL nothing listens on: a server's port, once it has closed. */
async function closedEndpoint(): Promise<string> {
  const closed = await startFixtureServer();
  await closed.close();
  return closed.url;
}

const server = useFixtureServer();
const opened: ContractSource[] = [];

afterEach(() => {
  for (const s of opened.splice(0)) s.close?.();
});

describe.each(CONTRACTS)('$name source on the shared pipeline', (p) => {
  function source(options: Partial<ContractOptions> = {}, seams: SourceSeams = {}): ContractSource {
    const s = p.source(
      { timeoutMs: 5000, maxAttempts: 1, maxSockets: 2, endpoint: server.url, ...options },
      { now: () => NOW, ...seams },
    );
    opened.push(s);
    return s;
  }

  /** The failure of `promise`, checked to carry no secret, no URL and no signature. */
  async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
    const err = await upstreamFailure(promise);
    expect(err.provider).toBe(p.provider);
    for (const visible of [err.message, JSON.stringify(err), JSON.stringify(err.extensions)]) {
      expect(visible).not.toContain(p.secret);
      expect(visible).not.toMatch(/https?:\/\/|127\.0\.0\.1/);
      expect(visible).not.toContain('Signature=');
      expect(visible).not.toContain('q-signature');
    }
    return err;
  }

  it('answers a success with the normalised record, sent with User-Agent, a signature and the Host it went to', async () => {
    server.respond(dated(p.success, NOW));
    const record = await source().fetchJob(p.key);
    expect(record).toMatchObject({ provider: p.provider, id: p.id, nativeId: p.nativeId });
    expect(server.requests).toHaveLength(1);
    const { headers } = server.requests[0]!;
    expect(headers['user-agent']).toBe(USER_AGENT);
    expect(headers.authorization).toMatch(p.signature);
    expect(headers.host).toBe(new URL(server.url).host);
    expect(p.signedAt(headers)).toBe(NOW);
  });

  it('answers not-found with NOT_FOUND, once, without a secret, a URL or a signature in the error', async () => {
    server.respond(dated(p.notFound, NOW));
    const err = await failure(source({ maxAttempts: 3 }, NO_WAIT).fetchJob(p.key));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a throttled answer and returns the record of the next', async () => {
    server.respond(dated(p.throttled, NOW), dated(p.success, NOW));
    const record = await source({ maxAttempts: 2 }, NO_WAIT).fetchJob(p.key);
    expect(record).toMatchObject({ provider: p.provider, id: p.id });
    expect(server.requests).toHaveLength(2);
  });

  it('answers throttling with UPSTREAM_THROTTLED once maxAttempts are spent', async () => {
    server.respond(dated(p.throttled, NOW));
    const err = await failure(source({ maxAttempts: 2 }, NO_WAIT).fetchJob(p.key));
    expect(err.code).toBe('UPSTREAM_THROTTLED');
    expect(server.requests).toHaveLength(2);
  });

  it('corrects its signing clock from a clock-skew answer’s Date and signs the retry with the corrected time', async () => {
    server.respond(dated(p.clockSkew, NOW + SKEW_MS), dated(p.success, NOW + SKEW_MS));
    const record = await source({ maxAttempts: 2 }, NO_WAIT).fetchJob(p.key);
    expect(record).toMatchObject({ provider: p.provider, id: p.id });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests.map((r) => p.signedAt(r.headers));
    expect([first, second]).toEqual([NOW, NOW + SKEW_MS]);
    expect(server.requests[1]!.headers.authorization).toMatch(p.signature);
  });

  it('answers a clock-skew error as is when no attempt is left, and still signs the next call with the corrected time', async () => {
    server.respond(dated(p.clockSkew, NOW + SKEW_MS));
    const s = source({ maxAttempts: 1 }, NO_WAIT);
    const err = await failure(s.fetchJob(p.key));
    expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(err.retryable).toBe(false);
    server.respond(dated(p.success, NOW + SKEW_MS));
    await s.fetchJob(p.key);
    expect(server.requests.map((r) => p.signedAt(r.headers))).toEqual([NOW, NOW + SKEW_MS]);
  });

  it('does not retry a clock-skew code whose answer is dated within five minutes', async () => {
    server.respond(dated(p.clockSkew, NOW + 60_000), dated(p.success, NOW));
    const err = await failure(source({ maxAttempts: 3 }, NO_WAIT).fetchJob(p.key));
    expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(server.requests).toHaveLength(1);
  });

  it('answers a body over maxBodyBytes with UPSTREAM_BAD_RESPONSE naming the limit, not retried', async () => {
    server.respond(dated(p.success, NOW));
    const err = await failure(
      source({ maxAttempts: 3, maxBodyBytes: 64 }, NO_WAIT).fetchJob(p.key),
    );
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain('64 bytes');
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the path prefix of an endpoint override', async () => {
    server.respond(dated(p.success, NOW));
    await source({ endpoint: `${server.url}/prefix/` }).fetchJob(p.key);
    expect(server.requests.map((r) => r.url)).toEqual([`/prefix${p.path}`]);
    expect(server.requests[0]!.headers.authorization).toMatch(p.signature);
  });

  it('answers UPSTREAM_UNAVAILABLE when nothing listens, after maxAttempts attempts', async () => {
    const { observer, attempts } = recordingObserver();
    const err = await failure(
      source({ endpoint: await closedEndpoint(), maxAttempts: 3, observer }, NO_WAIT).fetchJob(
        p.key,
      ),
    );
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(attempts.map((a) => [a.info.attempt, a.outcome])).toEqual([
      [1, 'UPSTREAM_UNAVAILABLE'],
      [2, 'UPSTREAM_UNAVAILABLE'],
      [3, 'UPSTREAM_UNAVAILABLE'],
    ]);
  });

  it('tells the observer of each attempt, with provider, region, operation and outcome', async () => {
    const { observer, attempts } = recordingObserver();
    server.respond(dated(p.throttled, NOW), dated(p.success, NOW));
    await source({ maxAttempts: 2, observer }, NO_WAIT).fetchJob(p.key);
    const info = { provider: p.provider, region: p.region, operation: p.operation };
    expect(attempts).toEqual([
      { info: { ...info, attempt: 1 }, outcome: 'UPSTREAM_THROTTLED' },
      { info: { ...info, attempt: 2 }, outcome: 'ok' },
    ]);
  });

  it('answers PROVIDER_NOT_CONFIGURED without a request when no credentials can be had', async () => {
    server.respond(dated(p.success, NOW));
    const { observer, attempts } = recordingObserver();
    const s = p.unconfigured(
      { timeoutMs: 5000, maxAttempts: 3, maxSockets: 2, endpoint: server.url, observer },
      { now: () => NOW, ...NO_WAIT },
    );
    opened.push(s);
    const err = await failure(s.fetchJob(p.key));
    expect(err.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(0);
    expect(attempts).toEqual([]);
  });
});
