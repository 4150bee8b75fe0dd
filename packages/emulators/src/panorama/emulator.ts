import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import { DEMO_AWS_ACCOUNT_ID, DEMO_AWS_USER } from '../accounts.ts';
import { opaqueTokens, type JobList, type ListOptions, type ListOrder } from '../listing.ts';
import { jobListing, readOpaquePage, type OpaquePaging } from '../listRoute.ts';
import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
  type AwsCallerRefusal,
} from '../awsCaller.ts';
import type { ProgressClockOptions } from '../progress.ts';
import {
  PANORAMA_DEMO_JOBS,
  panoramaDemoJobAt,
  PANORAMA_DEMO_REGION,
  PANORAMA_ERROR_JOB_IDS,
  type PanoramaDemoJob,
} from './data.ts';
import { PANORAMA_BIG_ACCOUNT, panoramaListedJobs, panoramaListPlace } from './listData.ts';
import { PANORAMA_PROGRESSING_JOB_ID, panoramaProgressingJob } from './progressing.ts';
import { panoramaSecondAccountJobs, PANORAMA_SECOND_ACCOUNT_REGION } from './secondAccount.ts';

/** ListPackageImportJobs' `MaxResults` range in the model (`MaxSize25`: 0..25). */
const PANORAMA_LIST_MAX_RESULTS = 25;
/** The page size when `MaxResults` is absent or 0 (undocumented; the model's maximum here). */
const PANORAMA_LIST_DEFAULT_RESULTS = 25;
/** The list order when none is given: the service documents none, and the other AWS JSON list here (HealthOmics) shows oldest first. */
const PANORAMA_DEFAULT_LIST_ORDER: ListOrder = 'oldest-first';
/** ListPackageImportJobs' paging parameters (NextToken: 1..4096 characters in the model). */
const PAGING: OpaquePaging = {
  sizeParam: 'MaxResults',
  tokenParam: 'NextToken',
  minSize: 0,
  maxSize: PANORAMA_LIST_MAX_RESULTS,
  defaultSize: PANORAMA_LIST_DEFAULT_RESULTS,
  maxTokenLength: 4096,
};

export interface PanoramaEmulatorOptions
  extends ProgressClockOptions, ListOptions, AwsAccountsOptions {}

/** One account's jobs as the routes read them. */
interface AccountJobs {
  /** The listed jobs of a region, or null where the account has none. */
  listOf(region: string): JobList<PanoramaDemoJob> | null;
  /** The job a describe names, or undefined. */
  find(req: EmulatorRequest, region: string, jobId: string): PanoramaDemoJob | undefined;
  /** Whether the progressing job is in this region's list. */
  progressingIn(region: string): boolean;
  /** The page tokens' scope of a region. */
  scope(region: string): string;
}

