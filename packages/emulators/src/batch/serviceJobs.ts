import { createHash, randomUUID } from 'node:crypto';
import { signingRegionOf } from '../awsCaller.ts';
import { eventBridgeEvent, publishOnChange, type EventSink } from '../eventBridge.ts';
import type { EmulatorRequest } from '../framework.ts';
import { BATCH_DEMO_REGION } from './data.ts';
import {
  failedServiceJob,
  progressingServiceJob,
  SERVICE_JOB_IDS,
  SERVICE_JOB_STATUSES,
  type ServiceJobStatus,
  type WireServiceJob,
} from './serviceJobData.ts';

/**
 * AWS Batch service jobs (serviceJobData.ts has the demo): SubmitServiceJob
 * (`POST /v1/submitservicejob`, with `clientToken` idempotency: the same token and the same
 * request answer the same job, the same token with another request is a ClientException),
 * DescribeServiceJob (`/v1/describeservicejob`), ListServiceJobs (`/v1/listservicejobs`: by
 * `jobQueue`, `jobStatus` (RUNNING when absent) or one filter (`listFilter` below), newest first,
 * paged by `maxResults`/`nextToken`) and
 * TerminateServiceJob (`/v1/terminateservicejob`: a job not yet finished becomes FAILED with
 * `isTerminated` and the reason given). Only the demo region answers; another region has none.
 */
type ServiceJobOperation =
  'SubmitServiceJob' | 'DescribeServiceJob' | 'ListServiceJobs' | 'TerminateServiceJob';

const SERVICE_JOB_PATHS: Record<string, ServiceJobOperation> = {
  '/v1/submitservicejob': 'SubmitServiceJob',
  '/v1/describeservicejob': 'DescribeServiceJob',
  '/v1/listservicejobs': 'ListServiceJobs',
  '/v1/terminateservicejob': 'TerminateServiceJob',
};

type Wire = Record<string, unknown>;
/** An answer: the 200 body, or the ClientException message. */
type ServiceJobAnswer = { ok: Wire } | { clientError: string };

const FINISHED: readonly ServiceJobStatus[] = ['SUCCEEDED', 'FAILED'];
const SUMMARY_FIELDS = [
  'latestAttempt',
  'capacityUsage',
  'createdAt',
  'jobArn',
  'jobId',
  'jobName',
  'scheduledAt',
  'serviceJobType',
  'shareIdentifier',
  'quotaShareName',
  'status',
  'statusReason',
  'startedAt',
  'stoppedAt',
  'isTerminated',
] as const;

/** The request fields SubmitServiceJob keeps on the job as given. */
const KEPT = [
  'retryStrategy',
  'schedulingPriority',
  'shareIdentifier',
  'quotaShareName',
  'preemptionConfiguration',
  'timeoutConfig',
  'tags',
] as const;

export interface BatchServiceJobs {
  handle(
    operation: ServiceJobOperation,
    accountId: string,
    region: string,
    body: Wire,
  ): ServiceJobAnswer;
  /** The answer to a service-job request, or undefined for a request of another operation. */
  answer(req: EmulatorRequest, accountId: string): ServiceJobAnswer | undefined;
  /** The progressing demo job's change of state, if any since the last call, as its event. */
  publishDue: () => void;
  /** Every service job of an account now (for events and tests). */
  jobsOf(accountId: string): WireServiceJob[];
  /**
   * How the call log names a service-job request (`ListServiceJobs <queue>`, with the queue as
   * its scope; other operations by method and path), or undefined for another request.
   */
  describe(req: EmulatorRequest): { operation: string; scope: string | null } | undefined;
}

/**
 * `Batch Service Job State Change` (source `aws.batch`): the job as DescribeServiceJob answers it,
 * less `serviceRequestPayload` (the training request stays off the bus in this emulator).
 */
function serviceJobStateChangeEvent(job: WireServiceJob, accountId: string, timeMs: number) {
  const { serviceRequestPayload: _payload, ...detail } = job;
  return eventBridgeEvent({
    source: 'aws.batch',
    detailType: 'Batch Service Job State Change',
    account: accountId,
    region: BATCH_DEMO_REGION,
    timeMs,
    resources: [job.jobArn],
    detail,
  });
}

