import { UpstreamError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import { awsJsonOutput, awsWire, type AwsService } from '../shared/awsCall.ts';
import { awsRequestId } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Operation, ProviderWire, WireRequest } from '../shared/source.ts';
import { jobsSubject, notFound, readBatchError, toUpstreamError } from './errors.ts';
import { parse, parseJobs } from './parse.ts';
import type { BatchJobRecord } from './record.ts';

/** DescribeJobs takes "a list of up to 100 job IDs" (botocore batch/2016-08-10). */
export const BATCH_DESCRIBE_MAX = 100;

/** SigV4 `batch`, regional endpoint `batch.{region}.{dnsSuffix}` (or AWS_ENDPOINT_URL_BATCH). */
export const BATCH_SERVICE: AwsService = { signingName: 'batch', endpoint: { prefix: 'batch' } };

/** DescribeJobs of `jobIds` (distinct, in the order first asked). */
function describeJobsRequest(jobIds: readonly string[]): WireRequest {
  return {
    method: 'POST',
    path: '/v1/describejobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobs: jobIds }),
  };
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
  parse: (keys, answer: HttpResult) => {
    const found = parseJobs(byJobId(keys), awsJsonOutput(answer));
    const requestId = awsRequestId(answer.headers);
    return keys.map((key) => found.get(key.jobId) ?? notFound(key, requestId));
  },
};

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
  };
}
