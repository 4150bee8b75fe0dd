import { DEMO_AWS_ACCOUNT_ID } from '../accounts.ts';
/**
 * Demo CodePipeline custom-action jobs, in the wire shape of `GetJobDetails` (`jobDetails`).
 * Every secret value (credentials, secret-looking configuration values, continuation tokens)
 * is an obviously fake, unique, greppable string so tests can assert it never leaks.
 */

export const DEMO_REGION = 'us-east-1';
export const DEMO_ACCOUNT_ID = DEMO_AWS_ACCOUNT_ID;

/** Wire shape of `jobDetails` (the emulator's own types; it shares nothing with the client). */
export interface WireArtifact {
  name?: string;
  revision?: string;
  location?: { type?: string; s3Location?: { bucketName?: string; objectKey?: string } };
}
export interface WireJobDetails {
  id: string;
  accountId?: string;
  data?: {
    actionTypeId?: { category: string; owner: string; provider: string; version: string };
    actionConfiguration?: { configuration?: Record<string, string> };
    pipelineContext?: {
      pipelineName?: string;
      stage?: { name?: string };
      action?: { name?: string; actionExecutionId?: string };
      pipelineArn?: string;
      pipelineExecutionId?: string;
    };
    inputArtifacts?: WireArtifact[];
    outputArtifacts?: WireArtifact[];
    artifactCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    continuationToken?: string;
    encryptionKey?: { id: string; type: string };
  };
}

