import { randomUUID } from 'node:crypto';
import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
} from '../awsCaller.ts';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import { MAX_EVENTS_PER_PAGE, pageOf, type PageRequest } from './paging.ts';
import { createLogStreams, type LogStreams } from './streams.ts';

const TARGET_PREFIX = 'Logs_20140328.';
const GET_LOG_EVENTS = `${TARGET_PREFIX}GetLogEvents`;
const JSON_11 = 'application/x-amz-json-1.1';

/** The log group name's constraints (the model's `LogGroupName`). */
const GROUP_RE = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** A log group ARN as `logGroupIdentifier` takes it (without or with the trailing `:*`). */
const GROUP_ARN_RE =
  /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([.\-_/#A-Za-z0-9]{1,512})(?::\*)?$/;
/** The log stream name's constraints (the model's `LogStreamName`). */
const STREAM_RE = /^[^:*]{1,512}$/;

export interface LogsEmulatorOptions extends AwsAccountsOptions {
  /** Clock in ms: signature skew, the Date header, which lines the jobs have written (default Date.now). */
  now?: () => number;
  /** The streams it serves (default: a fresh registry, nothing in it). */
  streams?: LogStreams;
}

/** The CloudWatch Logs emulator, and the streams it serves. */
export interface LogsEmulator extends ProviderEmulator {
  readonly streams: LogStreams;
}

/**
 * CloudWatch Logs' side of `GetLogEvents` (AWS JSON 1.1): `POST /` with
 * `X-Amz-Target: Logs_20140328.GetLogEvents`, SigV4 `logs` in any region (the stream is looked up
 * in the signing region of the caller's account), errors as `{"__type","message"}` with
 * `x-amzn-RequestId`. Independent of src/datasources by design.
 *
 * - The request names the group by `logGroupName` or `logGroupIdentifier` (a name, or the group's
 *   ARN in the caller's account and the signing region), not both; `logStreamName`; optional
 *   `startTime`, `endTime`, `limit` (1..10,000), `startFromHead`, `nextToken`, `unmask` (ignored:
 *   no data protection policy here). Paging as paging.ts describes.
 * - 400 ResourceNotFoundException "The specified log group does not exist." / "The specified log
 *   stream does not exist." (a job that has not started, or whose log driver is not awslogs);
 *   400 InvalidParameterException for a request the model or the service refuses (wording of
 *   the constraint messages as the service's validation layer writes them); 400
 *   ThrottlingException "Rate exceeded" (the fault knobs' throttling); 500
 *   ServiceUnavailableException (the fault knobs' 5xx). Other operations of the service 400
 *   UnknownOperationException (not emulated).
 * - Auth as the other AWS JSON front ends: key and token refusals 400, signature refusals 403.
 */
export function createLogsEmulator(opts: LogsEmulatorOptions = {}): LogsEmulator {
  const now = opts.now ?? Date.now;
  const streams = opts.streams ?? createLogStreams();
  const callers = awsCallers(opts, { service: 'logs', now });

  const json = (status: number, body: unknown): EmulatorResponse => ({
    status,
    headers: {
      'x-amzn-RequestId': randomUUID(),
      'Content-Type': JSON_11,
      Date: new Date(now()).toUTCString(),
    },
    body: JSON.stringify(body),
  });
  const error = (status: number, type: string, message: string): EmulatorResponse =>
    json(status, { __type: type, message });
  const invalid = (message: string) => error(400, 'InvalidParameterException', message);
  const constraint = (value: unknown, field: string, text: string) =>
    invalid(
      `1 validation error detected: Value '${String(value).slice(0, 128)}' at '${field}' failed to satisfy constraint: ${text}`,
    );
  const throttled = () => error(400, 'ThrottlingException', 'Rate exceeded');

  /** The request's group, stream and paging, or the refusal. */
  function readInput(
    body: Record<string, unknown>,
    accountId: string,
    region: string,
  ): { group: string; stream: string; page: PageRequest } | EmulatorResponse {
    const { logGroupName, logGroupIdentifier, logStreamName } = body;
    const { startTime, endTime, limit, startFromHead, nextToken } = body;
    if (logGroupName !== undefined && logGroupIdentifier !== undefined)
      return invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    if (logGroupName === undefined && logGroupIdentifier === undefined)
      return invalid('Should provide either logGroupName or logGroupIdentifier.');
    let group: string;
    if (logGroupName !== undefined) {
      if (typeof logGroupName !== 'string' || !GROUP_RE.test(logGroupName))
        return constraint(
          logGroupName,
          'logGroupName',
          'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+',
        );
      group = logGroupName;
    } else {
      if (typeof logGroupIdentifier !== 'string' || logGroupIdentifier.length === 0)
        return constraint(
          logGroupIdentifier,
          'logGroupIdentifier',
          'Member must have length greater than or equal to 1',
        );
      const arn = GROUP_ARN_RE.exec(logGroupIdentifier);
      if (arn) {
        // Another account's or region's group: not this caller's to read here (no cross-account
        // observability in the emulator), as the service answers a group it cannot see.
        if (arn[1] !== region || arn[2] !== accountId)
          return error(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
        group = arn[3]!;
      } else if (GROUP_RE.test(logGroupIdentifier)) group = logGroupIdentifier;
      else
        return constraint(
          logGroupIdentifier,
          'logGroupIdentifier',
          'Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*',
        );
    }
    if (logStreamName === undefined || logStreamName === null)
      return invalid(
        "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null",
      );
    if (typeof logStreamName !== 'string' || !STREAM_RE.test(logStreamName))
      return constraint(
        logStreamName,
        'logStreamName',
        'Member must satisfy regular expression pattern: [^:*]*',
      );
    const page: PageRequest = {};
    for (const [field, value] of [
      ['startTime', startTime],
      ['endTime', endTime],
    ] as const) {
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        return constraint(value, field, 'Member must have value greater than or equal to 0');
      page[field] = value;
    }
    if (limit !== undefined && limit !== null) {
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
        return constraint(limit, 'limit', 'Member must have value greater than or equal to 1');
      if (limit > MAX_EVENTS_PER_PAGE)
        return constraint(
          limit,
          'limit',
          `Member must have value less than or equal to ${MAX_EVENTS_PER_PAGE}`,
        );
      page.limit = limit;
    }
    if (startFromHead !== undefined && startFromHead !== null) {
      if (typeof startFromHead !== 'boolean') return invalid('startFromHead must be a boolean.');
      page.startFromHead = startFromHead;
    }
    if (nextToken !== undefined && nextToken !== null) {
      if (typeof nextToken !== 'string' || nextToken.length === 0)
        return constraint(
          nextToken,
          'nextToken',
          'Member must have length greater than or equal to 1',
        );
      page.nextToken = nextToken;
    }
    return { group, stream: logStreamName, page };
  }

  function readBody(text: string): Record<string, unknown> | null {
    try {
      const body: unknown = JSON.parse(text === '' ? '{}' : text);
      return body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (req.method !== 'POST' || req.path !== '/')
      return error(404, 'UnknownOperationException', 'Unknown operation');
    const auth = await callers.verify(req);
    if (!auth.ok) {
      const { status, code, message } = jsonAuthRefusal(auth, { tokenStatus: 400 });
      return error(status, code, message);
    }
    if (req.headers['x-amz-target'] !== GET_LOG_EVENTS)
      return error(400, 'UnknownOperationException', 'Unknown operation');
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (contentType !== JSON_11)
      return error(400, 'SerializationException', 'Unsupported content type.');
    const body = readBody(req.body);
    if (body === null)
      return error(
        400,
        'SerializationException',
        'Start of structure or map found where not expected.',
      );
    const region = signingRegionOf(req) ?? '';
    const input = readInput(body, auth.accountId, region);
    if ('status' in input) return input;
    const found = streams.lookup(
      { accountId: auth.accountId, region, group: input.group, stream: input.stream },
      now(),
    );
    if (!found.found)
      return error(
        400,
        'ResourceNotFoundException',
        `The specified log ${found.missing === 'group' ? 'group' : 'stream'} does not exist.`,
      );
    const page = pageOf(found.events, input.page);
    if (page === null) return invalid('The specified nextToken is invalid.');
    return json(200, page);
  }

  return {
    name: 'logs',
    streams,
    handle,
    describe(req) {
      const target = req.headers['x-amz-target'];
      const operation =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : 'unknown';
      const body = readBody(req.body);
      const group = body?.logGroupName ?? body?.logGroupIdentifier;
      const stream = body?.logStreamName;
      const named = typeof group === 'string' && typeof stream === 'string';
      return callers.describeRegional(
        req,
        named ? `${operation} ${group}:${stream}` : operation,
        named ? `${group}:${stream}` : null,
      );
    },
    throttled,
    serverError: () =>
      error(500, 'ServiceUnavailableException', 'The service cannot complete the request.'),
    errorAnswer(_req, answer) {
      const out = error(answer.status, answer.code, answer.message);
      return { ...out, headers: { ...out.headers, 'x-amzn-RequestId': answer.requestId } };
    },
    malformed: () => ({ ...json(200, {}), body: '{"events":[{"timestamp":17' }),
  };
}
