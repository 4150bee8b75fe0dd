import {
  isResponse,
  synthesizedJob,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../framework.ts';
import {
  bigAccountJobs,
  opaqueTokens,
  type JobList,
  type ListOptions,
  type ListOrder,
  type ListPosition,
} from '../listing.ts';
import { jobListing, readOpaquePage, type OpaquePaging } from '../listRoute.ts';
import { restJsonAnswers } from '../restJson.ts';
import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
} from '../awsCaller.ts';
import type { ProgressClockOptions } from '../progress.ts';
import { NO_EVENTS, publishOnChange, type EventSink } from '../eventBridge.ts';
import {
  OMICS_DEMO_JOBS,
  omicsDemoJobAt,
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_REGION,
  OMICS_ERROR_CASE_IDS,
  type WireOmicsJob,
} from './data.ts';
import {
  OMICS_REFERENCE_STORES,
  OMICS_BIG_ACCOUNT,
  omicsListedJobs,
  type WireReferenceStore,
  omicsListPlace,
} from './listData.ts';
import {
  omicsRunStatusChangeEvent,
  omicsStatusChangeEvent,
  omicsTaskStatusChangeEvent,
} from './jobEvents.ts';
import { OMICS_PROGRESSING_RUNS, omicsProgressingJob } from './progressing.ts';
import { OMICS_SECOND_ACCOUNT_STORES, omicsSecondAccountJobs } from './secondAccount.ts';
import { omicsRunRoute, type RunAnswers, type WireOmicsRun } from './runs.ts';
import { omicsRunStarts, startRunCall, startRunRoute } from './runStart.ts';
import { omicsDemoBatchesAt, omicsDemoRunsAt } from './runBatchData.ts';
import { omicsRunBatchRoute } from './runBatches.ts';
import { omicsRunLogSource } from './runLogs.ts';
import { omicsRunControls } from './runControls.ts';
import type { LogStreams } from '../logs/streams.ts';

const ROUTE = /^\/referencestore\/([^/]*)\/importjob\/([^/]*)$/;
const LIST_JOBS_ROUTE = /^\/referencestore\/([^/]*)\/importjobs$/;
const LIST_STORES_PATH = '/referencestores';

/** `maxResults` range of ListReferenceImportJobs and ListReferenceStores (API reference: 1..100). */
const OMICS_LIST_MAX_RESULTS = 100;
/** The page size without `maxResults` (undocumented; the maximum here). */
const OMICS_LIST_DEFAULT_RESULTS = 100;
/** The list order when none is given: oldest first, as the AWS CLI's list-reference-import-jobs example shows. */
const OMICS_DEFAULT_LIST_ORDER: ListOrder = 'oldest-first';
/** The two list operations' paging parameters (nextToken: 1..6144 characters in the model). */
const PAGING: OpaquePaging = {
  sizeParam: 'maxResults',
  tokenParam: 'nextToken',
  minSize: 1,
  maxSize: OMICS_LIST_MAX_RESULTS,
  defaultSize: OMICS_LIST_DEFAULT_RESULTS,
  maxTokenLength: 6144,
};
/** ListReferenceImportJobs' `filter.status` values (the model's ReferenceImportJobStatus). */
const JOB_STATUSES = [
  'SUBMITTED',
  'IN_PROGRESS',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
];

export interface OmicsEmulatorOptions
  extends ProgressClockOptions, ListOptions, AwsAccountsOptions {
  /** Where `Reference Import Job Status Change` and `Run Status Change` events go (default: dropped). */
  events?: EventSink;
  /** Where its workflow runs write their log lines (the CloudWatch Logs emulator's streams). */
  logs?: LogStreams;
}

