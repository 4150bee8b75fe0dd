import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { partition } from '@aws-sdk/core/client';
import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CodePipelineClient, GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetReferenceImportJobCommand, OmicsClient } from '@aws-sdk/client-omics';
import { DescribePackageImportJobCommand, PanoramaClient } from '@aws-sdk/client-panorama';
import { describe, expect, it } from 'vitest';
import * as batchErrors from '../../../src/datasources/batch/errors.ts';
import { batch as batchProvider } from '../../../src/datasources/batch/index.ts';
import * as batchParse from '../../../src/datasources/batch/parse.ts';
import * as codepipelineErrors from '../../../src/datasources/codepipeline/errors.ts';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import * as codepipelineParse from '../../../src/datasources/codepipeline/parse.ts';
import * as omicsErrors from '../../../src/datasources/omics/errors.ts';
import { omics as omicsProvider } from '../../../src/datasources/omics/index.ts';
import * as omicsParse from '../../../src/datasources/omics/parse.ts';
import * as panoramaErrors from '../../../src/datasources/panorama/errors.ts';
import { panorama as panoramaProvider } from '../../../src/datasources/panorama/index.ts';
import * as panoramaParse from '../../../src/datasources/panorama/parse.ts';
import { resolveAwsEndpoint } from '../../../src/datasources/shared/awsEndpoint.ts';
import { badResponse } from '../../../src/datasources/shared/classify.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { headerValue, type HttpResult } from '../../../src/datasources/shared/http.ts';
import { MalformedBodyError, UpstreamError } from '../../../src/errors.ts';
import type {
  BatchKey,
  CodePipelineKey,
  JobKey,
  OmicsKey,
  PanoramaKey,
} from '../../../src/model/globalId.ts';
import type { JobProvider } from '../../../src/model/job.ts';
import {
  fixtureNames,
  loadFixture,
  sdkFixtureHandler,
  type FixtureProvider,
  type WireFixture,
} from '../../support/fixtures.ts';
import { sdkErrorAnswer, sdkRequestId } from '../../support/sdkOracle.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

/**
 * The oracle of the lean AWS caller: every golden fixture of the three AWS JSON providers goes
 * through the real `@aws-sdk/client-*` (serialiser, signer, deserialiser; a fixture request
 * handler instead of the network) and through jobgraph's lean path, and both must end in the
 * same normalised record or the same error (code, upstream code, request id, status, retryable).
 * The SDK side reuses the provider's parse.ts and errors.ts on what the SDK read; what is
 * compared is the reading of the wire.
 */

const credentials = {
  accessKeyId: 'JOBGRAPHTESTACCESSKEY',
  secretAccessKey: 'jobgraph-test-secret',
};
const transport = { timeoutMs: 2000, maxAttempts: 1, maxSockets: 2 };

interface Provider<K extends JobKey> {
  dir: FixtureProvider;
  provider: JobProvider;
  key: K;
  source(seams: SourceSeams): Pick<JobSource, 'close'> & { fetchJob(key: K): Promise<unknown> };
  /** One call through the real SDK client. */
  sdk(fixture: WireFixture, key: K): Promise<{ $metadata?: { requestId?: string } }>;
  errors: { toUpstreamError(key: K, answer: HttpResult): unknown };
  parse(key: K, output: unknown): unknown;
}

const sdkConfig = (fixture: WireFixture) => ({
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
  requestHandler: sdkFixtureHandler(fixture),
});

const panorama: Provider<PanoramaKey> = {
  dir: 'panorama',
  provider: 'AWS_PANORAMA',
  key: { provider: 'AWS_PANORAMA', region: 'us-east-1', jobId: 'pkgimport-5f3a9c1e7b2d4086' },
  source: (seams) => createSource(panoramaProvider, { ...transport, credentials }, seams),
  sdk: (fixture, key) =>
    new PanoramaClient(sdkConfig(fixture)).send(
      new DescribePackageImportJobCommand({ JobId: key.jobId }),
    ),
  errors: panoramaErrors,
  parse: (key, output) => panoramaParse.parse(key, output),
};

