import { NO_EVENTS, type EventSink } from '../eventBridge.ts';
import {
  synthesizedJob,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../framework.ts';
import { jobControlRoute } from '../jobControls.ts';
import {
  bigAccountJobs,
  opaqueTokens,
  type JobList,
  type ListedJob,
  type ListOptions,
  type ListPosition,
} from '../listing.ts';
import { jobListing } from '../listRoute.ts';
import { restJsonAnswers } from '../restJson.ts';
import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
} from '../awsCaller.ts';
import type { ProgressClockOptions } from '../progress.ts';
import {
  BATCH_DEMO_REGION,
  BATCH_ERROR_CASE_IDS,
  BATCH_JOB_IDS,
  BATCH_QUEUES,
  HIGH_PRIORITY_QUEUE,
  batchDemoJobs,
  type WireBatchJob,
  type WireJobQueue,
} from './data.ts';
import { applyBatchAction, readActionInput, type BatchAction } from './actions.ts';
import { BATCH_JOB_STATUSES, batchJobChanges, batchJobEvents } from './jobEvents.ts';
import { BATCH_BIG_ACCOUNT } from './listData.ts';
import {
  BATCH_PROGRESSING_RUNNABLE_AFTER_MS,
  BATCH_PROGRESSING_RUNS,
  batchProgressingJob,
} from './progressing.ts';
import { DEMO_JOB_QUEUES } from './queueData.ts';
import { BATCH_SECOND_ACCOUNT_QUEUES, batchSecondAccountJobs } from './secondAccount.ts';
import { batchLogSource } from './jobLogs.ts';
import { matches, readBody, readFilters, readPaging, summaryOf } from './listWire.ts';
import { definitionTemplate, readSubmitInput, submittedJob } from './submit.ts';
import { batchServiceJobs, serviceJobCall } from './serviceJobs.ts';
import { QUEUES_MAX_RESULTS, batchQueueRoutes, type QueueOperation } from './queues.ts';
type BatchOperation = 'DescribeJobs' | 'ListJobs' | 'SubmitJob' | QueueOperation | BatchAction;
import type { LogStreams } from '../logs/streams.ts';

/** The API's documented limits, as the emulator enforces them. */
export const BATCH_LIMITS = {
  /** DescribeJobs' `jobs`: "A list of up to 100 job IDs" (the model's documentation). */
  describeMaxJobs: 100,
  /** ListJobs' page size with `filters` (documented: "returns up to 100 values"). */
  listMaxFiltered: 100,
  /** ListJobs' page size with `jobStatus` or neither (documented: "up to 1000"). */
  listMaxUnfiltered: 1000,
  /** DescribeJobQueues' page size (documented 1..100). */
  queuesMaxResults: QUEUES_MAX_RESULTS,
} as const;

const JOB_STATUSES: readonly string[] = BATCH_JOB_STATUSES;

export interface BatchEmulatorOptions
  extends ProgressClockOptions, ListOptions, AwsAccountsOptions {
  /** Where `Batch Job State Change` events go (default: dropped). */
  events?: EventSink;
  /** Where its jobs write their log lines (the CloudWatch Logs emulator's streams; default: nowhere). */
  logs?: LogStreams;
}

/** A request with nothing in it: a job lookup made by a switch, not by a call (no `synthesize`). */
const NO_REQUEST: EmulatorRequest = {
  method: 'POST',
  path: '',
  rawPath: '',
  query: new URLSearchParams(),
  headers: {},
  body: '',
};

/** One account's queues and jobs as the routes read them. */
interface AccountJobs {
  /** The queues of a region, oldest first. */
  queues(region: string): readonly WireJobQueue[];
  /** A queue's listed jobs (null: the region has no such queue). */
  listOf(region: string, queueArn: string): JobList<WireBatchJob> | null;
  /** The job DescribeJobs names (children and nodes too), or undefined. */
  find(req: EmulatorRequest, region: string, jobId: string): WireBatchJob | undefined;
  /** An array job's children or a multi-node job's nodes. */
  childrenOf(region: string, parentId: string): readonly WireBatchJob[];
  progressingIn(region: string, queueArn: string): boolean;
  scope: string;
}

