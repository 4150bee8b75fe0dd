import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { DEMO_REGION, FULL_JOB_ID, type WireArtifact, type WireJobDetails } from './data.ts';

/**
 * The second demo account's (staging's) CodePipeline custom-action jobs, in the demo region
 * (GetJobDetails has no list and no times). One has the ID of the default account's example job
 * (the storefront-release build there), another pipeline's deploy here, so a client can show
 * that the same native ID in two accounts names two jobs. Every secret is a fake
 * `…STAGING…` string, distinct from the default account's.
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;
const BUCKET = `codepipeline-${DEMO_REGION}-${ACCOUNT}`;

/** The second account's job IDs by what they show. */
export const CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (a Build there): a Deploy of another pipeline here. */
  shared: FULL_JOB_ID,
  build: 'c0de5701-7e57-4b1d-8a11-000000005701',
  test: 'c0de5702-7e57-4b1d-8a11-000000005702',
});

function credentials(n: string) {
  return {
    accessKeyId: `ASIAJOBGRAPHSTAGING${n}`,
    secretAccessKey: `DEMO-STAGING-SECRET-ACCESS-KEY-${n}-not-a-real-secret`,
    sessionToken: `DEMO-STAGING-SESSION-TOKEN-${n}-not-a-real-token`,
  };
}

function artifact(pipeline: string, name: string, objectKey: string): WireArtifact {
  return {
    name,
    location: {
      type: 'S3',
      s3Location: { bucketName: BUCKET, objectKey: `${pipeline}/${objectKey}` },
    },
  };
}

function context(pipeline: string, stage: string, action: string, executionId: string) {
  return {
    pipelineName: pipeline,
    stage: { name: stage },
    action: {
      name: action,
      actionExecutionId: `57a9e000-0000-4000-8000-${executionId.slice(-12)}`,
    },
    pipelineArn: `arn:aws:codepipeline:${DEMO_REGION}:${ACCOUNT}:${pipeline}`,
    pipelineExecutionId: executionId,
  };
}

const J = CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS;

const JOBS: WireJobDetails[] = [
  {
    id: J.shared,
    accountId: ACCOUNT,
    data: {
      actionTypeId: {
        category: 'Deploy',
        owner: 'Custom',
        provider: 'JobgraphStagingDeployer',
        version: '1',
      },
      actionConfiguration: {
        configuration: {
          Environment: 'pre-production',
          ApiToken: 'DEMO-STAGING-CONFIG-SECRET-0001-not-a-real-token',
        },
      },
      pipelineContext: context(
        'staging-storefront-deploy',
        'Deploy',
        'DeployToStaging',
        'a7e57a9e-0001-4000-8000-000000000001',
      ),
      inputArtifacts: [artifact('staging-storefront-deploy', 'BuildOutput', 'BuildOutpu/St4g1nG')],
      outputArtifacts: [],
      artifactCredentials: credentials('0001'),
    },
  },
  {
    id: J.build,
    accountId: ACCOUNT,
    data: {
      actionTypeId: {
        category: 'Build',
        owner: 'Custom',
        provider: 'JobgraphStagingBuilder',
        version: '1',
      },
      actionConfiguration: { configuration: { ProjectName: 'staging-storefront-web' } },
      pipelineContext: context(
        'staging-storefront-deploy',
        'Build',
        'CompileForStaging',
        'a7e57a9e-0001-4000-8000-000000000001',
      ),
      inputArtifacts: [artifact('staging-storefront-deploy', 'SourceOutput', 'SourceOutp/St4g1nG')],
      outputArtifacts: [artifact('staging-storefront-deploy', 'BuildOutput', 'BuildOutpu/St4g1nG')],
      artifactCredentials: credentials('0002'),
    },
  },
  {
    id: J.test,
    accountId: ACCOUNT,
    data: {
      actionTypeId: {
        category: 'Test',
        owner: 'Custom',
        provider: 'JobgraphStagingSmokeTest',
        version: '1',
      },
      pipelineContext: context(
        'staging-smoke-tests',
        'Test',
        'SmokeTestStaging',
        'a7e57a9e-0002-4000-8000-000000000002',
      ),
      artifactCredentials: credentials('0003'),
    },
  },
];

/** The second account's jobs by job ID (all in DEMO_REGION). */
export const CODEPIPELINE_SECOND_ACCOUNT_JOBS: ReadonlyMap<string, WireJobDetails> = new Map(
  JOBS.map((j) => [j.id, j]),
);

/** Every secret value in the second account's jobs, for tests asserting none leaks. */
export const CODEPIPELINE_SECOND_ACCOUNT_SECRET_VALUES: readonly string[] = JOBS.flatMap((j) => {
  const c = j.data?.artifactCredentials;
  const configSecrets = Object.values(j.data?.actionConfiguration?.configuration ?? {}).filter(
    (v) => v.startsWith('DEMO-'),
  );
  return [...(c ? [c.accessKeyId, c.secretAccessKey, c.sessionToken] : []), ...configSecrets];
});