/**
 * The AWS Panorama side of `DescribePackageImportJob` (rest-json, SigV4 `panorama`):
 * `GET /packages/import-jobs/{JobId}` answered from the demo data, with the service's error
 * envelope — the status line, `x-amzn-ErrorType`, `x-amzn-RequestId` and a JSON body whose
 * member is the capitalised `Message` (Panorama style); front-end errors (auth, throttling,
 * unknown route) use the generic lower-case `message`.
 *
 * Answers, in order:
 * - no Authorization: 403 MissingAuthenticationTokenException; malformed SigV4 header: 403
 *   IncompleteSignatureException; unknown access key: 403 UnrecognizedClientException; wrong
 *   service, skewed clock or wrong signature: 403 InvalidSignatureException;
 * - any other method or path: 404 UnknownOperationException (unverified for Panorama);
 * - a JobId outside 1-255 of `[a-zA-Z0-9-_]`: 400 ValidationException, Reason FIELD_VALIDATION_FAILED;
 * - the error-case IDs in data.ts: 404 ResourceNotFoundException (not modeled for this
 *   operation but sent by the service), 429 TooManyRequestsException (Panorama models no
 *   throttling error; this is the generic AWS front-end answer), 500 InternalServerException
 *   with `Retry-After`, 403 AccessDeniedException;
 * - a demo job in us-east-1: 200 with its body; anything else: 404 ResourceNotFoundException.
 *   The progressing job (progressing.ts) answers as the clock (`now`, `epochMs`) puts it in its cycle.
 *
 * Timestamps are written as epoch seconds, decimal or (for some jobs) in Java
 * `Double.toString` scientific notation such as `1.719826003456E9`.
 *
 * ListPackageImportJobs (`GET /packages/import-jobs?MaxResults=&NextToken=`, botocore's
 * panorama-2019-07-24 model): signed and refused as above; `MaxResults` outside 0..25 (or not a
 * number) and a `NextToken` outside 1..4096 characters, not made here, or older than 24 hours
 * are 400 ValidationException (the model's only client error for the operation besides
 * AccessDenied and Conflict; the messages are unverified). The jobs of the signing region are
 * generated ones (listData.ts, over the 90 days before the emulator started) and the
 * progressing job, as summaries `{CreatedTime, JobId, JobType, LastUpdatedTime, Status,
 * StatusMessage}` in `opts.listOrder` (default oldest first: the service documents no order),
 * paged by opaque tokens that carry the last job's position, so a job created meanwhile causes no
 * repeat. Other regions list nothing. With `opts.jobsPerSource` (a big account) every region
 * lists that many generated jobs of its own (the demo region's counting the progressing job),
 * each describable in its region.
 *
 * Accounts (`opts.accounts`): the demo keys are the default account's and see all of the above;
 * the keys of an STS session (with their `x-amz-security-token`) see their own account's jobs:
 * the second account (DEMO_SECOND_AWS_ACCOUNT) its few jobs of secondAccount.ts in the demo
 * region, any other account none. A session key without its token is 403
 * UnrecognizedClientException, an expired one 403 ExpiredTokenException.
 */