const ARTIFACT_BUCKET = `codepipeline-us-east-1-${DEMO_ACCOUNT_ID}`;
const KMS_KEY_ARN = `arn:aws:kms:us-east-1:${DEMO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Fake STS credentials, unique per job `n`; never a real-looking AKIA key. */
function credentials(n: string) {
  return {
    accessKeyId: `ASIAJOBGRAPHDEMO${n}`,
    secretAccessKey: `DEMO-SECRET-ACCESS-KEY-${n}-not-a-real-secret`,
    sessionToken: `DEMO-SESSION-TOKEN-${n}-not-a-real-token`,
  };
}

export function s3Artifact(
  pipeline: string,
  name: string,
  objectKey: string,
  revision?: string,
): WireArtifact {
  return {
    name,
    ...(revision !== undefined ? { revision } : {}),
    location: {
      type: 'S3',
      s3Location: { bucketName: ARTIFACT_BUCKET, objectKey: `${pipeline}/${objectKey}` },
    },
  };
}

export function context(
  pipeline: string,
  stage: string,
  action: string,
  executionId: string,
  actionExecutionId: string,
) {
  return {
    pipelineName: pipeline,
    stage: { name: stage },
    action: { name: action, actionExecutionId },
    pipelineArn: `arn:aws:codepipeline:us-east-1:${DEMO_ACCOUNT_ID}:${pipeline}`,
    pipelineExecutionId: executionId,
  };
}

/** Everything GetJobDetails can return: credentials, a secret configuration value, a continuation token, a KMS key, several artifacts. */
export const FULL_JOB_ID = 'c0de0001-7e57-4b1d-8a11-000000000001';
/** Only what the model requires: id, accountId and data.actionTypeId. */
export const MINIMAL_JOB_ID = 'c0de0002-7e57-4b1d-8a11-000000000002';
const SOURCE_JOB_ID = 'c0de0003-7e57-4b1d-8a11-000000000003';
const BUILD_JOB_ID = 'c0de0004-7e57-4b1d-8a11-000000000004';
const DEPLOY_JOB_ID = 'c0de0005-7e57-4b1d-8a11-000000000005';
const TEST_JOB_ID = 'c0de0006-7e57-4b1d-8a11-000000000006';
const INVOKE_JOB_ID = 'c0de0007-7e57-4b1d-8a11-000000000007';
const APPROVAL_JOB_ID = 'c0de0008-7e57-4b1d-8a11-000000000008';
const COMPUTE_JOB_ID = 'c0de0009-7e57-4b1d-8a11-000000000009';

/** Error-case job IDs: always JobNotFoundException, always ThrottlingException, always a 503. */
export const NOT_FOUND_JOB_ID = 'c0de0404-7e57-4b1d-8a11-000000000404';
export const THROTTLED_JOB_ID = 'c0de0429-7e57-4b1d-8a11-000000000429';
export const SERVER_ERROR_JOB_ID = 'c0de0503-7e57-4b1d-8a11-000000000503';

const JOBS: WireJobDetails[] = [
  {
    id: FULL_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Build',
        owner: 'Custom',
        provider: 'JobgraphDemoBuilder',
        version: '2',
      },
      actionConfiguration: {
        configuration: {
          ProjectName: 'storefront-web',
          BuildSpec: 'buildspec.release.yml',
          ApiToken: 'DEMO-CONFIG-SECRET-0001-not-a-real-token',
        },
      },
      pipelineContext: context(
        'storefront-release',
        'Build',
        'CompileAndPackage',
        '4f2c9a7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b',
        'a1b2c3d4-e5f6-4789-8abc-def012345678',
      ),
      inputArtifacts: [
        s3Artifact(
          'storefront-release',
          'SourceOutput',
          'SourceOutp/x7Kq2Lm',
          '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
        ),
        s3Artifact(
          'storefront-release',
          'ConfigOutput',
          'ConfigOutp/Zr81PwA',
          '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
        ),
      ],
      outputArtifacts: [
        s3Artifact('storefront-release', 'BuildOutput', 'BuildOutpu/Qe4sT9v'),
        s3Artifact('storefront-release', 'ReportOutput', 'ReportOutp/Mn3bV0c'),
      ],
      artifactCredentials: credentials('0001'),
      continuationToken: 'DEMO-CONTINUATION-TOKEN-0001-not-a-real-token',
      encryptionKey: { id: KMS_KEY_ARN, type: 'KMS' },
    },
  },
  {
    id: MINIMAL_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Test',
        owner: 'Custom',
        provider: 'JobgraphDemoMinimal',
        version: '1',
      },
    },
  },
  {
    id: SOURCE_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Source',
        owner: 'Custom',
        provider: 'JobgraphDemoGitMirror',
        version: '1',
      },
      actionConfiguration: {
        configuration: {
          RepositoryUrl: 'https://git.example.com/storefront/web.git',
          Branch: 'main',
        },
      },
      pipelineContext: context(
        'storefront-release',
        'Source',
        'MirrorCheckout',
        '4f2c9a7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b',
        'b2c3d4e5-f6a7-4890-9bcd-ef0123456789',
      ),
      inputArtifacts: [],
      outputArtifacts: [s3Artifact('storefront-release', 'SourceOutput', 'SourceOutp/x7Kq2Lm')],
      artifactCredentials: credentials('0003'),
    },
  },
  {
    id: BUILD_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Build',
        owner: 'ThirdParty',
        provider: 'JenkinsProviderName',
        version: '1',
      },
      actionConfiguration: { configuration: { ProjectName: 'JenkinsTestProject' } },
      pipelineContext: context(
        'payments-api',
        'Build',
        'JenkinsBuild',
        '0b6e5d4c-3a2f-4e1d-9c8b-7a6f5e4d3c2b',
        'c3d4e5f6-a7b8-4901-8cde-f01234567890',
      ),
      inputArtifacts: [
        s3Artifact(
          'payments-api',
          'MyAppSource',
          'MyAppSourc/Hk29sLq',
          'e3b0c44298fc1c149afbf4c8996fb92427ae41e4',
        ),
      ],
      outputArtifacts: [s3Artifact('payments-api', 'MyAppBuild', 'MyAppBuild/Pw7nXc2')],
      artifactCredentials: credentials('0004'),
    },
  },
  {
    id: DEPLOY_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Deploy',
        owner: 'Custom',
        provider: 'JobgraphDemoDeployer',
        version: '3',
      },
      actionConfiguration: {
        configuration: {
          Environment: 'production',
          ClusterName: 'payments-prod',
          DeployPassword: 'DEMO-CONFIG-SECRET-0005-not-a-real-password',
        },
      },
      pipelineContext: context(
        'payments-api',
        'Deploy',
        'RollOutProduction',
        '0b6e5d4c-3a2f-4e1d-9c8b-7a6f5e4d3c2b',
        'd4e5f6a7-b8c9-4012-9def-012345678901',
      ),
      inputArtifacts: [
        s3Artifact(
          'payments-api',
          'MyAppBuild',
          'MyAppBuild/Pw7nXc2',
          'Xb7t2.Q3mlZ0aR4vE8pK6yN1sW5uC9dF',
        ),
      ],
      outputArtifacts: [],
      artifactCredentials: credentials('0005'),
      continuationToken: 'DEMO-CONTINUATION-TOKEN-0005-not-a-real-token',
      encryptionKey: { id: 'alias/codepipeline-payments', type: 'KMS' },
    },
  },
  {
    id: TEST_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Test',
        owner: 'ThirdParty',
        provider: 'JobgraphDemoLoadTester',
        version: '1',
      },
      actionConfiguration: { configuration: { Scenario: 'checkout-peak', DurationMinutes: '15' } },
      pipelineContext: context(
        'storefront-release',
        'Test',
        'LoadTest',
        '4f2c9a7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b',
        'e5f6a7b8-c9d0-4123-8ef0-123456789012',
      ),
      inputArtifacts: [s3Artifact('storefront-release', 'BuildOutput', 'BuildOutpu/Qe4sT9v')],
      outputArtifacts: [],
      artifactCredentials: credentials('0006'),
    },
  },
  {
    id: INVOKE_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Invoke',
        owner: 'Custom',
        provider: 'JobgraphDemoNotifier',
        version: '1',
      },
      actionConfiguration: {
        configuration: {
          Channel: '#releases',
          WebhookSecret: 'DEMO-CONFIG-SECRET-0007-not-a-real-webhook-secret',
        },
      },
      pipelineContext: context(
        'storefront-release',
        'Notify',
        'AnnounceRelease',
        '4f2c9a7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b',
        'f6a7b8c9-d0e1-4234-9f01-234567890123',
      ),
    },
  },
  {
    id: APPROVAL_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Approval',
        owner: 'Custom',
        provider: 'JobgraphDemoChangeBoard',
        version: '1',
      },
      actionConfiguration: { configuration: { TicketQueue: 'CAB-PAYMENTS' } },
      pipelineContext: context(
        'payments-api',
        'Approve',
        'ChangeBoardSignOff',
        '0b6e5d4c-3a2f-4e1d-9c8b-7a6f5e4d3c2b',
        'a7b8c9d0-e1f2-4345-8012-345678901234',
      ),
      continuationToken: 'DEMO-CONTINUATION-TOKEN-0008-not-a-real-token',
    },
  },
  {
    id: COMPUTE_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Compute',
        owner: 'Custom',
        provider: 'JobgraphDemoBatchRunner',
        version: '1',
      },
      actionConfiguration: {
        configuration: {
          Image: 'public.ecr.aws/docker/library/node:20',
          Command: 'npm run report',
        },
      },
      pipelineContext: context(
        'nightly-reports',
        'Run',
        'GenerateReports',
        '5c4b3a29-1807-4f6e-8d5c-4b3a29180706',
        'b8c9d0e1-f2a3-4456-9123-456789012345',
      ),
      inputArtifacts: [
        s3Artifact(
          'nightly-reports',
          'ReportsSource',
          'ReportsSou/Tq6wEr1',
          'c1f5a1e2b3d4c5e6f7a8b9c0d1e2f3a4b5c6d7e8',
        ),
      ],
      outputArtifacts: [s3Artifact('nightly-reports', 'Reports', 'Reports/Ya8uIo3')],
      artifactCredentials: credentials('0009'),
      encryptionKey: { id: KMS_KEY_ARN, type: 'KMS' },
    },
  },
];

/** Demo jobs by job ID (all in DEMO_REGION). */
export const CODEPIPELINE_DEMO_JOBS: ReadonlyMap<string, WireJobDetails> = new Map(
  JOBS.map((j) => [j.id, j]),
);

const globalId = (jobId: string) => `codepipeline:${DEMO_REGION}:${jobId}`;

/** The full job: every field present. (GetJobDetails has no status, so no job is "complete".) */
export const EXAMPLE_GLOBAL_ID = globalId(FULL_JOB_ID);
export const DEMO_GLOBAL_IDS: string[] = JOBS.map((j) => globalId(j.id));
export const ERROR_CASE_GLOBAL_IDS: { notFound: string; throttled: string; serverError: string } = {
  notFound: globalId(NOT_FOUND_JOB_ID),
  throttled: globalId(THROTTLED_JOB_ID),
  serverError: globalId(SERVER_ERROR_JOB_ID),
};

/**
 * The artifact credentials of the progressing job (progressing.ts), one STS session per phase of
 * its cycle: "a long-running job can call GetJobDetails again to obtain new credentials".
 */
export const PROGRESSING_CREDENTIALS: readonly {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}[] = ['0101', '0102', '0103', '0104'].map(credentials);

/** Every secret value in the demo data (the progressing job's every session included), for tests asserting that none reaches an unauthorised caller, a log or an error. */
export const DEMO_SECRET_VALUES: readonly string[] = [
  ...PROGRESSING_CREDENTIALS.flatMap((c) => [c.accessKeyId, c.secretAccessKey, c.sessionToken]),
  ...JOBS.flatMap((j) => {
    const d = j.data ?? {};
    const c = d.artifactCredentials;
    const configSecrets = Object.values(d.actionConfiguration?.configuration ?? {}).filter((v) =>
      v.startsWith('DEMO-'),
    );
    return [
      ...(c ? [c.accessKeyId, c.secretAccessKey, c.sessionToken] : []),
      ...configSecrets,
      ...(d.continuationToken ? [d.continuationToken] : []),
    ];
  }),
];