/** One account's stores and jobs as the routes read them. */
interface AccountJobs {
  /** A store's listed jobs, or undefined where the account has no such store. */
  listOf(region: string, referenceStoreId: string): JobList<WireOmicsJob> | undefined;
  /** The job a GetReferenceImportJob names, or undefined. */
  find(
    req: EmulatorRequest,
    region: string,
    referenceStoreId: string,
    id: string,
  ): WireOmicsJob | undefined;
  /** Whether the progressing job is in this store's list. */
  progressingIn(region: string, referenceStoreId: string): boolean;
  /** The stores ListReferenceStores shows in a region, oldest first. */
  stores(region: string): readonly WireReferenceStore[];
  /** What the page tokens' scopes start with. */
  scope: string;
}

/**
 * AWS HealthOmics `GetReferenceImportJob` over rest-json, as the service answers it:
 * `GET /referencestore/{referenceStoreId}/importjob/{id}`, SigV4 `omics` (any region in the
 * credential scope; demo jobs live in us-east-1), JSON bodies with ISO-8601 timestamps,
 * errors as status + `x-amzn-ErrorType` + `{"message": …}` + `x-amzn-RequestId`.
 * Independent of src/datasources by design. `now` (ms) drives the signature clock-skew check
 * and the `Date` header; with `epochMs` it also places the progressing job (progressing.ts) in its cycle.
 *
 * The two list operations of the HealthOmics API reference, signed and refused as above:
 * - ListReferenceImportJobs, `POST /referencestore/{referenceStoreId}/importjobs?maxResults=&nextToken=`
 *   with an optional JSON body `{"filter": {"status", "createdAfter", "createdBefore"}}` (the
 *   service filters; both times inclusive here, unverified): `{"importJobs": [{id,
 *   referenceStoreId, roleArn, status, creationTime, completionTime}], "nextToken"}`. The jobs of
 *   a store are listData.ts's (over the 90 days before the emulator started), plus the
 *   progressing job in the main store (with `opts.jobsPerSource`, a big account: that many
 *   generated jobs in each store, the progressing one counted). A store the region does not have is 404
 *   ResourceNotFoundException.
 * - ListReferenceStores, `POST /referencestores` with `{"filter": {"name", "createdAfter",
 *   "createdBefore"}}`: `{"referenceStores": [{arn, id, name, description, sseConfig,
 *   creationTime}], "nextToken"}`; the demo region has two stores, other regions none.
 * `maxResults` outside 1..100, a `nextToken` outside 1..6144 characters, not made here, made for
 * another store or filter, or older than 24 hours, and a filter that does not read are 400
 * ValidationException (messages unverified); a body that is not JSON is 400
 * SerializationException. Lists come in `opts.listOrder` (default oldest first, as the AWS CLI's
 * list-reference-import-jobs example shows), paged by opaque tokens carrying the last job's
 * position.
 *
 * Accounts (`opts.accounts`): the demo keys are the default account's and see all of the above;
 * the keys of an STS session (with their `x-amz-security-token`) see their own account's: the
 * second account (DEMO_SECOND_AWS_ACCOUNT) its two stores and few jobs of secondAccount.ts in the
 * demo region, any other account none. A session key without its token is 403
 * UnrecognizedClientException, an expired one 403 ExpiredTokenException.
 */