export function createPanoramaEmulator(opts: PanoramaEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const listing = jobListing(opts, {
    defaultOrder: PANORAMA_DEFAULT_LIST_ORDER,
    place: panoramaListPlace,
    progressingId: PANORAMA_PROGRESSING_JOB_ID,
    progressing: panoramaProgressingJob,
  });
  /** The listed jobs of a region: the demo region's, or (big account only) the region's own. */
  const listOf = listing.regional(PANORAMA_DEMO_REGION, panoramaListedJobs, PANORAMA_BIG_ACCOUNT);
  /** A fixed demo job dated for this emulator's start, read afresh at each answer. */
  const demoJob = (id: string): PanoramaDemoJob | undefined => {
    const job = PANORAMA_DEMO_JOBS[id];
    return job && panoramaDemoJobAt(job, listing.anchorMs);
  };
  const callers = awsCallers(opts, { service: 'panorama', now });
  const defaultJobs: AccountJobs = {
    listOf,
    find: (req, region, jobId) =>
      region !== PANORAMA_DEMO_REGION
        ? listOf(region)?.find(jobId)?.job()
        : listing.findDemo(req, listOf(region), jobId, demoJob),
    progressingIn: (region) => region === PANORAMA_DEMO_REGION,
    scope: (region) => `panorama/${region}`,
  };
  const secondList = listing.of(panoramaSecondAccountJobs(listing.anchorMs));
  /** The jobs of an account other than the default one: the second account's, or none. */
  const otherJobs = (accountId: string): AccountJobs => {
    const listOfOther = (region: string) =>
      callers.which(accountId) === 'second' && region === PANORAMA_SECOND_ACCOUNT_REGION
        ? secondList
        : null;
    return {
      listOf: listOfOther,
      find: (_req, region, jobId) => listOfOther(region)?.find(jobId)?.job(),
      progressingIn: () => false,
      scope: (region) => `panorama/${accountId}/${region}`,
    };
  };
  const tokens = opaqueTokens('jobgraph-emulator-panorama-ListPackageImportJobs');
  let requestCount = 0;

  const nextRequestId = () => {
    requestCount += 1;
    return `9f0c5e2a-7b14-4d3c-8a6e-${requestCount.toString(16).padStart(12, '0')}`;
  };

  const respond = (
    status: number,
    body: string,
    extra: Record<string, string> = {},
  ): EmulatorResponse => ({
    status,
    headers: {
      Date: new Date(now()).toUTCString(),
      'Content-Type': 'application/json',
      'x-amzn-RequestId': nextRequestId(),
      ...extra,
    },
    body,
  });

  const error = (
    status: number,
    code: string,
    body: Record<string, unknown>,
    extra: Record<string, string> = {},
  ) => respond(status, JSON.stringify(body), { 'x-amzn-ErrorType': code, ...extra });

  const emulator: ProviderEmulator = {
    name: 'panorama',

    async handle(req) {
      const auth = await callers.verify(req);
      if (!auth.ok) return authError(auth);
      const jobs =
        callers.which(auth.accountId) === 'default' ? defaultJobs : otherJobs(auth.accountId);
      if (isListRoute(req)) return listPackageImportJobs(req, jobs);
      const route = matchRoute(req);
      if (!route) return error(404, 'UnknownOperationException', { message: 'Unknown operation' });
      const jobId = decodeLabel(route.rawJobId);
      if (jobId === null || !JOB_ID_RE.test(jobId)) return validationError(jobId ?? route.rawJobId);
      const region = signingRegionOf(req) ?? '';
      switch (jobId) {
        case PANORAMA_ERROR_JOB_IDS.throttled:
          return emulator.throttled(req);
        case PANORAMA_ERROR_JOB_IDS.serverError:
          return emulator.serverError(req);
        case PANORAMA_ERROR_JOB_IDS.accessDenied:
          return error(403, 'AccessDeniedException', {
            Message: `User: ${DEMO_AWS_USER.arn} is not authorized to perform: panorama:DescribePackageImportJob on resource: arn:aws:panorama:${region}:${DEMO_AWS_ACCOUNT_ID}:package-import-job/${jobId}`,
          });
      }
      const job = jobs.find(req, region, jobId);
      if (!job) return notFound(jobId);
      return respond(200, serializeJob(job));
    },

    describe(req) {
      if (isListRoute(req)) return callers.describeRegional(req, 'ListPackageImportJobs', '');
      const route = matchRoute(req);
      if (!route) return callers.describeRegional(req, `${req.method} ${req.path}`, null);
      const jobId = decodeLabel(route.rawJobId) ?? route.rawJobId;
      return callers.describeRegional(req, 'DescribePackageImportJob', jobId);
    },

    throttled() {
      return error(429, 'TooManyRequestsException', { message: 'Too Many Requests' });
    },

    serverError() {
      return error(
        500,
        'InternalServerException',
        { Message: 'An internal error occurred. Try again later.' },
        { 'Retry-After': '1' },
      );
    },

    errorAnswer(_req, answer) {
      const out = error(answer.status, answer.code, { message: answer.message });
      return { ...out, headers: { ...out.headers, 'x-amzn-RequestId': answer.requestId } };
    },

    malformed() {
      const body = serializeJob(demoJob('pkgimport-5f3a9c1e7b2d4086') as PanoramaDemoJob);
      return respond(200, body.slice(0, Math.floor(body.length / 2)));
    },
  };

  function authError(check: AwsCallerRefusal): EmulatorResponse {
    const { status, code, message } = jsonAuthRefusal(check, {
      tokenStatus: 403,
      wrongScopeMessage: "Credential should be scoped to correct service: 'panorama'. ",
    });
    return error(status, code, { message });
  }

  function validationError(jobId: string): EmulatorResponse {
    const constraint =
      jobId.length < 1 || jobId.length > 255
        ? `Member must have length between 1 and 255`
        : 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9\\-\\_]+$';
    const message = `1 validation error detected: Value '${jobId.slice(0, 300)}' at 'jobId' failed to satisfy constraint: ${constraint}`;
    return error(400, 'ValidationException', {
      Message: message,
      Reason: 'FIELD_VALIDATION_FAILED',
      Fields: [{ Name: 'JobId', Message: constraint }],
    });
  }

  function listValidationError(
    field: string,
    constraint: string,
    value?: string,
  ): EmulatorResponse {
    const message =
      value === undefined
        ? constraint
        : `1 validation error detected: Value '${value.slice(0, 64)}' at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: ${constraint}`;
    return error(400, 'ValidationException', {
      Message: message,
      Reason: 'FIELD_VALIDATION_FAILED',
      Fields: [{ Name: field, Message: constraint }],
    });
  }

  /** ListPackageImportJobs: the jobs of the signing region, one page. */
  function listPackageImportJobs(req: EmulatorRequest, jobs: AccountJobs): EmulatorResponse {
    const region = signingRegionOf(req) ?? '';
    const request = readOpaquePage(req.query, PAGING, tokens, jobs.scope(region), now);
    if (!request.ok)
      return 'refusal' in request
        ? listValidationError(
            request.param,
            request.refusal === 'expired'
              ? 'The NextToken has expired.'
              : 'The NextToken is not valid.',
          )
        : listValidationError(request.param, request.constraint, request.value);
    const { items, more, last } = listing
      .source(jobs.listOf(region), jobs.progressingIn(region))
      .page(request.position, request.size);
    const token = more && last ? tokens.issue(jobs.scope(region), last, now()) : null;
    const summaries = items.map((item) => {
      const job = item.job();
      return serializeWire(summaryOf(job), job.timestampStyle);
    });
    return respond(
      200,
      `{${token === null ? '' : `"NextToken":${JSON.stringify(token)},`}"PackageImportJobs":[${summaries.join(',')}]}`,
    );
  }

  function notFound(jobId: string): EmulatorResponse {
    return error(404, 'ResourceNotFoundException', {
      Message: `Package import job ${jobId} was not found.`,
      ResourceId: jobId,
      ResourceType: 'PackageImportJob',
    });
  }

  return emulator;
}

