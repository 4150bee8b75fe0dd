import { MalformedBodyError, UpstreamError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import { answerBytes, SeenAnswers, seenAnswer, type AnswerMemo } from '../shared/answerMemo.ts';
import { awsJsonOutput, awsJsonPost, awsWire, type AwsService } from '../shared/awsCall.ts';
import { awsRequestId } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';
import { jsonElements } from '../shared/jsonElements.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Operation, ProviderWire, WireRequest } from '../shared/source.ts';
import { CANCEL_JOB, TERMINATE_JOB } from './actions.ts';
import { BATCH_RERUN } from './rerun.ts';
import { SERVICE_JOB_RERUN } from './serviceJob/rerun.ts';
import { jobsSubject, notFound, readBatchError, toUpstreamError } from './errors.ts';
import { parse, parseJobElement, parseJobs } from './parse.ts';
import type { BatchJobRecord } from './record.ts';
// Service jobs (issue 102).
import { SERVICE_JOB_WIRE } from './serviceJob/client.ts';

/** DescribeJobs takes "a list of up to 100 job IDs" (botocore batch/2016-08-10). */
const BATCH_DESCRIBE_MAX = 100;

/** SigV4 `batch`, regional endpoint `batch.{region}.{dnsSuffix}` (or AWS_ENDPOINT_URL_BATCH). */
const BATCH_SERVICE: AwsService = { signingName: 'batch', endpoint: { prefix: 'batch' } };

/** DescribeJobs of `jobIds` (distinct, in the order first asked). */
function describeJobsRequest(jobIds: readonly string[]): WireRequest {
  return awsJsonPost('/v1/describejobs', { jobs: jobIds });
}

/** The keys of a call by job ID (one region and account: the batcher's group). */
const byJobId = (keys: readonly BatchKey[]) => new Map(keys.map((k) => [k.jobId, k]));

/**
 * DescribeJobs of many keys (`POST /v1/describejobs`, `{"jobs": [...]}`): one outcome per key in
 * their order, its record or NOT_FOUND when the answer leaves its ID out.
 */
const describeMany: Operation<readonly BatchKey[], (BatchJobRecord | Error)[]> = {
  name: 'DescribeJobs',
  region: (keys) => keys[0]?.region ?? '',
  send: (keys) => describeJobsRequest([...byJobId(keys).keys()]),
  readError: (keys, answer) => readBatchError(jobsSubject(keys), answer),
  parse: (keys, answer: HttpResult) =>
    outcomes(keys, parseJobs(byJobId(keys), awsJsonOutput(answer)), answer),
  parseWith: parseRemembered,
};

/** One outcome per key, in their order: its record, or NOT_FOUND when the answer left it out. */
function outcomes(
  keys: readonly BatchKey[],
  found: ReadonlyMap<string, BatchJobRecord>,
  answer: HttpResult,
): (BatchJobRecord | Error)[] {
  const requestId = awsRequestId(answer.headers);
  return keys.map((key) => found.get(key.jobId) ?? notFound(key, requestId));
}

/**
 * DescribeJobs' answer read with the watched jobs' last answers (Operation.parseWith, `answers`
 * in the keys' order): the body's `jobs` elements are found in its bytes (jsonElements), and an
 * element that is what a job's memo saw last (SeenAnswers: byte-identical to the element it last
 * parsed) is that job's last record again, the very object, with no parse; every other element is
 * parsed alone, as parseJobs parses it, and the memo of its job (if any) then keeps it and its
 * record. A body of any other shape is parsed whole (the memos stay as they are). The outcomes
 * are parseJobs' for the same body: a watched Batch job's unchanged poll costs no parse of its
 * own, whatever jobs share its call.
 */
function parseRemembered(
  keys: readonly BatchKey[],
  answer: HttpResult,
  answers: readonly (AnswerMemo | undefined)[],
): (BatchJobRecord | Error)[] {
  const bytes = answerBytes(answer);
  const elements = jsonElements(bytes, 'jobs');
  if (!elements) return describeMany.parse(keys, answer);
  const remembered = new SeenAnswers<{ key: BatchKey; memo: AnswerMemo }>();
  const memoOf = new Map<string, AnswerMemo>();
  keys.forEach((key, i) => {
    const memo = answers[i];
    if (!memo) return;
    memoOf.set(key.jobId, memo);
    remembered.add(memo.seen, { key, memo });
  });
  const byId = byJobId(keys);
  const found = new Map<string, BatchJobRecord>();
  const learnt: [AnswerMemo, Buffer, BatchJobRecord][] = [];
  elements.forEach(([start, end], i) => {
    const element = bytes.subarray(start, end);
    const same = remembered.find(element);
    if (same) {
      if (!found.has(same.key.jobId)) found.set(same.key.jobId, same.memo.value as BatchJobRecord);
      return;
    }
    let detail: unknown;
    try {
      detail = JSON.parse(element.toString('utf8'));
    } catch {
      throw new MalformedBodyError('body is not valid JSON');
    }
    const record = parseJobElement(byId, detail, i, found);
    // A record was made: the element is an object with a string jobId (parseJobElement checked).
    const memo = record && memoOf.get((detail as { jobId: string }).jobId);
    if (record && memo) learnt.push([memo, element, record]);
  });
  // Only a body read whole changes the memos (a body that does not parse leaves them as they were).
  for (const [memo, element, record] of learnt) {
    memo.seen = seenAnswer(element);
    memo.value = record;
  }
  return outcomes(keys, found, answer);
}

/** DescribeJobs of one key: its record, or NOT_FOUND (thrown) when the answer leaves it out. */
const describe: Operation<BatchKey, BatchJobRecord> = {
  name: 'DescribeJobs',
  region: (key) => key.region,
  send: (key) => describeJobsRequest([key.jobId]),
  readError: (key, answer) => toUpstreamError(key, answer),
  parse: (key, answer) => {
    try {
      return parse(key, awsJsonOutput(answer));
    } catch (err) {
      // The request ID of the answer that left the job out, as for a batch's.
      if (err instanceof UpstreamError) throw notFound(key, awsRequestId(answer.headers));
      throw err;
    }
  },
};

/**
 * AWS Batch on the wire: DescribeJobs, rest-json, SigV4 `batch`, through the one pipeline
 * (shared/source.ts, shared/awsCall.ts); the batch describe (`describeMany`) answers up to 100
 * jobs of one region and account in one call.
 */
export function batchWire(
  options: AwsSourceOptions,
): ProviderWire<BatchKey, BatchJobRecord, unknown> {
  return {
    ...awsWire(describe, BATCH_SERVICE, options),
    describeMany: { max: BATCH_DESCRIBE_MAX, operation: describeMany },
    actions: { cancel: CANCEL_JOB, terminate: TERMINATE_JOB },
    rerun: BATCH_RERUN,
    // Service jobs (issue 102): DescribeServiceJob, TerminateServiceJob.
    // A kind's wire answers its own record type; the pipeline dispatches by key.kind.
    kinds: {
      serviceJob: {
        ...SERVICE_JOB_WIRE,
        // Reruns (serviceJob/rerun.ts): SubmitServiceJob, the rerun's key its clientToken.
        rerun: SERVICE_JOB_RERUN,
      },
    },
  };
}