/**
 * AWS Batch over rest-json, as the service answers (botocore batch/2016-08-10): SigV4 `batch`,
 * JSON bodies with epoch-millisecond times, errors as status + `x-amzn-ErrorType` +
 * `{"message": …}` + `x-amzn-RequestId`: 400 ClientException, 500 ServerException, 429
 * TooManyRequestsException (throttling). Independent of src/datasources by design.
 *
 * - DescribeJobs, `POST /v1/describejobs` `{"jobs": [...]}` (≤ 100, else 400 ClientException):
 *   `{"jobs": [JobDetail]}`; IDs the account does not have are absent, never an error. Error-case
 *   IDs (data.ts) fail the whole call.
 * - ListJobs, `POST /v1/listjobs`: exactly one of `jobQueue` (name or ARN), `arrayJobId`,
 *   `multiNodeJobId`; with `filters` (one) every status, newest first, ≤ 100 a page; without,
 *   `jobStatus` (default RUNNING), ≤ 1000 a page; `maxResults`/`nextToken` in the body. An
 *   unknown queue lists nothing (unverified). Summaries as `JobSummary`.
 * - DescribeJobQueues, DescribeComputeEnvironments, GetJobQueueSnapshot: queues.ts.
 * - CancelJob and TerminateJob, `POST /v1/canceljob` / `/v1/terminatejob` `{"jobId", "reason"}`:
 *   the rules of actions.ts; an unknown job is 400 ClientException.
 * - SubmitJob, `POST /v1/submitjob`: submit.ts; no client token, so the same body twice makes two jobs.
 *
 * Accounts: the demo keys see three queues of the demo region and the jobs of data.ts (with
 * `jobsPerSource`, that many generated jobs in each queue, the progressing one counted in the
 * high-priority queue, which also lists the progressing job's finished runs: progressing.ts); the second account's (staging's) session its one queue of
 * secondAccount.ts; any other account nothing.
 */