const ROUTE_RE = /^\/packages\/import-jobs\/([^/]*)$/;
const LIST_PATH = '/packages/import-jobs';
const JOB_ID_RE = /^[a-zA-Z0-9_-]{1,255}$/;

function matchRoute(req: EmulatorRequest): { rawJobId: string } | null {
  if (req.method !== 'GET') return null;
  const m = ROUTE_RE.exec(req.rawPath);
  return m ? { rawJobId: m[1] as string } : null;
}

function isListRoute(req: EmulatorRequest): boolean {
  return req.method === 'GET' && req.rawPath === LIST_PATH;
}

/** The `PackageImportJob` summary ListPackageImportJobs shows of a job: the model's six members, in its (alphabetical) order. */
function summaryOf(job: PanoramaDemoJob): Record<string, unknown> {
  const { CreatedTime, JobId, JobType, LastUpdatedTime, Status, StatusMessage } = job.wire;
  return { CreatedTime, JobId, JobType, LastUpdatedTime, Status, StatusMessage };
}

function decodeLabel(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const TIMESTAMP_MEMBERS = new Set(['CreatedTime', 'LastUpdatedTime']);

/** Compact JSON as the service writes it, timestamps as epoch-second numbers in the job's style. */
function serializeJob(job: PanoramaDemoJob): string {
  return serializeWire(job.wire, job.timestampStyle);
}

/** Compact JSON of a wire object, its timestamp members as epoch-second numbers in `style`. */
function serializeWire(
  wire: Record<string, unknown>,
  style: PanoramaDemoJob['timestampStyle'],
): string {
  const json = JSON.stringify(wire, (k, v: unknown) =>
    TIMESTAMP_MEMBERS.has(k) && typeof v === 'number'
      ? `@@epoch:${style === 'scientific' ? javaDouble(v) : String(v)}@@`
      : v,
  );
  return json.replace(/"@@epoch:([^@"]+)@@"/g, '$1');
}

/** Java `Double.toString` for values of 10^7 and above: `1.719826003456E9`, `1.719912401E9`. */
function javaDouble(value: number): string {
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}