const omics: Provider<OmicsKey> = {
  dir: 'omics',
  provider: 'AWS_OMICS',
  key: {
    provider: 'AWS_OMICS',
    region: 'us-east-1',
    referenceStoreId: '1234567890',
    id: '8110394864',
  },
  source: (seams) => createSource(omicsProvider, { ...transport, credentials }, seams),
  sdk: (fixture, key) =>
    new OmicsClient(sdkConfig(fixture)).send(
      new GetReferenceImportJobCommand({ referenceStoreId: key.referenceStoreId, id: key.id }),
    ),
  errors: omicsErrors,
  parse: (key, output) => omicsParse.parse(key, output),
};

const codepipeline: Provider<CodePipelineKey> = {
  dir: 'codepipeline',
  provider: 'AWS_CODEPIPELINE',
  key: {
    provider: 'AWS_CODEPIPELINE',
    region: 'us-east-1',
    jobId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
  },
  source: (seams) => createSource(codePipeline, { ...transport, credentials }, seams),
  sdk: (fixture, key) =>
    new CodePipelineClient(sdkConfig(fixture)).send(new GetJobDetailsCommand({ jobId: key.jobId })),
  errors: codepipelineErrors,
  parse: (key, output) => codepipelineParse.parse(key, output),
};

const batch: Provider<BatchKey> = {
  dir: 'batch',
  provider: 'AWS_BATCH',
  key: {
    provider: 'AWS_BATCH',
    region: 'us-east-1',
    jobId: '13811212-a506-4866-8965-eafb175c2133',
  },
  source: (seams) => createSource(batchProvider, { ...transport, credentials }, seams),
  sdk: (fixture, key) =>
    new BatchClient(sdkConfig(fixture)).send(new DescribeJobsCommand({ jobs: [key.jobId] })),
  errors: batchErrors,
  // A job the answer leaves out is NOT_FOUND, with the request ID of the answer that left it out.
  parse: (key, output) => {
    try {
      return batchParse.parse(key, output);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      const requestId = (output as { $metadata?: { requestId?: string } }).$metadata?.requestId;
      throw batchErrors.notFound(key, requestId ?? null);
    }
  },
};

type Outcome =
  | { record: unknown }
  | {
      error: {
        code: string;
        upstreamCode: string | null;
        upstreamRequestId: string | null;
        httpStatus: number | null;
        retryable: boolean;
      };
    };

function outcomeOf(err: unknown): Outcome {
  expect(err).toBeInstanceOf(UpstreamError);
  const e = err as UpstreamError;
  return {
    error: {
      code: e.code,
      upstreamCode: e.upstreamCode,
      upstreamRequestId: e.upstreamRequestId,
      httpStatus: e.httpStatus,
      retryable: e.retryable,
    },
  };
}

async function lean<K extends JobKey>(p: Provider<K>, fixture: WireFixture): Promise<Outcome> {
  // Signed at the answer's own time, so the clock-skew correction (which the SDK client's
  // fixture handler leaves out) does not turn a fixture dated in the past into a retryable one.
  const date = Date.parse(headerValue(fixture.headers, 'date') ?? '');
  const source = p.source({
    requestHandler: sdkFixtureHandler(fixture),
    ...(Number.isFinite(date) ? { now: () => date } : {}),
  });
  try {
    return { record: await source.fetchJob(p.key) };
  } catch (err) {
    return outcomeOf(err);
  } finally {
    source.close?.();
  }
}

async function oracle<K extends JobKey>(p: Provider<K>, fixture: WireFixture): Promise<Outcome> {
  let output: { $metadata?: { requestId?: string } };
  try {
    output = await p.sdk(fixture, p.key);
  } catch (err) {
    const answer = sdkErrorAnswer(err);
    // A 2xx (or an answer) the SDK's deserialiser could not read: the body is not the protocol's.
    if (answer === null)
      return outcomeOf(
        badResponse(
          p.provider,
          new MalformedBodyError('body is not valid for the protocol'),
          sdkRequestId(err),
        ),
      );
    return outcomeOf(p.errors.toUpstreamError(p.key, answer));
  }
  try {
    return { record: p.parse(p.key, output) };
  } catch (err) {
    // A describe-many answer without the job (AWS Batch): the parse step's own NOT_FOUND.
    if (err instanceof UpstreamError) return outcomeOf(err);
    expect(err).toBeInstanceOf(MalformedBodyError);
    return outcomeOf(
      badResponse(p.provider, err as MalformedBodyError, output.$metadata?.requestId ?? null),
    );
  }
}

