import type { JobRecord, JobState, KeyValue } from '../../model/job.ts';

/** GetJobDetails carries no status, so no wire value maps to a state: every job is UNKNOWN. */
export const CODEPIPELINE_STATE_MAP: Readonly<Record<string, JobState>> = Object.freeze({});

export const ACTION_CATEGORIES = [
  'Source',
  'Build',
  'Deploy',
  'Test',
  'Invoke',
  'Approval',
  'Compute',
] as const;
type CodePipelineActionCategory = (typeof ACTION_CATEGORIES)[number];
export const ACTION_OWNERS = ['AWS', 'ThirdParty', 'Custom'] as const;
type CodePipelineActionOwner = (typeof ACTION_OWNERS)[number];
export const ARTIFACT_LOCATION_TYPES = ['S3'] as const;
type CodePipelineArtifactLocationType = (typeof ARTIFACT_LOCATION_TYPES)[number];
export const ENCRYPTION_KEY_TYPES = ['KMS'] as const;
type CodePipelineEncryptionKeyType = (typeof ENCRYPTION_KEY_TYPES)[number];

export interface CodePipelineActionTypeId {
  category: CodePipelineActionCategory | null;
  owner: CodePipelineActionOwner | null;
  provider: string | null;
  version: string | null;
}

export interface CodePipelinePipelineContext {
  pipelineName: string | null;
  stage: { name: string | null } | null;
  action: { name: string | null; actionExecutionId: string | null } | null;
  pipelineArn: string | null;
  pipelineExecutionId: string | null;
}

export interface CodePipelineArtifact {
  name: string | null;
  revision: string | null;
  location: {
    type: CodePipelineArtifactLocationType | null;
    s3Location: { bucketName: string | null; objectKey: string | null } | null;
  } | null;
}

/** Secret: temporary STS credentials for the artifact bucket. */
export interface CodePipelineArtifactCredentials {
  accessKeyId: string | null;
  secretAccessKey: string | null;
  sessionToken: string | null;
}

export interface CodePipelineEncryptionKey {
  id: string | null;
  type: CodePipelineEncryptionKeyType | null;
}

/**
 * A CodePipeline job, field names as in `type CodePipelineJob` (schema/codepipeline.graphql).
 * `actionConfiguration`, `artifactCredentials` and `continuationToken` are secrets.
 */
export interface CodePipelineJobRecord extends JobRecord {
  provider: 'AWS_CODEPIPELINE';
  region: string;
  accountId: string | null;
  actionTypeId: CodePipelineActionTypeId | null;
  /** Secret: the action configuration map in wire order; empty when absent. */
  actionConfiguration: KeyValue[];
  pipelineContext: CodePipelinePipelineContext | null;
  inputArtifacts: CodePipelineArtifact[];
  outputArtifacts: CodePipelineArtifact[];
  artifactCredentials: CodePipelineArtifactCredentials | null;
  /** Secret. */
  continuationToken: string | null;
  encryptionKey: CodePipelineEncryptionKey | null;
}
