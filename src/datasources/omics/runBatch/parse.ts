import type { KindKeyOf } from '../../../model/keys.ts';
import { int, keyValues, members, obj, str, type JsonObject } from '../../shared/json.ts';
import { dateTime, omicsAnswer, omicsHeader } from '../parse.ts';
import { OMICS_RUN_BATCH_KEY } from './key.ts';
import {
  OMICS_RUN_BATCH_STATE_MAP,
  type OmicsDefaultRunSetting,
  type OmicsRunBatchRecord,
} from './record.ts';

export type OmicsRunBatchKey = KindKeyOf<'AWS_OMICS', 'runBatch'>;

const RUN_COUNTS = {
  pendingRunCount: int,
  startingRunCount: int,
  runningRunCount: int,
  stoppingRunCount: int,
  completedRunCount: int,
  deletedRunCount: int,
  failedRunCount: int,
  cancelledRunCount: int,
};

const SUBMISSION_COUNTS = {
  successfulStartSubmissionCount: int,
  failedStartSubmissionCount: int,
  pendingStartSubmissionCount: int,
  successfulCancelSubmissionCount: int,
  failedCancelSubmissionCount: int,
  successfulDeleteSubmissionCount: int,
  failedDeleteSubmissionCount: int,
};

/** `DefaultRunSetting` without its `parameters` (never read: see record.ts). */
function defaultRunSetting(o: JsonObject | null): OmicsDefaultRunSetting | null {
  if (!o) return null;
  const field = 'defaultRunSetting';
  return members(o, field, {
    workflowId: str,
    workflowType: str,
    roleArn: str,
    name: str,
    cacheId: str,
    cacheBehavior: str,
    runGroupId: str,
    priority: int,
    storageCapacity: int,
    outputUri: str,
    logLevel: str,
    runTags: keyValues,
    retentionMode: str,
    storageType: str,
    workflowOwnerId: str,
    outputBucketOwnerId: str,
    workflowVersionName: str,
    networkingMode: str,
    configurationName: str,
  });
}

/**
 * Normalise a GetBatch response (the SDK's output object or the raw wire JSON) for `key`. Wrong
 * types throw MalformedBodyError naming the field; unknown fields are ignored; absent optional
 * fields are null or []. The batch's `failureReason` (present only when it FAILED) is its status
 * message; it is done when its runs are (`processedTime`) or it failed (`failedTime`).
 */
export function parse(key: OmicsRunBatchKey, output: unknown): OmicsRunBatchRecord {
  const { o, ...answer } = omicsAnswer(output, OMICS_RUN_BATCH_STATE_MAP);
  const times = {
    creationTime: answer.creationTime,
    submittedTime: dateTime(o.submittedTime, 'submittedTime'),
    processedTime: dateTime(o.processedTime, 'processedTime'),
    failedTime: dateTime(o.failedTime, 'failedTime'),
  };
  const failureReason = str(o.failureReason, 'failureReason');
  const runs = obj(o.runSummary, 'runSummary');
  const submissions = obj(o.submissionSummary, 'submissionSummary');
  return {
    ...omicsHeader(OMICS_RUN_BATCH_KEY, key, o, answer, {
      message: 'failureReason',
      completedAt: times.processedTime ?? times.failedTime,
    }),
    kind: 'runBatch',
    batchId: str(o.id, 'id') ?? key.batchId,
    arn: str(o.arn, 'arn'),
    uuid: str(o.uuid, 'uuid'),
    status: answer.status,
    tags: keyValues(o.tags, 'tags'),
    totalRuns: int(o.totalRuns, 'totalRuns'),
    defaultRunSetting: defaultRunSetting(obj(o.defaultRunSetting, 'defaultRunSetting')),
    submissionSummary: submissions
      ? members(submissions, 'submissionSummary', SUBMISSION_COUNTS)
      : null,
    runSummary: runs ? members(runs, 'runSummary', RUN_COUNTS) : null,
    ...times,
    failureReason,
  };
}
