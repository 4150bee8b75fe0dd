import { createHash } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import type { JobList, ListedJob, ListOptions, ListOrder } from '../listing.ts';
import { jobListing } from '../listRoute.ts';
import { awsQueryAnswers, type QueryAuthWording } from '../awsQuery.ts';
import { awsCallers, type AwsAccountsOptions } from '../awsCaller.ts';
import type { ProgressClockOptions } from '../progress.ts';
import {
  DEMO_IMPORTEXPORT_SESSION_TOKEN,
  DEMO_JOBS,
  demoJobAt,
  ERROR_CASE_JOB_IDS,
  type WireGetStatusResult,
} from './data.ts';
import { CANCEL_REFUSALS, canceledJob, cancelOutcome } from './cancel.ts';
import { importExportBigJobs, importExportListedJobs, importExportListPlace } from './listData.ts';
import { IMPORTEXPORT_PROGRESSING_JOB_ID, importExportProgressingJob } from './progressing.ts';
import { importExportSecondAccountJobs } from './secondAccount.ts';

/**
 * AWS Import/Export, wire-faithful: AWS query form POSTs to `/`, XML answers in the model
 * namespace, the query error envelope (`ErrorResponse/Error/{Type,Code,Message}` with
 * `RequestId` beside `Error`). Accepts SigV4 (`IngestionService`/us-east-1, what botocore,
 * the AWS CLI and jobgraph send) with the demo credentials; a session token is accepted only
 * if it is the demo one.
 *
 * Answers no public AWS page confirms (so unverified against the service): the header request
 * id `x-amzn-RequestId`, `Throttling` 400, `ServiceUnavailable` 503, `InvalidAction` /
 * `MissingAction` 400 and a 404 `<UnknownOperationException/>` for other paths or methods
 * (the Coral answer aws-sdk v2's query parser special-cases).
 *
 * ListJobs (`Action=ListJobs&MaxJobs=&Marker=`, botocore's importexport-2010-06-01 model and
 * the Developer Guide's ListJobs page): the account's jobs (with `opts.jobsPerSource`, a big
 * account: that many generated ones, the progressing job counted) newest first ("reverse
 * chronological order", the only list order a provider documents), as
 * `ListJobsResult/Jobs/member{JobId, CreationDate, IsCanceled, JobType}` and `IsTruncated`
 * beside `Jobs` (the model's place; the guide's table puts it under Jobs). `MaxJobs` must be
 * 0..1000 (0 or none: 1000, unverified) and `Marker` a job of the list: anything else is 400
 * InvalidParameterException (the operation's modeled error for a bad value). `MaxJobs` is only a
 * maximum ("sets the maximum number of jobs returned"): `listPageLimit` makes the emulator answer
 * fewer with IsTruncated true, as a client must expect; `expireJobs` takes jobs out of the system
 * (the model's ExpiredJobIdException), so a Marker naming one no longer works.
 *
 * CancelJob (`Action=CancelJob&JobId=`): cancel.ts has the rules; a cancelled job stays so for
 * the emulator's lifetime.
 *
 * Accounts (`opts.accounts`): the demo keys are the default account's and see all of the above;
 * the keys of an STS session (with their `x-amz-security-token`) see their own account's jobs:
 * the second account (DEMO_SECOND_AWS_ACCOUNT) its few jobs of secondAccount.ts, any other
 * account none. A session key without its token is 403 InvalidClientTokenIdException, an
 * expired one 403 ExpiredToken (the query services' code, as IAM answers it).
 */

const XMLNS = 'http://importexport.amazonaws.com/doc/2010-06-01/';

/** How Import/Export words the caller refusals (its unknown-key message is IAM's). */
const WORDING: QueryAuthWording = {
  invalidTokenCode: 'InvalidClientTokenIdException',
  unknownKeyMessage: 'The AWS Access Key ID you provided does not exist in our records.',
};

/** One account's jobs as GetStatus and ListJobs read them. */
interface AccountJobs {
  /** The jobs ListJobs shows (the progressing one aside). */
  list: JobList<WireGetStatusResult>;
  /** The job GetStatus names, or undefined. */
  find(req: EmulatorRequest, jobId: string): WireGetStatusResult | undefined;
  /** Whether the progressing job is the account's. */
  progressing: boolean;
  /** Jobs that expired out of the system. */
  expired: ReadonlySet<string>;
  /** Jobs CancelJob cancelled (cancel.ts): GetStatus and ListJobs answer them cancelled. */
  canceled: Set<string>;
}
const API_VERSIONS = new Set(['2010-06-01', '2010-06-03']);
const KNOWN_ACTIONS = new Set([
  'CancelJob',
  'CreateJob',
  'GetShippingLabel',
  'GetStatus',
  'ListJobs',
  'UpdateJob',
]);

