import { describe, expect, it } from 'vitest';
import type { CodePipelineKey } from '../../../src/model/globalId.ts';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import type { CodePipelineJobRecord } from '../../../src/datasources/codepipeline/record.ts';
import { fixtureLoader, sdkFixtureHandler as fixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { UNKNOWN_STATE_FIELDS } from '../../support/records.ts';
import { keyValues } from '../../support/keyValues.ts';
import { NO_ACTION_DETAILS } from './expected.ts';

const loadFixture = fixtureLoader('codepipeline');

const credentials = {
  accessKeyId: 'JOBGRAPHTESTACCESSKEY',
  secretAccessKey: 'jobgraph-test-secret',
};
const transport = { timeoutMs: 2000, maxAttempts: 1, maxSockets: 4 };

function keyFor(jobId: string, region = 'us-east-1'): CodePipelineKey {
  return { provider: 'AWS_CODEPIPELINE', region, jobId };
}

async function fetchWith(fixtureName: string, key: CodePipelineKey) {
  const fixture = loadFixture(fixtureName);
  const handler = fixtureHandler(fixture);
  const source = createSource(
    codePipeline,
    { ...transport, credentials },
    { requestHandler: handler },
  );
  try {
    return { record: await source.fetchJob(key), handler, fixture };
  } finally {
    source.close?.();
  }
}

/**
 * What every fixture's record has: the Job fields of the job `key` names (a job whose state
 * CodePipeline does not say) and the fixtures' account.
 */
const jobFields = (key: CodePipelineKey) =>
  ({
    provider: 'AWS_CODEPIPELINE',
    ...UNKNOWN_STATE_FIELDS,
    id: `codepipeline:${key.region}:${key.jobId}`,
    nativeId: key.jobId,
    region: key.region,
    accountId: '111111111111',
  }) as const;

/**
 * The record fixture `fixtureName` answers for `key` must be `fields` beside `jobFields(key)`, and
 * named after its pipeline.
 */
async function expectRecord(
  fixtureName: string,
  key: CodePipelineKey,
  fields: Omit<CodePipelineJobRecord, keyof ReturnType<typeof jobFields> | 'name'>,
): Promise<void> {
  const { record } = await fetchWith(fixtureName, key);
  // The job's name is its pipeline's.
  const name = fields.pipelineContext?.pipelineName ?? null;
  expect(record).toEqual<CodePipelineJobRecord>({ ...jobFields(key), name, ...fields });
}

describe('CodePipeline protocol', () => {
  it('sends GetJobDetails as AWS JSON 1.1 signed for codepipeline', async () => {
    const { handler } = await fetchWith(
      'success-minimal.json',
      keyFor('0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', 'eu-west-1'),
    );
    expect(handler.requests).toHaveLength(1);
    const req = handler.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/');
    expect(req.hostname).toBe('codepipeline.eu-west-1.amazonaws.com');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(req.headers['x-amz-target']).toBe('CodePipeline_20150709.GetJobDetails');
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=JOBGRAPHTESTACCESSKEY\/\d{8}\/eu-west-1\/codepipeline\/aws4_request, /,
    );
    expect(new TextDecoder().decode(req.body as Uint8Array)).toBe(
      '{"jobId":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}',
    );
  });

  it('reads every field of a full response and ignores nested __type markers', async () => {
    const s3 = (objectKey: string) => ({
      type: 'S3' as const,
      s3Location: { bucketName: 'amzn-s3-demo-bucket', objectKey },
    });
    await expectRecord('success-full.json', keyFor('ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b'), {
      actionTypeId: {
        category: 'Test',
        owner: 'Custom',
        provider: 'JenkinsProviderName',
        version: '1',
      },
      actionConfiguration: keyValues({
        ProjectName: 'JenkinsTestProject',
        ApiKey: 'FIXTURE-CONFIG-SECRET-not-a-real-key',
      }),
      pipelineContext: {
        pipelineName: 'MySecondPipeline',
        stage: { name: 'Testing' },
        action: {
          name: 'JenkinsTestAction',
          actionExecutionId: '3c2b1a09-8f7e-4d6c-9b5a-493827160504',
        },
        pipelineArn: 'arn:aws:codepipeline:us-east-1:111111111111:MySecondPipeline',
        pipelineExecutionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      },
      inputArtifacts: [
        {
          name: 'MyAppBuild',
          revision: '0123456789abcdef0123456789abcdef01234567',
          location: s3('MySecondPipeline/MyAppBuild/EXAMPLE'),
        },
        { name: 'MyAppConfig', revision: null, location: s3('MySecondPipeline/MyAppConf/EXAMPLE') },
      ],
      outputArtifacts: [
        { name: 'TestReport', revision: null, location: s3('MySecondPipeline/TestReport/EXAMPLE') },
        { name: 'Coverage', revision: null, location: s3('MySecondPipeline/Coverage/EXAMPLE') },
      ],
      artifactCredentials: {
        accessKeyId: 'ASIAJOBGRAPHFIXTURE1',
        secretAccessKey: 'FIXTURE-SECRET-ACCESS-KEY-not-a-real-secret',
        sessionToken: 'FIXTURE-SESSION-TOKEN-not-a-real-token',
      },
      continuationToken: 'FIXTURE-CONTINUATION-TOKEN-not-a-real-token',
      encryptionKey: {
        id: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        type: 'KMS',
      },
    });
  });

  it('reads a minimal response with absent members as null and empty lists', async () => {
    await expectRecord('success-minimal.json', keyFor('0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'), {
      actionTypeId: {
        category: 'Build',
        owner: 'Custom',
        provider: 'MinimalProvider',
        version: '1',
      },
      ...NO_ACTION_DETAILS,
    });
  });

  it('keeps one-element lists and maps as lists', async () => {
    await expectRecord(
      'one-element-lists.json',
      keyFor('11111111-2222-4333-8444-555555555555', 'ap-southeast-2'),
      {
        ...NO_ACTION_DETAILS,
        actionTypeId: {
          category: 'Deploy',
          owner: 'ThirdParty',
          provider: 'OneOfEach',
          version: '7',
        },
        actionConfiguration: [{ key: 'OnlyKey', value: 'only-value' }],
        pipelineContext: null,
        inputArtifacts: [
          {
            name: 'In',
            revision: 'r1',
            location: { type: 'S3', s3Location: { bucketName: 'one-bucket', objectKey: 'p/in/1' } },
          },
        ],
        outputArtifacts: [
          {
            name: 'Out',
            revision: null,
            location: {
              type: 'S3',
              s3Location: { bucketName: 'one-bucket', objectKey: 'p/out/1' },
            },
          },
        ],
      },
    );
  });

  it('ignores unknown fields, maps unknown enum values to null and keeps empty strings, "0" and "false"', async () => {
    await expectRecord('unknown-fields.json', keyFor('22222222-3333-4444-8555-666666666666'), {
      actionTypeId: { category: null, owner: null, provider: 'FutureProvider', version: '0' },
      actionConfiguration: keyValues({ EmptyLooking: '0', Flag: 'false' }),
      pipelineContext: {
        pipelineName: '',
        stage: { name: 'Stage' },
        action: { name: 'Act', actionExecutionId: null },
        pipelineArn: null,
        pipelineExecutionId: null,
      },
      inputArtifacts: [
        { name: 'FutureArtifact', revision: '', location: { type: null, s3Location: null } },
      ],
      outputArtifacts: [],
      artifactCredentials: null,
      continuationToken: '',
      encryptionKey: { id: 'alias/future', type: null },
    });
  });

  // Its error answers: the contract table (test/datasources/shared/errorAnswers.test.ts).
});
