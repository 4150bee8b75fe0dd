import { createHash } from 'node:crypto';
import {
  DEMO_TENCENT_CREDENTIALS,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../framework.ts';
import type { JobList, ListedJob, ListOptions, ListOrder } from '../listing.ts';
import { jobListing } from '../listRoute.ts';
import type { ProgressClockOptions } from '../progress.ts';
import { cosDemoJobAt, DEMO_JOBS, ERROR_CASE_JOB_IDS } from './data.ts';
import { COS_BIG_ACCOUNT, cosListedJobs, cosListPlace } from './listData.ts';
import { COS_PROGRESSING_JOB_ID, cosProgressingJob } from './progressing.ts';
import { DEMO_SECOND_TENCENT_ACCOUNT, TENCENT_ACCOUNTS, type TencentAccount } from '../accounts.ts';
import { cosSecondAccountJobs } from './secondAccount.ts';
import { verifyCosSignature } from './signature.ts';
import {
  readStatusUpdate,
  updatedJob,
  updatedStatus,
  type CosStatusUpdate,
} from './updateJobStatus.ts';
import { CreatedJobs, readCreateJob } from './createJob.ts';
import { toXmlDocument, type WireElement } from './xml.ts';

/**
 * Tencent COS Batch Operations (`{uin}.cos-control.{region}.myqcloud.com`): DescribeJob
 * (`GET /jobs/{JobId}`), ListJobs (`GET /jobs?jobStatuses=&maxResults=&nextToken=`),
 * UpdateJobStatus (`POST /jobs/{JobId}/status?requestedJobStatus=&statusUpdateReason=`, the
 * rules of updateJobStatus.ts) and CreateJob (`POST /jobs`, createJob.ts: its ClientRequestToken
 * makes a retried request answer the job it made) for the demo accounts.
 *
 * Accounts: the demo account (DEMO_TENCENT_CREDENTIALS) and the second one
 * (DEMO_SECOND_TENCENT_ACCOUNT, its few jobs of secondAccount.ts in its region), each with its
 * own keys, UIN and APPID; the signing key (`q-ak`) says whose request it is.
 *
 * Checks, in order: the COS signature with the key's account's secret (q-ak, key time window,
 * the signature over `host` and every signed header), `x-cos-appid` (missing → 400
 * InvalidArgument; not the key's account's → 403 AccessDenied), the account in the Host labels
 * when the Host is a cos-control host (another UIN than the key's → 403 AccessDenied; any other
 * Host, e.g. 127.0.0.1:port behind an endpoint override, stands for the key's account; it is
 * still covered by the signature), then the route. Answers carry `Server: tencent-cos` and `x-cos-request-id`; errors the
 * `<Error>` envelope and `x-cos-trace-id`.
 */

const ACCOUNT = DEMO_TENCENT_CREDENTIALS;
const CONTROL_HOST_RE = /^(\d+)\.cos-control\.([a-z0-9-]+)\.myqcloud\.com(?::\d+)?$/;
const JOB_PATH_RE = /^\/jobs\/([^/]*)$/;
const STATUS_PATH_RE = /^\/jobs\/([^/]+)\/status$/;
const LIST_PATH = '/jobs';

/** ListJobs' `maxResults` range and default (Tencent Cloud "ListJobs", 436/33783: 1..1000, default 1000). */
const COS_LIST_MAX_RESULTS = 1000;
/** `nextToken` length in bytes (436/33783: 1..64). */
const NEXT_TOKEN_MAX_BYTES = 64;
/** The list order when none is given: oldest first, as cos-go-sdk-v5's ListJobs test answer shows (Tencent documents none). */
const COS_DEFAULT_LIST_ORDER: ListOrder = 'oldest-first';
/** ListJobs' `jobStatuses` values (436/33783). */
const JOB_STATUSES = [
  'Active',
  'Cancelled',
  'Cancelling',
  'Complete',
  'Completing',
  'Failed',
  'Failing',
  'New',
  'Paused',
  'Pausing',
  'Preparing',
  'Ready',
  'Suspended',
];

export interface CosBatchEmulatorOptions extends ProgressClockOptions, ListOptions {
  /** Clock in ms for the signature window, the Date header and the progressing job (default Date.now). */
  now?: () => number;
}

/** One account's jobs as the routes read them. */
interface AccountJobs {
  account: TencentAccount;
  /** The listed jobs of a region, or null where the account has none. */
  listOf(region: string): JobList<WireElement> | null;
  /** The `<Job>` a DescribeJob names, or undefined. */
  find(req: EmulatorRequest, region: string, jobId: string): WireElement | undefined;
  /** Whether the progressing job is in this region's list. */
  progressingIn(region: string): boolean;
  /** What UpdateJobStatus made of the account's jobs, by `region/jobId` (updateJobStatus.ts). */
  updates: Map<string, CosStatusUpdate>;
  /** The jobs CreateJob made in the account (createJob.ts). */
  created: CreatedJobs;
}

/** The account whose key (`q-ak`) signed a request; the demo account for an unknown or missing one (its check then refuses it). */
function signingAccount(req: EmulatorRequest): TencentAccount {
  const secretId = /(?:^|&)q-ak=([^&]*)/.exec(String(req.headers.authorization ?? ''))?.[1];
  return TENCENT_ACCOUNTS.find((a) => a.secretId === secretId) ?? ACCOUNT;
}

export function createCosBatchEmulator(opts: CosBatchEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const listing = jobListing(opts, {
    defaultOrder: COS_DEFAULT_LIST_ORDER,
    place: cosListPlace,
    progressingId: COS_PROGRESSING_JOB_ID,
    progressing: cosProgressingJob,
  });
  /** The listed jobs of a region of the account: its own region's, or (big account only) the region's own. */
  const listOf = listing.regional(ACCOUNT.region, cosListedJobs, COS_BIG_ACCOUNT);
  const defaultJobs: AccountJobs = {
    account: ACCOUNT,
    listOf,
    find: (req, region, jobId) =>
      region !== ACCOUNT.region
        ? listOf(region)?.find(jobId)?.job()
        : listing.findDemo(req, listOf(region), jobId, (id) => {
            const job = DEMO_JOBS.get(id);
            return job && cosDemoJobAt(job, listing.anchorMs);
          }),
    progressingIn: (region) => region === ACCOUNT.region,
    updates: new Map(),
    created: new CreatedJobs(),
  };
  /** The second account's jobs: a few, in its region. */
  const secondList = listing.of(cosSecondAccountJobs(listing.anchorMs));
  const secondListOf = (region: string) =>
    region === DEMO_SECOND_TENCENT_ACCOUNT.region ? secondList : null;
  const secondJobs: AccountJobs = {
    account: DEMO_SECOND_TENCENT_ACCOUNT,
    listOf: secondListOf,
    find: (_req, region, jobId) => secondListOf(region)?.find(jobId)?.job(),
    progressingIn: () => false,
    updates: new Map(),
    created: new CreatedJobs(),
  };
  let counter = 0;

  function requestId(): string {
    counter += 1;
    const stamp = Math.floor(now() / 1000).toString(16);
    return Buffer.from(`${stamp}_jobgraph_${counter.toString(16).padStart(6, '0')}`).toString(
      'base64',
    );
  }

  function baseHeaders(id: string): Record<string, string> {
    return {
      'content-type': 'application/xml',
      server: 'tencent-cos',
      date: new Date(now()).toUTCString(),
      'x-cos-request-id': id,
    };
  }

  function xml(status: number, rootName: string, root: WireElement): EmulatorResponse {
    return { status, headers: baseHeaders(requestId()), body: toXmlDocument(rootName, root) };
  }

  function error(
    req: EmulatorRequest,
    status: number,
    code: string,
    message: string,
    id = requestId(),
  ): EmulatorResponse {
    const traceId = Buffer.from(
      createHash('sha512').update(`${id}/${code}`).digest('hex').slice(0, 96),
    ).toString('base64');
    const account = signingAccount(req);
    const host =
      typeof req.headers.host === 'string'
        ? req.headers.host
        : `${account.uin}.cos-control.${account.region}.myqcloud.com`;
    return {
      status,
      headers: { ...baseHeaders(id), 'x-cos-trace-id': traceId },
      body: toXmlDocument('Error', {
        Code: code,
        Message: message,
        Resource: `${host}${req.rawPath}`,
        RequestId: id,
        TraceId: traceId,
      }),
    };
  }

  const methodNotAllowed = (req: EmulatorRequest) =>
    error(
      req,
      405,
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
    );

  function regionOf(req: EmulatorRequest): string {
    const m = CONTROL_HOST_RE.exec(String(req.headers.host ?? ''));
    return m ? (m[2] as string) : signingAccount(req).region;
  }

  /** The job as it stands now: as UpdateJobStatus left it, or as the data has it. */
  function standing(jobs: AccountJobs, region: string, job: WireElement): WireElement {
    const update = jobs.updates.get(`${region}/${job.JobId as string}`);
    return update ? updatedJob(job, update, now()) : job;
  }

  /** The answer of an error-case ID (data.ts) in the account's own region, or null. */
  function errorCase(
    req: EmulatorRequest,
    jobs: AccountJobs,
    region: string,
    jobId: string,
  ): EmulatorResponse | null {
    if (region !== jobs.account.region) return null;
    switch (jobId) {
      case ERROR_CASE_JOB_IDS.notFound:
        return noSuchJob(req);
      case ERROR_CASE_JOB_IDS.throttled:
        return slowDown(req);
      case ERROR_CASE_JOB_IDS.serverError:
        return internalError(req);
      case ERROR_CASE_JOB_IDS.accessDenied:
        return error(req, 403, 'AccessDenied', 'Access Denied.');
    }
    return null;
  }

  const noSuchJob = (req: EmulatorRequest) =>
    error(req, 404, 'NoSuchJob', 'The specified job does not exist.');

  /** UpdateJobStatus (`POST /jobs/<JobId>/status`), by the rules of updateJobStatus.ts. */
  function updateJobStatus(
    req: EmulatorRequest,
    jobs: AccountJobs,
    region: string,
    jobId: string,
  ): EmulatorResponse {
    const refused = errorCase(req, jobs, region, jobId);
    if (refused) return refused;
    const found = findJob(req, jobs, region, jobId);
    if (!found) return noSuchJob(req);
    const job = standing(jobs, region, found);
    const update = readStatusUpdate(job.Status as string, req.query, now());
    if ('code' in update) return error(req, update.status, update.code, update.message);
    const key = `${region}/${jobId}`;
    // A later call without a reason keeps the reason an earlier one gave (Ready, then Cancelled).
    const reason = update.reason ?? jobs.updates.get(key)?.reason;
    jobs.updates.set(key, { ...update, reason });
    const after = standing(jobs, region, found);
    return xml(200, 'UpdateJobStatusResult', {
      JobId: jobId,
      Status: after.Status,
      StatusUpdateReason: after.StatusUpdateReason ?? '',
    });
  }

  function jobIdOf(req: EmulatorRequest): string | null {
    const m = JOB_PATH_RE.exec(req.rawPath) ?? STATUS_PATH_RE.exec(req.rawPath);
    if (!m) return null;
    try {
      return decodeURIComponent(m[1] as string);
    } catch {
      return m[1] as string;
    }
  }

  function describeJob(
    req: EmulatorRequest,
    jobs: AccountJobs,
    region: string,
    jobId: string,
  ): EmulatorResponse {
    // The error-case IDs answer so in the account's own region.
    const refused = errorCase(req, jobs, region, jobId);
    if (refused) return refused;
    const job = findJob(req, jobs, region, jobId);
    if (!job) return noSuchJob(req);
    return xml(200, 'DescribeJobResult', { Job: standing(jobs, region, job) });
  }

  /** A job CreateJob made, else one of the data's. */
  const findJob = (req: EmulatorRequest, jobs: AccountJobs, region: string, jobId: string) =>
    jobs.created.find(region, jobId) ?? jobs.find(req, region, jobId);

  /** CreateJob (`POST /jobs`): the job the request makes, or the one its ClientRequestToken made. */
  function createJob(req: EmulatorRequest, jobs: AccountJobs, region: string): EmulatorResponse {
    const input = readCreateJob(req.body);
    if ('code' in input) return error(req, input.status, input.code, input.message);
    const made = jobs.created.create(region, input, now());
    if ('code' in made) return error(req, made.status, made.code, made.message);
    return xml(200, 'CreateJobResult', { JobId: made.job.JobId });
  }

  /**
   * ListJobs: the account's jobs in the Host's region (none elsewhere; with `opts.jobsPerSource`,
   * a big account, that many in every region, the progressing job counted in its own), `jobStatuses` one of the
   * 13 statuses (one value), `maxResults` 1..1000 (default 1000), `nextToken` the last JobId of
   * the previous page (1..64 bytes); anything else is 400 InvalidArgument (Tencent's batch error
   * page names it for bad ListJobs parameters; the messages are unverified). The answer is
   * `<ListJobsResult><Jobs><member>…</member></Jobs><NextToken>…</NextToken></ListJobsResult>`
   * with the documented summary elements; NextToken is the page's last JobId when more jobs
   * follow and empty on the last page.
   */
  function listJobs(req: EmulatorRequest, jobs: AccountJobs, region: string): EmulatorResponse {
    let size = COS_LIST_MAX_RESULTS;
    const maxResults = req.query.getAll('maxResults');
    if (maxResults.length > 1)
      return error(req, 400, 'InvalidArgument', 'maxResults is given more than once.');
    if (maxResults[0] !== undefined) {
      const n = /^\d{1,10}$/.test(maxResults[0]) ? Number(maxResults[0]) : NaN;
      if (!(n >= 1 && n <= COS_LIST_MAX_RESULTS))
        return error(
          req,
          400,
          'InvalidArgument',
          `maxResults must be an integer from 1 to ${COS_LIST_MAX_RESULTS}.`,
        );
      size = n;
    }
    const statuses = req.query.getAll('jobStatuses');
    if (statuses.length > 1)
      return error(req, 400, 'InvalidArgument', 'jobStatuses takes one status.');
    const status = statuses[0];
    if (status !== undefined && !JOB_STATUSES.includes(status))
      return error(req, 400, 'InvalidArgument', 'jobStatuses is not a valid job status.');
    const source = listing.source(jobs.listOf(region), jobs.progressingIn(region));
    const tokens = req.query.getAll('nextToken');
    if (tokens.length > 1)
      return error(req, 400, 'InvalidArgument', 'nextToken is given more than once.');
    const token = tokens[0];
    let from: ListedJob<WireElement> | undefined;
    if (token !== undefined) {
      const bytes = Buffer.byteLength(token);
      // The token is a JobId of this list: one that names no listed job (any more) cannot be continued from.
      from = bytes >= 1 && bytes <= NEXT_TOKEN_MAX_BYTES ? source.find(token) : undefined;
      if (!from) return error(req, 400, 'InvalidArgument', 'nextToken is invalid.');
    }
    // As each job stands now: one UpdateJobStatus moved is filtered and shown by its new status.
    const statusOf = (id: string, listed: string) => {
      const update = jobs.updates.get(`${region}/${id}`);
      return update ? updatedStatus(update, now()) : listed;
    };
    // The jobs CreateJob made come first on the first page (docs/emulators.md), in its size.
    const created = from
      ? []
      : jobs.created
          .in(region)
          .map((job) => standing(jobs, region, job))
          .filter((job) => status === undefined || job.Status === status)
          .slice(0, size - 1);
    const { items, more, last } = source.page(
      from ?? null,
      size - created.length,
      (job) => status === undefined || statusOf(job.id, job.status) === status,
    );
    const shown = [...created, ...items.map((item) => standing(jobs, region, item.job()))];
    return xml(200, 'ListJobsResult', {
      Jobs: shown.length === 0 ? {} : { member: shown.map(cosListSummary) },
      NextToken: more && last ? last.id : '',
    });
  }

  function slowDown(req: EmulatorRequest): EmulatorResponse {
    return error(req, 503, 'SlowDown', 'Please reduce your request rate.');
  }

  function internalError(req: EmulatorRequest): EmulatorResponse {
    return error(req, 500, 'InternalError', 'We encountered an internal error. Please try again.');
  }

  return {
    name: 'cosbatch',

    handle(req) {
      const account = signingAccount(req);
      const auth = verifyCosSignature(req, {
        credentials: account,
        now,
        requiredSignedHeaders: ['host'],
      });
      if (!auth.ok) return error(req, 403, auth.code, auth.message);

      const appId = req.headers['x-cos-appid'];
      if (typeof appId !== 'string' || appId.trim() === '')
        return error(req, 400, 'InvalidArgument', 'x-cos-appid cannot be empty');
      if (appId !== account.appId) return error(req, 403, 'AccessDenied', 'Access Denied.');

      const host = CONTROL_HOST_RE.exec(String(req.headers.host ?? ''));
      if (host && host[1] !== account.uin) return error(req, 403, 'AccessDenied', 'Access Denied.');
      // Jobs are regional: the demo account has none in other regions (but in a big account).
      const region = host ? (host[2] as string) : account.region;
      const jobs = account === DEMO_SECOND_TENCENT_ACCOUNT ? secondJobs : defaultJobs;

      if (req.rawPath === LIST_PATH) {
        if (req.method === 'POST') return createJob(req, jobs, region);
        if (req.method !== 'GET') return methodNotAllowed(req);
        return listJobs(req, jobs, region);
      }
      const jobId = jobIdOf(req);
      if (jobId === null)
        return error(req, 400, 'InvalidRequest', 'The request is not a COS Batch operation.');
      if (jobId === '') return error(req, 400, 'InvalidRequest', 'Job id is required.');
      if (STATUS_PATH_RE.test(req.rawPath)) {
        if (req.method !== 'POST') return methodNotAllowed(req);
        return updateJobStatus(req, jobs, region, jobId);
      }
      if (req.method !== 'GET') return methodNotAllowed(req);
      return describeJob(req, jobs, region, jobId);
    },

    describe(req) {
      const uin = signingAccount(req).uin;
      const account = uin === ACCOUNT.uin ? {} : { account: uin };
      if (req.rawPath === LIST_PATH && req.method === 'GET')
        return { operation: 'ListJobs', job: `${regionOf(req)}/`, ...account };
      if (req.rawPath === LIST_PATH && req.method === 'POST') {
        const token = /<ClientRequestToken>([^<]*)<\/ClientRequestToken>/.exec(req.body)?.[1] ?? '';
        // `{region}/new`: a job to be made, which a fault's jobPrefix can pick alone.
        return {
          operation: `CreateJob ${token}`.trimEnd(),
          job: `${regionOf(req)}/new`,
          ...account,
        };
      }
      const jobId = jobIdOf(req);
      if (jobId === null || jobId === '')
        return { operation: `${req.method} ${req.path}`, job: null, ...account };
      const operation =
        STATUS_PATH_RE.test(req.rawPath) && req.method === 'POST'
          ? `UpdateJobStatus ${jobId} ${req.query.get('requestedJobStatus') ?? ''}`.trimEnd()
          : `DescribeJob ${jobId}`;
      return { operation, job: `${regionOf(req)}/${jobId}`, ...account };
    },

    throttled: slowDown,
    serverError: internalError,
    errorAnswer: (req, answer) =>
      error(req, answer.status, answer.code, answer.message, answer.requestId),

    malformed() {
      const full = xml(200, 'DescribeJobResult', { Job: DEMO_JOBS.values().next().value });
      return { ...full, body: full.body.slice(0, Math.floor(full.body.length / 2)) };
    },
  };
}

/** The ListJobs `member` of a `<Job>`: the summary elements of the API page, in its order; Operation is the operation's name. */
function cosListSummary(job: WireElement): WireElement {
  const progress = (job.ProgressSummary ?? {}) as WireElement;
  return {
    CreationTime: job.CreationTime,
    Description: job.Description,
    JobId: job.JobId,
    Operation: Object.keys((job.Operation ?? {}) as WireElement)[0],
    Priority: job.Priority,
    ProgressSummary: {
      NumberOfTasksFailed: progress.NumberOfTasksFailed,
      NumberOfTasksSucceeded: progress.NumberOfTasksSucceeded,
      TotalNumberOfTasks: progress.TotalNumberOfTasks,
    },
    Status: job.Status,
    TerminationDate: job.TerminationDate,
  };
}