const JOBS = new Map(DEMO_JOBS.map((j) => [j.JobId, j]));

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

function el(name: string, value: string | number | boolean | undefined, indent: string): string {
  return value === undefined ? '' : `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
}

/** ListJobs' `MaxJobs` range (Developer Guide: 0..1000). */
const IMPORTEXPORT_LIST_MAX_JOBS = 1000;
/** The documented order: newest first. */
const IMPORTEXPORT_DEFAULT_LIST_ORDER: ListOrder = 'newest-first';

export interface ImportExportEmulatorOptions
  extends ProgressClockOptions, ListOptions, AwsAccountsOptions {
  /** Clock in ms for the signature time checks, the Date header and the progressing job, default Date.now. */
  now?: () => number;
  /**
   * Most jobs one ListJobs answer holds, whatever `MaxJobs` asks: 1..1000, default 1000. A
   * smaller limit answers fewer jobs than asked, with IsTruncated true while more follow, so a
   * short list still takes several pages.
   */
  listPageLimit?: number;
}

/** The Import/Export emulator, with the one control its tests need beyond the fault knobs. */
export interface ImportExportEmulator extends ProviderEmulator {
  /**
   * Let these jobs of the default account expire out of the system, for the emulator's lifetime: ListJobs leaves them
   * out (so a Marker naming one is refused, InvalidParameterException 400) and GetStatus answers
   * ExpiredJobIdException 400.
   */
  expireJobs(jobIds: Iterable<string>): void;
}

/** The AWS Import/Export emulator (GetStatus, ListJobs, CancelJob). Throws RangeError for a `listPageLimit` outside 1..1000. */
export function createImportExportEmulator(
  opts: ImportExportEmulatorOptions = {},
): ImportExportEmulator {
  const now = opts.now ?? Date.now;
  const pageLimit = opts.listPageLimit ?? IMPORTEXPORT_LIST_MAX_JOBS;
  if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > IMPORTEXPORT_LIST_MAX_JOBS)
    throw new RangeError(
      `listPageLimit must be a whole number from 1 to ${IMPORTEXPORT_LIST_MAX_JOBS}; got ${String(pageLimit)}`,
    );
  const expired = new Set<string>();
  const listing = jobListing(opts, {
    defaultOrder: IMPORTEXPORT_DEFAULT_LIST_ORDER,
    place: importExportListPlace,
    progressingId: IMPORTEXPORT_PROGRESSING_JOB_ID,
    progressing: importExportProgressingJob,
  });
  // The account's list; with jobsPerSource, N jobs counting the progressing job.
  const listed = listing.demo(importExportListedJobs, importExportBigJobs);
  const callers = awsCallers(opts, { service: 'IngestionService', region: 'us-east-1', now });
  const defaultJobs: AccountJobs = {
    list: listed,
    find: (req, jobId) =>
      listing.findDemo(req, listed, jobId, (id) => {
        const job = JOBS.get(id);
        return job && demoJobAt(job, listing.anchorMs);
      }),
    progressing: true,
    expired,
    canceled: new Set(),
  };
  const secondJobs: AccountJobs = {
    list: listing.of(importExportSecondAccountJobs(listing.anchorMs)),
    find: (_req, jobId) => secondJobs.list.find(jobId)?.job(),
    progressing: false,
    expired: new Set(),
    canceled: new Set(),
  };
  const noJobs: AccountJobs = {
    list: listing.of([]),
    find: () => undefined,
    progressing: false,
    expired: new Set(),
    canceled: new Set(),
  };
  const jobsOf = (accountId: string) =>
    ({ default: defaultJobs, second: secondJobs, other: noJobs })[callers.which(accountId)];
  let requestCounter = 0;

  /** Deterministic, UUID-shaped request ids. */
  function nextRequestId(): string {
    requestCounter += 1;
    const h = createHash('sha1').update(`jobgraph-importexport-${requestCounter}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  const answers = awsQueryAnswers({ xmlns: XMLNS, escapeXml, nextRequestId, now });
  const { respond: xmlResponse, error, ok } = answers;

  /** The account a request is signed for, or the error it is answered with. */
  async function checkSigV4(req: EmulatorRequest): Promise<EmulatorResponse | string> {
    const check = await callers.verify(req);
    if (!check.ok) return answers.refused(check, WORDING);
    // The demo keys may carry the demo session token (a session's own token was checked above).
    const token = req.headers['x-amz-security-token'];
    if (
      check.key.kind === 'user' &&
      token !== undefined &&
      token !== DEMO_IMPORTEXPORT_SESSION_TOKEN
    )
      return error(
        403,
        WORDING.invalidTokenCode,
        'The security token included in the request is invalid.',
      );
    return check.accountId;
  }

  /** A job as it stands now: cancelled if CancelJob cancelled it. */
  const standing = (jobs: AccountJobs, job: WireGetStatusResult): WireGetStatusResult =>
    jobs.canceled.has(job.JobId) ? canceledJob(job) : job;

  const expiredJob = () => error(400, 'ExpiredJobIdException', 'The specified job ID has expired.');

  function getStatus(
    params: URLSearchParams,
    req: EmulatorRequest,
    jobs: AccountJobs,
  ): EmulatorResponse {
    const jobId = params.get('JobId') ?? '';
    if (jobs.expired.has(jobId)) return expiredJob();
    switch (jobId) {
      case ERROR_CASE_JOB_IDS.throttled:
        return answers.throttled();
      case ERROR_CASE_JOB_IDS.serverError:
        return answers.serverError();
      case ERROR_CASE_JOB_IDS.expired:
        return expiredJob();
      case ERROR_CASE_JOB_IDS.canceled:
        return error(
          400,
          'CanceledJobIdException',
          'The specified job ID has been canceled and is no longer valid.',
        );
    }
    const job = jobs.find(req, jobId);
    if (!job)
      return error(
        400,
        'InvalidJobIdException',
        'The JOBID was missing, not found, or not associated with the AWS account.',
      );
    return ok('GetStatus', serializeJob(standing(jobs, job)));
  }

  /** CancelJob, by the rules of cancel.ts; the error-case IDs answer as for GetStatus. */
  function cancelJob(
    params: URLSearchParams,
    req: EmulatorRequest,
    jobs: AccountJobs,
  ): EmulatorResponse {
    const jobId = params.get('JobId') ?? '';
    switch (jobId) {
      case ERROR_CASE_JOB_IDS.throttled:
        return answers.throttled();
      case ERROR_CASE_JOB_IDS.serverError:
        return answers.serverError();
      case ERROR_CASE_JOB_IDS.canceled:
        return error(
          400,
          CANCEL_REFUSALS['already-canceled'].code,
          CANCEL_REFUSALS['already-canceled'].message,
        );
    }
    const found = jobId === '' ? undefined : jobs.find(req, jobId);
    const outcome = cancelOutcome(
      found && standing(jobs, found),
      jobs.expired.has(jobId) || jobId === ERROR_CASE_JOB_IDS.expired,
    );
    if (outcome !== 'canceled') {
      const refusal = CANCEL_REFUSALS[outcome];
      return error(400, refusal.code, refusal.message);
    }
    jobs.canceled.add(jobId);
    return ok('CancelJob', el('Success', true, '    '));
  }

  function listJobs(params: URLSearchParams, jobs: AccountJobs): EmulatorResponse {
    let size = IMPORTEXPORT_LIST_MAX_JOBS;
    const maxJobs = params.get('MaxJobs');
    if (maxJobs !== null) {
      const n = /^\d{1,10}$/.test(maxJobs) ? Number(maxJobs) : NaN;
      if (!(n >= 0 && n <= IMPORTEXPORT_LIST_MAX_JOBS))
        return error(400, 'InvalidParameterException', 'MaxJobs must be between 0 and 1000.');
      if (n > 0) size = n;
    }
    size = Math.min(size, pageLimit);
    const source = listing.source(jobs.list, jobs.progressing);
    const marker = params.get('Marker');
    let from: ListedJob<WireGetStatusResult> | undefined;
    if (marker !== null) {
      from = jobs.expired.has(marker) ? undefined : source.find(marker);
      if (!from)
        return error(400, 'InvalidParameterException', 'The Marker is not a valid job ID.');
    }
    const { items, more } = source.page(from ?? null, size, (job) => !jobs.expired.has(job.id));
    const i = '    ';
    const members = items
      .map((item) => standing(jobs, item.job()))
      .map(
        (job) =>
          `${i}  <member>\n` +
          el('JobId', job.JobId, `${i}    `) +
          el('CreationDate', job.CreationDate, `${i}    `) +
          el('IsCanceled', job.ProgressCode === 'Canceled', `${i}    `) +
          el('JobType', job.JobType, `${i}    `) +
          `${i}  </member>\n`,
      )
      .join('');
    const list = items.length === 0 ? `${i}<Jobs/>\n` : `${i}<Jobs>\n${members}${i}</Jobs>\n`;
    return ok('ListJobs', list + el('IsTruncated', more, i));
  }

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (req.method !== 'POST' || req.rawPath !== '/') {
      const requestId = nextRequestId();
      return xmlResponse(404, '<UnknownOperationException/>', requestId);
    }
    const accountId = await checkSigV4(req);
    if (typeof accountId !== 'string') return accountId;
    const jobs = jobsOf(accountId);
    const params = new URLSearchParams(req.body);
    const action = params.get('Action');
    if (!action)
      return error(400, 'MissingAction', 'The request must contain the parameter Action.');
    if (!KNOWN_ACTIONS.has(action))
      return error(
        400,
        'InvalidAction',
        `The action ${action.slice(0, 64)} is not valid for this web service.`,
      );
    const version = params.get('Version');
    if (!version || !API_VERSIONS.has(version))
      return error(
        400,
        'NoSuchVersion',
        'The requested version is not valid for this web service.',
      );
    if (action === 'GetStatus') return getStatus(params, req, jobs);
    if (action === 'ListJobs') return listJobs(params, jobs);
    if (action === 'CancelJob') return cancelJob(params, req, jobs);
    return answers.notEmulated(action, 'GetStatus, ListJobs and CancelJob');
  }

  return {
    name: 'importexport',
    expireJobs(jobIds) {
      for (const id of jobIds) expired.add(id);
    },
    handle,
    describe(req: EmulatorRequest) {
      const params = new URLSearchParams(req.body);
      const action = params.get('Action') ?? 'unknown';
      const jobId = params.get('JobId');
      return {
        operation: jobId ? `${action} ${jobId}` : action,
        job: jobId,
        ...callers.otherAccountOf(req),
      };
    },
    throttled: answers.throttled,
    serverError: answers.serverError,
    errorAnswer: answers.errorAnswer,
    malformed(req: EmulatorRequest): EmulatorResponse {
      // Cut inside the first elements, before any secret, so a malformed answer never carries one.
      const jobId = new URLSearchParams(req.body).get('JobId') ?? 'ABCDE';
      const requestId = nextRequestId();
      const body = `<GetStatusResponse xmlns="${XMLNS}">\n  <GetStatusResult>\n    <JobId>${escapeXml(jobId.slice(0, 64))}</JobId>\n    <JobType>Imp`;
      return xmlResponse(200, body, requestId);
    },
  };
}

