import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
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

type Row = SecondAccountRow<
  keyof typeof CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS,
  {
    category: string;
    provider: string;
    configuration?: Record<string, string>;
    /** Pipeline, stage, action and pipeline execution ID. */
    at: [pipeline: string, stage: string, action: string, executionId: string];
    /** Input and output artifacts: name and object key (under the pipeline's folder). */
    inputs?: [name: string, objectKey: string][];
    outputs?: [name: string, objectKey: string][];
    /** The number in its artifact credentials' fake values. */
    credentials: string;
  }
>;

const PIPELINE = 'staging-storefront-deploy';
const RUN_1 = 'a7e57a9e-0001-4000-8000-000000000001';
const BUILD_OUTPUT: [string, string] = ['BuildOutput', 'BuildOutpu/St4g1nG'];
// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'shared', category: 'Deploy', provider: 'JobgraphStagingDeployer',
    configuration: { Environment: 'pre-production', ApiToken: 'DEMO-STAGING-CONFIG-SECRET-0001-not-a-real-token' },
    at: [PIPELINE, 'Deploy', 'DeployToStaging', RUN_1], inputs: [BUILD_OUTPUT], outputs: [], credentials: '0001' },
  { job: 'build', category: 'Build', provider: 'JobgraphStagingBuilder',
    configuration: { ProjectName: 'staging-storefront-web' },
    at: [PIPELINE, 'Build', 'CompileForStaging', RUN_1],
    inputs: [['SourceOutput', 'SourceOutp/St4g1nG']], outputs: [BUILD_OUTPUT], credentials: '0002' },
  { job: 'test', category: 'Test', provider: 'JobgraphStagingSmokeTest',
    at: ['staging-smoke-tests', 'Test', 'SmokeTestStaging', 'a7e57a9e-0002-4000-8000-000000000002'], credentials: '0003' },
];

function artifacts(pipeline: string, list: [string, string][]): WireArtifact[] {
  return list.map(([name, objectKey]) => ({
    name,
    location: {
      type: 'S3',
      s3Location: { bucketName: BUCKET, objectKey: `${pipeline}/${objectKey}` },
    },
  }));
}

/** One row on the wire. */
function template(row: Row, { jobId }: SecondAccountSlot): WireJobDetails {
  const [pipeline, stage, action, executionId] = row.at;
  const n = row.credentials;
  return {
    id: jobId,
    accountId: ACCOUNT,
    data: {
      actionTypeId: {
        category: row.category,
        owner: 'Custom',
        provider: row.provider,
        version: '1',
      },
      ...(row.configuration ? { actionConfiguration: { configuration: row.configuration } } : {}),
      pipelineContext: {
        pipelineName: pipeline,
        stage: { name: stage },
        action: {
          name: action,
          actionExecutionId: `57a9e000-0000-4000-8000-${executionId.slice(-12)}`,
        },
        pipelineArn: `arn:aws:codepipeline:${DEMO_REGION}:${ACCOUNT}:${pipeline}`,
        pipelineExecutionId: executionId,
      },
      ...(row.inputs ? { inputArtifacts: artifacts(pipeline, row.inputs) } : {}),
      ...(row.outputs ? { outputArtifacts: artifacts(pipeline, row.outputs) } : {}),
      artifactCredentials: {
        accessKeyId: `ASIAJOBGRAPHSTAGING${n}`,
        secretAccessKey: `DEMO-STAGING-SECRET-ACCESS-KEY-${n}-not-a-real-secret`,
        sessionToken: `DEMO-STAGING-SESSION-TOKEN-${n}-not-a-real-token`,
      },
    },
  };
}

const JOBS = secondAccountJobs(
  { ids: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS, rows: ROWS },
  0,
  template,
);

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
