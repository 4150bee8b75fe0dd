import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../framework.ts';
import type { RunAnswers, WireOmicsRun } from './runs.ts';

/**
 * HealthOmics' StartRun as the emulator answers it (`POST /run`, the `workflows-` host prefix,
 * 201 `{arn, id, uuid, status, tags, runOutputUri}`): a new run of the demo workflow, or a
 * duplicate of a run (`runId`: "the remaining parameters are copied from the previous run",
 * its parameters too), each field given overriding the copied one. `roleArn` and `outputUri` are
 * required (ValidationException), and a `workflowId` or a `runId`. `requestId` is the service's
 * idempotency token: the same one again answers the run it started, and starts none (the SDK and
 * the CLI fill it when the caller does not). The emulator keeps each token for its lifetime; the
 * service documents no window. A new run is PENDING with no task (it does not progress), and its
 * start is published as a `Run Status Change`.
 */
export interface OmicsRunStarts {
  /** The run each requestId started, by account. */
  readonly byRequestId: Map<string, WireOmicsRun>;
}

export const omicsRunStarts = (): OmicsRunStarts => ({ byRequestId: new Map() });

/** How the emulator's call log names a StartRun: `StartRun {requestId}` (`StartRun` without one). */
export function startRunCall(body: string): string {
  try {
    const requestId = (JSON.parse(body) as { requestId?: unknown } | null)?.requestId;
    return typeof requestId === 'string' ? `StartRun ${requestId}` : 'StartRun';
  } catch {
    return 'StartRun';
  }
}

/** The request fields a run keeps as given, overriding the duplicated run's. */
const STRINGS = [
  'workflowId',
  'workflowType',
  'workflowVersionName',
  'name',
  'runGroupId',
  'storageType',
  'logLevel',
  'retentionMode',
] as const;
const NUMBERS = ['priority', 'storageCapacity'] as const;

/** The first run's ID a StartRun gives (the demo's are 486xxxx): one more than the highest. */
const FIRST_STARTED_ID = 4870001;

type Body = Record<string, unknown>;

function validation(error: RunAnswers['error'], message: string): EmulatorResponse {
  return error(400, 'ValidationException', message);
}

/** Why `body` is not a StartRun request the service takes; null when it is. */
function invalid(body: Body): string | null {
  for (const field of ['roleArn', 'outputUri'] as const)
    if (typeof body[field] !== 'string' || body[field] === '')
      return `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`;
  if (!/^arn:.+:iam::[0-9]{12}:role\/.+$/.test(body.roleArn as string))
    return "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.+";
  if (!(body.outputUri as string).startsWith('s3://'))
    return 'The outputUri must be an Amazon S3 URI (s3://bucket/prefix).';
  if (body.requestId !== undefined && typeof body.requestId !== 'string')
    return "Value at 'requestId' must be a string.";
  if (typeof body.workflowId !== 'string' && typeof body.runId !== 'string')
    return 'A workflowId, or the runId of a run to duplicate, is required.';
  for (const field of STRINGS)
    if (body[field] !== undefined && typeof body[field] !== 'string')
      return `Value at '${field}' must be a string.`;
  for (const field of NUMBERS)
    if (body[field] !== undefined && !Number.isInteger(body[field]))
      return `Value at '${field}' must be an integer.`;
  if (body.parameters !== undefined && (typeof body.parameters !== 'object' || !body.parameters))
    return "Value at 'parameters' must be a JSON object.";
  return null;
}

/** The run `body` starts, from `base` (the run duplicated, or one of the workflow's). */
function newRun(body: Body, base: WireOmicsRun, id: string, now: number): WireOmicsRun {
  const given: Partial<WireOmicsRun> = {};
  for (const field of [...STRINGS, ...NUMBERS])
    if (body[field] !== undefined) Object.assign(given, { [field]: body[field] });
  const outputUri = body.outputUri as string;
  const arn = base.arn.replace(/run\/[^/]+$/, `run/${id}`);
  const {
    tasks: _tasks,
    statusMessage: _message,
    failureReason: _reason,
    batchId: _batch,
    runId: _from,
    startTime: _start,
    stopTime: _stop,
    ...copied
  } = base;
  return {
    ...copied,
    ...given,
    arn,
    id,
    uuid: randomUUID(),
    status: 'PENDING',
    roleArn: body.roleArn as string,
    outputUri,
    runOutputUri: `${outputUri.replace(/\/+$/, '')}/${id}`,
    parameters: structuredClone((body.parameters as Record<string, unknown>) ?? base.parameters),
    tags: (body.tags as Record<string, string> | undefined) ?? { ...base.tags },
    logLocation: { engineLogStream: `run/${id}/engine`, runLogStream: `run/${id}` },
    creationTime: new Date(now).toISOString(),
    startedBy: arn.replace(/^arn:aws:omics:[^:]*:([0-9]+):.*$/, 'arn:aws:iam::$1:root'),
    tasks: [],
    ...(typeof body.runId === 'string' ? { runId: body.runId } : {}),
  };
}

/** StartRun (`POST /run`) on `runs`, or null for another request. */
export function startRunRoute(
  req: EmulatorRequest,
  runs: WireOmicsRun[],
  answers: RunAnswers,
  starts: OmicsRunStarts,
  scope: string,
): EmulatorResponse | null {
  return req.method === 'POST' && req.path === '/run'
    ? startRun(req, runs, answers, starts, scope)
    : null;
}

/**
 * StartRun on `runs` (the account's runs in the region, the new one appended), the run a
 * `requestId` started kept in `starts` under `scope` (the account).
 */
function startRun(
  req: EmulatorRequest,
  runs: WireOmicsRun[],
  answers: RunAnswers,
  starts: OmicsRunStarts,
  scope: string,
): EmulatorResponse {
  const { error, ok } = answers;
  let body: unknown;
  try {
    body = JSON.parse(req.body || '{}');
  } catch {
    return validation(error, 'Could not parse the request body as JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return validation(error, 'The request body must be a JSON object.');
  const b = body as Body;
  const why = invalid(b);
  if (why) return validation(error, why);
  const token = typeof b.requestId === 'string' ? `${scope}/${b.requestId}` : undefined;
  const again = token ? starts.byRequestId.get(token) : undefined;
  const start = again ? { run: again } : started(b, runs, answers);
  if ('refused' in start) return start.refused;
  const made = start.run;
  if (!again) {
    runs.push(made);
    if (token) starts.byRequestId.set(token, made);
    answers.changed(made);
  }
  const { arn, id, uuid, status, tags, runOutputUri } = made;
  return { ...ok({ arn, id, uuid, status, tags, runOutputUri }), status: 201 };
}

/** The run a StartRun not seen before makes, or the error it answers. */
function started(
  b: Body,
  runs: WireOmicsRun[],
  { error, now }: RunAnswers,
): { run: WireOmicsRun } | { refused: EmulatorResponse } {
  const base =
    typeof b.runId === 'string'
      ? runs.find((r) => r.id === b.runId)
      : runs.find((r) => r.workflowId === b.workflowId);
  if (!base)
    return {
      refused: error(
        404,
        'ResourceNotFoundException',
        typeof b.runId === 'string'
          ? 'The specified run was not found.'
          : 'The specified workflow was not found.',
      ),
    };
  // A new run of the workflow copies none of another run's inputs.
  const from = typeof b.runId === 'string' ? base : { ...base, parameters: {}, tags: {} };
  const highest = Math.max(FIRST_STARTED_ID - 1, ...runs.map((r) => Number(r.id) || 0));
  return { run: newRun(b, from, String(highest + 1), now()) };
}
