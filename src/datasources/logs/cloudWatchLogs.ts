import { MalformedBodyError } from '../../errors.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { awsJsonOperation, awsWire, type AwsService } from '../shared/awsCall.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Operation, ProviderWire } from '../shared/source.ts';

/** SigV4 `logs`, regional endpoint `logs.{region}.{dnsSuffix}` (or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS). */
export const LOGS_SERVICE: AwsService = { signingName: 'logs', endpoint: { prefix: 'logs' } };

/** GetLogEvents' most events a page (the model's `EventsLimit`). */
export const MAX_LOG_EVENTS_PER_CALL = 10_000;

/** One GetLogEvents call: a stream of a group, read from its tail (or from a token). */
export interface LogEventsInput {
  /** Whose job the stream is: its errors are said of this provider. */
  provider: JobProvider;
  region: string;
  group: string;
  stream: string;
  /** 1..10,000 events. */
  limit: number;
  startFromHead: boolean;
  nextToken?: string;
}

/** One log event as jobgraph keeps it: its time (ms since the epoch) and its line. */
export interface LogEvent {
  at: number;
  message: string;
}

/** One page of a stream, oldest first, and the tokens on either side of it. */
export interface LogEventsPage {
  events: LogEvent[];
  nextForwardToken: string | null;
  nextBackwardToken: string | null;
}

/** ResourceNotFoundException: no such group or stream (not started, or another log driver). */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/** The page of a 2xx GetLogEvents body; MalformedBodyError for one of another shape. */
function parsePage(output: unknown): LogEventsPage {
  const o = output as { events?: unknown; nextForwardToken?: unknown; nextBackwardToken?: unknown };
  if (o === null || typeof o !== 'object' || (o.events !== undefined && !Array.isArray(o.events)))
    throw new MalformedBodyError('GetLogEvents answer is not an object with an events list');
  const events = ((o.events as unknown[] | undefined) ?? []).map((e) => {
    const { timestamp, message } = (e ?? {}) as { timestamp?: unknown; message?: unknown };
    if (typeof timestamp !== 'number' || typeof message !== 'string')
      throw new MalformedBodyError('GetLogEvents event without a timestamp and a message');
    return { at: timestamp, message };
  });
  const token = (t: unknown) => (typeof t === 'string' ? t : null);
  return {
    events,
    nextForwardToken: token(o.nextForwardToken),
    nextBackwardToken: token(o.nextBackwardToken),
  };
}

/**
 * CloudWatch Logs `GetLogEvents` (AWS JSON 1.1: `POST /`, `X-Amz-Target:
 * Logs_20140328.GetLogEvents`): a page of a stream, its errors read as every AWS JSON answer is
 * (an unknown group or stream NOT_FOUND, ThrottlingException UPSTREAM_THROTTLED, 5xx
 * UPSTREAM_UNAVAILABLE), said of the job's provider, never with the service's text.
 */
export const GET_LOG_EVENTS: Operation<LogEventsInput, LogEventsPage> = awsJsonOperation({
  name: 'GetLogEvents',
  send: (input) => ({
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.GetLogEvents',
    },
    body: JSON.stringify({
      logGroupName: input.group,
      logStreamName: input.stream,
      limit: input.limit,
      startFromHead: input.startFromHead,
      ...(input.nextToken === undefined ? {} : { nextToken: input.nextToken }),
    }),
  }),
  readError: (input, answer) =>
    readAwsError(input.provider, answer, {
      subject: `the job's log stream in ${input.region}`,
      notFoundCodes: NOT_FOUND_CODES,
    }),
  parse: (_input, output) => parsePage(output),
});

function noDescribe(): never {
  throw new Error('the CloudWatch Logs wire describes no job');
}

/** The wire has no job describe: its one operation is GetLogEvents, called through `call`. */
const NO_DESCRIBE: Operation<JobKey, JobRecord> = {
  name: 'GetLogEvents',
  region: () => '',
  send: noDescribe,
  readError: noDescribe,
  parse: noDescribe,
};

/**
 * CloudWatch Logs on the wire, for `createSource`: SigV4 `logs`, the regional endpoint (or the
 * override of `options.endpoint`), the AWS accounts' credentials (each account's assumed role),
 * through the one pipeline every provider's calls go through (retries, body cap, clock skew, the
 * error funnel).
 */
export function logsWire(options: AwsSourceOptions): ProviderWire<JobKey, JobRecord, unknown> {
  return awsWire(NO_DESCRIBE, LOGS_SERVICE, options);
}

/** The partition's console host of a region (`console.aws.amazon.com`, China's, GovCloud's). */
function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}

/**
 * The CloudWatch console's page of a whole stream: `…/cloudwatch/home?region=<r>#logsV2:
 * log-groups/log-group/<group>/log-events/<stream>`, group and stream URL-encoded and then their
 * `%` written `$25`, as the console writes them in its fragment (`/aws/batch/job` →
 * `$252Faws$252Fbatch$252Fjob`).
 */
export function logStreamConsoleUrl(region: string, group: string, stream: string): string {
  const part = (s: string) => encodeURIComponent(s).replace(/%/g, '$25');
  return `https://${consoleHost(region)}/cloudwatch/home?region=${encodeURIComponent(region)}#logsV2:log-groups/log-group/${part(group)}/log-events/${part(stream)}`;
}