export function createBatchEmulator(opts: BatchEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const listing = jobListing(opts, {
    defaultOrder: 'newest-first',
    place: (j: WireBatchJob) => ({ createdMs: j.createdAt, id: j.jobId, status: j.status }),
    progressing: batchProgressingJob,
    finished: BATCH_PROGRESSING_RUNS.finished,
  });
  // The demo jobs answer DescribeJobs in a big account too (as the other emulators' fixtures do); listed only without one.
  const demo = batchDemoJobs(listing.anchorMs);
  const listedDemo = listing.jobsPerSource === undefined ? demo.listed : [];
  const fixtures = new Map(demo.listed.concat(demo.children).map((j) => [j.jobId, j]));
  const lists = new Map<string, JobList<WireBatchJob>>(
    BATCH_QUEUES.map((q) => [
      q.jobQueueArn,
      listing.demo(
        () => listedDemo.filter((j) => j.jobQueue === q.jobQueueArn),
        (anchorMs, count) => bigAccountJobs(BATCH_BIG_ACCOUNT, anchorMs, q.jobQueueName, count),
        q === HIGH_PRIORITY_QUEUE,
      ),
    ]),
  );
  /**
   * The queue set's listed jobs by ID, one index made as the emulator is made (a big account's
   * 300,000 IDs generated then, not in the first DescribeJobs, which took seconds under load): a
   * lookup is one Map get, where each walked the queues' lists (the staging twin's, all three).
   */
  const queued = new Map<string, ListedJob<WireBatchJob>>();
  for (const list of lists.values()) for (const e of list.entries()) queued.set(e.id, e);
  const listed = (jobId: string) => queued.get(jobId)?.job();
  const inDemo = (region: string) => region === BATCH_DEMO_REGION;
  const defaultJobs: AccountJobs = {
    queues: (region) => (inDemo(region) ? DEMO_JOB_QUEUES : []),
    listOf: (region, arn) => (inDemo(region) ? (lists.get(arn) ?? null) : null),
    find(req, region, jobId) {
      if (!inDemo(region)) return undefined;
      const progressing = BATCH_PROGRESSING_RUNS.byId(jobId, listing.cyclePoint());
      if (progressing) return progressing;
      return (
        fixtures.get(jobId) ?? listed(jobId) ?? synthesizedJob(req, jobId, (t) => fixtures.get(t))
      );
    },
    childrenOf: (region, parentId) =>
      inDemo(region)
        ? demo.children.filter(
            (j) => j.jobId.startsWith(`${parentId}:`) || j.jobId.startsWith(`${parentId}#`),
          )
        : [],
    progressingIn: (region, arn) => inDemo(region) && arn === HIGH_PRIORITY_QUEUE.jobQueueArn,
    scope: 'batch',
  };
  const secondJobs = batchSecondAccountJobs(listing.anchorMs);
  const secondList = listing.of(secondJobs);
  const callers = awsCallers(opts, { service: 'batch', now });
  /**
   * In a big account the second account also answers DescribeJobs for the default account's
   * generated jobs, as its own (its account ID in their ARNs; listed only in the default's), as
   * its `shared` job names the default's example: so a benchmark can watch (and move) many jobs of
   * two accounts (bench/events.ts).
   */
  const bigTwin = (accountId: string, jobId: string): WireBatchJob | undefined => {
    if (listing.jobsPerSource === undefined) return undefined;
    const hit = listed(jobId);
    return hit
      ? (JSON.parse(
          JSON.stringify(hit).split(callers.accounts.defaultAccountId).join(accountId),
        ) as WireBatchJob)
      : undefined;
  };
  const otherJobs = (accountId: string): AccountJobs => {
    const second = callers.which(accountId) === 'second';
    const here = (region: string) => second && inDemo(region);
    return {
      queues: (region) => (here(region) ? BATCH_SECOND_ACCOUNT_QUEUES : []),
      listOf: (region, arn) =>
        here(region) && arn === BATCH_SECOND_ACCOUNT_QUEUES[0]!.jobQueueArn ? secondList : null,
      find: (_req, region, jobId) =>
        here(region) ? (secondList.find(jobId)?.job() ?? bigTwin(accountId, jobId)) : undefined,
      childrenOf: () => [],
      progressingIn: () => false,
      scope: `batch/${accountId}`,
    };
  };
  const changes = batchJobChanges();
  /** Service jobs (serviceJobs.ts): their own store and operations. */
  const serviceJobs = batchServiceJobs({
    now,
    anchorMs: listing.anchorMs,
    defaultAccountId: callers.accounts.defaultAccountId,
    events: opts.events ?? NO_EVENTS,
    // As the demo's container jobs: listed only without a big account (described with one too).
    listsDemo: listing.jobsPerSource === undefined,
  });
  /** Jobs SubmitJob made, by account scope (submit.ts): found, listed and moved as any other. */
  const submitted = new Map<string, Map<string, WireBatchJob>>();
  const submittedOf = (scope: string, region: string) =>
    [...(submitted.get(scope)?.values() ?? [])].filter((j) => j.jobArn.split(':')[3] === region);
  const defaultAccountId = callers.accounts.defaultAccountId;
  /** An account's jobs as they stand now: the jobs tests changed or forgot (`jobs`) applied. */
  const jobsOf = (accountId: string): AccountJobs => {
    const jobs = callers.which(accountId) === 'default' ? defaultJobs : otherJobs(accountId);
    return {
      ...jobs,
      find: (req, region, id) =>
        changes.current(
          jobs.scope,
          submittedOf(jobs.scope, region).find((j) => j.jobId === id) ?? jobs.find(req, region, id),
        ),
    };
  };
  const { jobs, publishDue, publishChange } = batchJobEvents({
    now,
    defaultAccountId,
    region: BATCH_DEMO_REGION,
    events: opts.events ?? NO_EVENTS,
    changes,
    progressingJobId: () => listing.progressingJob().jobId,
    lookup: (accountId, jobId) => {
      const account = jobsOf(accountId);
      return { scope: account.scope, job: account.find(NO_REQUEST, BATCH_DEMO_REGION, jobId) };
    },
    queueJobs: (accountId, queueArn) =>
      demoJobsNow(accountId).filter((job) => job.jobQueue === queueArn),
  });
  /** Every demo job of an account as it stands now (not a big account's generated ones). */
  function demoJobsNow(accountId: string): WireBatchJob[] {
    const which = callers.which(accountId);
    if (which === 'other') return [];
    const scope = which === 'default' ? defaultJobs.scope : otherJobs(accountId).scope;
    const all =
      which === 'default'
        ? [
            ...fixtures.values(),
            listing.progressingJob(),
            ...BATCH_PROGRESSING_RUNS.finished(listing.cyclePoint()),
          ]
        : secondList.entries().map((e) => e.job());
    all.push(...submittedOf(scope, BATCH_DEMO_REGION));
    return all
      .map((job) => changes.current(scope, job))
      .filter((job): job is WireBatchJob => job !== undefined);
  }
  // The jobs' log lines (jobLogs.ts), from every demo job of an account as it stands now.
  opts.logs?.register(batchLogSource(BATCH_DEMO_REGION, demoJobsNow));
  const jobTokens = opaqueTokens('jobgraph-emulator-batch-ListJobs');
  const queueRoutes = batchQueueRoutes(now, {
    queueJobs: (accountId, queueArn) =>
      demoJobsNow(accountId).filter((job) => job.jobQueue === queueArn),
    // Moved there by a test; the progressing job at its phase; a demo job when it was made.
    enteredAt: (accountId, job) =>
      changes.runnableSince(jobsOf(accountId).scope, job.jobId) ??
      job.createdAt +
        (job.jobId === listing.progressingJob().jobId ? BATCH_PROGRESSING_RUNNABLE_AFTER_MS : 0),
  });

  const { headers, error, ok, errorAnswer } = restJsonAnswers(now);
  const clientError = (message: string) => error(400, 'ClientException', message);
  const throttled = () => error(429, 'TooManyRequestsException', 'Too Many Requests');
  const serverError = () =>
    error(500, 'ServerException', 'An internal error occurred. Try the request again.');

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const auth = await callers.verify(req);
    if (!auth.ok) {
      const { status, code, message } = jsonAuthRefusal(auth, { tokenStatus: 403 });
      return error(status, code, message);
    }
    const account = jobsOf(auth.accountId);
    const service = serviceJobs.answer(req, auth.accountId);
    if (service) return 'ok' in service ? ok(service.ok) : clientError(service.clientError);
    const operation = operationOf(req);
    if (!operation) return error(404, 'UnknownOperationException', 'Unknown operation');
    const body = readBody(req.body);
    if (typeof body === 'string') return clientError(body);
    const region = signingRegionOf(req) ?? '';
    if (operation === 'DescribeJobs') return describeJobs(req, account, region, body);
    if (operation === 'ListJobs') return listJobs(account, region, body);
    if (operation === 'CancelJob' || operation === 'TerminateJob')
      return act(operation, req, auth.accountId, account, region, body);
    if (operation === 'SubmitJob') return submit(auth.accountId, account, region, body);
    const answer = queueRoutes.answer(operation, auth.accountId, account, region, body);
    return typeof answer === 'string' ? clientError(answer) : ok(answer);
  }

  /**
   * CancelJob and TerminateJob (actions.ts has the service's rules): the job moved, its children
   * too, each change published as a `Batch Job State Change` event, answered 200 `{}` whether or
   * not anything moved, as the service answers. The error-case IDs answer as for DescribeJobs.
   */
  function act(
    operation: BatchAction,
    req: EmulatorRequest,
    accountId: string,
    account: AccountJobs,
    region: string,
    body: Record<string, unknown>,
  ): EmulatorResponse {
    const input = readActionInput(body);
    if (typeof input === 'string') return clientError(input);
    const { jobId, reason } = input;
    if (jobId === BATCH_ERROR_CASE_IDS.throttled) return throttled();
    if (jobId === BATCH_ERROR_CASE_IDS.serverError) return serverError();
    const job = account.find(req, region, jobId);
    // An ID the account does not have: ClientException, as the API pages describe it ("specifying
    // an identifier that's not valid") and moto answers it ("Job not found"). The wording is
    // unverified; an answer captured in 2017 (aws/aws-cli#2551) showed 200 {} instead.
    if (!job || jobId === BATCH_ERROR_CASE_IDS.clientError)
      return clientError(`Job ${jobId.slice(0, 128)} not found.`);
    const children = account
      .childrenOf(region, jobId)
      .map((child) => changes.current(account.scope, child))
      .filter((child): child is WireBatchJob => child !== undefined);
    const moved = applyBatchAction(
      operation,
      { job, children, scope: account.scope },
      reason,
      now(),
      changes,
    );
    for (const next of moved) publishChange(accountId, next);
    return ok({});
  }

  /**
   * SubmitJob (submit.ts): a new job of a definition some job of the account runs, in a queue of
   * the region, answered `{jobArn, jobName, jobId}`; the same body twice makes two jobs.
   */
  function submit(
    accountId: string,
    account: AccountJobs,
    region: string,
    body: Record<string, unknown>,
  ): EmulatorResponse {
    const input = readSubmitInput(body);
    if (typeof input === 'string') return clientError(input);
    const queue = account
      .queues(region)
      .find((q) => q.jobQueueName === input.jobQueue || q.jobQueueArn === input.jobQueue);
    if (!queue) return clientError(`JobQueue ${input.jobQueue.slice(0, 256)} not found.`);
    const template = definitionTemplate(demoJobsNow(accountId), input.jobDefinition);
    if (!template)
      return clientError(`Job definition ${input.jobDefinition.slice(0, 256)} not found.`);
    const job = submittedJob(input, queue, template, now());
    let mine = submitted.get(account.scope);
    if (!mine) submitted.set(account.scope, (mine = new Map<string, WireBatchJob>()));
    mine.set(job.jobId, job);
    return ok({ jobArn: job.jobArn, jobName: job.jobName, jobId: job.jobId });
  }

  function describeJobs(
    req: EmulatorRequest,
    account: AccountJobs,
    region: string,
    body: Record<string, unknown>,
  ): EmulatorResponse {
    const ids = body.jobs;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string'))
      return clientError('jobs is a required list of job IDs.');
    if (ids.length > BATCH_LIMITS.describeMaxJobs)
      return clientError(
        `jobs must have length less than or equal to ${BATCH_LIMITS.describeMaxJobs}.`,
      );
    if (ids.includes(BATCH_ERROR_CASE_IDS.throttled)) return throttled();
    if (ids.includes(BATCH_ERROR_CASE_IDS.serverError)) return serverError();
    if (ids.includes(BATCH_ERROR_CASE_IDS.clientError))
      return clientError('User is not authorized to describe the requested jobs.');
    const seen = new Set<string>();
    const jobs: WireBatchJob[] = [];
    for (const jobId of ids as string[]) {
      if (seen.has(jobId)) continue;
      seen.add(jobId);
      const job = account.find(req, region, jobId);
      if (job) jobs.push(job);
    }
    return ok({ jobs });
  }

  function listJobs(
    account: AccountJobs,
    region: string,
    body: Record<string, unknown>,
  ): EmulatorResponse {
    const targets = (['jobQueue', 'arrayJobId', 'multiNodeJobId'] as const).filter(
      (k) => body[k] !== undefined && body[k] !== null,
    );
    if (targets.length !== 1)
      return clientError(
        'Exactly one of jobQueue, arrayJobId and multiNodeJobId must be specified.',
      );
    const filter = readFilters(body.filters);
    if (typeof filter === 'string') return clientError(filter);
    const status = body.jobStatus;
    if (
      status !== undefined &&
      status !== null &&
      (typeof status !== 'string' || !JOB_STATUSES.includes(status))
    )
      return clientError(`jobStatus must be one of ${JOB_STATUSES.join(', ')}.`);
    const statusOnly =
      filter === null || filter.name === 'SHARE_IDENTIFIER'
        ? ((status as string | undefined) ?? (filter === null ? 'RUNNING' : undefined))
        : undefined;
    const target = targets[0]!;
    const name = body[target] as string;
    const scope = `${account.scope}/${region}/${target}=${name}/${JSON.stringify(filter)}/${String(statusOnly)}`;
    const page = readPaging(
      body,
      filter ? BATCH_LIMITS.listMaxFiltered : BATCH_LIMITS.listMaxUnfiltered,
      jobTokens,
      scope,
      now(),
    );
    if (typeof page === 'string') return clientError(page);
    const accept = (job: WireBatchJob | undefined): job is WireBatchJob =>
      job !== undefined &&
      (statusOnly === undefined || job.status === statusOnly) &&
      (filter === null || matches(filter, job));
    // As the job stands: changed by a test, or forgotten (then left out).
    const standing = (job: WireBatchJob) => changes.current(account.scope, job);
    let items: WireBatchJob[];
    let more: boolean;
    let last: ListPosition | undefined;
    if (target === 'jobQueue') {
      const queue = account
        .queues(region)
        .find((q) => q.jobQueueName === name || q.jobQueueArn === name);
      const list = queue ? account.listOf(region, queue.jobQueueArn) : null;
      const got = listing
        .source(list, queue !== undefined && account.progressingIn(region, queue.jobQueueArn))
        .page(page.position, page.size, (entry) => accept(standing(entry.job())));
      items = got.items.map((e) => standing(e.job())).filter(accept);
      // Submitted jobs are the newest: first, on a queue's first page (docs/emulators.md).
      if (queue && page.position === null)
        items = submittedOf(account.scope, region)
          .filter((j) => j.jobQueue === queue.jobQueueArn)
          .map(standing)
          .filter(accept)
          .sort((a, b) => b.createdAt - a.createdAt)
          .concat(items);
      more = got.more;
      last = got.last;
    } else {
      const children = account.childrenOf(region, name).map(standing).filter(accept);
      const got = listing.pageOf(
        children.map((job) => ({ createdMs: job.createdAt, id: job.jobId, job })),
        page.position,
        page.size,
      );
      items = got.items.map((e) => e.job);
      more = got.more;
      last = got.last;
    }
    return ok({
      jobSummaryList: items.map(summaryOf),
      ...(more && last ? { nextToken: jobTokens.issue(scope, last, now()) } : {}),
    });
  }

  return {
    name: 'batch',
    handle,
    jobs,
    publishDue: () => [publishDue, serviceJobs.publishDue].forEach((publish) => publish()),
    control: (req) => jobControlRoute(jobs, req),
    describe(req) {
      const submit = serviceJobCall(req);
      if (submit) return callers.describeRegional(req, submit.operation, submit.path);
      const service = serviceJobs.describe(req);
      if (service) return callers.describeRegional(req, service.operation, service.scope);
      const operation = operationOf(req);
      if (!operation) return callers.describeRegional(req, `${req.method} ${req.path}`, null);
      const body = readBody(req.body);
      if (operation === 'DescribeJobs' && typeof body !== 'string' && Array.isArray(body.jobs)) {
        const ids = (body.jobs as unknown[]).map(String);
        return callers.describeRegional(req, `DescribeJobs ${ids.length}`, ids.join(','));
      }
      if ((operation === 'CancelJob' || operation === 'TerminateJob') && typeof body !== 'string') {
        const jobId = typeof body.jobId === 'string' ? body.jobId : '';
        return callers.describeRegional(req, `${operation} ${jobId}`, jobId);
      }
      if (operation === 'SubmitJob' && typeof body !== 'string') {
        const queue = typeof body.jobQueue === 'string' ? body.jobQueue : '';
        return callers.describeRegional(req, `SubmitJob ${queue}`, `${queue}/`);
      }
      if (
        (operation === 'ListJobs' || operation === 'GetJobQueueSnapshot') &&
        typeof body !== 'string'
      ) {
        const named = body.jobQueue ?? body.arrayJobId ?? body.multiNodeJobId;
        const queue = typeof named === 'string' ? named : '';
        return callers.describeRegional(req, `${operation} ${queue}`, `${queue}/`);
      }
      return callers.describeRegional(req, operation, '');
    },
    throttled,
    serverError,
    errorAnswer,
    malformed: () => ({
      status: 200,
      headers: headers(),
      body: `{"jobs":[{"jobId":"${BATCH_JOB_IDS.succeeded}","jobNa`,
    }),
  };
}

function operationOf(req: EmulatorRequest): BatchOperation | null {
  if (req.method !== 'POST') return null;
  switch (req.rawPath) {
    case '/v1/canceljob':
      return 'CancelJob';
    case '/v1/terminatejob':
      return 'TerminateJob';
    case '/v1/describejobs':
      return 'DescribeJobs';
    case '/v1/listjobs':
      return 'ListJobs';
    case '/v1/describejobqueues':
      return 'DescribeJobQueues';
    case '/v1/submitjob':
      return 'SubmitJob';
    case '/v1/describecomputeenvironments':
      return 'DescribeComputeEnvironments';
    case '/v1/getjobqueuesnapshot':
      return 'GetJobQueueSnapshot';
    default:
      return null;
  }
}