export function batchServiceJobs(opts: {
  now: () => number;
  anchorMs: number;
  defaultAccountId: string;
  events: EventSink;
  /** Whether ListServiceJobs lists the demo's jobs (not in a big account); DescribeServiceJob always answers them. */
  listsDemo?: boolean;
}): BatchServiceJobs {
  const submitted = new Map<string, Map<string, WireServiceJob>>();
  const tokens = new Map<string, { digest: string; jobId: string }>();
  const terminated = new Map<string, { at: number; reason: string }>();

  function jobsOf(accountId: string): WireServiceJob[] {
    const all = [
      progressingServiceJob(accountId, opts.anchorMs, opts.now()),
      failedServiceJob(accountId, opts.anchorMs),
      ...(submitted.get(accountId)?.values() ?? []),
    ];
    return all.map((job) => withTermination(accountId, job));
  }
  function withTermination(accountId: string, job: WireServiceJob): WireServiceJob {
    const t = terminated.get(`${accountId}/${job.jobId}`);
    if (!t || FINISHED.includes(job.status)) return job;
    return {
      ...job,
      status: 'FAILED',
      statusReason: t.reason,
      stoppedAt: t.at,
      isTerminated: true,
    };
  }
  const find = (accountId: string, region: string, jobId: unknown) =>
    region === BATCH_DEMO_REGION ? jobsOf(accountId).find((j) => j.jobId === jobId) : undefined;

  function submit(accountId: string, body: Wire): ServiceJobAnswer {
    const { jobName, jobQueue, serviceJobType, serviceRequestPayload, clientToken } = body;
    if (typeof jobName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobName))
      return {
        clientError: 'jobName is required: up to 128 letters, numbers, hyphens and underscores.',
      };
    if (typeof jobQueue !== 'string' || jobQueue === '')
      return { clientError: 'jobQueue is a required string.' };
    if (serviceJobType !== 'SAGEMAKER_TRAINING')
      return { clientError: 'serviceJobType must be SAGEMAKER_TRAINING.' };
    if (typeof serviceRequestPayload !== 'string' || serviceRequestPayload === '')
      return { clientError: 'serviceRequestPayload is a required string.' };
    // The same request whatever order its members were written in (the SDK's, the CLI's).
    const digest = createHash('sha256').update(canonical(body)).digest('hex');
    const tokenKey = typeof clientToken === 'string' ? `${accountId}/${clientToken}` : undefined;
    const seen = tokenKey ? tokens.get(tokenKey) : undefined;
    if (seen && seen.digest !== digest)
      return { clientError: 'The clientToken was already used with a different request.' };
    const mine = submitted.get(accountId) ?? new Map<string, WireServiceJob>();
    submitted.set(accountId, mine);
    const again = seen ? mine.get(seen.jobId) : undefined;
    const job = again ?? newJob(accountId, jobName, jobQueue, serviceRequestPayload, body);
    mine.set(job.jobId, job);
    if (tokenKey && !seen) tokens.set(tokenKey, { digest, jobId: job.jobId });
    return { ok: { jobArn: job.jobArn, jobName: job.jobName, jobId: job.jobId } };
  }
  function newJob(
    accountId: string,
    jobName: string,
    jobQueue: string,
    payload: string,
    body: Wire,
  ): WireServiceJob {
    const jobId = randomUUID();
    const queueArn = jobQueue.startsWith('arn:')
      ? jobQueue
      : `arn:aws:batch:${BATCH_DEMO_REGION}:${accountId}:job-queue/${jobQueue}`;
    const job: WireServiceJob = {
      jobArn: `arn:aws:batch:${BATCH_DEMO_REGION}:${accountId}:service-job/${jobId}`,
      jobId,
      jobName,
      jobQueue: queueArn,
      serviceJobType: 'SAGEMAKER_TRAINING',
      status: 'SUBMITTED',
      createdAt: opts.now(),
      serviceRequestPayload: payload,
    };
    for (const field of KEPT)
      if (body[field] !== undefined) Object.assign(job, { [field]: body[field] });
    return job;
  }

  function list(accountId: string, region: string, body: Wire): ServiceJobAnswer {
    const { jobQueue, jobStatus } = body;
    const max =
      typeof body.maxResults === 'number' ? Math.min(Math.max(body.maxResults, 1), 100) : 100;
    if (jobStatus !== undefined && !SERVICE_JOB_STATUSES.includes(jobStatus as ServiceJobStatus))
      return {
        clientError: 'jobStatus is not a service job status.',
      };
    const filter = listFilter(body.filters);
    if (typeof filter === 'string') return { clientError: filter };
    let jobs = region === BATCH_DEMO_REGION ? jobsOf(accountId) : [];
    if (opts.listsDemo === false)
      jobs = jobs.filter((j) => !(Object.values(SERVICE_JOB_IDS) as string[]).includes(j.jobId));
    if (typeof jobQueue === 'string')
      jobs = jobs.filter((j) => j.jobQueue === jobQueue || j.jobQueue.endsWith(`/${jobQueue}`));
    // A filter other than a share's lists every status; without one, `jobStatus` (default RUNNING).
    if (filter === null || filter.withStatus)
      jobs = jobs.filter((j) => j.status === (jobStatus ?? 'RUNNING'));
    if (filter !== null) jobs = jobs.filter(filter.accepts);
    jobs.sort((a, b) => b.createdAt - a.createdAt || a.jobId.localeCompare(b.jobId));
    const start = typeof body.nextToken === 'string' ? Number.parseInt(body.nextToken, 36) : 0;
    if (!Number.isInteger(start) || start < 0) return { clientError: 'nextToken is not valid.' };
    const page = jobs.slice(start, start + max);
    const next = start + max < jobs.length ? (start + max).toString(36) : undefined;
    return {
      ok: { jobSummaryList: page.map(summary), ...(next ? { nextToken: next } : {}) },
    };
  }

  function handle(
    operation: ServiceJobOperation,
    accountId: string,
    region: string,
    body: Wire,
  ): ServiceJobAnswer {
    if (operation === 'SubmitServiceJob') return submit(accountId, body);
    if (operation === 'ListServiceJobs') return list(accountId, region, body);
    if (typeof body.jobId !== 'string' || body.jobId === '')
      return { clientError: 'jobId is a required string.' };
    const job = find(accountId, region, body.jobId);
    if (!job) return { clientError: `Service job ${body.jobId.slice(0, 128)} not found.` };
    if (operation === 'DescribeServiceJob') return { ok: { ...job } };
    if (typeof body.reason !== 'string' || body.reason === '')
      return { clientError: 'reason is a required string.' };
    const key = `${accountId}/${job.jobId}`;
    if (!FINISHED.includes(job.status) && !terminated.has(key)) {
      terminated.set(key, { at: opts.now(), reason: body.reason });
      const moved = withTermination(accountId, job);
      opts.events.publish(serviceJobStateChangeEvent(moved, accountId, opts.now()));
    }
    return { ok: {} };
  }
  function answer(req: EmulatorRequest, accountId: string): ServiceJobAnswer | undefined {
    const operation = req.method === 'POST' ? SERVICE_JOB_PATHS[req.rawPath] : undefined;
    if (!operation) return undefined;
    let body: unknown;
    try {
      body = req.body.trim() === '' ? {} : JSON.parse(req.body);
    } catch {
      return { clientError: 'Could not parse the request body as JSON.' };
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return { clientError: 'The request body must be a JSON object.' };
    return handle(operation, accountId, signingRegionOf(req) ?? '', body as Wire);
  }
  const publishDue = publishOnChange(
    opts.events,
    () =>
      jobsOf(opts.defaultAccountId).find((j) => j.jobId === SERVICE_JOB_IDS.progressing) ?? null,
    (job) => job.status,
    (job) => serviceJobStateChangeEvent(job, opts.defaultAccountId, opts.now()),
  );
  function describe(req: EmulatorRequest) {
    const operation = req.method === 'POST' ? SERVICE_JOB_PATHS[req.rawPath] : undefined;
    if (!operation) return undefined;
    if (operation !== 'ListServiceJobs')
      return { operation: `${req.method} ${req.path}`, scope: null };
    let queue = '';
    try {
      const named = (JSON.parse(req.body) as Wire | null)?.jobQueue;
      if (typeof named === 'string') queue = named;
    } catch {
      // Not JSON: the call is named without its queue (answer() refuses it).
    }
    return { operation: `ListServiceJobs ${queue}`, scope: `${queue}/` };
  }
  return { handle, answer, jobsOf, publishDue, describe };
}