export function createOmicsEmulator(opts: OmicsEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const listing = jobListing(opts, {
    defaultOrder: OMICS_DEFAULT_LIST_ORDER,
    place: omicsListPlace,
    progressing: omicsProgressingJob,
    finished: OMICS_PROGRESSING_RUNS.finished,
  });
  const demoListed = listing.jobsPerSource === undefined ? omicsListedJobs(listing.anchorMs) : [];
  // Each store's list; with jobsPerSource, N jobs in each (the main store's counting the progressing job).
  const lists = new Map<string, JobList<WireOmicsJob>>(
    OMICS_REFERENCE_STORES.map(({ id }) => [
      id,
      listing.demo(
        () => demoListed.filter((j) => j.referenceStoreId === id),
        (anchorMs, count) => bigAccountJobs(OMICS_BIG_ACCOUNT, anchorMs, id, count),
        id === OMICS_DEMO_REFERENCE_STORE_ID,
      ),
    ]),
  );
  /** The listed jobs of a store: the demo region's stores only. */
  const listOf = (region: string, referenceStoreId: string) =>
    region === OMICS_DEMO_REGION ? lists.get(referenceStoreId) : undefined;
  const jobs = new Map<string, WireOmicsJob>(
    OMICS_DEMO_JOBS.map((j) => [jobKey(OMICS_DEMO_REGION, j.referenceStoreId, j.id), j]),
  );
  /** A fixed demo job dated for this emulator's start, read afresh at each answer. */
  const atStart = (job: WireOmicsJob | undefined) => job && omicsDemoJobAt(job, listing.anchorMs);
  const callers = awsCallers(opts, { service: 'omics', now });
  const defaultJobs: AccountJobs = {
    listOf,
    find: (req, region, referenceStoreId, id) => {
      const key = jobKey(region, referenceStoreId, id);
      const progressing =
        region === OMICS_DEMO_REGION && referenceStoreId === OMICS_DEMO_REFERENCE_STORE_ID
          ? OMICS_PROGRESSING_RUNS.byId(id, listing.cyclePoint())
          : undefined;
      return (
        progressing ??
        atStart(jobs.get(key)) ??
        listOf(region, referenceStoreId)?.find(id)?.job() ??
        synthesizedJob(req, id, (t) => atStart(OMICS_DEMO_JOBS.find((j) => j.id === t)))
      );
    },
    progressingIn: (region, referenceStoreId) =>
      region === OMICS_DEMO_REGION && referenceStoreId === OMICS_DEMO_REFERENCE_STORE_ID,
    stores: (region) => (region === OMICS_DEMO_REGION ? OMICS_REFERENCE_STORES : []),
    scope: 'omics',
  };
  const secondJobs = omicsSecondAccountJobs(listing.anchorMs);
  const secondLists = new Map(
    OMICS_SECOND_ACCOUNT_STORES.map(({ id }) => [
      id,
      listing.of(secondJobs.filter((j) => j.referenceStoreId === id)),
    ]),
  );
  /** The stores and jobs of an account other than the default one: the second account's, or none. */
  const otherJobs = (accountId: string): AccountJobs => {
    const second = callers.which(accountId) === 'second';
    const listOfOther = (region: string, referenceStoreId: string) =>
      second && region === OMICS_DEMO_REGION ? secondLists.get(referenceStoreId) : undefined;
    return {
      listOf: listOfOther,
      find: (_req, region, referenceStoreId, id) =>
        listOfOther(region, referenceStoreId)?.find(id)?.job(),
      progressingIn: () => false,
      stores: (region) =>
        second && region === OMICS_DEMO_REGION ? OMICS_SECOND_ACCOUNT_STORES : [],
      scope: `omics/${accountId}`,
    };
  };
  const jobTokens = opaqueTokens('jobgraph-emulator-omics-ListReferenceImportJobs');
  const storeTokens = opaqueTokens('jobgraph-emulator-omics-ListReferenceStores');

  const { headers, error, ok, errorAnswer } = restJsonAnswers(now);
  // Each emulator its own copy, dated for its start: CancelRun and CancelRunBatch change them.
  const demoRuns: WireOmicsRun[] = omicsDemoRunsAt(listing.anchorMs);
  const demoBatches = omicsDemoBatchesAt(listing.anchorMs);
  opts.logs?.register(
    omicsRunLogSource(OMICS_DEMO_REGION, (id) => (callers.which(id) === 'default' ? demoRuns : [])),
  );
  const throttled = () => error(429, 'ThrottlingException', 'Rate exceeded');
  const serverError = () =>
    error(500, 'InternalServerException', 'An unexpected error occurred. Try the request again.');

  /** What the run and batch routes answer with; their changes published as `accountId`'s events. */
  const runStarts = omicsRunStarts();
  const runAnswersFor = (accountId: string): RunAnswers => {
    const events = opts.events ?? NO_EVENTS;
    return {
      ok,
      error,
      now,
      changed: (run) =>
        events.publish(omicsRunStatusChangeEvent(run, accountId, OMICS_DEMO_REGION, now())),
      taskChanged: (_run, task) =>
        events.publish(omicsTaskStatusChangeEvent(task, accountId, OMICS_DEMO_REGION, now())),
    };
  };

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const auth = await callers.verify(req);
    if (!auth.ok) {
      const { status, code, message } = jsonAuthRefusal(auth, {
        tokenStatus: 403,
        wrongScopeMessage: "Credential should be scoped to correct service: 'omics'.",
        mismatchMessage:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        malformedIsMismatch: true,
      });
      return error(status, code, message);
    }
    const account =
      callers.which(auth.accountId) === 'default' ? defaultJobs : otherJobs(auth.accountId);
    // Workflow runs (the `workflows-` host prefix): the default account's, in the demo region.
    const inDemo = account === defaultJobs && signingRegionOf(req) === OMICS_DEMO_REGION;
    const runAnswers = runAnswersFor(auth.accountId);
    const runAnswer =
      startRunRoute(req, inDemo ? demoRuns : [], runAnswers, runStarts, auth.accountId) ??
      omicsRunBatchRoute(req, inDemo ? demoBatches : [], inDemo ? demoRuns : [], runAnswers) ??
      omicsRunRoute(req, inDemo ? demoRuns : [], runAnswers);
    if (runAnswer) return runAnswer;
    const listRoute = matchListRoute(req);
    if (listRoute?.operation === 'ListReferenceImportJobs')
      return listReferenceImportJobs(req, account, listRoute.referenceStoreId);
    if (listRoute?.operation === 'ListReferenceStores') return listReferenceStores(req, account);
    const route = matchRoute(req);
    if (!route) return error(404, 'UnknownOperationException', 'Unknown operation');
    for (const [label, value] of [
      ['referenceStoreId', route.referenceStoreId],
      ['id', route.id],
    ] as const) {
      const problem = validateId(value);
      if (problem) {
        return error(
          400,
          'ValidationException',
          `1 validation error detected: Value '${value}' at '${label}' failed to satisfy constraint: ${problem}`,
        );
      }
    }
    // Error-case IDs answer the same in every store and region.
    switch (route.id) {
      case OMICS_ERROR_CASE_IDS.throttled:
        return throttled();
      case OMICS_ERROR_CASE_IDS.serverError:
        return serverError();
      case OMICS_ERROR_CASE_IDS.accessDenied:
        return error(
          403,
          'AccessDeniedException',
          'User is not authorized to perform: omics:GetReferenceImportJob on the requested resource.',
        );
      case OMICS_ERROR_CASE_IDS.requestTimeout:
        return error(408, 'RequestTimeoutException', 'The request timed out.');
    }
    const job = account.find(req, signingRegionOf(req) ?? '', route.referenceStoreId, route.id);
    if (!job)
      return error(404, 'ResourceNotFoundException', 'The specified import job was not found.');
    return ok(job);
  }

  const validation = (field: string, value: string, constraint: string) =>
    error(
      400,
      'ValidationException',
      `1 validation error detected: Value '${value.slice(0, 64)}' at '${field}' failed to satisfy constraint: ${constraint}`,
    );

  /** The page size and start of a list request, or the ValidationException it is answered with. */
  function pageRequest(
    req: EmulatorRequest,
    tokens: ReturnType<typeof opaqueTokens>,
    scope: string,
  ): { size: number; position: ListPosition | null } | EmulatorResponse {
    const read = readOpaquePage(req.query, PAGING, tokens, scope, now);
    if (read.ok) return { size: read.size, position: read.position };
    if (!('refusal' in read)) return validation(read.param, read.value, read.constraint);
    const why =
      read.refusal === 'expired'
        ? 'The pagination token has expired.'
        : read.refusal === 'foreign'
          ? 'The pagination token does not match the request.'
          : 'Invalid pagination token.';
    return error(400, 'ValidationException', why);
  }

  /** The request body's `filter`, with its times in ms; or the error it is answered with. */
  function readFilter(
    req: EmulatorRequest,
    names: readonly string[],
  ): Record<string, string | number> | EmulatorResponse {
    let body: unknown;
    try {
      body = req.body.trim() === '' ? {} : JSON.parse(req.body);
    } catch {
      return error(400, 'SerializationException', 'Could not parse the request body as JSON.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return error(400, 'SerializationException', 'The request body must be a JSON object.');
    const filter = (body as { filter?: unknown }).filter;
    if (filter === undefined || filter === null) return {};
    if (typeof filter !== 'object' || Array.isArray(filter))
      return error(400, 'SerializationException', 'filter must be a JSON object.');
    const out: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(filter as Record<string, unknown>)) {
      if (!names.includes(name) || value === null) continue;
      if (typeof value !== 'string')
        return validation(`filter.${name}`, JSON.stringify(value), 'Member must be a string');
      if (name === 'status') {
        if (!JOB_STATUSES.includes(value))
          return validation(
            'filter.status',
            value,
            `Member must satisfy enum value set: [${JOB_STATUSES.join(', ')}]`,
          );
        out.status = value;
      } else if (name === 'name') {
        out.name = value;
      } else {
        const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
        if (!Number.isFinite(ms))
          return validation(`filter.${name}`, value, 'Member must be an ISO 8601 date-time');
        out[name] = ms;
      }
    }
    return out;
  }

  function listReferenceImportJobs(
    req: EmulatorRequest,
    account: AccountJobs,
    referenceStoreId: string,
  ): EmulatorResponse {
    const problem = validateId(referenceStoreId);
    if (problem) return validation('referenceStoreId', referenceStoreId, problem);
    const filter = readFilter(req, ['status', 'createdAfter', 'createdBefore']);
    if (isResponse(filter)) return filter;
    const region = signingRegionOf(req) ?? '';
    const list = account.listOf(region, referenceStoreId);
    if (!list) {
      return error(
        404,
        'ResourceNotFoundException',
        'The specified reference store was not found.',
      );
    }
    const scope = `${account.scope}/${region}/${referenceStoreId}/${JSON.stringify(Object.entries(filter).sort())}`;
    const request = pageRequest(req, jobTokens, scope);
    if (isResponse(request)) return request;
    const { items, more, last } = listing
      .source(list, account.progressingIn(region, referenceStoreId))
      .page(
        request.position,
        request.size,
        ({ status, createdMs }) =>
          (filter.status === undefined || status === filter.status) &&
          (filter.createdAfter === undefined || createdMs >= (filter.createdAfter as number)) &&
          (filter.createdBefore === undefined || createdMs <= (filter.createdBefore as number)),
      );
    const importJobs = items
      .map((item) => item.job())
      .map((job) => ({
        id: job.id,
        referenceStoreId: job.referenceStoreId,
        roleArn: job.roleArn,
        status: job.status,
        creationTime: job.creationTime,
        ...(job.completionTime === undefined ? {} : { completionTime: job.completionTime }),
      }));
    const body = {
      importJobs,
      ...(more && last ? { nextToken: jobTokens.issue(scope, last, now()) } : {}),
    };
    return ok(body);
  }

  function listReferenceStores(req: EmulatorRequest, account: AccountJobs): EmulatorResponse {
    const filter = readFilter(req, ['name', 'createdAfter', 'createdBefore']);
    if (isResponse(filter)) return filter;
    const region = signingRegionOf(req) ?? '';
    const scope = `${account.scope}/${region}/stores/${JSON.stringify(Object.entries(filter).sort())}`;
    const request = pageRequest(req, storeTokens, scope);
    if (isResponse(request)) return request;
    const stores = account
      .stores(region)
      .map((store: WireReferenceStore) => ({
        store,
        createdMs: Date.parse(store.creationTime),
        id: store.id,
      }))
      .filter(
        ({ store, createdMs }) =>
          (filter.name === undefined || store.name === filter.name) &&
          (filter.createdAfter === undefined || createdMs >= (filter.createdAfter as number)) &&
          (filter.createdBefore === undefined || createdMs <= (filter.createdBefore as number)),
      );
    const { items, more, last } = listing.pageOf(stores, request.position, request.size);
    const body = {
      referenceStores: items.map(({ store }) => store),
      ...(more && last ? { nextToken: storeTokens.issue(scope, last, now()) } : {}),
    };
    return ok(body);
  }

  // The progressing job's status changes, each as its event in the default account's region.
  const publishDue = publishOnChange(
    opts.events ?? NO_EVENTS,
    () => listing.progressingJob(),
    (job) => `${job.creationTime}/${job.status}`,
    (job) =>
      omicsStatusChangeEvent(job, callers.accounts.defaultAccountId, OMICS_DEMO_REGION, now()),
  );

  return {
    name: 'omics',
    // Tests move the default account's runs (runControls.ts), each change published as its events.
    jobs: omicsRunControls(demoRuns, runAnswersFor(callers.accounts.defaultAccountId)),
    handle,
    publishDue,
    describe(req) {
      const listRoute = matchListRoute(req);
      if (listRoute?.operation === 'ListReferenceImportJobs') {
        const store = listRoute.referenceStoreId;
        return callers.describeRegional(req, `ListReferenceImportJobs ${store}`, `${store}/`);
      }
      if (listRoute?.operation === 'ListReferenceStores')
        return callers.describeRegional(req, 'ListReferenceStores', '');
      // StartRun: `{region}/new`, a run to be made, which a fault's jobPrefix can pick alone.
      if (req.method === 'POST' && req.path === '/run')
        return callers.describeRegional(req, startRunCall(req.body), 'new');
      // The runs' and run batches' lists, named as the listing calls them (descriptor.ts
      // `list.operations`).
      if (req.method === 'GET' && req.path === '/run')
        return callers.describeRegional(req, 'ListRuns', '');
      if (req.method === 'GET' && req.path === '/runBatch')
        return callers.describeRegional(req, 'ListBatch', '');
      const route = matchRoute(req);
      if (!route) return callers.describeRegional(req, `${req.method} ${req.path}`, null);
      const path = `${route.referenceStoreId}/${route.id}`;
      return callers.describeRegional(req, `GetReferenceImportJob ${path}`, path);
    },
    throttled,
    serverError,
    errorAnswer,
    malformed: () => ({
      status: 200,
      headers: headers(),
      body: '{"id":"8110394857","referenceStoreId":"50387',
    }),
  };
}

