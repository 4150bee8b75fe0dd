import type { OmicsRunKey } from '../../../model/keys.ts';
import { UpstreamError } from '../../../errors.ts';
import { int, keyValues, members, obj, response, str } from '../../shared/json.ts';
import { dateTime, omicsAnswer, omicsHeader } from '../parse.ts';
import { OMICS_RUN_KEY } from './key.ts';
import { OMICS_RUN_STATE_MAP, type OmicsRunLogLocation, type OmicsRunRecord } from './record.ts';

/** How a run is named in generated messages. */
export function runSubject(key: OmicsRunKey): string {
  return `HealthOmics run "${key.runId}" (uuid ${key.uuid}, ${key.region})`;
}

function logLocation(value: unknown): OmicsRunLogLocation | null {
  const o = obj(value, 'logLocation');
  if (!o) return null;
  return members(o, 'logLocation', { engineLogStream: str, runLogStream: str });
}

/** GetRun's fields that are read as they are named on the wire, in the model's order. */
function runFields(o: Record<string, unknown>) {
  return members(o, 'response', {
    arn: str,
    failureReason: str,
    workflowId: str,
    workflowType: str,
    workflowVersionName: str,
    workflowUuid: str,
    runGroupId: str,
    batchId: str,
    runId: str,
    roleArn: str,
    priority: int,
    storageType: str,
    storageCapacity: int,
    outputUri: str,
    runOutputUri: str,
    logLevel: str,
    startedBy: str,
    accelerators: str,
    retentionMode: str,
  });
}

/**
 * Normalise a GetRun response (the SDK's output object or the raw wire JSON) for `key`. A run
 * whose `uuid` is not the key's is a later run given a deleted run's ID: NOT_FOUND, never its
 * record. Wrong types throw MalformedBodyError naming the field; absent optional fields are null
 * or [].
 */
export function parse(key: OmicsRunKey, output: unknown): OmicsRunRecord {
  const o = response(output, 'response is not an object');
  const uuid = str(o.uuid, 'uuid');
  if (uuid !== null && uuid !== key.uuid) {
    // The answer's uuid is not named in the message: it is upstream text, and not the caller's run.
    throw new UpstreamError({
      provider: 'AWS_OMICS',
      code: 'NOT_FOUND',
      message: `${runSubject(key)} was not found: its run ID now names another run.`,
      httpStatus: 200,
    });
  }
  const answer = omicsAnswer(o, OMICS_RUN_STATE_MAP);
  const startTime = dateTime(o.startTime, 'startTime');
  const stopTime = dateTime(o.stopTime, 'stopTime');
  return {
    ...omicsHeader(OMICS_RUN_KEY, key, o, answer, {
      message: 'statusMessage',
      completedAt: stopTime,
    }),
    kind: 'run',
    uuid: uuid ?? key.uuid,
    status: answer.status,
    ...runFields(o),
    logLocation: logLocation(o.logLocation),
    creationTime: answer.creationTime,
    startTime,
    stopTime,
    tags: keyValues(o.tags, 'tags'),
  };
}