/** JSON of `value` with every object's members sorted by name. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Wire)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * How the emulator's call log names a SubmitServiceJob (`describe`): `SubmitServiceJob
 * {clientToken}` as `{region}/new`, a job to be made, which a fault's jobPrefix can pick alone;
 * undefined for any other request (named by its method and path).
 */
export function serviceJobCall(
  req: EmulatorRequest,
): { operation: string; path: string } | undefined {
  if (req.method !== 'POST' || SERVICE_JOB_PATHS[req.rawPath] !== 'SubmitServiceJob')
    return undefined;
  let token = '';
  try {
    const body = JSON.parse(req.body) as { clientToken?: unknown } | null;
    if (typeof body?.clientToken === 'string') token = body.clientToken;
  } catch {
    // Named by its operation alone.
  }
  return { operation: `SubmitServiceJob ${token}`.trimEnd(), path: 'new' };
}

function summary(job: WireServiceJob): Wire {
  const out: Wire = {};
  for (const field of SUMMARY_FIELDS) if (job[field] !== undefined) out[field] = job[field];
  return out;
}

/** A JOB_NAME filter value, case-insensitive: exact, or a prefix ending in `*`. */
function nameMatches(name: string, pattern: string): boolean {
  const n = name.toLowerCase();
  const p = pattern.toLowerCase();
  return p.endsWith('*') ? n.startsWith(p.slice(0, -1)) : n === p;
}