function jobKey(region: string, referenceStoreId: string, id: string): string {
  return `${region}/${referenceStoreId}/${id}`;
}

/** One of the two list operations (both POST), or null. */
function matchListRoute(
  req: EmulatorRequest,
):
  | { operation: 'ListReferenceImportJobs'; referenceStoreId: string }
  | { operation: 'ListReferenceStores' }
  | null {
  if (req.method !== 'POST') return null;
  if (req.rawPath === LIST_STORES_PATH) return { operation: 'ListReferenceStores' };
  const m = LIST_JOBS_ROUTE.exec(req.rawPath);
  if (!m) return null;
  let referenceStoreId = m[1] as string;
  try {
    referenceStoreId = decodeURIComponent(referenceStoreId);
  } catch {
    // Kept as sent; the ID check refuses it.
  }
  return { operation: 'ListReferenceImportJobs', referenceStoreId };
}

function matchRoute(req: EmulatorRequest): { referenceStoreId: string; id: string } | null {
  if (req.method !== 'GET') return null;
  const m = ROUTE.exec(req.rawPath);
  if (!m) return null;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { referenceStoreId: decode(m[1] as string), id: decode(m[2] as string) };
}

/** The model's constraints (length 10-36, pattern [0-9]+), enforced anchored as the service does. */
function validateId(value: string): string | null {
  if (value.length < 10) return 'Member must have length greater than or equal to 10';
  if (value.length > 36) return 'Member must have length less than or equal to 36';
  if (!/^[0-9]+$/.test(value)) return 'Member must satisfy regular expression pattern: [0-9]+';
  return null;
}