/** `GetStatusResult` children in the model's member order, text XML-escaped. */
function serializeJob(job: WireGetStatusResult): string {
  const i = '    ';
  let out =
    el('JobId', job.JobId, i) +
    el('JobType', job.JobType, i) +
    el('LocationCode', job.LocationCode, i) +
    el('LocationMessage', job.LocationMessage, i) +
    el('ProgressCode', job.ProgressCode, i) +
    el('ProgressMessage', job.ProgressMessage, i) +
    el('Carrier', job.Carrier, i) +
    el('TrackingNumber', job.TrackingNumber, i) +
    el('LogBucket', job.LogBucket, i) +
    el('LogKey', job.LogKey, i) +
    el('ErrorCount', job.ErrorCount, i) +
    el('Signature', job.Signature, i) +
    el('SignatureFileContents', job.SignatureFileContents, i) +
    el('CurrentManifest', job.CurrentManifest, i) +
    el('CreationDate', job.CreationDate, i);
  if (job.ArtifactList) {
    if (job.ArtifactList.length === 0) out += `${i}<ArtifactList/>\n`;
    else {
      out += `${i}<ArtifactList>\n`;
      for (const a of job.ArtifactList) {
        out += `${i}  <member>\n${el('Description', a.Description, `${i}    `)}${el('URL', a.URL, `${i}    `)}${i}  </member>\n`;
      }
      out += `${i}</ArtifactList>\n`;
    }
  }
  out +=
    el('AwsShippingAddress', job.AwsShippingAddress, i) +
    el('WarningMessage', job.WarningMessage, i);
  return out;
}