describe.each([panorama, omics, codepipeline, batch] as Provider<JobKey>[])(
  '$dir: the lean path against the real SDK deserialiser',
  (p) => {
    it.each(fixtureNames(p.dir))('reads %s as the SDK does', async (name) => {
      const fixture = loadFixture(p.dir, name);
      const [expected, actual] = [await oracle(p, fixture), await lean(p, fixture)];
      expect(actual).toEqual(expected);
    });
  },
);

/** The SDK's partition data (`@aws-sdk/core`'s partitions.js, the table `aws.partition` reads; not in the package's exports, so loaded by path). */
interface PartitionsInfo {
  partitions: {
    id: string;
    regionRegex: string;
    outputs: { name: string };
    regions: Record<string, unknown>;
  }[];
}
async function partitionsInfo(): Promise<PartitionsInfo> {
  const core = dirname(createRequire(import.meta.url).resolve('@aws-sdk/core/package.json'));
  const file = join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js');
  return ((await import(pathToFileURL(file).href)) as { partitionsInfo: PartitionsInfo })
    .partitionsInfo;
}

describe('Endpoints through the SDK partition data', async () => {
  const { partitions } = await partitionsInfo();
  /** Every region of every partition, plus names only the partition's region pattern knows and one no pattern knows. */
  const regionsOf = (p: PartitionsInfo['partitions'][number]) => Object.keys(p.regions);
  const unlisted = [
    'us-east-9',
    'eu-south-7',
    'cn-south-9',
    'eusc-de-west-9',
    'us-iso-south-9',
    'us-isob-south-9',
    'eu-isoe-east-9',
    'us-isof-west-9',
    'us-gov-south-9',
    'xx-nowhere-1',
    'local',
  ];
  const variants = [
    {},
    { useFips: true },
    { useDualStack: true },
    { useFips: true, useDualStack: true },
  ];
  const clients = [
    { prefix: 'panorama', client: PanoramaClient },
    { prefix: 'omics', client: OmicsClient },
    { prefix: 'codepipeline', client: CodePipelineClient },
  ];

  it('reads the partition data the SDK resolves with: every partition, every listed region in its own partition', () => {
    expect(partitions.map((p) => p.id)).toEqual(
      expect.arrayContaining([
        'aws',
        'aws-cn',
        'aws-us-gov',
        'aws-iso',
        'aws-iso-b',
        'aws-iso-e',
        'aws-iso-f',
        'aws-eusc',
      ]),
    );
    for (const p of partitions) {
      expect(regionsOf(p).length).toBeGreaterThan(0);
      for (const region of regionsOf(p))
        expect([region, partition(region).name]).toEqual([region, p.outputs.name]);
    }
  });

  it.each(clients)(
    'resolves $prefix in every region of every partition, in every variant, as the SDK client’s own endpoint rules do',
    async ({ prefix, client }) => {
      const sdk = new client({ region: 'us-east-1', credentials });
      const actual: string[] = [];
      const expected: string[] = [];
      try {
        for (const region of [...partitions.flatMap(regionsOf), ...unlisted]) {
          for (const v of variants) {
            const label = `${region} ${JSON.stringify(v)}`;
            let sdkHref: string;
            try {
              sdkHref = sdk.config.endpointProvider({
                Region: region,
                UseFIPS: v.useFips ?? false,
                UseDualStack: v.useDualStack ?? false,
              }).url.href;
            } catch {
              sdkHref = 'error';
            }
            expected.push(`${label} ${sdkHref}`);
            actual.push(
              `${label} ${await resolveAwsEndpoint(prefix, region, v).then(
                (u) => u.href,
                () => 'error',
              )}`,
            );
          }
        }
      } finally {
        sdk.destroy();
      }
      expect(actual.length).toBe(
        (partitions.flatMap(regionsOf).length + unlisted.length) * variants.length,
      );
      expect(actual).toEqual(expected);
    },
  );
});
