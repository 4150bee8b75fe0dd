import { MalformedBodyError } from '../../errors.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { awsJsonOperation, awsWire, type AwsService } from '../shared/awsCall.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Operation, ProviderWire } from '../shared/source.ts';

/** SigV4 `logs`, regional endpoint `logs.{region}.{dnsSuffix}` (or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS). */
const LOGS_SERVICE: AwsService = { signingName: 'logs', endpoint: { prefix: 'logs' } };

/** GetLogEvents' most events a page (the model's `EventsLimit`). */
export const MAX_LOG_EVENTS_PER_CALL = 10_000;

/** The service as errors of its calls name it: in messages … */
export const LOGS_LABEL = 'CloudWatch Logs';
/** … and as `extensions.service`. */
export const LOGS_SERVICE_NAME = 'CLOUDWATCH_LOGS';

/**
 * The most bytes of a GetLogEvents answer read, whatever JOBGRAPH_UPSTREAM_MAX_BODY_BYTES says of
 * job answers (it applies when larger): a page holds up to 1 MB of lines, and a line of control
 * characters is six times its bytes once JSON-escaped (`\u0001`).
 */
export const LOGS_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The most UTF-8 bytes of one line jobgraph keeps: a longer one is cut there, with a mark saying its size. */
export const MAX_LINE_BYTES = 64 * 1024;

const bytesFormat = new Intl.NumberFormat('en-US');

/**
 * `message` when it is at most MAX_LINE_BYTES (UTF-8), else its first MAX_LINE_BYTES at most, cut
 * at a character's boundary, and `… [cut: <its bytes> bytes]`: one huge line never fails a tail
 * nor makes an answer of it unbounded.
 */
export function boundedLine(message: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: shorter strings need no count.
  if (message.length * 3 <= MAX_LINE_BYTES) return message;
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_LINE_BYTES) return message;
  let end = MAX_LINE_BYTES;
  // Back to the first byte of the character the bound falls in (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}… [cut: ${bytesFormat.format(bytes.length)} bytes]`;
}

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
  /** Its size as the service caps it (1 MB): each event's whole message in UTF-8, and 26. */
  bytes: number;
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
  let bytes = 0;
  const events = ((o.events as unknown[] | undefined) ?? []).map((e) => {
    const { timestamp, message } = (e ?? {}) as { timestamp?: unknown; message?: unknown };
    if (typeof timestamp !== 'number' || typeof message !== 'string')
      throw new MalformedBodyError('GetLogEvents event without a timestamp and a message');
    bytes += Buffer.byteLength(message, 'utf8') + 26;
    return { at: timestamp, message: boundedLine(message) };
  });
  const token = (t: unknown) => (typeof t === 'string' ? t : null);
  return {
    events,
    bytes,
    nextForwardToken: token(o.nextForwardToken),
    nextBackwardToken: token(o.nextBackwardToken),
  };
}

/**
 * CloudWatch Logs `GetLogEvents` (AWS JSON 1.1: `POST /`, `X-Amz-Target:
 * Logs_20140328.GetLogEvents`): a page of a stream, its errors read as every AWS JSON answer is
 * (an unknown group or stream NOT_FOUND, ThrottlingException UPSTREAM_THROTTLED, 5xx
 * UPSTREAM_UNAVAILABLE), never with the service's text; each line bounded (`boundedLine`).
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