/** What one filter of ListServiceJobs keeps, and whether `jobStatus` still applies with it. */
interface ListFilter {
  accepts: (job: WireServiceJob) => boolean;
  withStatus: boolean;
}

/**
 * ListServiceJobs' `filters` (one at a time): JOB_NAME, AFTER_CREATED_AT and BEFORE_CREATED_AT
 * (ms since the epoch, as a string) list jobs of every status; SHARE_IDENTIFIER and
 * QUOTA_SHARE_NAME go with `jobStatus`. null: no filter; a string: the ClientException's message.
 */
function listFilter(filters: unknown): ListFilter | null | string {
  if (filters === undefined || (Array.isArray(filters) && filters.length === 0)) return null;
  if (!Array.isArray(filters) || filters.length !== 1)
    return 'Only one filter can be used at a time.';
  const { name, values } = filters[0] as Wire;
  const value = Array.isArray(values) && typeof values[0] === 'string' ? values[0] : undefined;
  if (value === undefined) return 'A filter needs a string value.';
  const ms = Number(value);
  switch (name) {
    case 'JOB_NAME':
      return { accepts: (j) => nameMatches(j.jobName, value), withStatus: false };
    case 'AFTER_CREATED_AT':
    case 'BEFORE_CREATED_AT':
      if (!/^\d+$/.test(value)) return `${name} must be milliseconds since the epoch.`;
      return {
        accepts: (j) => (name === 'AFTER_CREATED_AT' ? j.createdAt > ms : j.createdAt < ms),
        withStatus: false,
      };
    case 'SHARE_IDENTIFIER':
      return { accepts: (j) => j.shareIdentifier === value, withStatus: true };
    case 'QUOTA_SHARE_NAME':
      return { accepts: (j) => j.quotaShareName === value, withStatus: true };
    default:
      return `${String(name).slice(0, 64)} is not a ListServiceJobs filter.`;
  }
}
