import { describe, expect, it } from 'vitest';
import { OMICS_RUN_BATCH_ACTIONS } from '../../../src/datasources/omics/runBatch/actions.ts';
import { parse } from '../../../src/datasources/omics/runBatch/parse.ts';
import { failureOf, kindOf } from '../../../src/datasources/registry.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { formatGlobalId, parseGlobalId } from '../../../src/model/globalId.ts';
import { OMICS_DEMO_BATCHES } from '@jobgraph/emulators/omics/runBatchData';

/** A HealthOmics run batch's key, record, failure and actions, from GetBatch answers (the demo's). */

const key = {
  provider: 'AWS_OMICS',
  kind: 'runBatch',
  region: 'us-east-1',
  batchId: '7203518',
} as const;
const wire = (over: Record<string, unknown>) => {
  const { runSettings: _s, ...batch } = OMICS_DEMO_BATCHES[0]!;
  return { ...batch, ...over };
};

describe('The HealthOmics run batch kind', () => {
  it('reads and writes its global ID and its ARN to one key of its kind', () => {
    expect(formatGlobalId(key)).toBe('omicsbatch:us-east-1:7203518');
    expect(parseGlobalId('omicsbatch:us-east-1:7203518')).toEqual(key);
    expect(parseGlobalId('omicsbatch@staging:us-east-1:7203518')).toEqual({
      ...key,
      account: 'staging',
    });
    expect(kindOf(key).key.typeName).toBe('OmicsRunBatch');
    expect(() => parseGlobalId('omicsbatch:us-east-1:batch-1')).toThrow(/1-18 digits/);
  });

  it('maps each status the service documents, an unknown one to UNKNOWN', () => {
    const states = Object.fromEntries(
      [
        'CREATING',
        'PENDING',
        'SUBMITTING',
        'INPROGRESS',
        'STOPPING',
        'CANCELLED',
        'PROCESSED',
        'FAILED',
        'RUNS_DELETING',
        'RUNS_DELETE_FAILED',
        'RUNS_DELETED',
        'SOMETHING_NEW',
      ].map((status) => [status, parse(key, wire({ status })).state]),
    );
    expect(states).toEqual({
      CREATING: 'QUEUED',
      PENDING: 'QUEUED',
      SUBMITTING: 'IN_PROGRESS',
      INPROGRESS: 'IN_PROGRESS',
      STOPPING: 'CANCELLING',
      CANCELLED: 'CANCELLED',
      PROCESSED: 'SUCCEEDED',
      FAILED: 'FAILED',
      RUNS_DELETING: 'SUCCEEDED',
      RUNS_DELETE_FAILED: 'SUCCEEDED',
      RUNS_DELETED: 'SUCCEEDED',
      SOMETHING_NEW: 'UNKNOWN',
    });
    expect(parse(key, wire({ status: 'SOMETHING_NEW' })).status).toBeNull();
  });

  it('never reads the default run setting’s workflow parameters, and refuses an epoch time', () => {
    const record = parse(key, wire({}));
    expect(record.defaultRunSetting).not.toHaveProperty('parameters');
    expect(JSON.stringify(record)).not.toContain('GRCh38.fa');
    expect(() => parse(key, wire({ creationTime: 1764000000 }))).toThrow(MalformedBodyError);
  });

  it('reads a failure from the batch’s reason first, then from its counts', () => {
    const denied = parse(key, wire({ status: 'FAILED', failureReason: 'Access Denied' }));
    expect(failureOf(denied)).toMatchObject({ category: 'PERMISSION', retryable: false });
    const missing = parse(
      key,
      wire({ status: 'FAILED', failureReason: 'Input s3://b/runs.json does not exist.' }),
    );
    expect(failureOf(missing)).toMatchObject({ category: 'DEPENDENCY' });
    const runsFailed = parse(
      key,
      wire({ status: 'FAILED', runSummary: { failedRunCount: 2 }, failureReason: undefined }),
    );
    expect(failureOf(runsFailed)).toMatchObject({
      category: 'UNKNOWN',
      summary: "2 of the batch's runs failed: each run's own failure says why.",
      evidence: ['runSummary.failedRunCount: 2', 'submissionSummary.failedStartSubmissionCount: 1'],
    });
    expect(failureOf(parse(key, wire({ status: 'INPROGRESS' })))).toBeNull();
  });

  it('cancels a batch PENDING, SUBMITTING or INPROGRESS, says why not for CREATING or STOPPING', () => {
    const judge = (status: string, action: 'cancel' | 'terminate' = 'cancel') =>
      OMICS_RUN_BATCH_ACTIONS.judge(action, parse(key, wire({ status }))).kind;
    expect(['PENDING', 'SUBMITTING', 'INPROGRESS'].map((s) => judge(s))).toEqual([
      'apply',
      'apply',
      'apply',
    ]);
    expect(judge('CREATING')).toBe('not-applied');
    expect(judge('STOPPING')).toBe('not-applied');
    expect(judge('PROCESSED')).toBe('finished');
    expect(judge('INPROGRESS', 'terminate')).toBe('not-supported');
  });
});
