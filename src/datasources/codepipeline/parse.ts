import { MalformedBodyError } from '../../errors.ts';
import type { CodePipelineKey } from '../../model/keys.ts';
import { mapState } from '../../model/job.ts';
import { jobHeader } from '../shared/jobHeader.ts';
import { arr, enumValue, keyValues, obj, str } from '../shared/json.ts';
import {
  ACTION_CATEGORIES,
  ACTION_OWNERS,
  ARTIFACT_LOCATION_TYPES,
  CODEPIPELINE_STATE_MAP,
  ENCRYPTION_KEY_TYPES,
  type CodePipelineActionTypeId,
  type CodePipelineArtifact,
  type CodePipelineArtifactCredentials,
  type CodePipelineEncryptionKey,
  type CodePipelineJobRecord,
  type CodePipelinePipelineContext,
} from './record.ts';
import { CODEPIPELINE_KEY } from './key.ts';

/**
 * Normalise a GetJobDetails output (as the AWS SDK deserialised it) into a CodePipelineJobRecord.
 *
 * The SDK checks neither types nor enums and passes nested `__type` markers through, so every
 * member is read with a typed reader: a wrong type is a MalformedBodyError naming the field,
 * unknown members (including `__type`) are ignored, absent ones are null or [].
 *
 * A 200 without `jobDetails` is a MalformedBodyError, not NOT_FOUND: the model makes the member
 * optional, but CodePipeline answers an unknown job with JobNotFoundException, so an empty success
 * says nothing about the job and must not be cached or shown as "no such job".
 */
export function parse(key: CodePipelineKey, output: unknown): CodePipelineJobRecord {
  const root = obj(output, 'GetJobDetails response');
  const details = obj(root?.jobDetails, 'jobDetails');
  if (!details)
    throw new MalformedBodyError('jobDetails is missing from a successful GetJobDetails response');
  const data = obj(details.data, 'jobDetails.data');
  const context = pipelineContext(data?.pipelineContext);
  return {
    ...jobHeader(CODEPIPELINE_KEY, key, {
      nativeId: str(details.id, 'jobDetails.id') ?? key.jobId,
      name: context?.pipelineName ?? null,
      state: mapState(CODEPIPELINE_STATE_MAP, null),
      providerStatus: null,
      statusMessage: null,
      createdAt: null,
      updatedAt: null,
      completedAt: null,
    }),
    accountId: str(details.accountId, 'jobDetails.accountId'),
    actionTypeId: actionTypeId(data?.actionTypeId),
    actionConfiguration: keyValues(
      obj(data?.actionConfiguration, 'actionConfiguration')?.configuration,
      'actionConfiguration.configuration',
    ),
    pipelineContext: context,
    inputArtifacts: artifacts(data?.inputArtifacts, 'inputArtifacts'),
    outputArtifacts: artifacts(data?.outputArtifacts, 'outputArtifacts'),
    artifactCredentials: artifactCredentials(data?.artifactCredentials),
    continuationToken: str(data?.continuationToken, 'continuationToken'),
    encryptionKey: encryptionKey(data?.encryptionKey),
  };
}

function actionTypeId(value: unknown): CodePipelineActionTypeId | null {
  const o = obj(value, 'actionTypeId');
  if (!o) return null;
  return {
    category: enumValue(str(o.category, 'actionTypeId.category'), ACTION_CATEGORIES),
    owner: enumValue(str(o.owner, 'actionTypeId.owner'), ACTION_OWNERS),
    provider: str(o.provider, 'actionTypeId.provider'),
    version: str(o.version, 'actionTypeId.version'),
  };
}

function pipelineContext(value: unknown): CodePipelinePipelineContext | null {
  const o = obj(value, 'pipelineContext');
  if (!o) return null;
  const stage = obj(o.stage, 'pipelineContext.stage');
  const action = obj(o.action, 'pipelineContext.action');
  return {
    pipelineName: str(o.pipelineName, 'pipelineContext.pipelineName'),
    stage: stage && { name: str(stage.name, 'pipelineContext.stage.name') },
    action: action && {
      name: str(action.name, 'pipelineContext.action.name'),
      actionExecutionId: str(action.actionExecutionId, 'pipelineContext.action.actionExecutionId'),
    },
    pipelineArn: str(o.pipelineArn, 'pipelineContext.pipelineArn'),
    pipelineExecutionId: str(o.pipelineExecutionId, 'pipelineContext.pipelineExecutionId'),
  };
}

function artifacts(value: unknown, field: string): CodePipelineArtifact[] {
  return arr(value, field).map((item, i) => {
    const f = `${field}[${i}]`;
    const o = obj(item, f);
    if (!o) throw new MalformedBodyError(`${f} is null`);
    const location = obj(o.location, `${f}.location`);
    const s3 = location && obj(location.s3Location, `${f}.location.s3Location`);
    return {
      name: str(o.name, `${f}.name`),
      revision: str(o.revision, `${f}.revision`),
      location: location && {
        type: enumValue(str(location.type, `${f}.location.type`), ARTIFACT_LOCATION_TYPES),
        s3Location: s3 && {
          bucketName: str(s3.bucketName, `${f}.location.s3Location.bucketName`),
          objectKey: str(s3.objectKey, `${f}.location.s3Location.objectKey`),
        },
      },
    };
  });
}

function artifactCredentials(value: unknown): CodePipelineArtifactCredentials | null {
  const o = obj(value, 'artifactCredentials');
  if (!o) return null;
  // Field names only in errors: the values are secrets.
  return {
    accessKeyId: str(o.accessKeyId, 'artifactCredentials.accessKeyId'),
    secretAccessKey: str(o.secretAccessKey, 'artifactCredentials.secretAccessKey'),
    sessionToken: str(o.sessionToken, 'artifactCredentials.sessionToken'),
  };
}

function encryptionKey(value: unknown): CodePipelineEncryptionKey | null {
  const o = obj(value, 'encryptionKey');
  if (!o) return null;
  return {
    id: str(o.id, 'encryptionKey.id'),
    type: enumValue(str(o.type, 'encryptionKey.type'), ENCRYPTION_KEY_TYPES),
  };
}
